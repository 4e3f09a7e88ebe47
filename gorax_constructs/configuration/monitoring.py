"""The monitoring section of an environment: scrape settings, the Prometheus selector label, alert thresholds.

Kept apart from ``observability.py`` (which emits the objects) so that
``config.py`` can import it without importing cdk8s or ``naming``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields

from .dns import is_label_value
from .errors import Problem

# prometheus-operator's Duration pattern (monitoring.coreos.com/v1 CRDs).
DURATION = re.compile(r"(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)")
DURATION_ALLOWED = "a Prometheus duration such as '30s', '1m' or '1m30s'"
_UNIT_MS = {"y": 365 * 86_400_000, "w": 7 * 86_400_000, "d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1000}
LABEL_NAME = re.compile(r"([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")


def is_duration(value: object) -> bool:
    return isinstance(value, str) and value != "" and DURATION.fullmatch(value) is not None


def duration_ms(value: str) -> int:
    """Milliseconds of a valid Prometheus duration."""
    return sum(
        int(n) * (1 if unit == "ms" else _UNIT_MS[unit]) for n, unit in re.findall(r"([0-9]+)(ms|[ywdhms])", value)
    )


@dataclass(frozen=True, kw_only=True)
class AlertThresholds:
    """Alert thresholds an environment may change; defaults are the upstream alert set's where it has one.

    The memory threshold is a share of each container's memory limit, the database pool's of
    ``database.max_open_conns``: both follow the environment's sizes.
    """

    workflow_failure_ratio_warning: float = 0.1
    workflow_failure_ratio_critical: float = 0.25
    workflow_p95_seconds: float = 60
    queue_depth_warning: int = 1000
    queue_depth_critical: int = 5000
    http_5xx_ratio: float = 0.05
    http_p95_seconds: float = 2
    http_requests_per_second: float = 1000
    memory_limit_ratio: float = 0.9
    cpu_throttled_ratio: float = 0.25
    """kube-prometheus's ``CPUThrottlingHigh`` default: a quarter of the CFS periods throttled."""
    db_pool_in_use_ratio: float = 0.9

    def problems(self) -> Iterator[Problem]:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                yield Problem(item.name, value, "a positive number")
            elif item.name.endswith("_ratio") and value > 1:
                yield Problem(item.name, value, "a ratio above 0 and at most 1")
        if self.workflow_failure_ratio_critical < self.workflow_failure_ratio_warning:
            yield Problem(
                "workflow_failure_ratio_critical",
                self.workflow_failure_ratio_critical,
                f"at least workflow_failure_ratio_warning ({self.workflow_failure_ratio_warning})",
            )
        if self.queue_depth_critical < self.queue_depth_warning:
            yield Problem(
                "queue_depth_critical",
                self.queue_depth_critical,
                f"at least queue_depth_warning ({self.queue_depth_warning})",
            )


@dataclass(frozen=True, kw_only=True)
class MinimumTraffic:
    """The least traffic, in events per second over the rules' 5-minute window, below which a ratio
    alert stays silent: one failed request out of two is a 50 % error rate, and means nothing.

    Defaults: 1 request/s is 300 requests at the edge in the window (a 5 % error rate is then at least
    15 failures; the latency alert needs it too); 0.1 execution/s is 30 workflow executions.
    """

    http_requests_per_second: float = 1
    workflow_executions_per_second: float = 0.1

    def problems(self) -> Iterator[Problem]:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                yield Problem(item.name, value, "a positive rate in events per second, such as 0.1 or 1")


@dataclass(frozen=True, kw_only=True)
class ApplicationMetrics:
    """Which application series the Gorax binaries of this environment serve.

    ``api`` and ``worker`` default to ``None``: what the application contract says
    (``EnvironmentConfig.contract``, ``contract.served_metrics``), where the released binaries' API serves
    ``/metrics`` (workflow executions it runs, database pool and queries) and the worker serves none (its
    only HTTP server is the health server). ``True`` turns a component's metrics on at the contract's
    endpoint (or ``/metrics`` on its port), ``False`` off. Nothing records ``gorax_queue_depth`` by
    default. Alerts, monitors and panels on a series exist only where it is served. Set ``worker`` (or
    the contract's ``worker.metrics``) or ``queue_depth`` for a build that exports them.
    """

    api: bool | None = None
    worker: bool | None = None
    queue_depth: bool = False

    def problems(self) -> Iterator[Problem]:
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, bool) and not (value is None and item.name != "queue_depth"):
                yield Problem(item.name, value, "True or False")


EDGE_NAMESPACE_LABELS = ("exported_namespace", "namespace")


@dataclass(frozen=True, kw_only=True)
class MonitoringConfig:
    """How the cluster's Prometheus (prometheus-operator) scrapes and alerts on the environment.

    Attributes:
        scrape_interval: how often every Gorax target is scraped (default ``30s``).
        scrape_timeout: per scrape, at most the interval (default ``10s``).
        prometheus_labels: labels the cluster's Prometheus selects ServiceMonitors, PodMonitors
            and PrometheusRules by (default ``release: kube-prometheus-stack``, the Helm chart's).
        thresholds: per-environment alert thresholds (default: upstream's).
        min_traffic: the traffic every ratio alert needs before it may fire (see ``MinimumTraffic``).
        preview_monitoring: this environment's chart also carries the one dashboard and the one
            rule set for every preview (development's; see ``observability.PreviewMonitoring``).
        application_metrics: which Gorax series the binaries serve (see ``ApplicationMetrics``).
        edge_namespace_label: the label of ingress-nginx's request metrics holding the Ingress's
            namespace. The controller exports it as ``namespace``; scraped by the chart's ServiceMonitor
            (``honorLabels`` unset, its default) Prometheus keeps its own target label ``namespace`` and
            renames the exported one ``exported_namespace`` (default). ``namespace`` with honorLabels.
    """

    scrape_interval: str = "30s"
    scrape_timeout: str = "10s"
    prometheus_labels: tuple[tuple[str, str], ...] = (("release", "kube-prometheus-stack"),)
    thresholds: AlertThresholds = field(default_factory=AlertThresholds)
    min_traffic: MinimumTraffic = field(default_factory=MinimumTraffic)
    preview_monitoring: bool = False
    application_metrics: ApplicationMetrics = field(default_factory=ApplicationMetrics)
    edge_namespace_label: str = "exported_namespace"

    def problems(self) -> Iterator[Problem]:
        valid = True
        for name in ("scrape_interval", "scrape_timeout"):
            value = getattr(self, name)
            if not is_duration(value) or duration_ms(value) == 0:
                valid = False
                yield Problem(name, value, DURATION_ALLOWED)
        if valid and duration_ms(self.scrape_timeout) > duration_ms(self.scrape_interval):
            yield Problem("scrape_timeout", self.scrape_timeout, f"at most scrape_interval ({self.scrape_interval})")
        for pair in self.prometheus_labels:
            ok = isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(part, str) for part in pair)
            if not ok or not LABEL_NAME.fullmatch(pair[0]) or not is_label_value(pair[1]):
                yield Problem("prometheus_labels", pair, "(label name, label value) pairs valid in Kubernetes")
        yield from (p.under("thresholds") for p in self.thresholds.problems())
        yield from (p.under("min_traffic") for p in self.min_traffic.problems())
        yield from (p.under("application_metrics") for p in self.application_metrics.problems())
        if self.edge_namespace_label not in EDGE_NAMESPACE_LABELS:
            yield Problem("edge_namespace_label", self.edge_namespace_label, " or ".join(EDGE_NAMESPACE_LABELS))
        if not isinstance(self.preview_monitoring, bool):
            yield Problem("preview_monitoring", self.preview_monitoring, "True or False")
