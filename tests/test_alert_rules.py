"""promtool: every rule group loads, and the alerts fire for real problems only, in every tier.

Each scenario runs against the rules of development, staging and production and
against the previews' shared rule set (series of ``gorax-pr-123`` labelled
``tier="preview"``, as the preview's monitors label them). ``ALERTS`` is the
series Prometheus writes for every pending and firing alert, so
``ALERTS{alertstate="firing"}[1h]`` is everything that fired in the hour.

Skips (with the reason) when promtool is not on the PATH; `.ci/run` installs it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, replace
from typing import Any

import pytest
import yaml

from gorax_constructs.configuration.model import EnvironmentConfig
from gorax_constructs.environments import ENVIRONMENTS
from gorax_constructs.parts.alerts import ALERTS, preview_rule_groups, rule_groups

from .fixture_catalog import DEV as DEVELOPMENT
from .fixture_catalog import PRODUCTION

PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not on PATH (apt-get install prometheus); rule tests not run"
)
OTHER_NAMESPACE = "some-other-env"
PREVIEW_NAMESPACE = "gorax-pr-1"
TEMPLATE = re.compile(r"\{\{ \$(labels\.(\w+)|value(?: \| (\w+))?) \}\}")
HOUR = 60  # samples, one a minute
HIGHEST = {"production": "critical", "staging": "warning", "development": "info", "preview": "info"}
"""What the issue asks: only production pages; staging at most warns; development and previews inform."""


@dataclass(frozen=True)
class Target:
    """A rule set and the series one of its environments exposes."""

    id: str
    env: EnvironmentConfig  # sizes and thresholds (development's for the previews)
    namespace: str
    tier: str
    groups: list[dict[str, Any]]
    static: dict[str, str]  # labels the rules add besides severity, component and tier

    def series(self, metric: str, **labels: str) -> str:
        inner = {"namespace": self.namespace, "tier": self.tier, **labels}
        return metric + "{" + ",".join(f'{k}="{v}"' for k, v in inner.items()) + "}"

    @property
    def workers(self) -> int:
        return self.env.worker.autoscaling.min_replicas


def permanent(env: EnvironmentConfig) -> Target:
    return Target(env.name, env, env.namespace, env.tier, rule_groups(env), {"environment": env.name})


TARGETS = [
    *(permanent(env) for env in ENVIRONMENTS),
    Target("preview", DEVELOPMENT, PREVIEW_NAMESPACE, "preview", preview_rule_groups(DEVELOPMENT), {}),
]


def render(text, labels, values):
    """The few Go templates the rules use: $labels.x, $value and $value | filter (from ``values``)."""
    return TEMPLATE.sub(lambda m: labels[m[2]] if m[2] else values[m[3]], text)


def expected(target, name, series_labels, values):
    alert = next(a for a in ALERTS if a.name == name)
    labels = {
        **series_labels,
        "severity": alert.severity_in(target.tier),
        "component": alert.component,
        "namespace": target.namespace,
        **target.static,
        "tier": target.tier,
    }
    return {
        "exp_labels": labels,
        "exp_annotations": {
            "summary": render(alert.summary, labels, values),
            "description": render(alert.description, labels, values),
            "runbook_url": alert.runbook_url,
        },
    }


def promtool(*args, cwd):
    result = subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def run_tests(folder, groups, tests):
    (folder / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    (folder / "tests.yaml").write_text(
        yaml.safe_dump({"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": tests}, sort_keys=False)
    )
    promtool("test", "rules", "tests.yaml", cwd=folder)


def fired(expr="", eval_time="60m", samples=()):
    """What fired in the hour before ``eval_time``: a ``promql_expr_test`` on ``ALERTS``."""
    return {
        "expr": f'max_over_time(ALERTS{{alertstate="firing"{expr}}}[1h])',
        "eval_time": eval_time,
        "exp_samples": [
            {"labels": "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}", "value": 1}
            for labels in ({**sample, "alertstate": "firing"} for sample in samples)
        ],
    }


def healthy_workers(target, minutes=HOUR + 10):
    """Every worker up, scraped and reporting itself active; the API target up."""
    series = [
        {"series": target.series("gorax_active_workers", pod=f"w{i}"), "values": f"1x{minutes}"}
        for i in range(target.workers)
    ]
    series += [
        {"series": target.series("up", job="gorax-worker", instance=f"w{i}"), "values": f"1x{minutes}"}
        for i in range(target.workers)
    ]
    series.append({"series": target.series("up", job="gorax-api", instance="a0"), "values": f"1x{minutes}"})
    return series


@pytest.fixture(params=TARGETS, ids=lambda t: t.id)
def target(request):
    return request.param


def test_promtool_check_rules(target, tmp_path):
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": target.groups}, sort_keys=False))
    promtool("check", "rules", "rules.yaml", cwd=tmp_path)


def test_an_idle_environment_fires_nothing_for_an_hour(target, tmp_path):
    """No traffic, an empty queue, workers up: with the counters at rest, and with no counter at all."""
    at_rest = [
        {"series": target.series("gorax_workflow_executions_total", status="success"), "values": f"0+0x{HOUR}"},
        {"series": target.series("gorax_http_requests_total", status="200", path="/api"), "values": f"0+0x{HOUR}"},
        {"series": target.series("gorax_step_executions_total", step_type="http", status="success"), "values": "0x60"},
        {"series": target.series("process_resident_memory_bytes", job="gorax-api"), "values": f"50e6x{HOUR}"},
    ]
    queue = {"series": target.series("gorax_queue_depth", queue="default"), "values": f"0x{HOUR}"}
    run_tests(
        tmp_path,
        target.groups,
        [
            {
                "interval": "1m",
                "input_series": [*healthy_workers(target), queue, *counters],
                "promql_expr_test": [fired(eval_time="30m"), fired(eval_time="60m")],
            }
            for counters in (at_rest, [])
        ],
    )


def test_a_real_stall_fires_workflow_execution_stalled_capped_by_tier(target, tmp_path):
    """Work flows for 20 minutes, then 200 messages wait and nothing completes; workers stay up.

    Also with no executions counter at all (workers that never completed anything since they started).
    """
    stalled = expected(target, "WorkflowExecutionStalled", {}, {None: "200"})
    severity = stalled["exp_labels"]["severity"]
    assert severity == HIGHEST[target.tier]
    only_the_stall = fired(samples=[{**stalled["exp_labels"], "alertname": "WorkflowExecutionStalled"}])
    flowing_then_stuck = [
        {"series": target.series("gorax_workflow_executions_total", status="success"), "values": "0+10x20 200x50"},
        {"series": target.series("gorax_queue_depth", queue="default"), "values": "3x20 200x50"},
    ]
    never_completed = [{"series": target.series("gorax_queue_depth", queue="default"), "values": "200x70"}]
    run_tests(
        tmp_path,
        target.groups,
        [
            {
                "interval": "1m",
                "input_series": [*healthy_workers(target), *flowing_then_stuck],
                "alert_rule_test": [
                    {"eval_time": "30m", "alertname": "WorkflowExecutionStalled", "exp_alerts": []},
                    {"eval_time": "60m", "alertname": "WorkflowExecutionStalled", "exp_alerts": [stalled]},
                ],
                "promql_expr_test": [only_the_stall, fired(',severity="critical"', samples=[])]
                if severity != "critical"
                else [only_the_stall],
            },
            {
                "interval": "1m",
                "input_series": [*healthy_workers(target), *never_completed],
                "alert_rule_test": [
                    {"eval_time": "9m", "alertname": "WorkflowExecutionStalled", "exp_alerts": []},
                    {"eval_time": "15m", "alertname": "WorkflowExecutionStalled", "exp_alerts": [stalled]},
                ],
                "promql_expr_test": [only_the_stall],
            },
        ],
    )


def test_sparse_failing_traffic_fires_nothing(target, tmp_path):
    """One request, one execution and one step every two minutes, half of them failing, for an hour.

    Upstream fired HighHTTPErrorRate (critical), both workflow failure alerts and HighStepFailureRate.
    """
    every_two_minutes = f"0+0.5x{HOUR}"
    sparse = [
        {"series": target.series("gorax_http_requests_total", status=status, path="/api"), "values": every_two_minutes}
        for status in ("200", "500")
    ]
    sparse += [
        {"series": target.series("gorax_workflow_executions_total", status=status), "values": every_two_minutes}
        for status in ("success", "failed")
    ]
    sparse += [
        {
            "series": target.series("gorax_step_executions_total", step_type="transform", status=status),
            "values": every_two_minutes,
        }
        for status in ("success", "failed")
    ]
    queue = {"series": target.series("gorax_queue_depth", queue="default"), "values": f"0x{HOUR}"}
    run_tests(
        tmp_path,
        target.groups,
        [
            {
                "interval": "1m",
                "input_series": [*healthy_workers(target), queue, *sparse],
                "promql_expr_test": [fired()],
            }
        ],
    )


def outage(target):
    """5xx for half of 20 requests per second, from the start."""
    return [
        {"series": target.series("gorax_http_requests_total", status=status, path="/api"), "values": "0+600x30"}
        for status in ("200", "503")
    ]


def test_an_outage_fires_high_http_error_rate_capped_by_tier(target, tmp_path):
    error_rate = expected(target, "HighHTTPErrorRate", {}, {"humanizePercentage": "50%"})
    assert error_rate["exp_labels"]["severity"] == HIGHEST[target.tier]
    run_tests(
        tmp_path,
        target.groups,
        [
            {
                "interval": "1m",
                "input_series": [*healthy_workers(target, 30), *outage(target)],
                "alert_rule_test": [
                    {"eval_time": "4m", "alertname": "HighHTTPErrorRate", "exp_alerts": []},
                    {"eval_time": "15m", "alertname": "HighHTTPErrorRate", "exp_alerts": [error_rate]},
                ],
            }
        ],
    )


def test_the_traffic_floor_comes_from_the_environment(tmp_path):
    """The same outage at 20 requests/s stays silent where the floor is 25."""
    floor = replace(PRODUCTION.monitoring.min_traffic, http_requests_per_second=25)
    env = replace(PRODUCTION, monitoring=replace(PRODUCTION.monitoring, min_traffic=floor))
    target = permanent(env)
    run_tests(
        tmp_path,
        target.groups,
        [
            {
                "interval": "1m",
                "input_series": [*healthy_workers(target, 30), *outage(target)],
                "alert_rule_test": [{"eval_time": "15m", "alertname": "HighHTTPErrorRate", "exp_alerts": []}],
            }
        ],
    )


def test_failures_backlog_and_missing_workers(target, tmp_path):
    tests = [
        {  # half the executions fail; another environment's failures and backlog must not leak in
            "interval": "1m",
            "input_series": [
                {"series": target.series("gorax_workflow_executions_total", status="failed"), "values": "0+6x30"},
                {"series": target.series("gorax_workflow_executions_total", status="success"), "values": "0+6x30"},
                {"series": target.series("gorax_queue_depth", queue="default"), "values": "2000x30"},
                {"series": target.series("gorax_active_workers", pod="w0"), "values": "0x30"},
                {"series": target.series("up", job="gorax-api", instance="a0"), "values": "1x30"},
            ],
            "alert_rule_test": [
                {
                    "eval_time": "15m",
                    "alertname": "HighWorkflowFailureRate",
                    "exp_alerts": [expected(target, "HighWorkflowFailureRate", {}, {"humanizePercentage": "50%"})],
                },
                {
                    "eval_time": "15m",
                    "alertname": "QueueBacklog",
                    "exp_alerts": [expected(target, "QueueBacklog", {"queue": "default"}, {None: "2000"})],
                },
                {"eval_time": "15m", "alertname": "QueueBacklogCritical", "exp_alerts": []},
                {
                    "eval_time": "15m",
                    "alertname": "NoActiveWorkers",
                    "exp_alerts": [expected(target, "NoActiveWorkers", {}, {})],
                },
            ],
        },
        {  # no worker reports at all: the pods are gone, not idle (the API is still scraped)
            "interval": "1m",
            "input_series": [
                {"series": target.series("gorax_queue_depth", queue="default"), "values": "0x10"},
                {"series": target.series("up", job="gorax-api", instance="a0"), "values": "1x10"},
            ],
            "alert_rule_test": [
                {
                    "eval_time": "5m",
                    "alertname": "NoActiveWorkers",
                    "exp_alerts": [expected(target, "NoActiveWorkers", {}, {})],
                }
            ],
        },
        {  # healthy here, failing in another namespace
            "interval": "1m",
            "input_series": [
                {"series": target.series("gorax_workflow_executions_total", status="failed"), "values": "0+0x30"},
                {"series": target.series("gorax_workflow_executions_total", status="success"), "values": "0+60x30"},
                {"series": target.series("gorax_queue_depth", queue="default"), "values": "10x30"},
                *healthy_workers(target, 30),
                {
                    "series": f'gorax_workflow_executions_total{{namespace="{OTHER_NAMESPACE}",status="failed"}}',
                    "values": "0+60x30",
                },
                {"series": f'gorax_queue_depth{{namespace="{OTHER_NAMESPACE}",queue="default"}}', "values": "9000x30"},
                {"series": f'gorax_active_workers{{namespace="{OTHER_NAMESPACE}"}}', "values": "0x30"},
                {"series": f'up{{namespace="{OTHER_NAMESPACE}",job="gorax-api"}}', "values": "1x30"},
            ],
            "promql_expr_test": [fired(eval_time="30m")],
        },
    ]
    run_tests(tmp_path, target.groups, tests)


def test_low_worker_count_fires_below_the_environment_minimum(tmp_path):
    target = permanent(PRODUCTION)
    below = target.workers - 1
    run_tests(
        tmp_path,
        target.groups,
        [
            {
                "interval": "1m",
                "input_series": [{"series": target.series("gorax_active_workers"), "values": f"{below}x20"}],
                "alert_rule_test": [
                    {
                        "eval_time": "10m",
                        "alertname": "LowWorkerCount",
                        "exp_alerts": [expected(target, "LowWorkerCount", {}, {None: str(below)})],
                    }
                ],
            }
        ],
    )
