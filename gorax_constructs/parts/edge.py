"""The edge construct: one routing object per public host, TLS, CORS and rate limits.

See ``configuration/edge.py`` for the two modes and what each emits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from constructs import Construct

from ..configuration.edge import CLUSTER_ISSUER, EdgeConfig, HostEdge, IssuedTls, WildcardTls
from ..configuration.naming import NGINX
from .manifest import Body, ChartPart

EVERY_ADDRESS = ("0.0.0.0/0", "::/0")

if TYPE_CHECKING:
    from ..configuration.contract import Process
    from ..configuration.model import Cors
    from ..configuration.naming import Naming
    from .workloads import ApiService


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
    enabled on a host, uses ``cors`` -- the object the application's
    ``CORS_ALLOWED_ORIGINS`` comes from -- so the edge can never answer
    ``Access-Control-Allow-Origin: *`` while the app expects a list.

    No snippet annotations: they are disabled by default since ingress-nginx
    1.9 and rated Critical since 1.12. Security response headers
    (``X-Content-Type-Options``, ``X-Frame-Options``, ``Referrer-Policy``) are
    the API's job in both modes, so they are the same whichever edge runs;
    ingress-nginx adds HSTS by default, a Gateway needs it from the platform.

    Props:
        naming: names and labels.
        config: the edge's mode, TLS, ingress class or Gateway, per-host limits and blocked paths.
        api_host: the API's public host.
        webhooks_host: the webhook senders' public host.
        cors: the CORS policy, on the hosts whose limits enable it.
        api: the API, whose Service every route names as its backend.

    TLS (ingress-nginx mode) comes from ``edge.tls``: cert-manager's ingress-shim
    issues ``<prefix>-gorax-tls`` from the API Ingress's issuer annotation
    (``IssuedTls``), or the platform's shared wildcard serves it (``WildcardTls``,
    previews: no ACME order each). No Certificate object is emitted: Argo CD
    would hold every sync on it (``configuration/edge.py``). ``edge.blocked_paths``
    (``/metrics``, ``/health``) and every probe or metrics path of the API's contract that they do not
    cover (the upstream API's ``/ready``) are refused on both hosts in both modes.

    Exposes ``api_service_name``/``api_service_port`` (the backend every route
    names), ``hosts`` and ``certificate_name`` (ingress-nginx mode, ``IssuedTls``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        config: EdgeConfig,
        api_host: str,
        webhooks_host: str,
        cors: Cors,
        api: ApiService,
    ) -> None:
        super().__init__(scope, id)
        self.naming = naming
        self.config = config
        self.refused_paths = refused_paths(config, api.process)
        self.api_service_name = api.service_name
        self.api_service_port = api.service_port
        self.certificate_name = naming.name("tls")
        self.hosts = (
            Host("api", api_host, self.config.api),
            Host("webhooks", webhooks_host, self.config.webhooks),
        )
        if self.config.mode == "gateway-api":
            for host in self.hosts:
                self._route(host, cors)
        else:
            for host in self.hosts:
                self._ingress(host, cors)
            self._blocked_paths_ingress()

    # ingress-nginx -----------------------------------------------------------------------------------------------

    def ingress_name(self, host: Host) -> str:
        """The API host keeps the guide's ``<prefix>-gorax-ingress``; others are ``<prefix>-gorax-<role>-ingress``."""
        return self.naming.name("ingress") if host.role == "api" else self.naming.name(host.role, "ingress")

    def _tls(self, hosts: list[str]) -> list[Body]:
        """An Ingress's ``tls`` entry for ``hosts``.

        ``IssuedTls``: the secret ``<prefix>-gorax-tls``. Only the API Ingress carries the issuer
        annotation and lists both hosts, so the one Certificate cert-manager's ingress-shim derives
        (named after the secret, a ``dnsNames`` entry per listed host) covers both and has one owner;
        the other Ingresses only name the secret. ``WildcardTls``: the platform's copied Secret, or no
        ``secretName`` at all, which makes ingress-nginx serve its ``--default-ssl-certificate``.
        """
        tls = self.config.tls
        secret = tls.secret_name if isinstance(tls, WildcardTls) else self.certificate_name
        entry: Body = {"hosts": hosts}
        if secret:
            entry["secretName"] = secret
        return [entry]

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
        if host.role == "api" and isinstance(self.config.tls, IssuedTls):
            annotations[CLUSTER_ISSUER] = self.config.tls.cluster_issuer
        metadata = self.naming.metadata(self.ingress_name(host))
        metadata["annotations"] = annotations
        self.add_manifest(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": metadata,
                "spec": {
                    "ingressClassName": self.config.ingress_class,
                    "tls": self._tls([h.host for h in self.hosts] if host.role == "api" else [host.host]),
                    "rules": [{"host": host.host, "http": {"paths": [self._path("/")]}}],
                },
            },
        )

    def _path(self, prefix: str) -> Body:
        return {
            "path": prefix,
            "pathType": "Prefix",
            "backend": {"service": {"name": self.api_service_name, "port": {"number": self.api_service_port}}},
        }

    def _blocked_paths_ingress(self) -> None:
        """``<prefix>-gorax-blocked-ingress``: ``edge.blocked_paths`` on both hosts, refused to every client.

        ingress-nginx merges the Ingresses of one host into one server and picks the longest matching
        path, so ``/metrics`` and ``/health/...`` land in this Ingress's locations, where
        ``denylist-source-range`` (a location setting, no snippet) answers 403 to every IPv4 and IPv6
        client. The backend is never reached; it is the API Service only because a path needs one.
        """
        metadata = self.naming.metadata(self.naming.name("blocked", "ingress"))
        metadata["annotations"] = {
            NGINX + "ssl-redirect": "true",
            NGINX + "force-ssl-redirect": "true",
            NGINX + "denylist-source-range": ",".join(EVERY_ADDRESS),
        }
        self.add_manifest(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": metadata,
                "spec": {
                    "ingressClassName": self.config.ingress_class,
                    "tls": self._tls([host.host for host in self.hosts]),
                    "rules": [
                        {"host": host.host, "http": {"paths": [self._path(p) for p in self.refused_paths]}}
                        for host in self.hosts
                    ],
                },
            },
        )

    # Gateway API -------------------------------------------------------------------------------------------------

    def route_name(self, host: Host) -> str:
        return self.naming.name(host.role, "route")

    def _route(self, host: Host, cors: Cors) -> None:
        limits = host.limits
        # Gateway API picks the rule with the longest matching prefix: the blocked paths match this rule,
        # which has no backend, so nothing is forwarded (Envoy Gateway answers it directly with an error).
        blocked: Body = {"matches": [{"path": {"type": "PathPrefix", "value": p}} for p in self.refused_paths]}
        rule: Body = {
            "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
            # With the values the API server defaults (group, kind, weight), written out: with ServerSideApply
            # Argo CD's diff does not re-apply a CRD's schema defaults inside lists, so a route without them
            # stays OutOfSync (tests/test_gateway_mode.py applies the vendored CRDs' defaults and compares).
            "backendRefs": [
                {
                    "group": "",
                    "kind": "Service",
                    "name": self.api_service_name,
                    "port": self.api_service_port,
                    "weight": 1,
                }
            ],
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
                    "parentRefs": [self.config.gateway.reference(self.config.listener(host.host))],
                    "hostnames": [host.host],
                    "rules": [blocked, rule],
                },
            },
        )
        # Local rate limit: counted per Envoy replica, per client IP ("Distinct" source address), like
        # ingress-nginx. Envoy's token bucket holds `requests` tokens, so the burst is the per-second rate
        # (no multiplier), and there is no per-client connection limit.
        per_client = [
            {
                "clientSelectors": [{"sourceCIDR": {"type": "Distinct", "value": cidr, "invert": False}}],
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


def _covers(prefix: str, path: str) -> bool:
    """Whether a path prefix (matched element-wise, as both Ingress and Gateway API do) covers ``path``."""
    return path == prefix.rstrip("/") or path.startswith(prefix.rstrip("/") + "/")


def refused_paths(edge: EdgeConfig, api: Process) -> tuple[str, ...]:
    """``edge.blocked_paths``, then the API's probe and metrics paths (its contract's) they do not cover."""
    internal = [api.probes.liveness, api.probes.readiness, api.probes.startup]
    internal += [api.metrics.path] if api.metrics is not None else []
    paths = list(edge.blocked_paths)
    for path in internal:
        if path and not any(_covers(prefix, path) for prefix in paths):
            paths.append(path)
    return tuple(paths)
