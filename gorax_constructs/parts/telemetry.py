"""Tracing: the container variables an environment's ``TracingConfig`` becomes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..configuration.naming import Naming
    from ..configuration.tracing import TracingConfig


def service_name(component: str) -> str:
    """The traced service: ``gorax-api``, ``gorax-worker`` (the environment is a resource attribute)."""
    return f"gorax-{component}"


def tracing_env(naming: Naming, tracing: TracingConfig, component: str) -> list[dict[str, str]]:
    """The container env entries that configure tracing for one component: only variables that take effect.

    The binaries build the exporter, sampler and resource in code (stherrien/gorax
    ``internal/tracing/tracer.go``) from ``TRACING_ENABLED``, ``TRACING_ENDPOINT`` (OTLP gRPC, dialled
    without TLS), ``TRACING_SAMPLE_RATE`` (``TraceIDRatioBased``, not parent-based) and
    ``TRACING_SERVICE_NAME``. Options given in code win over the SDK's variables, so
    ``OTEL_EXPORTER_OTLP_ENDPOINT``/``_PROTOCOL``, ``OTEL_TRACES_SAMPLER``/``_ARG``, ``OTEL_TRACES_EXPORTER``
    and ``OTEL_SERVICE_NAME`` (``service.name`` is set in code) would change nothing and are not set. One
    does take effect: ``sdktrace.WithResource`` merges ``resource.Environment()`` under the code's
    resource (opentelemetry-go ``sdk/trace/provider.go``), so ``OTEL_RESOURCE_ATTRIBUTES`` adds the
    environment, namespace and pod. It refers to ``$(POD_NAME)``: append these after the container's
    ``POD_NAME`` entry, or Kubernetes leaves the reference unexpanded.
    """
    name = service_name(component)
    ratio = format(float(tracing.sample_ratio), "g")
    attributes = ",".join(
        (
            f"deployment.environment.name={naming.environment}",
            f"k8s.namespace.name={naming.namespace}",
            "k8s.pod.name=$(POD_NAME)",
        )
    )
    variables = {
        "TRACING_ENABLED": "true" if tracing.enabled else "false",
        "TRACING_ENDPOINT": tracing.host_port,
        "TRACING_SAMPLE_RATE": ratio,
        "TRACING_SERVICE_NAME": name,
        "OTEL_RESOURCE_ATTRIBUTES": attributes,
    }
    return [{"name": key, "value": value} for key, value in variables.items()]
