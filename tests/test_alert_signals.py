"""Rules and dashboards read only series that exist: the exporters' and what the Gorax binaries really record.

The binaries (stherrien/gorax, ``internal/metrics/metrics.go`` and its callers) register more than they
record: ``gorax_http_*`` (``HTTPMetricsMiddleware`` unused), ``gorax_active_workers`` (``SetActiveWorkers``
uncalled), ``gorax_queue_depth`` (its collector never started), ``gorax_step_*`` are never written, the
API's registry has no ``process_*`` series, and the worker serves no ``/metrics``. The PrometheusRule CRD
vendored in ``crds/`` must accept what the rules use (``keep_firing_for``).
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
import yaml

from gorax_constructs.configuration.monitoring import ApplicationMetrics
from gorax_constructs.environments import ENVIRONMENTS
from gorax_constructs.parts.alerts import preview_rule_groups, rule_groups
from gorax_constructs.parts.dashboard import dashboard, preview_dashboard

from .conftest import REPO
from .fixture_catalog import PERMANENT, PRODUCTION

PLATFORM = re.compile(r"(kube|container|nginx_ingress_controller|envoy_cluster)_\w+|up")
RECORDED_BY_THE_API = {
    "gorax_workflow_executions_total",
    "gorax_workflow_execution_duration_seconds_bucket",
    "gorax_db_connections_in_use",
}
QUEUE = {"gorax_queue_depth"}
METRIC = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{")


def metrics(expr: str) -> set[str]:
    return set(METRIC.findall(expr))


def unrecorded(exprs: list[str], served: ApplicationMetrics) -> set[str]:
    allowed = (RECORDED_BY_THE_API if served.api else set()) | (QUEUE if served.queue_depth else set())
    return {m for e in exprs for m in metrics(e) if not PLATFORM.fullmatch(m) and m not in allowed}


def with_metrics(env, **served):
    monitoring = replace(env.monitoring, application_metrics=replace(env.monitoring.application_metrics, **served))
    return replace(env, monitoring=monitoring)


VARIANTS = [
    *ENVIRONMENTS,
    *PERMANENT,
    with_metrics(PRODUCTION, api=False),
    with_metrics(PRODUCTION, queue_depth=True),
    replace(PRODUCTION, edge=replace(PRODUCTION.edge, mode="gateway-api")),
]


@pytest.mark.parametrize("env", VARIANTS, ids=lambda e: f"{e.name}-{e.edge.mode}-{e.monitoring.application_metrics}")
def test_rules_and_panels_read_only_recorded_series(env):
    served = env.monitoring.application_metrics
    exprs = [r["expr"] for g in rule_groups(env) for r in g["rules"]]
    panels = [t["expr"] for p in dashboard(env)["panels"] for t in p["targets"]]
    if env.monitoring.preview_monitoring:
        exprs += [r["expr"] for g in preview_rule_groups(env) for r in g["rules"]]
        panels += [t["expr"] for p in preview_dashboard(env)["panels"] for t in p["targets"]]
    assert unrecorded(exprs, served) == set()
    assert unrecorded(panels, served) == set()
    if not served.api:
        assert not [e for e in exprs + panels if "gorax_" in e]


def test_traffic_panels_are_the_edges_without_probes_or_metrics():
    for env in ENVIRONMENTS:
        panels = {p["title"]: [t["expr"] for t in p["targets"]] for p in dashboard(env)["panels"]}
        traffic = [e for title, exprs in panels.items() if "edge" in title for e in exprs]
        assert traffic and all("nginx_ingress_controller_" in e or "envoy_cluster_" in e for e in traffic)
        # The edge refuses /metrics and /health* with an Ingress of their own: it is left out.
        assert all('ingress!~".+-gorax-blocked-ingress"' in e for e in traffic if "nginx_" in e)


def test_the_latency_alert_has_a_traffic_floor():
    for env in ENVIRONMENTS:
        (latency,) = [r for g in rule_groups(env) for r in g["rules"] if r["alert"] == "HighHTTPLatency"]
        floor = env.monitoring.min_traffic.http_requests_per_second
        assert re.search(rf"\nand on \(namespace\)\nsum by \(namespace\) \(.*\) >= {floor}$", latency["expr"])


def test_the_vendored_crd_accepts_keep_firing_for():
    crd = yaml.safe_load((REPO / "crds" / "monitoring.coreos.com_prometheusrules.yaml").read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    groups = version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["groups"]
    rule = groups["items"]["properties"]["rules"]["items"]["properties"]
    pattern = rule["keep_firing_for"]["pattern"]
    used = [r["keep_firing_for"] for g in rule_groups(PRODUCTION) for r in g["rules"] if "keep_firing_for" in r]
    assert used and all(re.fullmatch(pattern.strip("^$"), value) for value in used)
    assert all(e.monitoring.application_metrics == ApplicationMetrics() for e in ENVIRONMENTS)  # released binaries
