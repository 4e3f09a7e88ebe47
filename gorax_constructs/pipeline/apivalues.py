"""Values the API server refuses although the JSON schemas allow them, checked on every object whatever
built it (the parts, an extension, a ``chart.patch``).

The Kubernetes JSON schemas (kubernetes-validate) give ports as plain integers and most enums as
plain strings: ``containerPort: 70000`` or ``imagePullPolicy: Sometimes`` pass schema validation,
promote, and fail only when Argo CD applies them. The rules below are the API server's own, from
the Kubernetes sources (v1.33): ``k8s.io/apimachinery/pkg/util/validation/validation.go``
(``IsDNS1123Label``, ``IsDNS1123Subdomain``, ``IsDNS1035Label``, ``IsQualifiedName``,
``IsValidLabelValue``, ``IsValidPortNum``, ``IsValidPortName``), ``pkg/apis/core/validation/validation.go``
(pull policies, restart policies, protocols, DNS policies, Service types and traffic policies) and
``pkg/apis/networking/validation/validation.go`` (Ingress path types).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..configuration.dns import DNS1035_LABEL, DNS_LABEL, DNS_SUBDOMAIN, is_label_value, is_qualified_name
from ..configuration.errors import brief
from ..configuration.fieldtypes import is_port
from .policies import pod_template

Body = dict[str, Any]

PORT_NAME = re.compile(r"(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?")
"""IANA_SVC_NAME: at most 15 lowercase letters, digits and single '-', at least one letter."""

LABEL_KINDS = ("Namespace",)
"""Kinds whose names are DNS-1123 labels (most kinds take a DNS-1123 subdomain)."""
DNS1035_KINDS = ("Service",)

POD_ENUMS = {
    "restartPolicy": ("Always", "OnFailure", "Never"),
    "dnsPolicy": ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"),
    "preemptionPolicy": ("PreemptLowerPriority", "Never"),
}
CONTAINER_ENUMS = {
    "imagePullPolicy": ("Always", "IfNotPresent", "Never"),
    "terminationMessagePolicy": ("File", "FallbackToLogsOnError"),
    "restartPolicy": ("Always",),  # only a sidecar init container sets it
}
PROTOCOLS = ("TCP", "UDP", "SCTP")
SERVICE_ENUMS = {
    "type": ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"),
    "sessionAffinity": ("ClientIP", "None"),
    "externalTrafficPolicy": ("Cluster", "Local"),
    "internalTrafficPolicy": ("Cluster", "Local"),
    "ipFamilyPolicy": ("SingleStack", "PreferDualStack", "RequireDualStack"),
}
PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")
STRATEGY_TYPES = {"Deployment": ("RollingUpdate", "Recreate"), "DaemonSet": ("RollingUpdate", "OnDelete")}
POLICY_TYPES = ("Ingress", "Egress")
SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def _enum(where: str, value: object, allowed: tuple[str, ...]) -> Iterator[str]:
    if value is not None and value not in allowed:
        yield f"{where} = {brief(value)} is not allowed: one of {', '.join(allowed)}"


def _port(where: str, value: object, *, named: bool = False) -> Iterator[str]:
    """A port number 1-65535, or (where the API allows it) a port name."""
    if value is None:
        return
    if isinstance(value, str) and named:
        if not PORT_NAME.fullmatch(value):
            yield f"{where} = {brief(value)} is not allowed: a port number or name (IANA_SVC_NAME, at most 15)"
    elif not is_port(value):
        yield f"{where} = {brief(value)} is not allowed: a port number from 1 to 65535"


def _labels(where: str, labels: object, *, values: bool = True) -> Iterator[str]:
    """Label (or annotation, ``values=False``) keys, and label values."""
    if not isinstance(labels, dict):
        return
    for key, value in labels.items():
        if not isinstance(key, str) or not is_qualified_name(key):
            yield f"{where}: key {brief(key)} is not allowed: [prefix/]name, name at most 63 of [-A-Za-z0-9_.]"
        elif values and (not isinstance(value, str) or not is_label_value(value)):
            yield f"{where}[{key}] = {brief(value)} is not allowed: a label value (at most 63 of [-A-Za-z0-9_.])"


def _selector(where: str, selector: object) -> Iterator[str]:
    if not isinstance(selector, dict):
        return
    yield from _labels(f"{where}.matchLabels", selector.get("matchLabels"))
    for index, expression in enumerate(selector.get("matchExpressions") or []):
        yield from _enum(f"{where}.matchExpressions[{index}].operator", expression.get("operator"), SELECTOR_OPERATORS)


def _name(where: str, value: object, pattern: re.Pattern[str], allowed: str, limit: int = 63) -> Iterator[str]:
    if not isinstance(value, str) or len(value) > limit or not pattern.fullmatch(value):
        yield f"{where} = {brief(value)} is not allowed: {allowed}"


def _metadata(obj: Body) -> Iterator[str]:
    metadata = obj.get("metadata") or {}
    kind = obj.get("kind")
    if kind in DNS1035_KINDS:
        rule = (DNS1035_LABEL, "a DNS-1035 label (lowercase letters, digits, '-', starting with a letter)", 63)
    elif kind in LABEL_KINDS:
        rule = (DNS_LABEL, "a DNS-1123 label (lowercase letters, digits, '-', at most 63)", 63)
    else:
        rule = (DNS_SUBDOMAIN, "a DNS-1123 subdomain (lowercase letters, digits, '-', '.', at most 253)", 253)
    yield from _name("metadata.name", metadata.get("name"), *rule)
    if "namespace" in metadata:
        yield from _name("metadata.namespace", metadata["namespace"], DNS_LABEL, "a namespace name (DNS label)")
    yield from _labels("metadata.labels", metadata.get("labels"))
    yield from _labels("metadata.annotations", metadata.get("annotations"), values=False)


def _probe_ports(where: str, container: Body) -> Iterator[str]:
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        handler = container.get(probe) or {}
        for action in ("httpGet", "tcpSocket"):
            if action in handler:
                yield from _port(f"{where}.{probe}.{action}.port", handler[action].get("port"), named=True)
        if "grpc" in handler:
            yield from _port(f"{where}.{probe}.grpc.port", handler["grpc"].get("port"))


def _pod(where: str, template: Body) -> Iterator[str]:
    yield from _labels(f"{where}.metadata.labels", (template.get("metadata") or {}).get("labels"))
    spec = template.get("spec") or {}
    for field, allowed in POD_ENUMS.items():
        yield from _enum(f"{where}.spec.{field}", spec.get(field), allowed)
    for group in ("initContainers", "containers", "ephemeralContainers"):
        for index, container in enumerate(spec.get(group) or []):
            at = f"{where}.spec.{group}[{index}]"
            yield from _name(f"{at}.name", container.get("name"), DNS_LABEL, "a DNS-1123 label")
            for field, allowed in CONTAINER_ENUMS.items():
                yield from _enum(f"{at}.{field}", container.get(field), allowed)
            for number, port in enumerate(container.get("ports") or []):
                yield from _port(f"{at}.ports[{number}].containerPort", port.get("containerPort"))
                yield from _port(f"{at}.ports[{number}].hostPort", port.get("hostPort"))
                yield from _enum(f"{at}.ports[{number}].protocol", port.get("protocol"), PROTOCOLS)
                if "name" in port:
                    yield from _name(f"{at}.ports[{number}].name", port["name"], PORT_NAME, "an IANA_SVC_NAME", 15)
            yield from _probe_ports(at, container)
    for index, volume in enumerate(spec.get("volumes") or []):
        yield from _name(f"{where}.spec.volumes[{index}].name", volume.get("name"), DNS_LABEL, "a DNS-1123 label")


def _service(spec: Body) -> Iterator[str]:
    for field, allowed in SERVICE_ENUMS.items():
        yield from _enum(f"spec.{field}", spec.get(field), allowed)
    for index, port in enumerate(spec.get("ports") or []):
        yield from _port(f"spec.ports[{index}].port", port.get("port"))
        yield from _port(f"spec.ports[{index}].targetPort", port.get("targetPort"), named=True)
        yield from _port(f"spec.ports[{index}].nodePort", port.get("nodePort"))
        yield from _enum(f"spec.ports[{index}].protocol", port.get("protocol"), PROTOCOLS)
    yield from _labels("spec.selector", spec.get("selector"))


def _ingress_backend(where: str, backend: object) -> Iterator[str]:
    service = backend.get("service") if isinstance(backend, dict) else None
    port = service.get("port") if isinstance(service, dict) else None
    if isinstance(port, dict):
        yield from _port(f"{where}.service.port.number", port.get("number"))


def _ingress(spec: Body) -> Iterator[str]:
    yield from _ingress_backend("spec.defaultBackend", spec.get("defaultBackend"))
    for rule_index, rule in enumerate(spec.get("rules") or []):
        for index, path in enumerate((rule.get("http") or {}).get("paths") or []):
            at = f"spec.rules[{rule_index}].http.paths[{index}]"
            yield from _enum(f"{at}.pathType", path.get("pathType"), PATH_TYPES)
            yield from _ingress_backend(f"{at}.backend", path.get("backend"))


def _network_policy(spec: Body) -> Iterator[str]:
    for index, kind in enumerate(spec.get("policyTypes") or []):
        yield from _enum(f"spec.policyTypes[{index}]", kind, POLICY_TYPES)
    yield from _selector("spec.podSelector", spec.get("podSelector"))
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for rule_index, rule in enumerate(spec.get(direction) or []):
            for index, port in enumerate(rule.get("ports") or []):
                at = f"spec.{direction}[{rule_index}].ports[{index}]"
                yield from _port(f"{at}.port", port.get("port"), named=True)
                yield from _enum(f"{at}.protocol", port.get("protocol"), PROTOCOLS)
                if port.get("endPort") is not None:
                    yield from _port(f"{at}.endPort", port["endPort"])
                    start, end = port.get("port"), port["endPort"]
                    if isinstance(start, int) and isinstance(end, int) and end < start:
                        yield f"{at}.endPort = {port['endPort']} is not allowed: at least port ({port['port']})"
            for index, peer in enumerate(rule.get(peers) or []):
                at = f"spec.{direction}[{rule_index}].{peers}[{index}]"
                yield from _selector(f"{at}.podSelector", peer.get("podSelector"))
                yield from _selector(f"{at}.namespaceSelector", peer.get("namespaceSelector"))


def problems(obj: Body) -> Iterator[str]:
    """Every value of ``obj`` the API server would refuse, each as ``<field> = <value> is not allowed: ...``."""
    yield from _metadata(obj)
    kind, spec = obj.get("kind"), obj.get("spec") or {}
    template = pod_template(obj)
    if template is not None:
        where = "" if kind == "Pod" else ("spec.jobTemplate.spec.template" if kind == "CronJob" else "spec.template")
        yield from (problem.lstrip(".") for problem in _pod(where, template))
        if kind != "Pod":
            yield from _selector("spec.selector", spec.get("selector"))
    if kind in STRATEGY_TYPES:
        strategy = spec.get("updateStrategy" if kind == "DaemonSet" else "strategy") or {}
        yield from _enum("spec.strategy.type", strategy.get("type"), STRATEGY_TYPES[kind])
    if kind == "Service":
        yield from _service(spec)
    elif kind == "Ingress":
        yield from _ingress(spec)
    elif kind == "NetworkPolicy":
        yield from _network_policy(spec)
    elif kind == "PodDisruptionBudget":
        yield from _selector("spec.selector", spec.get("selector"))
