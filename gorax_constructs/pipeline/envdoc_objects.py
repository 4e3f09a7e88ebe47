"""Reading an environment's synthesized objects for ``docs/environments.md``: what runs, routes and scales.

Pure (no cdk8s import) and order-independent: objects are sorted by kind, namespace and name first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..configuration.edge import CLUSTER_ISSUER
from ..configuration.naming import COMPONENT_LABEL, NGINX
from .policies import selector_matches

if TYPE_CHECKING:  # config imports the edge constructs, which import cdk8s
    from ..configuration.model import EnvironmentConfig

Obj = Mapping[str, Any]

NONE = "none"


def _sort_key(obj: Obj) -> tuple[str, str, str]:
    meta = obj.get("metadata") or {}
    return (str(obj.get("kind", "")), str(meta.get("namespace", "")), str(meta.get("name", "")))


def _name(obj: Obj) -> str:
    return str(obj["metadata"]["name"])


def _labels(obj: Obj | None) -> dict[str, str]:
    return dict((obj or {}).get("labels") or {})


def _annotations(obj: Obj) -> dict[str, str]:
    return dict(obj.get("metadata", {}).get("annotations") or {})


def _pairs(labels: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _split_image(reference: str) -> tuple[str, str, str]:
    """``repository[:tag][@digest]`` -> (repository, tag, digest); a registry port is not a tag."""
    name, _, digest = reference.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon + 1 :], digest
    return name, "", digest


@dataclass
class Workload:
    """A Deployment or a Job: what runs pods."""

    obj: Obj
    kind: str
    name: str
    component: str
    pod_labels: dict[str, str]
    containers: list[Obj]

    @property
    def main_container(self) -> Obj:
        for container in self.containers:
            if container.get("name") == self.component:
                return container
        return self.containers[0] if self.containers else {}

    def env_value(self, variable: str) -> str | None:
        for entry in self.main_container.get("env") or []:
            if entry.get("name") == variable and "value" in entry:
                return str(entry["value"])
        return None

    def secret_names(self) -> list[str]:
        names: list[str] = []
        for container in self.containers:
            for entry in container.get("env") or []:
                ref = (entry.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    names.append(ref["name"])
            for source in container.get("envFrom") or []:
                if "secretRef" in source:
                    names.append(source["secretRef"]["name"])
        spec = self.obj["spec"]["template"].get("spec") or {}
        names += [v["secret"]["secretName"] for v in spec.get("volumes") or [] if "secret" in v]
        return names


@dataclass
class Route:
    """One routing object (Ingress or HTTPRoute) and what it does for its hosts."""

    kind: str
    name: str
    hosts: list[str]
    services: list[str]
    cors_origins: list[str] | None
    rate_limit: str
    tls: str
    ingress_class: str | None
    gateways: list[Parent] = field(default_factory=list)


@dataclass(frozen=True)
class Parent:
    """An HTTPRoute's parent: the Gateway (listener) that terminates TLS and hands it the requests."""

    kind: str
    namespace: str
    name: str
    section: str

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"

    def markdown(self, *, listener: bool = True) -> str:
        section = f" listener `{self.section}`" if self.section and listener else ""
        return f"{self.kind} `{self.ref}`{section}"


class EnvironmentView:
    """One environment's objects, indexed for reading (built once per render)."""

    def __init__(self, env: EnvironmentConfig, objects: Sequence[Obj]) -> None:
        self.env = env
        self.objects = sorted(objects, key=_sort_key)
        self.workloads = [self._workload(o) for o in self.objects if o["kind"] in ("Deployment", "Job")]
        self.deployments = {w.component: w for w in self.workloads if w.kind == "Deployment"}
        self.routes = [
            self._route(o) for o in self.objects if o["kind"] in ("Ingress", "HTTPRoute") and not _refuses_all(o)
        ]
        self.blocked_paths = _unique(path for o in self.objects for path in _blocked_paths(o))

    def of_kind(self, kind: str) -> list[Obj]:
        return [o for o in self.objects if o["kind"] == kind]

    @property
    def namespace(self) -> str:
        namespaces = [_name(o) for o in self.of_kind("Namespace")]
        if not namespaces:
            namespaces = sorted({o["metadata"]["namespace"] for o in self.objects if "namespace" in o["metadata"]})
        return ", ".join(namespaces)

    @staticmethod
    def _workload(obj: Obj) -> Workload:
        template = obj["spec"]["template"]
        labels = _labels(obj["metadata"])
        return Workload(
            obj=obj,
            kind=obj["kind"],
            name=_name(obj),
            component=labels.get(COMPONENT_LABEL, _name(obj)),
            pod_labels=_labels(template.get("metadata")),
            containers=list((template.get("spec") or {}).get("containers") or []),
        )

    def hpa(self, workload: Workload) -> Obj | None:
        for hpa in self.of_kind("HorizontalPodAutoscaler"):
            target = hpa["spec"]["scaleTargetRef"]
            if target.get("kind") == workload.kind and target.get("name") == workload.name:
                return hpa
        return None

    def scaled_object(self, workload: Workload) -> Obj | None:
        """The KEDA ScaledObject scaling ``workload`` (KEDA then owns its HPA, which is not in the objects)."""
        for scaled in self.of_kind("ScaledObject"):
            target = scaled["spec"]["scaleTargetRef"]
            if target.get("kind", "Deployment") == workload.kind and target.get("name") == workload.name:
                return scaled
        return None

    def pdbs(self, workload: Workload) -> list[Obj]:
        return [
            p
            for p in self.of_kind("PodDisruptionBudget")
            if selector_matches(p["spec"].get("selector"), workload.pod_labels)
        ]

    def services_targets(self, service: Obj) -> list[Workload]:
        """The workloads whose pods a Service selects (none without a selector)."""
        selector = service["spec"].get("selector")
        return [w for w in self.workloads if selector and selector_matches({"matchLabels": selector}, w.pod_labels)]

    def host_role(self, host: str) -> str:
        """``api`` or ``webhooks`` (the config's host names: no object says which host is which), else the host."""
        return {self.env.api_host: "api", self.env.webhooks_host: "webhooks"}.get(host, host)

    def routes_for(self, role: str) -> list[Route]:
        return [r for r in self.routes if any(self.host_role(h) == role for h in r.hosts)]

    # Routing objects ---------------------------------------------------------------------------------------------

    def _route(self, obj: Obj) -> Route:
        return self._ingress(obj) if obj["kind"] == "Ingress" else self._http_route(obj)

    def _ingress(self, obj: Obj) -> Route:
        spec = obj["spec"]
        notes = _annotations(obj)
        services = [
            path["backend"]["service"]["name"]
            for rule in spec.get("rules") or []
            for path in (rule.get("http") or {}).get("paths") or []
            if "service" in path.get("backend", {})
        ]
        cors = None
        if notes.get(NGINX + "enable-cors") == "true":
            cors = [o.strip() for o in notes.get(NGINX + "cors-allow-origin", "*").split(",") if o.strip()]
        limits = []
        for key, template in (
            ("limit-rps", "{} rps"),
            ("limit-rpm", "{} rpm"),
            ("limit-burst-multiplier", "burst ×{}"),
            ("limit-connections", "{} connections"),
        ):
            if NGINX + key in notes:
                limits.append(template.format(notes[NGINX + key]))
        issuers = []
        for tls in spec.get("tls") or []:
            secret = tls.get("secretName")
            if not secret:
                issuers.append("the ingress controller's default certificate (shared wildcard)")
                continue
            certificates = [c for c in self.of_kind("Certificate") if c["spec"].get("secretName") == secret]
            issuers += [
                f"{c['spec']['issuerRef'].get('kind', 'Issuer')} `{c['spec']['issuerRef']['name']}`"
                for c in certificates
            ]
            shim = [
                f"ClusterIssuer `{_annotations(i)[CLUSTER_ISSUER]}` (ingress-shim, Secret `{secret}`)"
                for i in self.of_kind("Ingress")
                if CLUSTER_ISSUER in _annotations(i) and any(t.get("secretName") == secret for t in i["spec"]["tls"])
            ]
            issuers += shim
            if not certificates and not shim:
                issuers.append(f"Secret `{secret}` (no issuer: the platform's)")
        return Route(
            kind="Ingress",
            name=_name(obj),
            hosts=[rule["host"] for rule in spec.get("rules") or [] if rule.get("host")],
            services=_unique(services),
            cors_origins=cors,
            rate_limit=", ".join(limits) or NONE,
            tls=", ".join(_unique(issuers)) or "none (plain HTTP)",
            ingress_class=spec.get("ingressClassName"),
        )

    def _http_route(self, obj: Obj) -> Route:
        spec = obj["spec"]
        name = _name(obj)
        services, cors = [], None
        for rule in spec.get("rules") or []:
            services += [
                ref["name"] for ref in rule.get("backendRefs") or [] if ref.get("kind", "Service") == "Service"
            ]
            for flt in rule.get("filters") or []:
                if flt.get("type") == "CORS":
                    cors = (cors or []) + list(flt.get("cors", {}).get("allowOrigins") or [])
        gateways = [
            Parent(
                kind=parent.get("kind", "Gateway"),
                namespace=parent.get("namespace", obj["metadata"].get("namespace", "")),
                name=parent["name"],
                section=parent.get("sectionName", ""),
            )
            for parent in spec.get("parentRefs") or []
        ]
        return Route(
            kind="HTTPRoute",
            name=name,
            hosts=list(spec.get("hostnames") or []),
            services=_unique(services),
            cors_origins=None if cors is None else _unique(cors),
            rate_limit=self._traffic_policy_limits(name),
            tls=", ".join(_unique(g.markdown() for g in gateways)) or NONE,
            ingress_class=None,
            gateways=list(dict.fromkeys(gateways)),
        )

    def _traffic_policy_limits(self, route: str) -> str:
        """Envoy Gateway ``BackendTrafficPolicy`` local and global rate limits of one HTTPRoute."""
        units = {"Second": "rps", "Minute": "rpm", "Hour": "per hour", "Day": "per day"}
        limits = []
        for policy in self.of_kind("BackendTrafficPolicy"):
            spec = policy["spec"]
            refs = list(spec.get("targetRefs") or []) + ([spec["targetRef"]] if spec.get("targetRef") else [])
            if not any(r.get("kind") == "HTTPRoute" and r.get("name") == route for r in refs):
                continue
            for scope, rate_limit in sorted((spec.get("rateLimit") or {}).items()):
                if not isinstance(rate_limit, Mapping):
                    continue
                for rule in rate_limit.get("rules") or []:
                    limit = rule["limit"]
                    text = f"{limit['requests']} {units.get(limit['unit'], '/ ' + limit['unit'])}"
                    limits.append(text if scope == "local" else f"{text} ({scope})")
        return ", ".join(_unique(limits)) or NONE


def _refuses_all(obj: Obj) -> bool:
    """An Ingress that denies every client address: it only exists to refuse its paths."""
    denied = {c.strip() for c in _annotations(obj).get(NGINX + "denylist-source-range", "").split(",")}
    return obj["kind"] == "Ingress" and {"0.0.0.0/0", "::/0"} <= denied


def _blocked_paths(obj: Obj) -> list[str]:
    """Paths the edge never forwards: a refusing Ingress's paths, an HTTPRoute rule's without a backend."""
    if obj["kind"] == "Ingress" and _refuses_all(obj):
        return [p["path"] for rule in obj["spec"].get("rules") or [] for p in rule["http"]["paths"]]
    if obj["kind"] == "HTTPRoute":
        return [
            match["path"]["value"]
            for rule in obj["spec"].get("rules") or []
            if not rule.get("backendRefs") and not rule.get("filters")
            for match in rule.get("matches") or []
            if "path" in match
        ]
    return []
