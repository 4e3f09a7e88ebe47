"""NetworkPolicies: inside the namespace, nothing talks to anything it does not need to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs import Construct

from ..configuration.edge import IssuedTls
from ..configuration.naming import API, COMPONENT_LABEL, WORKER
from ..configuration.network import (
    ACME_SOLVER,
    ACME_SOLVER_PORT,
    DNS_PORTS,
    MIGRATION,
    OTLP_PORTS,
    NetworkConfig,
    namespace_labels,
)
from .manifest import Body, ChartPart

if TYPE_CHECKING:
    from ..configuration.naming import Naming


class NetworkPolicies(ChartPart):
    """Default deny in both directions, then one allow-list per component.

    - ``<prefix>-gorax-default-deny``: every pod, no ingress, no egress.
    - ``<prefix>-gorax-allow-dns``: every pod may reach cluster DNS (UDP and TCP 53) in ``dns_namespace``
      and at ``dns_cidrs`` (NodeLocal DNSCache) -- an egress policy without DNS breaks every lookup.
    - ``<prefix>-gorax-api``: from the ingress controller (or Gateway) to ``http``; from monitoring to ``http``
      (``/metrics``); to PostgreSQL and the OTLP collector.
    - ``<prefix>-gorax-worker``: from monitoring to ``metrics``; to PostgreSQL, the collector, and external
      HTTP(S) outside the private ranges and the metadata address (workflow steps call outside services).
    - ``<prefix>-gorax-migration``: the migration Job's pods to PostgreSQL.
    - ``<prefix>-gorax-workload-identity`` (only with ``identity.cloud_apis``): the API and worker pods to the
      cloud endpoints the user named (and GKE's metadata server, 169.254.169.254:80, 169.254.169.252:988);
      never every public address (NetworkPolicy cannot name hosts).
    - ``<prefix>-gorax-acme-solver`` (``ingress-nginx`` edge): from the ingress controller to cert-manager's
      HTTP-01 solver pods, which cert-manager runs in this namespace while it issues or renews the TLS
      Certificate; without it default deny fails every renewal (harmless when the issuer uses DNS-01).

    Pods are selected by ``Naming.selector(component)``, the stable labels. Ports are named where the
    container names them, so a port-number change in the workloads cannot silently open or close one.

    Props:
        naming: the environment's ``Naming`` (``network`` and ``edge.mode`` come from ``naming.env``).
    """

    def __init__(self, scope: Construct, id: str, *, naming: Naming) -> None:
        super().__init__(scope, id)
        env = naming.env
        self.naming = naming
        net: NetworkConfig = env.network
        edge_peer = net.gateway if env.edge.mode == "gateway-api" else net.ingress_controller
        database = {"to": net.database.peers(), "ports": [{"protocol": "TCP", "port": net.database_port}]}
        otlp = {"to": net.otel_collector.peers(), "ports": [{"protocol": "TCP", "port": p} for p in OTLP_PORTS]}
        external = {
            "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(net.excluded_ranges)}}],
            "ports": [{"protocol": "TCP", "port": p} for p in net.external_ports],
        }

        self._policy("default-deny", {}, ingress=[], egress=[])
        dns_peers = [{"namespaceSelector": {"matchLabels": dict(namespace_labels(net.dns_namespace))}}]
        dns_peers += [{"ipBlock": {"cidr": cidr}} for cidr in net.dns_cidrs]  # NodeLocal DNSCache: host network
        self._policy("allow-dns", {}, egress=[{"to": dns_peers, "ports": [dict(p) for p in DNS_PORTS]}])
        self._policy(
            API.name,
            naming.selector(API.name),
            ingress=[
                {"from": edge_peer.peers(), "ports": [{"protocol": "TCP", "port": API.port_name}]},
                {"from": net.monitoring.peers(), "ports": [{"protocol": "TCP", "port": API.port_name}]},
            ],
            egress=[database, otlp],
        )
        self._policy(
            WORKER.name,
            naming.selector(WORKER.name),
            ingress=[{"from": net.monitoring.peers(), "ports": [{"protocol": "TCP", "port": WORKER.port_name}]}],
            egress=[database, otlp, external],
        )
        self._policy(MIGRATION, naming.selector(MIGRATION), egress=[database])
        if env.identity is not None and env.identity.egress:
            # Only the named cloud endpoints (identity.cloud_apis), for the pods that call them.
            identity_egress = [
                {"to": [{"ipBlock": {"cidr": e.cidr}}], "ports": [{"protocol": "TCP", "port": e.port}]}
                for e in env.identity.egress
            ]
            calls_apis = {"key": COMPONENT_LABEL, "operator": "In", "values": [API.name, WORKER.name]}
            selector = {k: v for k, v in naming.selector(API.name).items() if k != COMPONENT_LABEL}
            self._policy("workload-identity", selector, egress=identity_egress, expressions=[calls_apis])
        if env.edge.mode == "ingress-nginx" and isinstance(env.edge.tls, IssuedTls):
            solver_port = [{"protocol": "TCP", "port": ACME_SOLVER_PORT}]
            self._policy("acme-solver", ACME_SOLVER, ingress=[{"from": edge_peer.peers(), "ports": solver_port}])

    def _policy(
        self,
        name: str,
        pod_selector: dict[str, str],
        *,
        ingress: list[Body] | None = None,
        egress: list[Body] | None = None,
        expressions: list[Body] | None = None,
    ) -> None:
        selector: Body = {"matchLabels": pod_selector} if pod_selector else {}
        if expressions:
            selector["matchExpressions"] = expressions
        spec: Body = {"podSelector": selector, "policyTypes": []}
        if ingress is not None:
            spec["policyTypes"].append("Ingress")
            spec["ingress"] = ingress
        if egress is not None:
            spec["policyTypes"].append("Egress")
            spec["egress"] = egress
        self.add_manifest(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": self.naming.metadata(self.naming.name(name)),
                "spec": spec,
            },
        )
