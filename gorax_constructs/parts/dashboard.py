"""The Grafana dashboards, built with Grafana's dashboards-as-code SDK (``grafana-foundation-sdk``).

The SDK's builders are generated from Grafana's own dashboard schema (this pin
targets Grafana 11.6, ``schemaVersion`` 41): a panel, a Prometheus query or a
variable is a typed object, and ``to_json()`` gives the dashboard model Grafana
stores. What it costs per synth: docs/performance.md, "Dashboards".

Two kinds of dashboard, from the same panels:

* one per permanent environment (uid ``gorax-<environment>``), every query
  scoped to its namespace;
* one for all previews (uid ``gorax-previews``), with a ``namespace`` variable
  listing the namespaces whose targets carry ``tier="preview"``: 100 previews
  are one entry in Grafana's list, not 100.

Panel ids are assigned in order and the JSON has sorted keys, so it is byte-stable.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from grafana_foundation_sdk.builders import dashboard as gd
from grafana_foundation_sdk.builders import prometheus, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef, VariableRefresh, VariableSort

from .alerts import API_JOB, PREVIEW_SELECTOR, WORKER_JOB

if TYPE_CHECKING:
    from ..configuration.model import EnvironmentConfig

DATASOURCE_VARIABLE = "datasource"
NAMESPACE_VARIABLE = "namespace"
DATASOURCE = DataSourceRef(type_val="prometheus", uid=f"${{{DATASOURCE_VARIABLE}}}")
WIDTH, HEIGHT = 8, 8
PREVIEWS_UID = "gorax-previews"
PREVIEW_NAMESPACES = f'label_values(up{{{PREVIEW_SELECTOR},job="{API_JOB}"}}, namespace)'
"""The preview namespaces Prometheus scrapes now: a preview is listed while its API target is."""


def _panels(ns: str, min_workers: int) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(title, unit, [(legend, PromQL)]) of every panel, in reading order; ``ns`` is the namespace matcher."""
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
                ("minimum", f"vector({min_workers})"),
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


def _build(uid: str, title: str, tags: list[str], ns: str, min_workers: int, previews: bool) -> dict[str, Any]:
    """The dashboard model, three panels to a row (the SDK places them: 24 columns, 8 each)."""
    builder = (
        gd.Dashboard(title)
        .uid(uid)
        .tags(tags)
        .timezone("utc")
        .refresh("30s")
        .time("now-6h", "now")
        .editable()
        .with_variable(gd.DatasourceVariable(DATASOURCE_VARIABLE).label("Data source").type("prometheus"))
    )
    if previews:
        builder = builder.with_variable(
            gd.QueryVariable(NAMESPACE_VARIABLE)
            .label("Preview namespace")
            .datasource(DATASOURCE)
            .query(PREVIEW_NAMESPACES)
            .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
            .sort(VariableSort.ALPHABETICAL_ASC)
        )
    for index, (panel_title, unit, queries) in enumerate(_panels(ns, min_workers)):
        panel = (
            timeseries.Panel()
            .id(index + 1)
            .title(panel_title)
            .unit(unit)
            .datasource(DATASOURCE)
            .span(WIDTH)
            .height(HEIGHT)
        )
        for n, (legend, expr) in enumerate(queries):
            panel = panel.with_target(
                prometheus.Dataquery().ref_id(chr(ord("A") + n)).datasource(DATASOURCE).expr(expr).legend_format(legend)
            )
        builder = builder.with_panel(panel)
    return json.loads(json.dumps(builder.build(), cls=JSONEncoder))


def dashboard(env: EnvironmentConfig) -> dict[str, Any]:
    """The dashboard of one permanent environment, every query scoped to its namespace."""
    ns = f'namespace="{env.namespace}"'
    uid = f"gorax-{env.name}"[:40]
    return _build(uid, f"Gorax {env.name}", ["gorax", env.name], ns, env.worker.autoscaling.min_replicas, False)


def preview_dashboard(development: EnvironmentConfig) -> dict[str, Any]:
    """The one dashboard of every preview: pick the preview's namespace (``gorax-<preview>``) at the top."""
    ns = f'namespace="${NAMESPACE_VARIABLE}"'
    min_workers = development.worker.autoscaling.min_replicas
    return _build(PREVIEWS_UID, "Gorax previews", ["gorax", "preview"], ns, min_workers, True)


def dashboard_json(model: dict[str, Any]) -> str:
    """A dashboard as deterministic JSON (sorted keys), for its ConfigMap."""
    return json.dumps(model, sort_keys=True, indent=2)
