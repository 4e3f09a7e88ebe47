"""What one alert is, and the severity each tier allows (pure Python, no cdk8s)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..configuration.naming import API, WORKER
from .alert_scope import Scope

if TYPE_CHECKING:
    from ..configuration.model import AlertTier, EnvironmentConfig

RUNBOOK_BASE_URL = "https://github.com/gorax/gorax-environments/blob/main/docs/runbook.md"
API_JOB = "gorax-api"
WORKER_JOB = "gorax-worker"
JOBS = {API.name: API_JOB, WORKER.name: WORKER_JOB}
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
KEEP_FIRING = "15m"
"""How long an edge alert stays open after its condition clears: errors 10 minutes on, 10 off are one alert."""
CONTAINERS = f'container=~"{API.name}|{WORKER.name}"'
FAILED = 'status="failed"'
DEFAULT_QUEUE = 'queue="default"'


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
    threshold: Callable[[Scope], str]
    """What the expression compares with, in words, for the environment reference."""
    escalates: str | None = None
    """The alert this one repeats at a higher threshold and severity (``QueueBacklog`` for ``QueueBacklogCritical``)."""
    needs: Callable[[EnvironmentConfig], bool] | None = None
    """Whether the alert can mean anything in the environment (default: always)."""
    keep_firing_for: str | None = None

    @property
    def runbook_url(self) -> str:
        return f"{RUNBOOK_BASE_URL}#{self.name.lower()}"

    def severity_in(self, tier: AlertTier) -> Severity:
        """The alert's severity, capped by the tier's ``MAX_SEVERITY``."""
        return min(self.severity, MAX_SEVERITY[tier], key=SEVERITIES.index)

    def included(self, env: EnvironmentConfig, tier: AlertTier, sibling: Alert | None = None) -> bool:
        """Left out where it cannot say anything ``sibling`` (the alert it ``escalates``) does not, capped to
        the same severity, or cannot mean anything (``needs``: a series the binaries do not serve)."""
        if self.needs is not None and not self.needs(env):
            return False
        return sibling is None or self.severity_in(tier) != sibling.severity_in(tier)


def job_matcher(component: str) -> str:
    return f'job="{JOBS[component]}"'


def served(what: str) -> Callable[[EnvironmentConfig], bool]:
    return lambda env: bool(getattr(env.monitoring.application_metrics, what))
