"""The Grafana dashboard of one environment, generated as JSON (pure Python, no cdk8s).

Every query is scoped to the environment's namespace; the uid is derived
from the environment so links survive re-syncs; panel ids are assigned in
order, so they are unique and the JSON is byte-stable.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .alerts import API_JOB, WORKER_JOB

if TYPE_CHECKING:
    from ..configuration.model import EnvironmentConfig

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
WIDTH, HEIGHT = 8, 8


def _panels(env: EnvironmentConfig) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(title, unit, [(legend, PromQL)]) of every panel, in reading order."""
    ns = f'namespace="{env.namespace}"'
    api = f'{ns},job="{API_JOB}"'
    runs = f"gorax_workflow_executions_total{{{ns}}}"
    pod_cpu = f'container_cpu_usage_seconds_total{{{ns},container!="",container!="POD"}}'
    pod_memory = f'container_memory_working_set_bytes{{{ns},container!="",container!="POD"}}'
    requests = "kube_pod_container_resource_requests{{{ns},resource={resource!r}}}"
    return [
        (
            "API request rate",
            "reqps",
            [("{{status}}", f"sum by (status) (rate(gorax_http_requests_total{{{api}}}[5m]))")],
        ),
        (
            "API 5xx ratio",
            "percentunit",
            [
                (
                    "5xx",
                    f'sum(rate(gorax_http_requests_total{{{api},status=~"5.."}}[5m])) '
                    f"/ sum(rate(gorax_http_requests_total{{{api}}}[5m]))",
                )
            ],
        ),
        (
            "API p95 latency",
            "s",
            [
                (
                    "p95",
                    "histogram_quantile(0.95, sum by (le) "
                    f"(rate(gorax_http_request_duration_seconds_bucket{{{api}}}[5m])))",
                )
            ],
        ),
        ("Workflow executions", "ops", [("{{status}}", f"sum by (status) (rate({runs}[5m]))")]),
        (
            "Workflow failure ratio",
            "percentunit",
            [
                (
                    "failed",
                    f'sum(rate(gorax_workflow_executions_total{{{ns},status="failed"}}[5m])) / sum(rate({runs}[5m]))',
                )
            ],
        ),
        (
            "Workflow p95 duration",
            "s",
            [
                (
                    "p95",
                    "histogram_quantile(0.95, sum by (le) "
                    f"(rate(gorax_workflow_execution_duration_seconds_bucket{{{ns}}}[5m])))",
                )
            ],
        ),
        ("Queue depth", "short", [("{{queue}}", f"max by (queue) (gorax_queue_depth{{{ns}}})")]),
        (
            "Active workers",
            "short",
            [
                ("active", f"sum(gorax_active_workers{{{ns}}})"),
                ("minimum", f"vector({env.worker.autoscaling.min_replicas})"),
                ("worker targets up", f'sum(up{{{ns},job="{WORKER_JOB}"}})'),
            ],
        ),
        (
            "Pod CPU against requests",
            "percentunit",
            [
                (
                    "{{pod}}",
                    f"sum by (pod) (rate({pod_cpu}[5m])) / sum by (pod) ("
                    + requests.format(ns=ns, resource="cpu")
                    + ")",
                )
            ],
        ),
        (
            "Pod memory against requests",
            "percentunit",
            [
                (
                    "{{pod}}",
                    f"sum by (pod) ({pod_memory}) / sum by (pod) (" + requests.format(ns=ns, resource="memory") + ")",
                )
            ],
        ),
    ]


def dashboard(env: EnvironmentConfig) -> dict[str, Any]:
    """The dashboard model (Grafana JSON), three panels to a row."""
    panels = []
    for index, (title, unit, queries) in enumerate(_panels(env)):
        panels.append(
            {
                "id": index + 1,
                "type": "timeseries",
                "title": title,
                "datasource": DATASOURCE,
                "gridPos": {"x": (index % 3) * WIDTH, "y": (index // 3) * HEIGHT, "w": WIDTH, "h": HEIGHT},
                "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                "targets": [
                    {"refId": chr(ord("A") + n), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
                    for n, (legend, expr) in enumerate(queries)
                ],
            }
        )
    return {
        "uid": f"gorax-{env.name}"[:40],
        "title": f"Gorax {env.name}",
        "tags": ["gorax", env.name],
        "timezone": "utc",
        "schemaVersion": 39,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [{"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source"}]
        },
        "panels": panels,
    }


def dashboard_json(env: EnvironmentConfig) -> str:
    """The dashboard as deterministic JSON (sorted keys), for the ConfigMap."""
    return json.dumps(dashboard(env), sort_keys=True, indent=2)
