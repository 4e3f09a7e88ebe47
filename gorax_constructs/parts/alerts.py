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

Thresholds that differ per environment come from ``env.monitoring.thresholds``.
``ALERTS`` lists every alert (name, severity, summary) for the runbook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..configuration.quantities import memory_bytes

if TYPE_CHECKING:
    from ..configuration.model import EnvironmentConfig

RUNBOOK_BASE_URL = "https://github.com/gorax/gorax-environments/blob/main/docs/runbook.md"
API_JOB = "gorax-api"
WORKER_JOB = "gorax-worker"
Severity = Literal["critical", "warning", "info"]
FAILED = 'status="failed"'
DEFAULT_QUEUE = 'queue="default"'
HTTP_5XX = 'status=~"5.."'
NOT_METRICS_OR_HEALTH = 'path!~"/metrics|/health.*"'
HTTP_STEP_FAILED = 'step_type="http",status="failed"'


def job(name: str) -> str:
    return f'job="{name}"'


class Scope:
    """PromQL building blocks scoped to one environment's namespace."""

    def __init__(self, env: EnvironmentConfig) -> None:
        self.env = env
        self.namespace = env.namespace
        self.t = env.monitoring.thresholds

    def __call__(self, metric: str, matchers: str = "") -> str:
        """``metric{namespace="...",<matchers>}``."""
        inner = f'namespace="{self.namespace}"' + (f",{matchers}" if matchers else "")
        return f"{metric}{{{inner}}}"

    def ratio(self, metric: str, bad: str, by: str = "namespace") -> str:
        rate_bad = f"sum by ({by}) (rate({self(metric, bad)}[5m]))"
        rate_all = f"sum by ({by}) (rate({self(metric)}[5m]))"
        return f"({rate_bad} / {rate_all})"


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

    @property
    def runbook_url(self) -> str:
        return f"{RUNBOOK_BASE_URL}#{self.name.lower()}"


def _no_workers(s: Scope) -> str:
    return f"(sum by (namespace) ({s('gorax_active_workers')}) or on () vector(0)) == 0"


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
        lambda s: f"{s.ratio('gorax_workflow_executions_total', FAILED)} > {s.t.workflow_failure_ratio_warning}",
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
        lambda s: f"{s.ratio('gorax_workflow_executions_total', FAILED)} > {s.t.workflow_failure_ratio_critical}",
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
        "No workflow executions in {{ $labels.namespace }} in the last 10 minutes",
        "No workflows have been executed in the last 10 minutes in {{ $labels.namespace }}.\n"
        "This may indicate a worker failure or queue issue.",
        lambda s: f"sum by (namespace) (rate({s('gorax_workflow_executions_total')}[5m])) == 0",
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
        lambda s: f"{s.ratio('gorax_http_requests_total', HTTP_5XX)} > {s.t.http_5xx_ratio}",
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
        lambda s: (
            f"{s.ratio('gorax_step_executions_total', FAILED, by='namespace, step_type')} > {s.t.step_failure_ratio}"
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


def _in(env: EnvironmentConfig, text: str) -> str:
    """The namespace written in, not templated: an alert on an absent series has no namespace label."""
    return text.replace(NAMESPACE_TEMPLATE, env.namespace)


def rule_groups(env: EnvironmentConfig) -> list[dict[str, Any]]:
    """The ``spec.groups`` of the environment's PrometheusRule (also a valid Prometheus rule file)."""
    scope = Scope(env)
    groups: dict[str, list[dict[str, Any]]] = {}
    for alert in ALERTS:
        groups.setdefault(alert.group, []).append(
            {
                "alert": alert.name,
                "expr": alert.expr(scope),
                "for": alert.duration,
                "labels": {
                    "severity": alert.severity,
                    "component": alert.component,
                    "namespace": env.namespace,
                    "environment": env.name,
                },
                "annotations": {
                    "summary": _in(env, alert.summary),
                    "description": _in(env, alert.description),
                    "runbook_url": alert.runbook_url,
                },
            }
        )
    return [
        {"name": name, "interval": GROUP_INTERVALS.get(name, "30s"), "rules": rules} for name, rules in groups.items()
    ]
