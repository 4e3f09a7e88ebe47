"""Policies every environment's output must satisfy, whatever construct built an object.

Checked at every synth, next to the schemas: an environment can be extended
with any cdk8s construct (docs/extending.md), and cdk8s-plus-27
defaults are not Pod Security ``restricted`` (no seccomp profile, no capability
drop, no resources). The namespace enforces ``restricted`` at admission, so a
pod that violates it would be accepted by Argo CD's dry run and then never
start; here it fails the synth with what to set instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..configuration.model import EnvironmentConfig

Body = dict[str, Any]
POD_TEMPLATE_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController")
RESTRICTED_VOLUMES = (
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
)
"""The volume types Pod Security ``restricted`` allows."""
RESTRICTED = "(Pod Security restricted)"


def pod_template(obj: Body) -> Body | None:
    """The pod template an object creates pods from (the object itself for a Pod), or None."""
    kind = obj["kind"]
    spec = obj.get("spec") or {}
    if kind in POD_TEMPLATE_KINDS:
        return spec.get("template") or {}
    if kind == "CronJob":
        return ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
    if kind == "Pod":
        return obj
    return None


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A metav1.LabelSelector (matchLabels and matchExpressions) against a label set; ``{}`` or no selector
    matches everything."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
        if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise ValueError(f"unknown selector operator {operator!r}")
    return True


def _container_problems(container: Body, pod_security: Body) -> Iterator[str]:
    context = container.get("securityContext") or {}
    if context.get("privileged"):
        yield f"set securityContext.privileged: false {RESTRICTED}"
    if context.get("allowPrivilegeEscalation") is not False:
        yield f"set securityContext.allowPrivilegeEscalation: false {RESTRICTED}"
    capabilities = context.get("capabilities") or {}
    if "ALL" not in (capabilities.get("drop") or []):
        yield f"set securityContext.capabilities.drop: [ALL] {RESTRICTED}"
    if set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}:
        yield f"add no capability but NET_BIND_SERVICE {RESTRICTED}"
    if context.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is not True:
        yield f"set securityContext.runAsNonRoot: true (pod or container) {RESTRICTED}"
    if context.get("runAsUser", pod_security.get("runAsUser")) == 0:
        yield f"set securityContext.runAsUser to a non-zero UID {RESTRICTED}"
    seccomp = (context.get("seccompProfile") or pod_security.get("seccompProfile") or {}).get("type")
    if seccomp not in ("RuntimeDefault", "Localhost"):
        yield f"set securityContext.seccompProfile.type: RuntimeDefault (pod or container) {RESTRICTED}"
    if any(port.get("hostPort") for port in container.get("ports") or []):
        yield f"remove hostPort {RESTRICTED}"
    resources = container.get("resources") or {}
    for section in ("requests", "limits"):
        missing = [r for r in ("cpu", "memory") if r not in (resources.get(section) or {})]
        if missing:
            yield f"set resources.{section}.{' and '.join(missing)} (every container is sized)"


def pod_problems(obj: Body, network_policies: list[Body]) -> Iterator[str]:
    """Everything wrong with the pods an object creates: restricted, sized, and network-policed."""
    template = pod_template(obj)
    if template is None:
        return
    spec = template.get("spec") or {}
    pod_security = spec.get("securityContext") or {}
    for host in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(host):
            yield f"set spec.{host}: false {RESTRICTED}"
    for volume in spec.get("volumes") or []:
        kind = next((k for k in volume if k != "name"), None)
        if kind not in RESTRICTED_VOLUMES:
            yield f"volume {volume.get('name')}: use one of {', '.join(RESTRICTED_VOLUMES)}, not {kind} {RESTRICTED}"
    for group in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(group) or []:
            for problem in _container_problems(container, pod_security):
                yield f"container {container.get('name')}: {problem}"
    labels = (template.get("metadata") or {}).get("labels") or {}
    component_policies = [
        p
        for p in network_policies
        if p["spec"].get("podSelector") and selector_matches(p["spec"]["podSelector"], labels)
    ]
    if not component_policies:
        yield (
            "its pods are selected by no NetworkPolicy but the namespace-wide ones (default deny, DNS): "
            "add a NetworkPolicy selecting their labels that allows what they need"
        )


def problems(env: EnvironmentConfig, objects: list[Body]) -> list[str]:
    """Every policy violation of one environment's objects, each naming the object."""
    out: list[str] = []
    network_policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    for obj in objects:
        label = f"{obj['kind']}/{obj['metadata']['name']}"
        namespace = obj["metadata"].get("namespace")
        if obj["kind"] == "Namespace":
            if obj["metadata"]["name"] != env.namespace:
                out.append(f"{label}: an environment chart holds only its own Namespace, {env.namespace}")
        elif namespace != env.namespace:
            out.append(f"{label}: namespace {namespace!r}, but every object of the environment is in {env.namespace!r}")
        out += [f"{label}: {problem}" for problem in pod_problems(obj, network_policies)]
    return out
