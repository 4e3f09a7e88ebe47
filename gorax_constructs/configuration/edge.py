"""The edge's configuration: how traffic reaches the API through ``api.<domain>`` and ``webhooks.<domain>``.

Two interchangeable backends take the same inputs (``EnvironmentConfig.edge``,
the hosts and the shared ``cors`` section) and give the same guarantees: one
routing object per host with that host's own limits, TLS, CORS restricted to
the origins the application receives, and the API Service as the only backend.

- ``ingress-nginx``: one ``Ingress`` per host; TLS from a certificate cert-manager
  issues from the API Ingress's annotation (``IssuedTls``), or the platform's
  shared wildcard (``WildcardTls``, previews).
- ``gateway-api``: one ``HTTPRoute`` per host attached to its own HTTPS listener
  of the platform's Gateway (CORS filter) and one Envoy Gateway
  ``BackendTrafficPolicy`` per route (local rate limit, body size, connect
  timeout). TLS is terminated by that listener (see docs/edge.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from .dns import is_dns_label, is_dns_name
from .errors import Problem
from .fieldtypes import is_integer

Body = dict[str, Any]
EdgeMode = Literal["ingress-nginx", "gateway-api"]
EDGE_MODES: tuple[EdgeMode, ...] = ("ingress-nginx", "gateway-api")
# ingress-nginx's proxy_connect_timeout cannot usefully exceed 75 s (nginx caps it).
MAX_CONNECT_TIMEOUT_SECONDS = 75
MAX_TIMEOUT_SECONDS = 3600
UNTRUSTED_ISSUERS = frozenset({"letsencrypt-staging"})
CLUSTER_ISSUER = "cert-manager.io/cluster-issuer"
"""The annotation cert-manager's ingress-shim reads on an Ingress."""
"""ClusterIssuers whose certificates no browser or webhook sender trusts (Let's Encrypt's staging CA):
refused for a publicly served host. ingress-nginx sends HSTS by default, so nobody can click through."""
BLOCKED_PATHS = ("/metrics", "/health")
"""Paths the API serves on its traffic port that must not reach the internet: Prometheus metrics and the
kubelet's probes (``app-env-contract.md``: ``:8080/metrics``, ``/health/live``, ``/health/ready``)."""


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
            if not is_integer(value, 1):
                yield Problem(name, value, "a positive integer")
        for name, most in (
            ("connect_timeout_seconds", MAX_CONNECT_TIMEOUT_SECONDS),
            ("read_timeout_seconds", MAX_TIMEOUT_SECONDS),
            ("send_timeout_seconds", MAX_TIMEOUT_SECONDS),
        ):
            value = getattr(self, name)
            if not is_integer(value, 1, most):
                yield Problem(name, value, f"an integer from 1 to {most} (seconds)")


@dataclass(frozen=True, kw_only=True)
class GatewayParent:
    """The platform's shared Gateway the HTTPRoutes attach to (``gateway-api`` mode only).

    Each route names its own HTTPS listener (``EdgeConfig.listener``): a listener has one hostname, so
    environments sharing one listener cannot all match it (``Accepted=False NoMatchingListenerHostname``,
    a Degraded HTTPRoute), and cert-manager's gateway-shim issues one certificate per listener hostname
    (an empty hostname is skipped: "the hostname cannot be empty", pkg/controller/certificate-shim/sync.go,
    cert-manager v1.21.1). docs/edge.md shows the Gateway.

    Attributes:
        name / namespace: the Gateway object.
    """

    name: str = "platform-gateway"
    namespace: str = "gateway-system"

    def problems(self) -> Iterator[Problem]:
        if not is_dns_name(self.name):
            yield Problem("name", self.name, "a Gateway name (lowercase DNS name)")
        if not is_dns_label(self.namespace):
            yield Problem("namespace", self.namespace, "a namespace name (DNS label)")

    def reference(self, listener: Listener) -> Body:
        return {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": self.name,
            "namespace": self.namespace,
            "sectionName": listener.name,
        }


@dataclass(frozen=True)
class Listener:
    """One HTTPS listener of the platform's Gateway: its name (a route's ``sectionName``) and hostname.

    Named after its hostname (listener names allow dots), ``*`` spelled ``wildcard``:
    ``api.staging.gorax.io``, or ``wildcard.api.dev.gorax.io`` for ``*.api.dev.gorax.io``.
    """

    name: str
    hostname: str

    @classmethod
    def for_hostname(cls, hostname: str) -> Listener:
        return cls(hostname.replace("*", "wildcard", 1), hostname)


@dataclass(frozen=True, kw_only=True)
class IssuedTls:
    """The environment's own certificate for both hosts, issued by cert-manager from ``cluster_issuer``.

    cert-manager's ingress-shim creates it from the API Ingress's ``cert-manager.io/cluster-issuer``
    annotation (gateway-api mode: the platform's Gateway listener holds it). It is never an object
    in ``dist/``: Argo CD waits in every sync wave (the last one when PruneLast prunes after it) until each object it
    applied is healthy, and its Certificate health check stays Progressing while an order is pending
    (``resource_customizations/cert-manager.io/Certificate/health.lua``, argo-cd v3.5.1;
    ``gitops-engine/pkg/sync/sync_context.go``). A Certificate the Ingress owns is not an Application
    resource, so a slow or failed issuance never holds a deploy.
    """

    cluster_issuer: str = "letsencrypt-prod"

    def problems(self) -> Iterator[Problem]:
        if not is_dns_name(self.cluster_issuer):
            yield Problem("cluster_issuer", self.cluster_issuer, "a ClusterIssuer name (lowercase DNS name)")
        elif self.cluster_issuer in UNTRUSTED_ISSUERS:
            yield Problem(
                "cluster_issuer",
                self.cluster_issuer,
                "a publicly trusted issuer such as 'letsencrypt-prod': the hosts are public, and browsers "
                "and webhook senders reject a Let's Encrypt staging certificate",
            )


@dataclass(frozen=True, kw_only=True)
class WildcardTls:
    """A wildcard certificate the platform issues once (DNS-01) and shares: no ACME order per environment.

    Let's Encrypt issues 50 certificates per registered domain per week
    (https://letsencrypt.org/docs/rate-limits/): one per preview would spend the domain's quota,
    production's renewals included. Wildcards need DNS-01
    (https://cert-manager.io/docs/configuration/acme/dns01/).

    Attributes:
        dns_names: what the certificate covers, e.g. ``*.api.dev.gorax.io`` (each host must match one).
        secret_name: ingress-nginx: a Secret of this name the platform copies into the namespace;
            empty (default): the Ingress's ``tls`` entry names no Secret, so ingress-nginx serves its
            ``--default-ssl-certificate`` (https://kubernetes.github.io/ingress-nginx/user-guide/tls/).
            gateway-api: unused, the Gateway's wildcard listener terminates TLS.
    """

    dns_names: tuple[str, ...]
    secret_name: str = ""

    def problems(self) -> Iterator[Problem]:
        if not self.dns_names:
            yield Problem("dns_names", self.dns_names, "at least one name such as '*.api.dev.gorax.io'")
        for name in self.dns_names:
            if not isinstance(name, str) or not is_dns_name(name.removeprefix("*.")):
                yield Problem("dns_names", name, "a DNS name, optionally starting with '*.'")
        if self.secret_name and not is_dns_name(self.secret_name):
            yield Problem("secret_name", self.secret_name, "a Secret name (lowercase DNS name) or ''")

    def covers(self, host: str) -> bool:
        """A wildcard covers exactly one more label (RFC 6125 6.4.3): ``*.a.b`` covers ``x.a.b``, not ``a.b``."""
        return self.covering(host) is not None

    def covering(self, host: str) -> str | None:
        """The first of ``dns_names`` that covers ``host``."""
        for name in self.dns_names:
            if name == host or (name.startswith("*.") and host.partition(".")[2] == name[2:] and "." in host):
                return name
        return None


TlsSource = IssuedTls | WildcardTls


@dataclass(frozen=True, kw_only=True)
class EdgeConfig:
    """How the environment is reached from outside.

    Attributes:
        mode: ``ingress-nginx`` (default) or ``gateway-api`` (ingress-nginx is retired since March 2026).
        ingress_class: ``ingressClassName`` of the Ingresses; default ``nginx``.
        tls: where the hosts' certificate comes from: ``IssuedTls`` (default, ``letsencrypt-prod``) or
            the platform's ``WildcardTls`` (previews).
        blocked_paths: path prefixes the edge answers itself and never forwards (default ``/metrics``,
            ``/health``), on both hosts, in both modes.
        api / webhooks: per-host limits and timeouts.
        gateway: the parent Gateway in ``gateway-api`` mode; each host attaches to the listener ``listener``
            names, whose TLS ``tls`` says: ``IssuedTls``, a listener per exact host with a certificate
            gateway-shim issues (HTTP-01 through the Gateway); ``WildcardTls``, the listener of the
            platform's DNS-01 wildcard that covers the host.
    """

    api: HostEdge
    webhooks: HostEdge
    mode: EdgeMode = "ingress-nginx"
    ingress_class: str = "nginx"
    tls: TlsSource = field(default_factory=IssuedTls)
    blocked_paths: tuple[str, ...] = BLOCKED_PATHS
    gateway: GatewayParent = field(default_factory=GatewayParent)

    def listener(self, host: str) -> Listener:
        """The Gateway listener ``host`` attaches to (``gateway-api`` mode)."""
        covering = self.tls.covering(host) if isinstance(self.tls, WildcardTls) else None
        return Listener.for_hostname(covering or host)

    def problems(self) -> Iterator[Problem]:
        if self.mode not in EDGE_MODES:
            yield Problem("mode", self.mode, f"one of {', '.join(EDGE_MODES)}")
        if not is_dns_name(self.ingress_class):
            yield Problem("ingress_class", self.ingress_class, "an IngressClass name (lowercase DNS name)")
        if isinstance(self.tls, IssuedTls | WildcardTls):
            yield from (p.under("tls") for p in self.tls.problems())
        else:
            yield Problem("tls", self.tls, "IssuedTls(cluster_issuer=...) or WildcardTls(dns_names=...)")
        for path in self.blocked_paths:
            if not isinstance(path, str) or not re.fullmatch(r"/[A-Za-z0-9._~/-]*", path) or path == "/":
                yield Problem("blocked_paths", path, "an absolute path prefix other than '/', such as '/metrics'")
        yield from (p.under("api") for p in self.api.problems())
        yield from (p.under("webhooks") for p in self.webhooks.problems())
        yield from (p.under("gateway") for p in self.gateway.problems())
