"""Tracing: the typed per-environment section (``parts/telemetry.py`` turns it into container variables).

The old overlays put ``tracing-*`` keys in a ConfigMap that no binary read, and
pointed at Jaeger's legacy Thrift endpoint (``:14268/api/traces``). Here one
``TracingConfig`` renders to the variables the Gorax binaries read today
(``TRACING_*``, see app-env-contract.md) *and* to the standard OpenTelemetry
SDK variables (``OTEL_*``), so both today's loader and any SDK autoconfiguration
send spans to the same OTLP collector with the same sampling.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .errors import Problem

Protocol = Literal["grpc", "http/protobuf"]
PROTOCOLS: tuple[Protocol, ...] = ("grpc", "http/protobuf")
# The OTLP default ports; the other one with a protocol is a copy-paste mistake the exporter reports only at runtime.
OTLP_PORTS: dict[str, int] = {"grpc": 4317, "http/protobuf": 4318}
SAMPLER = "parentbased_traceidratio"
ENDPOINT = re.compile(r"(?P<scheme>https?)://(?P<host>[a-z0-9]([-a-z0-9.]*[a-z0-9])?):(?P<port>[0-9]{1,5})")
ENDPOINT_ALLOWED = (
    "an OTLP collector URL with scheme and port and no path, such as "
    "'http://otel-collector.observability.svc:4317' (the Jaeger Thrift ':14268/api/traces' endpoint is legacy)"
)


@dataclass(frozen=True, kw_only=True)
class TracingConfig:
    """Where and how much each component traces.

    Attributes:
        enabled: export spans at all (default True; the binaries' own default is off).
        endpoint: the OTLP collector URL (default the in-cluster collector on the gRPC port 4317).
        protocol: OTLP transport, ``grpc`` (default) or ``http/protobuf`` (port 4318).
        sample_ratio: share of new traces sampled, 0..1, parent-based (default 1.0; the guide
            uses 1.0 in development, 0.5 in staging, 0.1 in production).
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
        if self.protocol not in PROTOCOLS:
            yield Problem("protocol", self.protocol, f"one of {', '.join(PROTOCOLS)}")
        elif match is not None:
            expected = OTLP_PORTS[self.protocol]
            if int(match["port"]) in OTLP_PORTS.values() and int(match["port"]) != expected:
                yield Problem("endpoint", self.endpoint, f"port {expected} for protocol {self.protocol}")
        ratio = self.sample_ratio
        if isinstance(ratio, bool) or not isinstance(ratio, int | float) or math.isnan(ratio) or not 0 <= ratio <= 1:
            yield Problem("sample_ratio", ratio, "a number from 0 to 1")
