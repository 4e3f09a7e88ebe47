"""NetworkPolicy peers: who the Gorax pods may talk to, per environment."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .dns import is_dns_label, is_label_value
from .errors import Problem
from .fieldtypes import is_port
from .naming import NAMESPACE_NAME_LABEL

Labels = tuple[tuple[str, str], ...]
Body = dict[str, Any]
MIGRATION = "migration"  # the migration Job's component label
METADATA_ADDRESS = "169.254.169.254/32"  # cloud instance metadata: credentials live there
DNS_PORTS = ({"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53})
OTLP_PORTS = (4317, 4318)  # gRPC and HTTP
ACME_SOLVER = {"acme.cert-manager.io/http01-solver": "true"}  # cert-manager's HTTP-01 solver pods
ACME_SOLVER_PORT = 8089


def namespace_labels(name: str) -> Labels:
    return ((NAMESPACE_NAME_LABEL, name),)


def _label_problems(name: str, labels: Labels) -> Iterator[Problem]:
    for pair in labels:
        key, value = pair if isinstance(pair, tuple) and len(pair) == 2 else ("", "")
        if not key or not isinstance(value, str) or (value and not is_label_value(value)):
            yield Problem(name, pair, "(label key, label value) pairs")


@dataclass(frozen=True, kw_only=True)
class Peer:
    """Where a connection goes to or comes from: IP blocks, or namespaces (optionally narrowed to pods).

    Attributes:
        cidrs: IP blocks (for services outside the cluster, e.g. a managed PostgreSQL); default none.
        namespace_labels: labels of the peer's namespaces; default none.
        pod_labels: labels of the peer's pods within those namespaces; default all pods.
    """

    cidrs: tuple[str, ...] = ()
    namespace_labels: Labels = ()
    pod_labels: Labels = ()

    def problems(self) -> Iterator[Problem]:
        if bool(self.cidrs) == bool(self.namespace_labels):
            yield Problem("cidrs", self.cidrs, "either CIDRs or namespace_labels (optionally with pod_labels)")
        if self.pod_labels and not self.namespace_labels:
            yield Problem("pod_labels", self.pod_labels, "pod_labels only together with namespace_labels")
        for cidr in self.cidrs:
            try:
                ipaddress.ip_network(cidr)
            except (TypeError, ValueError):
                yield Problem("cidrs", cidr, "a CIDR such as '10.20.0.0/16' (host bits zero)")
        yield from _label_problems("namespace_labels", self.namespace_labels)
        yield from _label_problems("pod_labels", self.pod_labels)

    def peers(self) -> list[Body]:
        """NetworkPolicy ``from``/``to`` entries."""
        if self.cidrs:
            return [{"ipBlock": {"cidr": cidr}} for cidr in self.cidrs]
        peer: Body = {"namespaceSelector": {"matchLabels": dict(self.namespace_labels)}}
        if self.pod_labels:
            peer["podSelector"] = {"matchLabels": dict(self.pod_labels)}
        return [peer]


@dataclass(frozen=True, kw_only=True)
class NetworkConfig:
    """Who may talk to the Gorax pods, and whom they may talk to.

    Attributes:
        ingress_controller: the ingress-nginx controller pods (``ingress-nginx`` edge); default its namespace.
        gateway: the Gateway's proxy pods (``gateway-api`` edge); default Envoy Gateway's namespace.
        monitoring: Prometheus, which scrapes the metrics ports; default the ``monitoring`` namespace.
        database: PostgreSQL, as CIDRs or namespace/pod labels; default the ``postgres`` namespace.
        database_port: default 5432.
        otel_collector: the OpenTelemetry collector (OTLP 4317/4318); default the ``observability`` namespace.
        dns_namespace: where cluster DNS runs; default ``kube-system``.
        dns_cidrs: DNS servers outside any pod's namespace, e.g. NodeLocal DNSCache, which listens on a
            link-local address of every node (``169.254.20.10/32``) in the host network that no namespace
            selector matches; default none.
        private_ranges: IPv4 blocks workers must not reach as "external" (cluster, VPC); the metadata
            address 169.254.169.254/32 is always excluded as well.
        external_ports: ports workers may call outside the private ranges; default 80 and 443.
    """

    ingress_controller: Peer = field(default_factory=lambda: Peer(namespace_labels=namespace_labels("ingress-nginx")))
    gateway: Peer = field(default_factory=lambda: Peer(namespace_labels=namespace_labels("envoy-gateway-system")))
    monitoring: Peer = field(default_factory=lambda: Peer(namespace_labels=namespace_labels("monitoring")))
    database: Peer = field(default_factory=lambda: Peer(namespace_labels=namespace_labels("postgres")))
    database_port: int = 5432
    otel_collector: Peer = field(default_factory=lambda: Peer(namespace_labels=namespace_labels("observability")))
    dns_namespace: str = "kube-system"
    dns_cidrs: tuple[str, ...] = ()
    private_ranges: tuple[str, ...] = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
    external_ports: tuple[int, ...] = (80, 443)

    def problems(self) -> Iterator[Problem]:
        for name in ("ingress_controller", "gateway", "monitoring", "database", "otel_collector"):
            yield from (p.under(name) for p in getattr(self, name).problems())
        for name in ("database_port",):
            value = getattr(self, name)
            if not is_port(value):
                yield Problem(name, value, "a port from 1 to 65535")
        for port in self.external_ports:
            if not is_port(port):
                yield Problem("external_ports", port, "ports from 1 to 65535")
        if not is_dns_label(self.dns_namespace):
            yield Problem("dns_namespace", self.dns_namespace, "a namespace name (DNS label)")
        for cidr in self.dns_cidrs:
            try:
                narrow = ipaddress.ip_network(cidr).prefixlen > 0
            except (TypeError, ValueError):
                narrow = False
            if not narrow:
                yield Problem("dns_cidrs", cidr, "a CIDR of the DNS servers such as '169.254.20.10/32'")
        for cidr in self.private_ranges:
            try:
                network = ipaddress.ip_network(cidr)
            except (TypeError, ValueError):
                network = None
            if network is None or network.version != 4 or network.prefixlen == 0:
                yield Problem("private_ranges", cidr, "an IPv4 CIDR narrower than 0.0.0.0/0, such as '10.0.0.0/8'")

    @property
    def excluded_ranges(self) -> tuple[str, ...]:
        """Never "external": the private ranges plus the cloud metadata address."""
        return (*self.private_ranges, METADATA_ADDRESS)
