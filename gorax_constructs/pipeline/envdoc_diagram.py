"""The Mermaid diagrams of ``docs/environments.md``: traffic, control and NetworkPolicy paths per environment."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..configuration.naming import NAMESPACE_NAME_LABEL
from ..configuration.syncwaves import HOOK, SYNC_WAVE
from .envdoc_objects import (
    EnvironmentView,
    Obj,
    Workload,
    _annotations,
    _canonical,
    _labels,
    _name,
    _pairs,
    _unique,
)
from .policies import selector_matches


def _mermaid_text(text: str) -> str:
    return text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _label(*lines: str) -> str:
    """A quoted Mermaid label, one entry per line (empty entries are left out)."""
    return '"' + "<br/>".join(_mermaid_text(line) for line in lines if line) + '"'


class Diagram:
    """One ``flowchart LR``: a subgraph for the namespace, peers outside it, edges merged by endpoints.

    Node ids are derived from the object names, reduced to ``[a-z0-9_]`` behind a kind prefix (so never
    a Mermaid keyword such as ``end``) and made unique; nodes and edges appear in the order added.
    """

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}
        self.declared: set[str] = set()
        self.inside: list[str] = []
        self.outside: list[str] = []
        self.edges: dict[tuple[str, str, str], list[str]] = {}

    def node_id(self, key: str, hint: str) -> str:
        if key not in self.ids:
            base = re.sub(r"[^a-z0-9_]+", "_", hint.lower()).strip("_") or "node"
            candidate, n = base, 1
            while candidate in self.ids.values():
                n += 1
                candidate = f"{base}_{n}"
            self.ids[key] = candidate
        return self.ids[key]

    def node(self, key: str, hint: str, lines: Sequence[str], *, shape: str = "[{}]", inside: bool = True) -> str:
        """Declare a node once (``shape``: Mermaid brackets around ``{}``, e.g. ``[({})]``); returns its id.

        ``node_id`` alone reserves the id (for an edge to a node declared later) without declaring it.
        """
        node = self.node_id(key, hint)
        if key not in self.declared:
            self.declared.add(key)
            (self.inside if inside else self.outside).append(f"{node}{shape.format(_label(*lines))}")
        return node

    def edge(self, source: str, arrow: str, target: str, label: str = "") -> None:
        labels = self.edges.setdefault((source, arrow, target), [])
        if label and label not in labels:
            labels.append(label)

    def render(self, subgraph: str, title: Sequence[str]) -> str:
        lines = ["```mermaid", "flowchart LR"]
        lines += [f"  {line}" for line in self.outside]
        lines.append(f"  subgraph {subgraph}[{_label(*title)}]")
        lines += [f"    {line}" for line in self.inside]
        lines.append("  end")
        for (source, arrow, target), labels in self.edges.items():
            text = f"|{_label(' · '.join(labels))}|" if labels else ""
            lines.append(f"  {source} {arrow}{text} {target}")
        lines.append("```")
        return "\n".join(lines)


def _ports(ports: Sequence[Obj] | None) -> str:
    """``TCP 4317, 4318``, ``UDP/TCP 53``: ports grouped by protocol, protocols with the same ports merged."""
    if not ports:
        return "all ports"
    by_protocol: dict[str, list[str]] = {}
    for port in ports:
        numbers = by_protocol.setdefault(str(port.get("protocol", "TCP")), [])
        text = str(port.get("port", "all"))
        if port.get("endPort"):
            text += f"-{port['endPort']}"
        if text not in numbers:
            numbers.append(text)
    by_ports: dict[tuple[str, ...], list[str]] = {}
    for protocol, numbers in by_protocol.items():
        by_ports.setdefault(tuple(numbers), []).append(protocol)
    return ", ".join(f"{'/'.join(protocols)} {', '.join(numbers)}" for numbers, protocols in by_ports.items())


def _peer_lines(peer: Obj) -> list[str]:
    """What a NetworkPolicy peer selects, as the objects say it (the except list two CIDRs a line)."""
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        excepted = list(block.get("except") or [])
        chunks = [", ".join(excepted[i : i + 2]) for i in range(0, len(excepted), 2)]
        return [block["cidr"], *(("except " if i == 0 else "") + chunk for i, chunk in enumerate(chunks))]
    parts = []
    if "namespaceSelector" in peer:
        labels = dict(peer["namespaceSelector"].get("matchLabels") or {})
        if set(labels) == {NAMESPACE_NAME_LABEL}:
            parts.append(f"namespace {labels[NAMESPACE_NAME_LABEL]}")
        else:
            parts.append(f"namespaces {_pairs(labels)}" if labels else "all namespaces")
    if "podSelector" in peer:
        labels = dict(peer["podSelector"].get("matchLabels") or {})
        parts.append(f"pods {_pairs(labels)}" if labels else "all pods")
        if "namespaceSelector" not in peer:
            parts.append("(same namespace)")
    return [" ".join(parts)]


def _peer_roles(view: EnvironmentView) -> list[tuple[str, str]]:
    """(canonical peer list, what it is): the config names the peers that the objects only select by labels."""
    net = view.env.network
    kinds = {r.kind for r in view.routes}
    candidates = []
    if "Ingress" in kinds:
        candidates.append(("ingress controller", net.ingress_controller.peers()))
    if "HTTPRoute" in kinds:
        candidates.append(("Gateway proxies", net.gateway.peers()))
    candidates += [
        ("Prometheus", net.monitoring.peers()),
        ("PostgreSQL", net.database.peers()),
        ("OTLP collector", net.otel_collector.peers()),
        ("cluster DNS", [{"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: net.dns_namespace}}}]),
    ]
    if view.env.redis is not None:
        candidates.append(("Redis", view.env.redis.peers()))
    if view.env.queue is not None and view.env.queue.endpoint is not None:
        candidates.append(("SQS endpoint", view.env.queue.endpoint.peers()))
    return [(_canonical(peers), role) for role, peers in candidates]


def _peer_node(diagram: Diagram, view: EnvironmentView, peers: Sequence[Obj] | None) -> str:
    """One node per distinct peer list of a rule (a database of three CIDRs is one node)."""
    if not peers:
        return diagram.node("peer:anywhere", "peer_anywhere", ["anywhere"], inside=False)
    key = _canonical(list(peers))
    roles = [role for canonical, role in _peer_roles(view) if canonical == key]
    if not roles and any(p.get("ipBlock", {}).get("cidr") in ("0.0.0.0/0", "::/0") for p in peers):
        roles = ["internet"]
    lines = [line for peer in peers for line in _peer_lines(peer)]
    shape = "[({})]" if "PostgreSQL" in roles or "Redis" in roles else "[{}]"
    hint = "peer_" + "_".join(roles or lines[:1])
    return diagram.node("peer:" + key, hint, [" / ".join(roles), *lines], shape=shape, inside=False)


def _workload_key(workload: Workload) -> tuple[str, str]:
    """The node key and id hint of a Deployment (``deploy_...``) or a Job (``job_...``)."""
    prefix = "job" if workload.kind == "Job" else "deploy"
    return f"{workload.kind}:{workload.name}", f"{prefix}_{workload.name}"


def _workload_nodes(diagram: Diagram, view: EnvironmentView) -> None:
    """Each Deployment and Job; a Job run as an Argo CD hook says so, with its sync wave."""
    for workload in view.workloads:
        notes = _annotations(workload.obj)
        hook = f"Argo CD {notes[HOOK]} hook, wave {notes.get(SYNC_WAVE, '0')}" if HOOK in notes else ""
        diagram.node(*_workload_key(workload), [f"{workload.kind} {workload.name}", hook])


def _traffic(diagram: Diagram, view: EnvironmentView, workload_ids: dict[str, str]) -> dict[str, str]:
    """Clients (through the Gateway) -> routing objects -> Services -> workloads; returns the Services' ids."""
    clients = diagram.node("clients", "clients", ["HTTPS clients"], shape="([{}])", inside=False)
    services = {_name(s): s for s in view.of_kind("Service")}
    service_ids = {name: diagram.node_id("Service:" + name, "svc_" + name) for name in services}
    for route in view.routes:
        lines = [
            f"{route.kind} {route.name}",
            *route.hosts,
            f"class {route.ingress_class}" if route.ingress_class else "",
        ]
        node = diagram.node(f"{route.kind}:{route.name}", "route_" + route.name, lines)
        for gateway in route.gateways:
            lines = [f"{gateway.kind} {gateway.ref}", f"listener {gateway.section}" if gateway.section else ""]
            entry = diagram.node(f"parent:{gateway}", f"gw_{gateway.ref}", lines, inside=False)
            diagram.edge(clients, "-->", entry)
            diagram.edge(entry, "-->", node)
        if not route.gateways:
            diagram.edge(clients, "-->", node)
        for service in route.services:
            if service in service_ids:
                diagram.edge(node, "-->", service_ids[service])
    for name, service in services.items():
        ports = ", ".join(
            f"{p.get('port')} → {p.get('targetPort', p.get('port'))}" for p in service["spec"].get("ports") or []
        )
        diagram.node("Service:" + name, "svc_" + name, [f"Service {name}", ports])
        for workload in view.services_targets(service):
            diagram.edge(service_ids[name], "-->", workload_ids[workload.name])
    return service_ids


def _control(
    diagram: Diagram, view: EnvironmentView, workload_ids: dict[str, str], service_ids: dict[str, str]
) -> None:
    """HPAs (or KEDA ScaledObjects) and PDBs on their Deployments, the ServiceMonitor on its Service, the
    PodMonitor on its pods."""
    # (kind, shown as, node id prefix, its replica range fields with their API defaults)
    scalers = (
        ("ScaledObject", "ScaledObject", "keda_", ("minReplicaCount", 0), ("maxReplicaCount", 100)),
        ("HorizontalPodAutoscaler", "HPA", "hpa_", ("minReplicas", 1), ("maxReplicas", None)),
    )
    for kind, shown, prefix, (low, low_default), (high, high_default) in scalers:
        for scaler in view.of_kind(kind):
            spec = scaler["spec"]
            node = diagram.node(f"{shown}:{_name(scaler)}", prefix + _name(scaler), [f"{shown} {_name(scaler)}"])
            target = spec["scaleTargetRef"]["name"]
            if target in workload_ids:
                scale = f"scales {spec.get(low, low_default)}–{spec.get(high, high_default)}"
                diagram.edge(node, "-.->", workload_ids[target], scale)
    for pdb in view.of_kind("PodDisruptionBudget"):
        spec = pdb["spec"]
        budget = ", ".join(f"{key} {spec[key]}" for key in ("minAvailable", "maxUnavailable") if key in spec)
        node = diagram.node("PDB:" + _name(pdb), "pdb_" + _name(pdb), [f"PDB {_name(pdb)}"])
        for workload in view.workloads:
            if workload.kind == "Deployment" and selector_matches(spec.get("selector"), workload.pod_labels):
                diagram.edge(node, "-.->", workload_ids[workload.name], budget)
    for monitor in view.of_kind("ServiceMonitor"):
        name = _name(monitor)
        node = diagram.node("ServiceMonitor:" + name, "sm_" + name, [f"ServiceMonitor {name}"])
        endpoints = monitor["spec"].get("endpoints") or []
        scrape = " · ".join(f"scrapes {e.get('port')} {e.get('path', '/metrics')}" for e in endpoints)
        for service in view.of_kind("Service"):
            if selector_matches(monitor["spec"].get("selector"), _labels(service["metadata"])):
                diagram.edge(node, "-.->", service_ids[_name(service)], scrape)
    for monitor in view.of_kind("PodMonitor"):
        name = _name(monitor)
        node = diagram.node("PodMonitor:" + name, "pm_" + name, [f"PodMonitor {name}"])
        endpoints = monitor["spec"].get("podMetricsEndpoints") or []
        scrape = " · ".join(f"scrapes pods {e.get('port')} {e.get('path', '/metrics')}" for e in endpoints)
        for workload in view.workloads:
            if selector_matches(monitor["spec"].get("selector"), workload.pod_labels):
                diagram.edge(node, "-.->", workload_ids[workload.name], scrape)


def _network(diagram: Diagram, view: EnvironmentView, workload_ids: dict[str, str], namespace_id: str) -> list[str]:
    """NetworkPolicy allowances as thick edges; returns the directions a namespace-wide empty policy denies."""
    denied: list[str] = []
    for policy in view.of_kind("NetworkPolicy"):
        spec = policy["spec"]
        selector = spec.get("podSelector") or {}
        types = spec.get("policyTypes") or (["Ingress", "Egress"] if "egress" in spec else ["Ingress"])
        if not selector.get("matchLabels") and not selector.get("matchExpressions"):
            targets = [namespace_id]  # every pod of the namespace
            denied += [kind.lower() for kind in types if not spec.get(kind.lower())]
        else:
            targets = [workload_ids[w.name] for w in view.workloads if selector_matches(selector, w.pod_labels)]
            if not targets:
                text = f"pods {_pairs(selector.get('matchLabels') or {})}"
                targets = [diagram.node("pods:" + _canonical(selector), "pods_" + text, [text])]
        for rule in (spec.get("ingress") or []) if "Ingress" in types else []:
            source = _peer_node(diagram, view, rule.get("from"))
            for target in targets:
                diagram.edge(source, "==>", target, _ports(rule.get("ports")))
        for rule in (spec.get("egress") or []) if "Egress" in types else []:
            destination = _peer_node(diagram, view, rule.get("to"))
            for target in targets:
                diagram.edge(target, "==>", destination, _ports(rule.get("ports")))
    return _unique(denied)


def _diagram(view: EnvironmentView) -> str:
    diagram = Diagram()
    namespace_id = diagram.node_id("namespace", "ns_" + view.namespace)
    # Ids first, declarations in reading order: routes, Services, workloads, then the control objects.
    workload_ids = {w.name: diagram.node_id(*_workload_key(w)) for w in view.workloads}
    service_ids = _traffic(diagram, view, workload_ids)
    _workload_nodes(diagram, view)
    _control(diagram, view, workload_ids, service_ids)
    denied = _network(diagram, view, workload_ids, namespace_id)
    title = [f"namespace {view.namespace}"]
    if denied:
        title.append(f"NetworkPolicy default deny: {' and '.join(denied)}")
    return "\n".join([f"### {view.env.name}", "", diagram.render(namespace_id, title)])
