"""NetworkPolicies: inside the namespace, nothing talks to anything it does not need to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs import Construct

from ..configuration.dependencies import SQS_PORT
from ..configuration.edge import EdgeConfig, IssuedTls
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
    from ..configuration.dependencies import Redis, SqsQueue
    from ..configuration.identity import WorkloadIdentity
    from ..configuration.naming import Naming
    from .migration import MigrationJob
    from .workloads import ApiService, WorkerPool, Workload


class NetworkPolicies(ChartPart):
    """Default deny in both directions, then one allow-list per component.

    - ``<prefix>-gorax-default-deny``: every pod, no ingress, no egress.
    - ``<prefix>-gorax-allow-dns``: every pod may reach cluster DNS (UDP and TCP 53) in ``dns_namespace``
      and at ``dns_cidrs`` (NodeLocal DNSCache) -- an egress policy without DNS breaks every lookup.
    - ``<prefix>-gorax-api``: from the ingress controller (or Gateway) to ``http``; from monitoring to ``http``
      (``/metrics``, only if the contract says the API serves metrics); to PostgreSQL, Redis (its endpoint
      and port exactly) and the OTLP collector.
    - ``<prefix>-gorax-worker``: from monitoring to its metrics port only if the contract says the workers
      serve metrics (the upstream worker does not); to PostgreSQL, Redis, an SQS VPC endpoint (``queue``), the
      collector, and external HTTP(S) outside the private ranges and the metadata address (workflow steps
      call outside services).
    - ``<prefix>-gorax-migration``: the migration Job's pods to PostgreSQL.
    - ``<prefix>-gorax-workload-identity`` (only with ``identity.cloud_apis``): the API and worker pods to the
      cloud endpoints the user named (and GKE's metadata server, 169.254.169.254:80, 169.254.169.252:988);
      never every public address (NetworkPolicy cannot name hosts).
    - ``<prefix>-gorax-acme-solver`` (``ingress-nginx`` edge): from the ingress controller to cert-manager's
      HTTP-01 solver pods, which cert-manager runs in this namespace while it issues or renews the TLS
      Certificate; without it default deny fails every renewal (harmless when the issuer uses DNS-01).

    Pods are selected by the workloads' own ``selector``, the stable labels. Ports are named where the
    container names them, so a port-number change in the workloads cannot silently open or close one.

    Props:
        naming: names and labels.
        config: the peers (DNS, database, collector, monitoring, edge) and the external egress.
        edge: the edge's mode (which peer reaches the API) and TLS (an issued certificate needs the
            ACME solver's allowance).
        api, worker, migration: the pods the policies select (their selectors and metrics ports).
        identity: the workload identity whose cloud endpoints the API and workers reach (default ``None``).
        redis: the Redis the API and workers reach (default ``None``).
        queue: the SQS queue whose VPC endpoint the workers reach (default ``None``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        config: NetworkConfig,
        edge: EdgeConfig,
        api: ApiService,
        worker: WorkerPool,
        migration: MigrationJob,
        identity: WorkloadIdentity | None = None,
        redis: Redis | None = None,
        queue: SqsQueue | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.naming = naming
        net = config
        edge_peer = net.gateway if edge.mode == "gateway-api" else net.ingress_controller
        database = {"to": net.database.peers(), "ports": [{"protocol": "TCP", "port": net.database_port}]}
        otlp = {"to": net.otel_collector.peers(), "ports": [{"protocol": "TCP", "port": p} for p in OTLP_PORTS]}
        external = {
            "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(net.excluded_ranges)}}],
            "ports": [{"protocol": "TCP", "port": p} for p in net.external_ports],
        }
        dependencies = _dependency_egress(redis, queue)

        self._policy("default-deny", {}, ingress=[], egress=[])
        dns_peers = [{"namespaceSelector": {"matchLabels": dict(namespace_labels(net.dns_namespace))}}]
        dns_peers += [{"ipBlock": {"cidr": cidr}} for cidr in net.dns_cidrs]  # NodeLocal DNSCache: host network
        self._policy("allow-dns", {}, egress=[{"to": dns_peers, "ports": [dict(p) for p in DNS_PORTS]}])
        # Prometheus reaches a component only where the contract says it serves metrics.
        scrape = {
            name: [{"from": net.monitoring.peers(), "ports": [{"protocol": "TCP", "port": port}]}]
            for name, port in scraped_ports(api, worker).items()
        }
        self._policy(
            API.name,
            api.selector,
            ingress=[
                {"from": edge_peer.peers(), "ports": [{"protocol": "TCP", "port": API.port_name}]},
                *scrape.get(API.name, []),
            ],
            egress=[database, *dependencies[API.name], otlp],
        )
        self._policy(
            WORKER.name,
            worker.selector,
            ingress=scrape.get(WORKER.name, []),
            egress=[database, *dependencies[WORKER.name], otlp, external],
        )
        self._policy(MIGRATION, migration.selector, egress=[database])
        if identity is not None and identity.egress:
            # Only the named cloud endpoints (identity.cloud_apis), for the pods that call them.
            identity_egress = [
                {"to": [{"ipBlock": {"cidr": e.cidr}}], "ports": [{"protocol": "TCP", "port": e.port}]}
                for e in identity.egress
            ]
            calls_apis = {"key": COMPONENT_LABEL, "operator": "In", "values": [API.name, WORKER.name]}
            selector = {k: v for k, v in api.selector.items() if k != COMPONENT_LABEL}
            self._policy("workload-identity", selector, egress=identity_egress, expressions=[calls_apis])
        if edge.mode == "ingress-nginx" and isinstance(edge.tls, IssuedTls):
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


def scraped_ports(*workloads: Workload) -> dict[str, str]:
    """Component -> the named port Prometheus scrapes, for the workloads that serve metrics."""
    return {w.component.name: w.metrics_port_name for w in workloads if w.metrics_port_name is not None}


def _dependency_egress(redis: Redis | None, queue: SqsQueue | None) -> dict[str, list[Body]]:
    """Egress to Redis (API and worker: exactly its endpoint and port) and to an SQS VPC endpoint (worker).

    The migration needs neither (cmd/migrate connects to PostgreSQL only). The public regional SQS endpoint
    has no fixed addresses: the workers reach it through their external egress (``network.external_ports``
    must hold 443, the configuration checks it), and nothing more is opened for it.
    """
    rules: dict[str, list[Body]] = {API.name: [], WORKER.name: []}
    if redis is not None:
        to_redis = {"to": redis.peers(), "ports": [{"protocol": "TCP", "port": redis.endpoint_port}]}
        rules[API.name].append(to_redis)
        rules[WORKER.name].append(to_redis)
    if queue is not None and queue.endpoint is not None:
        rules[WORKER.name].append({"to": queue.endpoint.peers(), "ports": [{"protocol": "TCP", "port": SQS_PORT}]})
    return rules
