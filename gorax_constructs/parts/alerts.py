"""The Gorax alert rules, generated per environment (pure Python, no cdk8s).

Paging rests on what every cluster measures whatever the application exports (``alert_scope``):
kube-state-metrics for availability, crash loops, failed Jobs and HPAs at their maximum, cAdvisor for
memory and CPU throttling, the edge (ingress-nginx, or Envoy Gateway in gateway mode) for 5xx,
latency and traffic. The Gorax binaries record few of the series upstream's alert set reads (the
application's ``internal/metrics`` and its callers): no ``gorax_http_*``, ``gorax_active_workers`` nor
``gorax_queue_depth``, and the worker serves no ``/metrics``; alerts on application series exist only
where ``monitoring.application_metrics`` says they are served (workflow executions and the database
pool, from the API).

* Absence is a signal: a component with no available replica, or no API target up, fires also when
  its series are missing altogether; for previews only while the preview exists (``PREVIEW_MARKER``).
* Per component, not per instance: critical when a component is down, under half available over a
  window (``avg_over_time``: a crash loop never stays down for a ``for``), or most of its pods crash
  loop; one pod down or one failing scrape is a warning.
* Intermittent errors keep one alert open (``keep_firing_for``) instead of resolving and re-paging.
* Every alert carries ``severity`` (capped by the tier, ``MAX_SEVERITY``), ``component``, ``namespace``,
  ``environment`` (a preview's from its namespace) and ``tier``; ratios need ``monitoring.min_traffic``.

``ALERTS`` lists every alert for the runbook; each rule's ``threshold`` annotation says in words what it
compares with (``docs/environments.md`` shows it; so does every notification).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .alert_model import API_JOB, MAX_SEVERITY, RUNBOOK_BASE_URL, WORKER_JOB, Alert, Severity
from .alert_scope import PREVIEW_ENVIRONMENT, PREVIEW_SELECTOR, Scope
from .alerts_application import APPLICATION_ALERTS
from .alerts_platform import PLATFORM_ALERTS

if TYPE_CHECKING:
    from ..configuration.model import AlertTier, EnvironmentConfig

__all__ = [
    "ALERTS",
    "API_JOB",
    "MAX_SEVERITY",
    "PREVIEW_SELECTOR",
    "RUNBOOK_BASE_URL",
    "WORKER_JOB",
    "Alert",
    "alerts_in",
    "preview_rule_groups",
    "rule_groups",
]

ALERTS: tuple[Alert, ...] = (*PLATFORM_ALERTS, *APPLICATION_ALERTS)

GROUP_INTERVALS = {"gorax_availability": "30s", "gorax_pods": "60s"}
NAMESPACE_TEMPLATE = "{{ $labels.namespace }}"


def _in(namespace: str, text: str) -> str:
    """The namespace written in, not templated: an alert on an absent series has no namespace label."""
    return text.replace(NAMESPACE_TEMPLATE, namespace)


def alerts_in(env: EnvironmentConfig, tier: AlertTier) -> list[tuple[Alert, Severity]]:
    """The alerts an environment of this tier carries, each with its capped severity."""
    by_name = {alert.name: alert for alert in ALERTS}
    return [
        (alert, alert.severity_in(tier))
        for alert in ALERTS
        if alert.included(env, tier, by_name[alert.escalates] if alert.escalates else None)
    ]


def _groups(scope: Scope, tier: AlertTier, labels: dict[str, str]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for alert, severity in alerts_in(scope.env, tier):
        annotations = {"summary": alert.summary, "description": alert.description}
        expr = alert.expr(scope)
        if scope.previews:
            expr = PREVIEW_ENVIRONMENT.format(f"(\n{expr}\n)")
        else:
            annotations = {key: _in(scope.env.namespace, text) for key, text in annotations.items()}
        rule = {"alert": alert.name, "expr": expr, "for": alert.duration}
        if alert.keep_firing_for:
            rule["keep_firing_for"] = alert.keep_firing_for
        rule["labels"] = {"severity": severity, "component": alert.component, **labels, "tier": tier}
        # What the rule compares with, in words: docs/environments.md reads it (pipeline/envdoc_table.py).
        rule["annotations"] = {**annotations, "threshold": alert.threshold(scope), "runbook_url": alert.runbook_url}
        groups.setdefault(alert.group, []).append(rule)
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
    """One rule set for every preview: alerts per ``namespace`` at tier ``preview``, ``environment`` its name.

    Built from the environment previews derive from (development): their thresholds and sizes are its own.
    100 previews cost these rules once, not 100 times, and the set never changes when a preview comes or goes.
    """
    groups = _groups(Scope(development, previews=True), "preview", {})
    return [{**group, "name": f"{group['name']}_previews"} for group in groups]
