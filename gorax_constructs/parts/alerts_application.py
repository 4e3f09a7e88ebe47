"""The alerts on the Gorax binaries' own series, each only where ``monitoring.application_metrics`` serves it.

The released binaries (stherrien/gorax, ``internal/api/app.go``) record the workflow executions the API
runs and its database pool every 15 s; nothing starts the collector of ``gorax_queue_depth``, so the queue
alerts exist only where ``application_metrics.queue_depth`` says a build exports it.
"""

from __future__ import annotations

from collections.abc import Callable

from ..configuration.components import QUEUE_METRIC
from ..configuration.naming import API
from .alert_model import Alert, job_matcher, served
from .alert_scope import Scope

FAILED = 'status="failed"'
DEFAULT_QUEUE = 'queue="default"'


def _workflow_ratio(threshold: Callable[[Scope], float]) -> Callable[[Scope], str]:
    def expr(s: Scope) -> str:
        executions = "gorax_workflow_executions_total"
        bad, every = s.rate(s(executions, FAILED)), s.rate(s(executions))
        return s.ratio(bad, every, threshold(s), s.floor.workflow_executions_per_second)

    return expr


def _db_pool(s: Scope) -> str:
    limit = s.env.database.max_open_conns * s.t.db_pool_in_use_ratio
    return f"max by (namespace, pod) ({s('gorax_db_connections_in_use', job_matcher(API.name))}) >= {limit:g}"


def _queue_stuck(s: Scope) -> str:
    """Work has waited all 15 minutes and the queue is no shorter than 15 minutes ago: nothing drains it."""
    depth = s(QUEUE_METRIC, DEFAULT_QUEUE)
    return (
        f"max by (namespace) (min_over_time({depth}[15m])) > 0\n"
        f"and on (namespace)\nmax by (namespace) (delta({depth}[15m])) >= 0"
    )


def _backlog(threshold: Callable[[Scope], int]) -> Callable[[Scope], str]:
    return lambda s: f"max by (namespace, queue) ({s('gorax_queue_depth', DEFAULT_QUEUE)}) > {threshold(s)}"


def _workflows_rate(s: Scope) -> str:
    return f">= {s.floor.workflow_executions_per_second} executions/s"


APPLICATION_ALERTS: tuple[Alert, ...] = (
    Alert(
        "HighWorkflowFailureRate",
        "gorax_workflows",
        "warning",
        "workflow-engine",
        "5m",
        "High workflow failure rate in {{ $labels.namespace }}",
        "Workflow failure rate is {{ $value | humanizePercentage }} in {{ $labels.namespace }}.\n"
        "This may indicate issues with external dependencies or workflow definitions.",
        _workflow_ratio(lambda s: s.t.workflow_failure_ratio_warning),
        lambda s: f"failed share > {s.t.workflow_failure_ratio_warning} at {_workflows_rate(s)}",
        needs=served("api"),
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
        _workflow_ratio(lambda s: s.t.workflow_failure_ratio_critical),
        lambda s: f"failed share > {s.t.workflow_failure_ratio_critical} at {_workflows_rate(s)}",
        escalates="HighWorkflowFailureRate",
        needs=served("api"),
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
        lambda s: f"p95 > {s.t.workflow_p95_seconds}s",
        needs=served("api"),
    ),
    Alert(
        "DatabasePoolExhausted",
        "gorax_workflows",
        "warning",
        "database",
        "10m",
        "The database pool of {{ $labels.pod }} is nearly exhausted",
        "{{ $labels.pod }} has {{ $value }} PostgreSQL connections in use, close to its maximum "
        "(DB_MAX_OPEN_CONNS): requests wait for a connection.",
        _db_pool,
        lambda s: f"connections in use >= {s.env.database.max_open_conns * s.t.db_pool_in_use_ratio:g}",
        needs=served("api"),
    ),
    Alert(
        "WorkflowExecutionStalled",
        "gorax_queue",
        "critical",
        "workflow-engine",
        "5m",
        "Work waits in {{ $labels.namespace }} and the queue does not drain",
        "Messages have waited for 15 minutes and the queue is no shorter than 15 minutes ago.\n"
        "This may indicate a worker failure or queue issue.",
        _queue_stuck,
        lambda s: "depth > 0 for 15m and not shrinking",
        needs=served("queue_depth"),
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
        _backlog(lambda s: s.t.queue_depth_warning),
        lambda s: f"depth > {s.t.queue_depth_warning}",
        needs=served("queue_depth"),
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
        _backlog(lambda s: s.t.queue_depth_critical),
        lambda s: f"depth > {s.t.queue_depth_critical}",
        escalates="QueueBacklog",
        needs=served("queue_depth"),
    ),
)
