"""The Grafana dashboards, built with Grafana's dashboards-as-code SDK (``grafana-foundation-sdk``).

The SDK's builders are generated from Grafana's own dashboard schema (this pin
targets Grafana 11.6, ``schemaVersion`` 41): a panel, a Prometheus query or a
variable is a typed object, and ``to_json()`` gives the dashboard model Grafana
stores. What it costs per synth: docs/performance.md, "Dashboards".

Two kinds of dashboard, from the same panels:

* one per permanent environment (uid ``gorax-<environment>``), every query
  scoped to its namespace;
* one for all previews (uid ``gorax-previews``), with a ``namespace`` variable
  listing the namespaces holding a preview's ResourceQuota: 100 previews are one
  entry in Grafana's list, not 100.

The queries are the alerts' own building blocks (``alert_scope.Scope``): traffic is the edge's,
availability kube-state-metrics', and application panels exist only where the binaries serve them.

Panel ids are assigned in order and the JSON has sorted keys, so it is byte-stable.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from grafana_foundation_sdk.builders import dashboard as gd
from grafana_foundation_sdk.builders import prometheus, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef, VariableRefresh, VariableSort

from ..configuration.naming import APP
from .alert_scope import PREVIEW_QUOTA, Scope

if TYPE_CHECKING:
    from ..configuration.model import EnvironmentConfig

DATASOURCE_VARIABLE = "datasource"
NAMESPACE_VARIABLE = "namespace"
DATASOURCE = DataSourceRef(type_val="prometheus", uid=f"${{{DATASOURCE_VARIABLE}}}")
WIDTH, HEIGHT = 8, 8
PREVIEWS_UID = "gorax-previews"
PREVIEW_NAMESPACES = f"label_values({PREVIEW_QUOTA}, namespace)"
"""The preview namespaces, as the rules know them: those with a preview's ResourceQuota."""
Panel = tuple[str, str, list[tuple[str, str]]]


def _panels(env: EnvironmentConfig, s: Scope) -> list[Panel]:
    """(title, unit, [(legend, PromQL)]) of every panel, in reading order, in the scope ``s`` of one namespace.

    Traffic is the edge's (``Scope.edge_rate``, the series the alerts read): it never holds the kubelet's
    probes nor ``/metrics``. Application panels only where the binaries serve the series.
    """
    served = env.monitoring.application_metrics
    ns = s.namespace
    runs = s("gorax_workflow_executions_total")
    failed = s("gorax_workflow_executions_total", 'status="failed"')
    pod_cpu = s.kube("container_cpu_usage_seconds_total", 'container!="",container!="POD"')
    pod_memory = s.kube("container_memory_working_set_bytes", 'container!="",container!="POD"')
    requests = "kube_pod_container_resource_requests{{{ns},resource={resource!r}}}"
    panels: list[Panel] = [
        ("Requests at the edge", "reqps", [("requests", s.edge_rate()), ("5xx", s.edge_rate(errors=True))]),
        ("5xx ratio at the edge", "percentunit", [("5xx", f"{s.edge_rate(errors=True)} / {s.edge_rate()}")]),
        ("p95 latency at the edge", "s", [("p95", s.edge_p95())]),
        (
            "Available pods",
            "short",
            [
                (f"{component} {what}", s.sum(s.kube(metric, f'deployment=~".+-{APP}-{component}"')))
                for component in ("api", "worker")
                for what, metric in (
                    ("available", "kube_deployment_status_replicas_available"),
                    ("desired", "kube_deployment_spec_replicas"),
                )
            ],
        ),
        (
            "Container restarts (15m)",
            "short",
            [("{{pod}}", f"sum by (pod) (increase({s.kube('kube_pod_container_status_restarts_total')}[15m]))")],
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
    if served.api:
        panels += [
            ("Workflow executions (API)", "ops", [("{{status}}", f"sum by (status) (rate({runs}[5m]))")]),
            (
                "Workflow failure ratio (API)",
                "percentunit",
                [
                    (
                        "failed",
                        f"sum(rate({failed}[5m])) / sum(rate({runs}[5m]))",
                    )
                ],
            ),
            (
                "Database connections in use (API)",
                "short",
                [
                    ("{{pod}}", f"sum by (pod) ({s('gorax_db_connections_in_use')})"),
                    ("maximum per pod", f"vector({env.database.max_open_conns})"),
                ],
            ),
        ]
    if served.queue_depth:
        panels.append(("Queue depth", "short", [("{{queue}}", f"max by (queue) ({s('gorax_queue_depth')})")]))
    return panels


def _build(uid: str, title: str, tags: list[str], panels: list[Panel], previews: bool) -> dict[str, Any]:
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
    for index, (panel_title, unit, queries) in enumerate(panels):
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
    uid = f"gorax-{env.name}"[:40]
    return _build(uid, f"Gorax {env.name}", ["gorax", env.name], _panels(env, Scope(env)), False)


def preview_dashboard(development: EnvironmentConfig) -> dict[str, Any]:
    """The one dashboard of every preview: pick the preview's namespace (``gorax-<preview>``) at the top."""
    scope = Scope(development, namespace=f"${NAMESPACE_VARIABLE}")
    panels = _panels(development, scope)
    return _build(PREVIEWS_UID, "Gorax previews", ["gorax", "preview"], panels, True)


def dashboard_json(model: dict[str, Any]) -> str:
    """A dashboard as deterministic JSON (sorted keys), for its ConfigMap."""
    return json.dumps(model, sort_keys=True, indent=2)
