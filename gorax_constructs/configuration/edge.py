"""The edge's configuration: how traffic reaches the API through ``api.<domain>`` and ``webhooks.<domain>``.

Two interchangeable backends take the same inputs (``EnvironmentConfig.edge``,
the hosts and the shared ``cors`` section) and give the same guarantees: one
routing object per host with that host's own limits, TLS, CORS restricted to
the origins the application receives, and the API Service as the only backend.

- ``ingress-nginx``: one ``Ingress`` per host and one cert-manager
  ``Certificate`` for both hosts.
- ``gateway-api``: one ``HTTPRoute`` per host attached to the platform's
  Gateway (CORS filter) and one Envoy Gateway ``BackendTrafficPolicy`` per
  route (local rate limit, body size, connect timeout). TLS is terminated by
  the Gateway's listener (see README, "Edge").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from .dns import is_dns_label, is_dns_name
from .errors import Problem

Body = dict[str, Any]
EdgeMode = Literal["ingress-nginx", "gateway-api"]
EDGE_MODES: tuple[EdgeMode, ...] = ("ingress-nginx", "gateway-api")
# ingress-nginx's proxy_connect_timeout cannot usefully exceed 75 s (nginx caps it).
MAX_CONNECT_TIMEOUT_SECONDS = 75
MAX_TIMEOUT_SECONDS = 3600


@dataclass(frozen=True, kw_only=True)
class HostEdge:
    """What one public host allows. ingress-nginx counts the limits per client IP *and per controller replica*.

    Attributes:
        requests_per_second: sustained requests per second per client IP (``limit-rps``).
        burst_multiplier: burst = rate x this (``limit-burst-multiplier``); default 5.
        connections: concurrent connections per client IP (``limit-connections``); default 50.
        body_size_mb: largest request body, in MiB (``proxy-body-size``); default 10.
        connect_timeout_seconds: connecting to an API pod; default 30.
        read_timeout_seconds / send_timeout_seconds: waiting on the API; default 60.
        cors: answer CORS preflights on this host (browsers call the API host; webhook senders are servers).
    """

    requests_per_second: int
    burst_multiplier: int = 5
    connections: int = 50
    body_size_mb: int = 10
    connect_timeout_seconds: int = 30
    read_timeout_seconds: int = 60
    send_timeout_seconds: int = 60
    cors: bool = True

    def problems(self) -> Iterator[Problem]:
        for name in ("requests_per_second", "burst_multiplier", "connections", "body_size_mb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                yield Problem(name, value, "a positive integer")
        for name, most in (
            ("connect_timeout_seconds", MAX_CONNECT_TIMEOUT_SECONDS),
            ("read_timeout_seconds", MAX_TIMEOUT_SECONDS),
            ("send_timeout_seconds", MAX_TIMEOUT_SECONDS),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
                yield Problem(name, value, f"an integer from 1 to {most} (seconds)")


@dataclass(frozen=True, kw_only=True)
class GatewayParent:
    """The platform's shared Gateway the HTTPRoutes attach to (``gateway-api`` mode only).

    Attributes:
        name / namespace: the Gateway object.
        section_name: the HTTPS listener to attach to; empty attaches to every listener that admits the route.
    """

    name: str = "platform-gateway"
    namespace: str = "gateway-system"
    section_name: str = "https"

    def problems(self) -> Iterator[Problem]:
        if not is_dns_name(self.name):
            yield Problem("name", self.name, "a Gateway name (lowercase DNS name)")
        if not is_dns_label(self.namespace):
            yield Problem("namespace", self.namespace, "a namespace name (DNS label)")
        if self.section_name and not is_dns_name(self.section_name):
            yield Problem("section_name", self.section_name, "a listener name (lowercase DNS name) or ''")

    def reference(self) -> Body:
        ref: Body = {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": self.name,
            "namespace": self.namespace,
        }
        if self.section_name:
            ref["sectionName"] = self.section_name
        return ref


@dataclass(frozen=True, kw_only=True)
class EdgeConfig:
    """How the environment is reached from outside.

    Attributes:
        mode: ``ingress-nginx`` (default) or ``gateway-api`` (ingress-nginx is retired since March 2026).
        ingress_class: ``ingressClassName`` of the Ingresses; default ``nginx``.
        cluster_issuer: cert-manager ClusterIssuer of the TLS Certificate; default ``letsencrypt-staging``.
        api / webhooks: per-host limits and timeouts.
        gateway: the parent Gateway in ``gateway-api`` mode.
    """

    api: HostEdge
    webhooks: HostEdge
    mode: EdgeMode = "ingress-nginx"
    ingress_class: str = "nginx"
    cluster_issuer: str = "letsencrypt-staging"
    gateway: GatewayParent = field(default_factory=GatewayParent)

    def problems(self) -> Iterator[Problem]:
        if self.mode not in EDGE_MODES:
            yield Problem("mode", self.mode, f"one of {', '.join(EDGE_MODES)}")
        if not is_dns_name(self.ingress_class):
            yield Problem("ingress_class", self.ingress_class, "an IngressClass name (lowercase DNS name)")
        if not is_dns_name(self.cluster_issuer):
            yield Problem("cluster_issuer", self.cluster_issuer, "a ClusterIssuer name (lowercase DNS name)")
        yield from (p.under("api") for p in self.api.problems())
        yield from (p.under("webhooks") for p in self.webhooks.problems())
        yield from (p.under("gateway") for p in self.gateway.problems())
