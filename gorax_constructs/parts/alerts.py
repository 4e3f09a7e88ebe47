"""The Gorax alert rules, generated per environment (pure Python, no cdk8s).

Alert names, severities and the meaning of each PromQL expression are the
upstream set's (``gorax-alerts.yaml``), with these deliberate changes:

* Every selector carries ``namespace="<env namespace>"`` and every alert the
  ``namespace`` and ``environment`` labels, so one Prometheus serving all
  environments neither mixes their series nor loses which one is alerting.
* Ratios are ``sum by (namespace)`` on both sides. Upstream divides
  ``rate(x{status="failed"})`` by ``rate(x)`` series by series; the matching
  keeps the ``status`` label, so the ratio was 1 whenever anything failed.
* ``LowWorkerCount`` fires below the environment's worker ``min_replicas``
  (upstream's fixed ``< 3`` pages every development cluster), and
  ``NoActiveWorkers`` also fires when the metric is absent (no worker pod up).
* ``HighMemoryUsage`` compares resident memory with the container's memory
  limit (``thresholds.memory_limit_ratio``) instead of a fixed 2 GiB.
* ``job`` is ``gorax-api`` / ``gorax-worker``: the monitors relabel it to
  upstream's job names, so ``DatabaseConnectionFailure`` keeps its meaning
  (the process is down or not ready because it cannot reach PostgreSQL).
* ``RedisConnectionFailure`` is dropped: no Redis is part of these
  environments, and an alert on a job that never exists can never fire.

* Every alert carries a ``tier`` label (``production``, ``staging``,
  ``development``, ``preview``) for Alertmanager's routing, and its severity is
  capped by the tier (``MAX_SEVERITY``): ``critical`` (pages) only in
  production, at most ``warning`` in staging, ``info`` in development and
  previews. Where the cap makes an alert say nothing new it is left out
  (``Alert.included``): an escalation twin capped to its sibling's severity,
  and ``LowWorkerCount`` where the minimum is one worker (then it is
  ``NoActiveWorkers``).
* ``WorkflowExecutionStalled`` fires only when work is waiting
  (``gorax_queue_depth > 0``) and no execution completed in the last 5 minutes,
  also when the executions counter does not exist at all; upstream fired on
  every idle environment (``rate(...) == 0``) and never on a missing series.
* Every ratio alert also needs a minimum rate of the events it divides
  (``monitoring.min_traffic``): one failed request out of two is no outage.

Thresholds that differ per environment come from ``env.monitoring.thresholds``.
``ALERTS`` lists every alert (name, upstream severity, summary) for the runbook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..configuration.quantities import memory_bytes

if TYPE_CHECKING:
    from ..configuration.model import AlertTier, EnvironmentConfig

RUNBOOK_BASE_URL = "https://github.com/gorax/gorax-environments/blob/main/docs/runbook.md"
API_JOB = "gorax-api"
WORKER_JOB = "gorax-worker"
Severity = Literal["critical", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "critical")
"""Lowest first."""
MAX_SEVERITY: dict[str, Severity] = {
    "production": "critical",
    "staging": "warning",
    "development": "info",
    "preview": "info",
}
"""The highest severity an alert may carry in each tier: only production pages."""
PREVIEW_SELECTOR = 'tier="preview"'
"""What selects every preview's series: the monitors of a preview set the target label ``tier``."""
FAILED = 'status="failed"'
DEFAULT_QUEUE = 'queue="default"'
HTTP_5XX = 'status=~"5.."'
NOT_METRICS_OR_HEALTH = 'path!~"/metrics|/health.*"'
HTTP_STEP_FAILED = 'step_type="http",status="failed"'


def job(name: str) -> str:
    return f'job="{name}"'


class Scope:
    """PromQL building blocks scoped to one environment's namespace, or to every preview's.

    ``env`` gives the thresholds and sizes. For one environment every selector
    carries ``namespace="<namespace>"``; for the previews' shared rule set
    (``previews=True``) it carries ``tier="preview"`` and every expression keeps
    the ``namespace`` label, so each preview alerts on its own.
    """

    def __init__(self, env: EnvironmentConfig, *, previews: bool = False) -> None:
        self.env = env
        self.previews = previews
        self.selector = PREVIEW_SELECTOR if previews else f'namespace="{env.namespace}"'
        self.t = env.monitoring.thresholds
        self.floor = env.monitoring.min_traffic

    def __call__(self, metric: str, matchers: str = "") -> str:
        """``metric{<scope>,<matchers>}``."""
        inner = self.selector + (f",{matchers}" if matchers else "")
        return f"{metric}{{{inner}}}"

    def rate(self, metric: str, matchers: str = "", by: str = "namespace") -> str:
        return f"sum by ({by}) (rate({self(metric, matchers)}[5m]))"

    def ratio(self, metric: str, bad: str, threshold: float, floor: float, by: str = "namespace") -> str:
        """The share of ``bad`` events above ``threshold``, only where all events reach ``floor`` per second.

        ``and`` keeps the ratio as the alert's value; ``on (<by>)`` pairs each ratio with its own traffic.
        """
        return (
            f"({self.rate(metric, bad, by)} / {self.rate(metric, by=by)}) > {threshold}\n"
            f"and on ({by})\n"
            f"{self.rate(metric, by=by)} >= {floor}"
        )

    def no_series_or_zero(self, expr: str) -> str:
        """``expr`` (one value per namespace) is 0, or has no series although the environment is there.

        One namespace: ``or on () vector(0)`` stands in for a missing series. The previews: a preview
        is there while any of its targets is (``up``), and ``unless`` keeps those without ``expr > 0``.
        """
        if not self.previews:
            return f"({expr} or on () vector(0)) == 0"
        return f"group by (namespace) ({self('up')})\nunless on (namespace)\n{expr} > 0"


@dataclass(frozen=True)
class Alert:
    """One alert: everything but the expression is the same in every environment."""

    name: str
    group: str
    severity: Severity
    component: str
    duration: str
    summary: str
    description: str
    expr: Callable[[Scope], str]
    escalates: str | None = None
    """The alert this one repeats at a higher threshold and severity (``QueueBacklog`` for ``QueueBacklogCritical``)."""
    needs: Callable[[EnvironmentConfig], bool] | None = None
    """Whether the alert can mean anything in the environment (default: always)."""

    @property
    def runbook_url(self) -> str:
        return f"{RUNBOOK_BASE_URL}#{self.name.lower()}"

    def severity_in(self, tier: AlertTier) -> Severity:
        """The upstream severity, capped by the tier's ``MAX_SEVERITY``."""
        cap = MAX_SEVERITY[tier]
        return min(self.severity, cap, key=SEVERITIES.index)

    def included(self, env: EnvironmentConfig, tier: AlertTier) -> bool:
        """Left out where it cannot say anything its sibling does not: an escalation twin capped to the
        sibling's severity, or an alert whose ``needs`` the environment does not meet."""
        if self.needs is not None and not self.needs(env):
            return False
        if self.escalates is not None:
            sibling = next(a for a in ALERTS if a.name == self.escalates)
            return self.severity_in(tier) != sibling.severity_in(tier)
        return True


def _no_workers(s: Scope) -> str:
    return s.no_series_or_zero(f"sum by (namespace) ({s('gorax_active_workers')})")


def _stalled(s: Scope) -> str:
    """Work waits, and no execution completed in 5 minutes; a missing executions counter counts as none."""
    waiting = f"max by (namespace) ({s('gorax_queue_depth')}) > 0"
    completed = f"sum by (namespace) (increase({s('gorax_workflow_executions_total')}[5m])) > 0"
    return f"{waiting}\nunless on (namespace)\n{completed}"


def _memory(s: Scope) -> str:
    parts = []
    for name, component in ((API_JOB, s.env.api), (WORKER_JOB, s.env.worker)):
        limit = int(memory_bytes(component.resources.memory_limit) * s.t.memory_limit_ratio)
        parts.append(f"{s('process_resident_memory_bytes', job(name))} > {limit}")
    return "\n  or\n".join(parts)


ALERTS: tuple[Alert, ...] = (
    Alert(
        "HighWorkflowFailureRate",
        "gorax_workflows",
        "warning",
        "workflow-engine",
        "5m",
        "High workflow failure rate in {{ $labels.namespace }}",
        "Workflow failure rate is {{ $value | humanizePercentage }} in {{ $labels.namespace }}.\n"
        "This may indicate issues with external dependencies or workflow definitions.",
        lambda s: s.ratio(
            "gorax_workflow_executions_total",
            FAILED,
            s.t.workflow_failure_ratio_warning,
            s.floor.workflow_executions_per_second,
        ),
    ),
    Alert(
        "CriticalWorkflowFailureRate",
        "gorax_workflows",
        "critical",
        "workflow-engine",
        "2m",
        "Critical workflow failure rate in {{ $labels.namespace }}",
        "Workflow failure rate is {{ $value | humanizePercentage }} in {{ $labels.namespace }}.\n"
        "Immediate action required.",
        lambda s: s.ratio(
            "gorax_workflow_executions_total",
            FAILED,
            s.t.workflow_failure_ratio_critical,
            s.floor.workflow_executions_per_second,
        ),
        escalates="HighWorkflowFailureRate",
    ),
    Alert(
        "SlowWorkflowExecutions",
        "gorax_workflows",
        "warning",
        "workflow-engine",
        "5m",
        "Slow workflow executions in {{ $labels.namespace }}",
        "95th percentile workflow execution time is {{ $value | humanizeDuration }}.",
        lambda s: (
            "histogram_quantile(0.95, sum by (namespace, le) "
            f"(rate({s('gorax_workflow_execution_duration_seconds_bucket')}[5m]))) > {s.t.workflow_p95_seconds}"
        ),
    ),
    Alert(
        "WorkflowExecutionStalled",
        "gorax_workflows",
        "critical",
        "workflow-engine",
        "10m",
        "Work is waiting in {{ $labels.namespace }} but no workflow execution completes",
        "{{ $value }} messages are queued in {{ $labels.namespace }} and no workflow execution has completed "
        "for at least 15 minutes.\nThis may indicate a worker failure or queue issue.",
        _stalled,
    ),
    Alert(
        "QueueBacklog",
        "gorax_queue",
        "warning",
        "queue",
        "10m",
        "Queue backlog growing in {{ $labels.namespace }}",
        "Queue depth is {{ $value }} messages for queue {{ $labels.queue }}.\n"
        "Consider scaling up workers or investigating slow executions.",
        lambda s: f"max by (namespace, queue) ({s('gorax_queue_depth', DEFAULT_QUEUE)}) > {s.t.queue_depth_warning}",
    ),
    Alert(
        "QueueBacklogCritical",
        "gorax_queue",
        "critical",
        "queue",
        "5m",
        "Critical queue backlog in {{ $labels.namespace }}",
        "Queue depth is {{ $value }} messages for queue {{ $labels.queue }}.\n"
        "System is severely backlogged. Scale up immediately.",
        lambda s: f"max by (namespace, queue) ({s('gorax_queue_depth', DEFAULT_QUEUE)}) > {s.t.queue_depth_critical}",
        escalates="QueueBacklog",
    ),
    Alert(
        "NoActiveWorkers",
        "gorax_workers",
        "critical",
        "worker",
        "2m",
        "No active workers in {{ $labels.namespace }}",
        "No workers are currently active. Jobs will not be processed.\nCheck worker pod status immediately.",
        _no_workers,
    ),
    Alert(
        "LowWorkerCount",
        "gorax_workers",
        "warning",
        "worker",
        "5m",
        "Low worker count in {{ $labels.namespace }}",
        "Only {{ $value }} workers are active, fewer than the environment's minimum.\n"
        "Consider scaling up if queue depth is growing.",
        lambda s: f"sum by (namespace) ({s('gorax_active_workers')}) < {s.env.worker.autoscaling.min_replicas}",
        needs=lambda env: env.worker.autoscaling.min_replicas > 1,  # below 1 is NoActiveWorkers
    ),
    Alert(
        "HighHTTPErrorRate",
        "gorax_api",
        "critical",
        "api",
        "5m",
        "High HTTP 5xx error rate in {{ $labels.namespace }}",
        "HTTP 5xx error rate is {{ $value | humanizePercentage }} in {{ $labels.namespace }}.\n"
        "Investigate server errors immediately.",
        lambda s: s.ratio("gorax_http_requests_total", HTTP_5XX, s.t.http_5xx_ratio, s.floor.http_requests_per_second),
    ),
    Alert(
        "HighHTTPLatency",
        "gorax_api",
        "warning",
        "api",
        "5m",
        "High HTTP request latency in {{ $labels.namespace }}",
        "95th percentile HTTP latency is {{ $value }} seconds for {{ $labels.path }}.",
        lambda s: (
            "histogram_quantile(0.95, sum by (namespace, path, le) (rate("
            f"{s('gorax_http_request_duration_seconds_bucket', NOT_METRICS_OR_HEALTH)}[5m]))) > "
            f"{s.t.http_p95_seconds}"
        ),
    ),
    Alert(
        "HighHTTPRequestRate",
        "gorax_api",
        "info",
        "api",
        "5m",
        "High HTTP request rate in {{ $labels.namespace }}",
        "HTTP request rate is {{ $value }} requests/second.\nMonitor for potential capacity issues.",
        lambda s: f"sum by (namespace) (rate({s('gorax_http_requests_total')}[5m])) > {s.t.http_requests_per_second}",
    ),
    Alert(
        "DatabaseConnectionFailure",
        "gorax_infrastructure",
        "critical",
        "database",
        "2m",
        "{{ $labels.job }} down in {{ $labels.namespace }}: it may not reach the database",
        "{{ $labels.job }} on {{ $labels.instance }} is down or cannot reach the database.",
        lambda s: f"{s('up', job(API_JOB))} == 0 or {s('up', job(WORKER_JOB))} == 0",
    ),
    Alert(
        "HighMemoryUsage",
        "gorax_infrastructure",
        "warning",
        "system",
        "5m",
        "High memory usage of {{ $labels.job }} in {{ $labels.namespace }}",
        "{{ $labels.job }} on {{ $labels.instance }} is using {{ $value | humanize1024 }}B, "
        "close to its memory limit.\nMonitor for potential memory leaks.",
        _memory,
    ),
    Alert(
        "HighStepFailureRate",
        "gorax_step_failures",
        "warning",
        "workflow-engine",
        "5m",
        "High step failure rate for {{ $labels.step_type }} in {{ $labels.namespace }}",
        "Step failure rate for {{ $labels.step_type }} is {{ $value | humanizePercentage }}.\n"
        "Check external service health and step configurations.",
        lambda s: s.ratio(
            "gorax_step_executions_total",
            FAILED,
            s.t.step_failure_ratio,
            s.floor.step_executions_per_second,
            by="namespace, step_type",
        ),
    ),
    Alert(
        "HTTPActionFailures",
        "gorax_step_failures",
        "warning",
        "http-actions",
        "5m",
        "High HTTP action failure rate in {{ $labels.namespace }}",
        "HTTP actions are failing at {{ $value }} failures/second.\n"
        "Investigate target service health and network connectivity.",
        lambda s: (
            "sum by (namespace) (rate("
            f"{s('gorax_step_executions_total', HTTP_STEP_FAILED)}[5m])) > "
            f"{s.t.http_action_failures_per_second}"
        ),
    ),
)

GROUP_INTERVALS = {"gorax_infrastructure": "60s"}
NAMESPACE_TEMPLATE = "{{ $labels.namespace }}"


def _in(namespace: str, text: str) -> str:
    """The namespace written in, not templated: an alert on an absent series has no namespace label."""
    return text.replace(NAMESPACE_TEMPLATE, namespace)


def alerts_in(env: EnvironmentConfig, tier: AlertTier) -> list[tuple[Alert, Severity]]:
    """The alerts an environment of this tier carries, each with its capped severity."""
    return [(alert, alert.severity_in(tier)) for alert in ALERTS if alert.included(env, tier)]


def _groups(scope: Scope, tier: AlertTier, labels: dict[str, str]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for alert, severity in alerts_in(scope.env, tier):
        annotations = {"summary": alert.summary, "description": alert.description}
        if not scope.previews:
            annotations = {key: _in(scope.env.namespace, text) for key, text in annotations.items()}
        groups.setdefault(alert.group, []).append(
            {
                "alert": alert.name,
                "expr": alert.expr(scope),
                "for": alert.duration,
                "labels": {"severity": severity, "component": alert.component, **labels, "tier": tier},
                "annotations": {**annotations, "runbook_url": alert.runbook_url},
            }
        )
    return [
        {"name": name, "interval": GROUP_INTERVALS.get(name, "30s"), "rules": rules} for name, rules in groups.items()
    ]


def rule_groups(env: EnvironmentConfig) -> list[dict[str, Any]]:
    """The ``spec.groups`` of the environment's PrometheusRule (also a valid Prometheus rule file).

    A preview gets none: ``preview_rule_groups`` covers every preview at once.
    """
    if env.preview:
        return []
    return _groups(Scope(env), env.alert_tier, {"namespace": env.namespace, "environment": env.name})


def preview_rule_groups(development: EnvironmentConfig) -> list[dict[str, Any]]:
    """One rule set for every preview: selects ``tier="preview"``, alerts per ``namespace`` at tier ``preview``.

    Built from the environment previews derive from (development): their thresholds and sizes are its own.
    100 previews cost these rules once, not 100 times, and the set never changes when a preview comes or goes.
    """
    groups = _groups(Scope(development, previews=True), "preview", {})
    return [{**group, "name": f"{group['name']}_previews"} for group in groups]
