"""Tracing: the container variables an environment's ``TracingConfig`` becomes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..configuration.tracing import SAMPLER

if TYPE_CHECKING:
    from ..configuration.naming import Naming


def service_name(component: str) -> str:
    """The traced service: ``gorax-api``, ``gorax-worker`` (the environment is a resource attribute)."""
    return f"gorax-{component}"


def tracing_env(naming: Naming, component: str) -> list[dict[str, str]]:
    """The container env entries that configure tracing for one component.

    ``OTEL_RESOURCE_ATTRIBUTES`` refers to ``$(POD_NAME)``: append these after
    the container's ``POD_NAME`` entry, or Kubernetes leaves the reference
    unexpanded.
    """
    env = naming.env
    tracing = env.tracing
    name = service_name(component)
    ratio = format(float(tracing.sample_ratio), "g")
    attributes = ",".join(
        (
            f"deployment.environment.name={env.name}",
            f"k8s.namespace.name={env.namespace}",
            "k8s.pod.name=$(POD_NAME)",
        )
    )
    variables = {
        "TRACING_ENABLED": "true" if tracing.enabled else "false",
        "TRACING_ENDPOINT": tracing.host_port,
        "TRACING_SAMPLE_RATE": ratio,
        "TRACING_SERVICE_NAME": name,
        "OTEL_SERVICE_NAME": name,
        "OTEL_RESOURCE_ATTRIBUTES": attributes,
        "OTEL_TRACES_EXPORTER": "otlp" if tracing.enabled else "none",
        "OTEL_EXPORTER_OTLP_ENDPOINT": tracing.endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": tracing.protocol,
        "OTEL_TRACES_SAMPLER": SAMPLER,
        "OTEL_TRACES_SAMPLER_ARG": ratio,
    }
    return [{"name": key, "value": value} for key, value in variables.items()]
