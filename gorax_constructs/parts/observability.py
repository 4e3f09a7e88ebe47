"""Scraping, alerting and the dashboard of one environment, for prometheus-operator and Grafana.

A preview ships only its monitors: its series carry ``tier="preview"``,
and the environment whose ``monitoring.preview_monitoring`` is set
(development) carries the one dashboard and the one rule set of all previews.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from constructs import Construct

from ..configuration.naming import API, WORKER, Naming
from .alerts import API_JOB, WORKER_JOB, preview_rule_groups, rule_groups
from .dashboard import PREVIEWS_UID, dashboard, dashboard_json, preview_dashboard
from .manifest import Body, ChartPart

if TYPE_CHECKING:
    from ..configuration.model import EnvironmentConfig
    from ..configuration.monitoring import MonitoringConfig
    from .workloads import ApiService, WorkerPool

MONITORING_API = "monitoring.coreos.com/v1"
DASHBOARD_LABEL = "grafana_dashboard"
TIER_LABEL = "tier"


@dataclass(frozen=True)
class Signals:
    """What the monitoring stack gets beside the monitors: alert rule groups and a Grafana dashboard model.

    ``previews``: the same for every preview at once, carried by the environment that monitors them.
    """

    rule_groups: list[Body]
    dashboard: Body
    previews: Signals | None = None

    @classmethod
    def of(cls, env: EnvironmentConfig) -> Signals | None:
        """An environment's signals: ``None`` for a preview (development's carry them)."""
        if env.preview:
            return None
        previews = None
        if env.monitoring.preview_monitoring:
            previews = cls(preview_rule_groups(env), preview_dashboard(env))
        return cls(rule_groups(env), dashboard(env), previews)


class Observability(ChartPart):
    """ServiceMonitor (API), PodMonitor (workers), PrometheusRule and the Grafana dashboard ConfigMap.

    A monitor exists only for a component that serves metrics: the application contract's endpoint
    (``env.contract.<component>.metrics``), switched by ``monitoring.application_metrics``
    (``contract.served_metrics``). The upstream API does (``/metrics`` on ``http``, scraped through its
    Service); the upstream worker serves none (its port 8081 is the health server), and scraping it
    would only record ``up == 0`` forever, so no PodMonitor is emitted unless a build that adds worker
    metrics says so. Then the workers are scraped with a PodMonitor on that port: they serve no
    traffic, so a headless Service would exist only for scraping, be one more object per environment,
    and could drift from the pods; the PodMonitor selects the pods by the same immutable selector
    labels as their Deployment. Both monitors relabel
    ``job`` to upstream's ``gorax-api`` / ``gorax-worker``, which the alerts use,
    and set the target label ``tier``: prometheus-operator
    turns ``relabelings`` into the scrape's ``relabel_configs``, so every series
    and ``up`` of the target carries it, and one rule set can select all previews.

    The monitors and the rule carry ``monitoring.prometheus_labels`` (default
    ``release: kube-prometheus-stack``), the labels the cluster's Prometheus
    selects them by. The dashboard ConfigMap is labelled ``grafana_dashboard: "1"``
    for the Grafana sidecar (which must watch all namespaces).

    Props:
        naming: names and labels; the dashboard's file is ``gorax-<naming.environment>.json``.
        monitoring: scrape interval and timeout, the labels Prometheus selects by.
        tier: the ``tier`` target label (``EnvironmentConfig.alert_tier``).
        api, worker: the pods scraped (their selectors, metrics ports and paths).
        signals: the PrometheusRule's groups and the dashboard (``Signals.of(env)``; default ``None``:
            monitors only, as for a preview).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        monitoring: MonitoringConfig,
        tier: str,
        api: ApiService,
        worker: WorkerPool,
        signals: Signals | None = None,
    ) -> None:
        super().__init__(scope, id)
        selected_by = dict(monitoring.prometheus_labels)

        def metadata(name: str, component: str | None = None, extra: dict[str, str] | None = None) -> dict[str, Any]:
            meta = naming.metadata(name, component=component)
            meta["labels"].update(extra or {})
            return meta

        def endpoint(port: str, path: str, job: str) -> dict[str, Any]:
            return {
                "port": port,
                "path": path,
                "interval": monitoring.scrape_interval,
                "scrapeTimeout": monitoring.scrape_timeout,
                "relabelings": [
                    {"action": "replace", "targetLabel": "job", "replacement": job},
                    {"action": "replace", "targetLabel": TIER_LABEL, "replacement": tier},
                ],
            }

        namespaces = {"matchNames": [naming.namespace]}
        if api.metrics_port_name is not None and api.metrics is not None:
            self.add_manifest(
                {
                    "apiVersion": MONITORING_API,
                    "kind": "ServiceMonitor",
                    "metadata": metadata(naming.name(API.name), API.name, selected_by),
                    "spec": {
                        "selector": {"matchLabels": api.selector},
                        "namespaceSelector": namespaces,
                        "endpoints": [endpoint(api.metrics_port_name, api.metrics.path, API_JOB)],
                    },
                },
            )
        if worker.metrics_port_name is not None and worker.metrics is not None:
            self.add_manifest(
                {
                    "apiVersion": MONITORING_API,
                    "kind": "PodMonitor",
                    "metadata": metadata(naming.name(WORKER.name), WORKER.name, selected_by),
                    "spec": {
                        "selector": {"matchLabels": worker.selector},
                        "namespaceSelector": namespaces,
                        "podMetricsEndpoints": [endpoint(worker.metrics_port_name, worker.metrics.path, WORKER_JOB)],
                    },
                },
            )
        if signals is None:
            return
        self.add_manifest(
            {
                "apiVersion": MONITORING_API,
                "kind": "PrometheusRule",
                "metadata": metadata(naming.name("alerts"), extra=selected_by),
                "spec": {"groups": signals.rule_groups},
            },
        )
        dashboard_name = naming.name("dashboard")
        self.add_manifest(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": metadata(dashboard_name, extra={DASHBOARD_LABEL: "1"}),
                "data": {f"gorax-{naming.environment}.json": dashboard_json(signals.dashboard)},
            },
        )
        if signals.previews is not None:
            # Every preview's rules and dashboard, once: they select previews by label, never by name,
            # so this output does not change when a preview comes or goes.
            self.add_manifest(
                {
                    "apiVersion": MONITORING_API,
                    "kind": "PrometheusRule",
                    "metadata": metadata(naming.name("previews-alerts"), extra=selected_by),
                    "spec": {"groups": signals.previews.rule_groups},
                },
            )
            self.add_manifest(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": metadata(naming.name("previews-dashboard"), extra={DASHBOARD_LABEL: "1"}),
                    "data": {f"{PREVIEWS_UID}.json": dashboard_json(signals.previews.dashboard)},
                },
            )
