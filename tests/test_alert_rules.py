"""promtool: every rule group loads, and the key alerts fire on failure and stay silent when healthy.

Skips (with the reason) when promtool is not on the PATH; `.ci/run` installs it.
"""

import re
import shutil
import subprocess

import pytest
import yaml

from gorax_constructs.environments import ENVIRONMENTS
from gorax_constructs.parts.alerts import ALERTS, rule_groups

PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not on PATH (apt-get install prometheus); rule tests not run"
)
OTHER_NAMESPACE = "some-other-env"
TEMPLATE = re.compile(r"\{\{ \$(labels\.(\w+)|value(?: \| (\w+))?) \}\}")


def render(text, labels, values):
    """The few Go templates the rules use: $labels.x, $value and $value | filter (from ``values``)."""
    return TEMPLATE.sub(lambda m: labels[m[2]] if m[2] else values[m[3]], text)


def expected(env, name, series_labels, values):
    alert = next(a for a in ALERTS if a.name == name)
    labels = {
        **series_labels,
        "severity": alert.severity,
        "component": alert.component,
        "namespace": env.namespace,
        "environment": env.name,
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


@pytest.fixture(params=ENVIRONMENTS, ids=lambda e: e.name)
def rule_file(request, tmp_path):
    env = request.param
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": rule_groups(env)}, sort_keys=False))
    return env, tmp_path


def test_promtool_check_rules(rule_file):
    env, folder = rule_file
    promtool("check", "rules", "rules.yaml", cwd=folder)


def test_promtool_rule_unit_tests(rule_file):
    env, folder = rule_file
    ns = env.namespace
    workers = env.worker.autoscaling.min_replicas
    healthy_workers = [
        {"series": f'gorax_active_workers{{namespace="{ns}",pod="w{i}"}}', "values": "1x30"} for i in range(workers)
    ]
    tests = [
        {  # half the executions fail; another environment's failures and backlog must not leak in
            "interval": "1m",
            "input_series": [
                {"series": f'gorax_workflow_executions_total{{namespace="{ns}",status="failed"}}', "values": "0+6x30"},
                {"series": f'gorax_workflow_executions_total{{namespace="{ns}",status="success"}}', "values": "0+6x30"},
                {"series": f'gorax_queue_depth{{namespace="{ns}",queue="default"}}', "values": "2000x30"},
                {"series": f'gorax_active_workers{{namespace="{ns}",pod="w0"}}', "values": "0x30"},
            ],
            "alert_rule_test": [
                {
                    "eval_time": "15m",
                    "alertname": "HighWorkflowFailureRate",
                    "exp_alerts": [expected(env, "HighWorkflowFailureRate", {}, {"humanizePercentage": "50%"})],
                },
                {
                    "eval_time": "15m",
                    "alertname": "QueueBacklog",
                    "exp_alerts": [expected(env, "QueueBacklog", {"queue": "default"}, {None: "2000"})],
                },
                {"eval_time": "15m", "alertname": "QueueBacklogCritical", "exp_alerts": []},
                {
                    "eval_time": "15m",
                    "alertname": "NoActiveWorkers",
                    "exp_alerts": [expected(env, "NoActiveWorkers", {}, {})],
                },
            ],
        },
        {  # no worker reports at all: the pods are gone, not idle
            "interval": "1m",
            "input_series": [{"series": f'gorax_queue_depth{{namespace="{ns}",queue="default"}}', "values": "0x10"}],
            "alert_rule_test": [
                {
                    "eval_time": "5m",
                    "alertname": "NoActiveWorkers",
                    "exp_alerts": [expected(env, "NoActiveWorkers", {}, {})],
                }
            ],
        },
        {  # healthy here, failing in another namespace
            "interval": "1m",
            "input_series": [
                {"series": f'gorax_workflow_executions_total{{namespace="{ns}",status="failed"}}', "values": "0+0x30"},
                {
                    "series": f'gorax_workflow_executions_total{{namespace="{ns}",status="success"}}',
                    "values": "0+60x30",
                },
                {"series": f'gorax_queue_depth{{namespace="{ns}",queue="default"}}', "values": "10x30"},
                *healthy_workers,
                {
                    "series": f'gorax_workflow_executions_total{{namespace="{OTHER_NAMESPACE}",status="failed"}}',
                    "values": "0+60x30",
                },
                {"series": f'gorax_queue_depth{{namespace="{OTHER_NAMESPACE}",queue="default"}}', "values": "9000x30"},
                {"series": f'gorax_active_workers{{namespace="{OTHER_NAMESPACE}"}}', "values": "0x30"},
            ],
            "alert_rule_test": [
                {"eval_time": "20m", "alertname": name, "exp_alerts": []}
                for name in (
                    "HighWorkflowFailureRate",
                    "CriticalWorkflowFailureRate",
                    "WorkflowExecutionStalled",
                    "QueueBacklog",
                    "QueueBacklogCritical",
                    "NoActiveWorkers",
                    "LowWorkerCount",
                )
            ],
        },
    ]
    (folder / "tests.yaml").write_text(
        yaml.safe_dump({"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": tests}, sort_keys=False)
    )
    promtool("test", "rules", "tests.yaml", cwd=folder)


def test_low_worker_count_fires_below_the_environment_minimum(tmp_path):
    env = next(e for e in ENVIRONMENTS if e.name == "production")
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": rule_groups(env)}, sort_keys=False))
    below = env.worker.autoscaling.min_replicas - 1
    tests = [
        {
            "interval": "1m",
            "input_series": [
                {"series": f'gorax_active_workers{{namespace="{env.namespace}"}}', "values": f"{below}x20"}
            ],
            "alert_rule_test": [
                {
                    "eval_time": "10m",
                    "alertname": "LowWorkerCount",
                    "exp_alerts": [expected(env, "LowWorkerCount", {}, {None: str(below)})],
                }
            ],
        }
    ]
    (tmp_path / "tests.yaml").write_text(
        yaml.safe_dump({"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": tests}, sort_keys=False)
    )
    promtool("test", "rules", "tests.yaml", cwd=tmp_path)
