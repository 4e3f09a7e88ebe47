"""The edge: how traffic reaches the API through ``api.<domain>`` and ``webhooks.<domain>``.

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
from typing import TYPE_CHECKING, Literal

from .dns import is_dns_label, is_dns_name
from .errors import Problem
from .manifest import Body, ChartPart, Scope
from .naming import API, API_SERVICE_PORT, NGINX

if TYPE_CHECKING:
    from .config import Cors
    from .naming import Naming

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


@dataclass(frozen=True)
class Host:
    """One public host as the edge routes it: its name, the object names and its limits."""

    role: str
    host: str
    limits: HostEdge


class Edge(ChartPart):
    """Routing, TLS, CORS and rate limits for the API's two public hosts.

    One routing object per host, so webhook senders (servers that burst and
    post large bodies slowly) and browsers get different limits. CORS, when
    enabled on a host, uses ``env.cors`` -- the object the application's
    ``CORS_ALLOWED_ORIGINS`` comes from -- so the edge can never answer
    ``Access-Control-Allow-Origin: *`` while the app expects a list.

    No snippet annotations: they are disabled by default since ingress-nginx
    1.9 and rated Critical since 1.12. Security response headers
    (``X-Content-Type-Options``, ``X-Frame-Options``, ``Referrer-Policy``) are
    the API's job in both modes, so they are the same whichever edge runs;
    ingress-nginx adds HSTS by default, a Gateway needs it from the platform.

    Props:
        naming: the environment's ``Naming`` (hosts, CORS and ``edge`` come from ``naming.env``).

    Exposes ``api_service_name``/``api_service_port`` (the backend every route
    names), ``hosts`` and ``certificate_name`` (ingress-nginx mode).
    """

    def __init__(self, scope: Scope, id: str, *, naming: Naming) -> None:
        super().__init__(scope, id)
        env = naming.env
        self.naming = naming
        self.config: EdgeConfig = env.edge
        self.api_service_name = naming.name(API.name)
        self.api_service_port = API_SERVICE_PORT
        self.certificate_name = naming.name("tls")
        self.hosts = (
            Host("api", env.api_host, self.config.api),
            Host("webhooks", env.webhooks_host, self.config.webhooks),
        )
        if self.config.mode == "gateway-api":
            for host in self.hosts:
                self._route(host, env.cors)
        else:
            self._certificate()
            for host in self.hosts:
                self._ingress(host, env.cors)

    # ingress-nginx -----------------------------------------------------------------------------------------------

    def ingress_name(self, host: Host) -> str:
        """The API host keeps the guide's ``<prefix>-gorax-ingress``; others are ``<prefix>-gorax-<role>-ingress``."""
        return self.naming.name("ingress") if host.role == "api" else self.naming.name(host.role, "ingress")

    def _certificate(self) -> None:
        # An explicit Certificate rather than the ingress-shim annotation: two Ingresses sharing one secret
        # would both claim the Certificate.
        self.add_manifest(
            {
                "apiVersion": "cert-manager.io/v1",
                "kind": "Certificate",
                "metadata": self.naming.metadata(self.certificate_name),
                "spec": {
                    "secretName": self.certificate_name,
                    "dnsNames": [host.host for host in self.hosts],
                    "issuerRef": {
                        "group": "cert-manager.io",
                        "kind": "ClusterIssuer",
                        "name": self.config.cluster_issuer,
                    },
                },
            },
        )

    def _ingress(self, host: Host, cors: Cors) -> None:
        limits = host.limits
        annotations = {
            NGINX + "ssl-redirect": "true",
            NGINX + "force-ssl-redirect": "true",
            NGINX + "limit-rps": str(limits.requests_per_second),
            NGINX + "limit-burst-multiplier": str(limits.burst_multiplier),
            NGINX + "limit-connections": str(limits.connections),
            NGINX + "proxy-body-size": f"{limits.body_size_mb}m",
            NGINX + "proxy-connect-timeout": str(limits.connect_timeout_seconds),
            NGINX + "proxy-read-timeout": str(limits.read_timeout_seconds),
            NGINX + "proxy-send-timeout": str(limits.send_timeout_seconds),
        }
        if limits.cors:
            annotations |= {
                NGINX + "enable-cors": "true",
                NGINX + "cors-allow-origin": ",".join(cors.allowed_origins),
                NGINX + "cors-allow-methods": ",".join(cors.allowed_methods),
                NGINX + "cors-allow-headers": ",".join(cors.allowed_headers),
                NGINX + "cors-max-age": str(cors.max_age_seconds),
                NGINX + "cors-allow-credentials": "true" if cors.allow_credentials else "false",
            }
        metadata = self.naming.metadata(self.ingress_name(host))
        metadata["annotations"] = annotations
        self.add_manifest(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": metadata,
                "spec": {
                    "ingressClassName": self.config.ingress_class,
                    "tls": [{"hosts": [host.host], "secretName": self.certificate_name}],
                    "rules": [
                        {
                            "host": host.host,
                            "http": {
                                "paths": [
                                    {
                                        "path": "/",
                                        "pathType": "Prefix",
                                        "backend": {
                                            "service": {
                                                "name": self.api_service_name,
                                                "port": {"number": self.api_service_port},
                                            }
                                        },
                                    }
                                ]
                            },
                        }
                    ],
                },
            },
        )

    # Gateway API -------------------------------------------------------------------------------------------------

    def route_name(self, host: Host) -> str:
        return self.naming.name(host.role, "route")

    def _route(self, host: Host, cors: Cors) -> None:
        limits = host.limits
        rule: Body = {
            "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
            "backendRefs": [{"name": self.api_service_name, "port": self.api_service_port}],
            # Gateway API bounds the whole response; nginx's read timeout bounds the gap between two reads.
            "timeouts": {"request": f"{limits.read_timeout_seconds}s"},
        }
        if limits.cors:
            policy: Body = {
                "allowOrigins": list(cors.allowed_origins),
                "allowMethods": list(cors.allowed_methods),
                "allowHeaders": list(cors.allowed_headers),
                "allowCredentials": cors.allow_credentials,
            }
            if cors.max_age_seconds >= 1:
                policy["maxAge"] = cors.max_age_seconds
            rule["filters"] = [{"type": "CORS", "cors": policy}]
        name = self.route_name(host)
        self.add_manifest(
            {
                "apiVersion": "gateway.networking.k8s.io/v1",
                "kind": "HTTPRoute",
                "metadata": self.naming.metadata(name),
                "spec": {
                    "parentRefs": [self.config.gateway.reference()],
                    "hostnames": [host.host],
                    "rules": [rule],
                },
            },
        )
        # Local rate limit: counted per Envoy replica, per client IP ("Distinct" source address), like
        # ingress-nginx. Envoy's token bucket holds `requests` tokens, so the burst is the per-second rate
        # (no multiplier), and there is no per-client connection limit.
        per_client = [
            {
                "clientSelectors": [{"sourceCIDR": {"type": "Distinct", "value": cidr}}],
                "limit": {"requests": limits.requests_per_second, "unit": "Second"},
            }
            for cidr in ("0.0.0.0/0", "::/0")
        ]
        self.add_manifest(
            {
                "apiVersion": "gateway.envoyproxy.io/v1alpha1",
                "kind": "BackendTrafficPolicy",
                "metadata": self.naming.metadata(self.naming.name(host.role, "traffic")),
                "spec": {
                    "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": name}],
                    "rateLimit": {"local": {"rules": per_client}},
                    "requestBuffer": {"limit": f"{limits.body_size_mb}Mi"},
                    "timeout": {"tcp": {"connectTimeout": f"{limits.connect_timeout_seconds}s"}},
                },
            },
        )
