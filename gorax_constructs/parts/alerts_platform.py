"""The alerts on what every cluster measures: kube-state-metrics, cAdvisor, the edge, and our scrapes.

They page whether or not the binaries export application series (``alert_scope`` names the label
sets). Per component, not per instance: critical when the component is down, under half available
over a window, or most of its pods crash-loop; one pod or one target is a warning at most.
"""

from __future__ import annotations

from collections.abc import Callable

from ..configuration.naming import API, WORKER
from ..configuration.quantities import memory_bytes
from .alert_model import CONTAINERS, JOBS, KEEP_FIRING, Alert, job_matcher, served
from .alert_scope import Scope

# Availability, per component (kube-state-metrics) ------------------------------------------------------------


def _available(s: Scope, component: str, fn: str = "") -> str:
    series = s.kube("kube_deployment_status_replicas_available", s.named("deployment", component))
    return s.sum(f"{fn}({series}[5m])" if fn else series)


def _desired(s: Scope, component: str, fn: str = "") -> str:
    series = s.kube("kube_deployment_spec_replicas", s.named("deployment", component))
    return s.sum(f"{fn}({series}[5m])" if fn else series)


def _down(component: str) -> Callable[[Scope], str]:
    return lambda s: s.zero_or_absent(_available(s, component))


def _degraded(component: str) -> Callable[[Scope], str]:
    """Under half available on average over 5 minutes, not steadily none (that is ``Down``)."""

    def expr(s: Scope) -> str:
        share = f"{_available(s, component, 'avg_over_time')} / {_desired(s, component, 'avg_over_time')} < 0.5"
        return s.previews_only(f"{share}\nunless on (namespace)\n{_available(s, component, 'max_over_time')} == 0")

    return expr


def _crash_looping(component: str) -> Callable[[Scope], str]:
    """At least half of the component's desired pods restarted twice or more in 15 minutes."""

    def expr(s: Scope) -> str:
        restarts = s.kube("kube_pod_container_status_restarts_total", f'container="{component}"')
        looping = f"count by (namespace) (sum by (namespace, pod) (increase({restarts}[15m])) >= 2)"
        return s.previews_only(f"{looping} / {_desired(s, component)} >= 0.5")

    return expr


def _missing(component: str) -> Callable[[Scope], str]:
    """Some but not all desired pods available (none is ``Down``)."""

    def expr(s: Scope) -> str:
        available = _available(s, component)
        return s.previews_only(f"{available} < {_desired(s, component)}\nand on (namespace)\n{available} > 0")

    return expr


def _availability(component: str, title: str) -> tuple[Alert, ...]:
    group = "gorax_availability"
    where = "in {{ $labels.namespace }}"
    return (
        Alert(
            f"{title}Down",
            group,
            "critical",
            component,
            "5m",
            f"No {component} pod available {where}",
            f"No pod of the {component} Deployment has been ready for 5 minutes, or kube-state-metrics reports "
            "no such Deployment.",
            _down(component),
            lambda s: "available replicas == 0 (or no series)",
        ),
        Alert(
            f"{title}Degraded",
            group,
            "critical",
            component,
            "5m",
            f"Under half of the {component} pods available {where}",
            f"On average over 5 minutes, {{{{ $value | humanizePercentage }}}} of the desired {component} pods "
            "were available.",
            _degraded(component),
            lambda s: "average available / desired over 5m < 0.5",
        ),
        Alert(
            f"{title}CrashLooping",
            group,
            "critical",
            component,
            "5m",
            f"The {component} pods crash-loop {where}",
            f"{{{{ $value | humanizePercentage }}}} of the desired {component} pods restarted twice or more "
            "in 15 minutes.",
            _crash_looping(component),
            lambda s: "pods with >= 2 restarts in 15m / desired >= 0.5",
        ),
        Alert(
            f"{title}PodsUnavailable",
            group,
            "warning",
            component,
            "15m",
            f"Fewer {component} pods available than desired {where}",
            f"{{{{ $value }}}} {component} pods have been available for 15 minutes, fewer than the Deployment wants.",
            _missing(component),
            lambda s: "0 < available < desired",
        ),
    )


# Scraping (our own monitors) ----------------------------------------------------------------------------------


def _not_scraped(component: str) -> Callable[[Scope], str]:
    """No target of the component up (or none at all) while kube-state-metrics sees pods available."""

    def expr(s: Scope) -> str:
        up = s.sum(f"avg_over_time({s('up', job_matcher(component))}[10m])")
        serving = f"{_available(s, component)} > 0"
        if not s.previews:
            return f"({up} or on () vector(0)) < 0.5\nand on ()\n{serving}"
        return s.previews_only(f"{serving}\nunless on (namespace)\n{up} >= 0.5")

    return expr


def _scrape_failing(component: str) -> Callable[[Scope], str]:
    return lambda s: f"avg_over_time({s('up', job_matcher(component))}[15m]) < 0.9"


def _scraping(component: str, title: str) -> tuple[Alert, ...]:
    needs = served(component)
    return (
        Alert(
            f"{title}NotScraped",
            "gorax_scraping",
            "critical",
            component,
            "5m",
            f"Prometheus scrapes no {component} target in {{{{ $labels.namespace }}}}",
            f"The {component} has pods available but no target of job {JOBS[component]} was up for 10 minutes: "
            "its application series are gone (ServiceMonitor not selected, /metrics failing).",
            _not_scraped(component),
            lambda s: "targets up, averaged over 10m, < 0.5",
            needs=needs,
        ),
        Alert(
            f"{title}ScrapeFailing",
            "gorax_scraping",
            "warning",
            component,
            "10m",
            "Scrapes of {{ $labels.pod }} fail in {{ $labels.namespace }}",
            "{{ $labels.pod }} answered only {{ $value | humanizePercentage }} of its scrapes in 15 minutes.",
            _scrape_failing(component),
            lambda s: "share of scrapes up in 15m < 0.9",
            needs=needs,
        ),
    )


# Pods (kube-state-metrics, cAdvisor) --------------------------------------------------------------------------


def _memory(s: Scope) -> str:
    parts = []
    for name, component in ((API.name, s.env.api), (WORKER.name, s.env.worker)):
        limit = int(memory_bytes(component.resources.memory_limit) * s.t.memory_limit_ratio)
        parts.append(f"{s.kube('container_memory_working_set_bytes', _container(name))} > {limit}")
    return s.previews_only("\n  or\n".join(parts))


def _memory_threshold(s: Scope) -> str:
    return "; ".join(
        f"{name} > {_binary(memory_bytes(c.resources.memory_limit) * s.t.memory_limit_ratio)}"
        for name, c in ((API.name, s.env.api), (WORKER.name, s.env.worker))
    )


def _container(name: str) -> str:
    return f'container="{name}"'


def _binary(value: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.1f} {unit}".replace(".0 ", " ")
        value /= 1024
    raise AssertionError("unreachable")


def _oom(s: Scope) -> str:
    reason = s.kube("kube_pod_container_status_last_terminated_reason", f'{CONTAINERS},reason="OOMKilled"')
    restarts = s.kube("kube_pod_container_status_restarts_total", CONTAINERS)
    by = "namespace, pod, container"
    return s.previews_only(f"max by ({by}) ({reason}) == 1\nand on ({by})\nincrease({restarts}[15m]) > 0")


def _throttled(s: Scope) -> str:
    by = "namespace, pod, container"
    throttled = f"increase({s.kube('container_cpu_cfs_throttled_periods_total', CONTAINERS)}[5m])"
    periods = f"increase({s.kube('container_cpu_cfs_periods_total', CONTAINERS)}[5m])"
    return s.previews_only(f"sum by ({by}) ({throttled}) / sum by ({by}) ({periods}) > {s.t.cpu_throttled_ratio}")


def _hpa_at_max(s: Scope) -> str:
    """At its maximum, unless the maximum is also its minimum (a fixed size is no saturation)."""
    hpa = 'horizontalpodautoscaler=~".+-gorax-(api|worker)-hpa"'
    if not s.previews:
        hpa = f'horizontalpodautoscaler=~"{s.naming.name("(api|worker)", "hpa")}"'
    by = "namespace, horizontalpodautoscaler"
    current, maximum, minimum = (
        f"max by ({by}) ({s.kube(f'kube_horizontalpodautoscaler_{name}', hpa)})"
        for name in ("status_current_replicas", "spec_max_replicas", "spec_min_replicas")
    )
    return s.previews_only(f"{current} >= {maximum}\nunless on ({by})\n{maximum} <= {minimum}")


def _job_failed(s: Scope) -> str:
    """Failed pods and no success: a retry that succeeded (``backoffLimit``) is no failure."""
    job = s.named("job_name", "migrate")
    by = "namespace, job_name"
    failed = f"max by ({by}) ({s.kube('kube_job_status_failed', job)}) > 0"
    return s.previews_only(
        f"{failed}\nunless on ({by})\nmax by ({by}) ({s.kube('kube_job_status_succeeded', job)}) > 0"
    )


# The edge ------------------------------------------------------------------------------------------------------


def _edge_errors(s: Scope) -> str:
    rate = s.edge_rate()
    return s.previews_only(
        s.ratio(s.edge_rate(errors=True), rate, s.t.http_5xx_ratio, s.floor.http_requests_per_second)
    )


def _edge_latency(s: Scope) -> str:
    p95 = f"{s.edge_p95()} > {s.t.http_p95_seconds}"
    return s.previews_only(f"{p95}\nand on (namespace)\n{s.edge_rate()} >= {s.floor.http_requests_per_second}")


PLATFORM_ALERTS: tuple[Alert, ...] = (
    *_availability(API.name, "API"),
    *_availability(WORKER.name, "Worker"),
    *_scraping(API.name, "API"),
    *_scraping(WORKER.name, "Worker"),
    Alert(
        "HighHTTPErrorRate",
        "gorax_edge",
        "critical",
        "api",
        "5m",
        "High HTTP 5xx error rate in {{ $labels.namespace }}",
        "{{ $value | humanizePercentage }} of the requests to {{ $labels.namespace }} were answered 5xx at the "
        "edge (the API's errors and the edge's own when no API pod answers).",
        _edge_errors,
        lambda s: f"5xx share > {s.t.http_5xx_ratio} at >= {s.floor.http_requests_per_second} requests/s",
        keep_firing_for=KEEP_FIRING,
    ),
    Alert(
        "HighHTTPLatency",
        "gorax_edge",
        "warning",
        "api",
        "10m",
        "High HTTP request latency in {{ $labels.namespace }}",
        "95th percentile latency at the edge is {{ $value | humanizeDuration }}.",
        _edge_latency,
        lambda s: f"p95 > {s.t.http_p95_seconds}s at >= {s.floor.http_requests_per_second} requests/s",
        keep_firing_for=KEEP_FIRING,
    ),
    Alert(
        "HighHTTPRequestRate",
        "gorax_edge",
        "info",
        "api",
        "5m",
        "High HTTP request rate in {{ $labels.namespace }}",
        "The edge serves {{ $value }} requests/second.\nMonitor for potential capacity issues.",
        lambda s: s.previews_only(f"{s.edge_rate()} > {s.t.http_requests_per_second}"),
        lambda s: f"> {s.t.http_requests_per_second} requests/s",
    ),
    Alert(
        "ContainerOOMKilled",
        "gorax_pods",
        "warning",
        "system",
        "1m",
        "{{ $labels.container }} was OOM-killed in {{ $labels.pod }}",
        "{{ $labels.container }} in {{ $labels.pod }} restarted after the kernel killed it for exceeding its "
        "memory limit.",
        _oom,
        lambda s: "last termination OOMKilled and a restart in 15m",
    ),
    Alert(
        "HighMemoryUsage",
        "gorax_pods",
        "warning",
        "system",
        "5m",
        "High memory usage of {{ $labels.container }} in {{ $labels.namespace }}",
        "{{ $labels.container }} in {{ $labels.pod }} uses {{ $value | humanize1024 }}B, close to its memory "
        "limit.\nMonitor for potential memory leaks.",
        _memory,
        _memory_threshold,
    ),
    Alert(
        "CPUThrottling",
        "gorax_pods",
        "info",
        "system",
        "15m",
        "{{ $labels.container }} is CPU-throttled in {{ $labels.pod }}",
        "{{ $value | humanizePercentage }} of the CFS periods of {{ $labels.container }} in {{ $labels.pod }} "
        "were throttled.",
        _throttled,
        lambda s: f"throttled periods > {s.t.cpu_throttled_ratio}",
    ),
    Alert(
        "AutoscalerAtMaximum",
        "gorax_pods",
        "warning",
        "system",
        "15m",
        "{{ $labels.horizontalpodautoscaler }} is at its maximum in {{ $labels.namespace }}",
        "{{ $labels.horizontalpodautoscaler }} has run {{ $value }} replicas, its maximum, for 15 minutes.",
        _hpa_at_max,
        lambda s: "current replicas >= maxReplicas",
    ),
    Alert(
        "MigrationFailed",
        "gorax_pods",
        "warning",
        "migration",
        "1m",
        "The migration Job failed in {{ $labels.namespace }}",
        "Job {{ $labels.job_name }} has failed pods: the sync that runs it does not complete.",
        _job_failed,
        lambda s: "failed pods > 0 and none succeeded",
    ),
)
