"""Tracing: the typed per-environment section (``parts/telemetry.py`` turns it into container variables).

The old overlays put ``tracing-*`` keys in a ConfigMap that no binary read, and
pointed at Jaeger's legacy Thrift endpoint (``:14268/api/traces``). Here one
``TracingConfig`` renders to the variables the Gorax binaries read (``TRACING_*``):
their tracer (stherrien/gorax ``internal/tracing/tracer.go``) exports OTLP over gRPC
without TLS, and sets endpoint, sampler and service name in code, so the
``OTEL_*`` equivalents would not change anything (``telemetry.tracing_env``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .errors import Problem

Protocol = Literal["grpc", "http/protobuf"]
PROTOCOLS: tuple[Protocol, ...] = ("grpc",)
"""What the binaries can export: ``otlptracegrpc`` only (internal/tracing/tracer.go)."""
# The OTLP default ports; the other one with a protocol is a copy-paste mistake the exporter reports only at runtime.
OTLP_PORTS: dict[str, int] = {"grpc": 4317, "http/protobuf": 4318}
ENDPOINT = re.compile(r"(?P<scheme>https?)://(?P<host>[a-z0-9]([-a-z0-9.]*[a-z0-9])?):(?P<port>[0-9]{1,5})")
ENDPOINT_ALLOWED = (
    "an OTLP collector URL with scheme and port and no path, such as "
    "'http://otel-collector.observability.svc:4317' (the Jaeger Thrift ':14268/api/traces' endpoint is legacy)"
)
INSECURE_ONLY = (
    "an http:// URL: the binaries dial the collector without TLS (internal/tracing/tracer.go: "
    "insecure.NewCredentials()), so an https:// collector never receives a span"
)


@dataclass(frozen=True, kw_only=True)
class TracingConfig:
    """Where and how much each component traces.

    Attributes:
        enabled: export spans at all (default True; the binaries' own default is off).
        endpoint: the OTLP collector URL (default the in-cluster collector on the gRPC port 4317).
        protocol: OTLP transport: ``grpc``, the only one the binaries export with.
        sample_ratio: share of traces sampled, 0..1, by trace id (``TraceIDRatioBased``: not parent-based,
            the binaries ignore an incoming trace's sampled flag); default 1.0; the guide uses 1.0 in
            development, 0.5 in staging, 0.1 in production.
    """

    enabled: bool = True
    endpoint: str = "http://otel-collector.observability.svc:4317"
    protocol: Protocol = "grpc"
    sample_ratio: float = 1.0

    @property
    def host_port(self) -> str:
        """``host:port`` of the endpoint: what ``TRACING_ENDPOINT`` expects (no scheme)."""
        return self.endpoint.split("://", 1)[-1]

    def problems(self) -> Iterator[Problem]:
        if not isinstance(self.enabled, bool):
            yield Problem("enabled", self.enabled, "True or False")
        match = ENDPOINT.fullmatch(self.endpoint) if isinstance(self.endpoint, str) else None
        if match is None or not 1 <= int(match["port"]) <= 65535:
            yield Problem("endpoint", self.endpoint, ENDPOINT_ALLOWED)
        elif match["scheme"] != "http":
            yield Problem("endpoint", self.endpoint, INSECURE_ONLY)
        if self.protocol not in PROTOCOLS:
            yield Problem(
                "protocol", self.protocol, "grpc: the binaries export with otlptracegrpc (internal/tracing/tracer.go)"
            )
        elif match is not None:
            expected = OTLP_PORTS[self.protocol]
            if int(match["port"]) in OTLP_PORTS.values() and int(match["port"]) != expected:
                yield Problem("endpoint", self.endpoint, f"port {expected} for protocol {self.protocol}")
        ratio = self.sample_ratio
        if isinstance(ratio, bool) or not isinstance(ratio, int | float) or math.isnan(ratio) or not 0 <= ratio <= 1:
            yield Problem("sample_ratio", ratio, "a number from 0 to 1")
