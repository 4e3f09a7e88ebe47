"""Scraping, alerting and the dashboard of one environment, for prometheus-operator and Grafana.

A preview ships only its monitors: its series carry ``tier="preview"``,
and the environment whose ``monitoring.preview_monitoring`` is set
(development) carries the one dashboard and the one rule set of all previews.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from ..configuration.naming import API, WORKER, Naming
from .alerts import API_JOB, WORKER_JOB, preview_rule_groups, rule_groups
from .dashboard import PREVIEWS_UID, dashboard, dashboard_json, preview_dashboard
from .manifest import ChartPart

MONITORING_API = "monitoring.coreos.com/v1"
DASHBOARD_LABEL = "grafana_dashboard"
TIER_LABEL = "tier"


class Observability(ChartPart):
    """ServiceMonitor (API), PodMonitor (workers), PrometheusRule and the Grafana dashboard ConfigMap.

    A monitor exists only for a component that serves ``/metrics`` (``monitoring.application_metrics``):
    the released worker serves none (its port 8081 is the health server), and scraping it would only
    record ``up == 0`` forever. The API is scraped through its Service (``naming.selector("api")``, port
    ``http``, ``/metrics``). The workers are scraped with a PodMonitor on their
    container port ``metrics`` (8081): they serve no traffic, so a headless
    Service would exist only for scraping, be one more object per environment,
    and could drift from the pods; the PodMonitor selects the pods by the same
    immutable selector labels as their Deployment. Both monitors relabel
    ``job`` to upstream's ``gorax-api`` / ``gorax-worker``, which the alerts use,
    and set the target label ``tier`` (``env.alert_tier``): prometheus-operator
    turns ``relabelings`` into the scrape's ``relabel_configs``, so every series
    and ``up`` of the target carries it, and one rule set can select all previews.

    The monitors and the rule carry ``env.monitoring.prometheus_labels`` (default
    ``release: kube-prometheus-stack``), the labels the cluster's Prometheus
    selects them by. The dashboard ConfigMap is labelled ``grafana_dashboard: "1"``
    for the Grafana sidecar (which must watch all namespaces).
    """

    def __init__(self, scope: Construct, id: str, *, naming: Naming) -> None:
        super().__init__(scope, id)
        env = naming.env
        monitoring = env.monitoring
        selected_by = dict(monitoring.prometheus_labels)

        def metadata(name: str, component: str | None = None, extra: dict[str, str] | None = None) -> dict[str, Any]:
            meta = naming.metadata(name, component=component)
            meta["labels"].update(extra or {})
            return meta

        def endpoint(port: str, job: str) -> dict[str, Any]:
            return {
                "port": port,
                "path": "/metrics",
                "interval": monitoring.scrape_interval,
                "scrapeTimeout": monitoring.scrape_timeout,
                "relabelings": [
                    {"action": "replace", "targetLabel": "job", "replacement": job},
                    {"action": "replace", "targetLabel": TIER_LABEL, "replacement": env.alert_tier},
                ],
            }

        namespaces = {"matchNames": [env.namespace]}
        served = monitoring.application_metrics
        if served.api:
            self.add_manifest(
                {
                    "apiVersion": MONITORING_API,
                    "kind": "ServiceMonitor",
                    "metadata": metadata(naming.name(API.name), API.name, selected_by),
                    "spec": {
                        "selector": {"matchLabels": naming.selector(API.name)},
                        "namespaceSelector": namespaces,
                        "endpoints": [endpoint(API.port_name, API_JOB)],
                    },
                },
            )
        if served.worker:
            self.add_manifest(
                {
                    "apiVersion": MONITORING_API,
                    "kind": "PodMonitor",
                    "metadata": metadata(naming.name(WORKER.name), WORKER.name, selected_by),
                    "spec": {
                        "selector": {"matchLabels": naming.selector(WORKER.name)},
                        "namespaceSelector": namespaces,
                        "podMetricsEndpoints": [endpoint(WORKER.port_name, WORKER_JOB)],
                    },
                },
            )
        if env.preview:
            return
        self.add_manifest(
            {
                "apiVersion": MONITORING_API,
                "kind": "PrometheusRule",
                "metadata": metadata(naming.name("alerts"), extra=selected_by),
                "spec": {"groups": rule_groups(env)},
            },
        )
        dashboard_name = naming.name("dashboard")
        self.add_manifest(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": metadata(dashboard_name, extra={DASHBOARD_LABEL: "1"}),
                "data": {f"gorax-{env.name}.json": dashboard_json(dashboard(env))},
            },
        )
        if monitoring.preview_monitoring:
            # Every preview's rules and dashboard, once: they select previews by label, never by name,
            # so this output does not change when a preview comes or goes.
            self.add_manifest(
                {
                    "apiVersion": MONITORING_API,
                    "kind": "PrometheusRule",
                    "metadata": metadata(naming.name("previews-alerts"), extra=selected_by),
                    "spec": {"groups": preview_rule_groups(env)},
                },
            )
            self.add_manifest(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": metadata(naming.name("previews-dashboard"), extra={DASHBOARD_LABEL: "1"}),
                    "data": {f"{PREVIEWS_UID}.json": dashboard_json(preview_dashboard(env))},
                },
            )
