"""Pieces every Gorax pod template shares: env order, security context, image pull policy, config checksum.

Plain functions returning dicts (no constructs, no jsii calls), used by the
API service, the worker pool and the migration Job so all three are hardened
the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..configuration.model import ComponentConfig, Image
from ..configuration.naming import Naming
from ..configuration.secrets import REDIS_PASSWORD

if TYPE_CHECKING:
    from .secrets import SecretRefs

RUN_AS_USER = 1000
CHECKSUM_ANNOTATION = "checksum/config"

EnvVar = dict[str, Any]


def _field_ref(name: str, path: str) -> EnvVar:
    return {"name": name, "valueFrom": {"fieldRef": {"fieldPath": path}}}


def container_env(*groups: Iterable[EnvVar], extra_env: Sequence[EnvVar] = ()) -> list[EnvVar]:
    """A container's env list: ``POD_NAME`` and ``POD_NAMESPACE`` first, then ``groups``, then ``extra_env``.

    The downward-API variables come first so a later ``$(POD_NAME)`` reference
    (e.g. in ``OTEL_RESOURCE_ATTRIBUTES``) expands: Kubernetes only expands
    references to variables defined earlier in the list. ``extra_env`` is for
    cross-cutting variables a chart adds to every container (observability).
    """
    env = [_field_ref("POD_NAME", "metadata.name"), _field_ref("POD_NAMESPACE", "metadata.namespace")]
    for group in groups:
        env.extend(group)
    env.extend(extra_env)
    return env


def node_name_env() -> EnvVar:
    return _field_ref("NODE_NAME", "spec.nodeName")


def literal_env(values: dict[str, str]) -> list[EnvVar]:
    return [{"name": name, "value": value} for name, value in values.items()]


def image_pull_policy(image: Image) -> str:
    """``IfNotPresent`` for immutable references (a digest or a pinned version tag), else ``Always``.

    A mutable tag (development's ``dev``, staging's ``staging``) pulled with
    ``IfNotPresent`` leaves each node running whichever build it cached first;
    ``Always`` only re-checks the manifest (layers stay cached), so every new
    pod runs the tag's current build.
    """
    return "IfNotPresent" if image.immutable else "Always"


def pod_security_context() -> dict[str, Any]:
    """Pod Security Standards ``restricted``: non-root numeric UID/GID and the runtime's seccomp profile."""
    return {
        "runAsNonRoot": True,
        "runAsUser": RUN_AS_USER,
        "runAsGroup": RUN_AS_USER,
        "fsGroup": RUN_AS_USER,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security_context() -> dict[str, Any]:
    """Pod Security Standards ``restricted`` for one container, with a read-only root file system."""
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def resources(component: ComponentConfig) -> dict[str, Any]:
    r = component.resources
    return {
        "requests": {"cpu": r.cpu_request, "memory": r.memory_request},
        "limits": {"cpu": r.cpu_limit, "memory": r.memory_limit},
    }


def scratch_volumes(mounts: dict[str, str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """emptyDir volumes and their mounts (``{volume name: mount path}``) for a read-only root file system."""
    volumes = [{"name": name, "emptyDir": {}} for name in mounts]
    volume_mounts = [{"name": name, "mountPath": path} for name, path in mounts.items()]
    return volumes, volume_mounts


def config_checksum(config_env: Sequence[EnvVar], data: dict[str, str]) -> str:
    """Digest of the ConfigMap values this container reads, for a pod-template annotation.

    Only the keys the container consumes count, so a change to an API-only
    setting (CORS) does not roll the workers and their 300-second drains.
    """
    keys = sorted(e["valueFrom"]["configMapKeyRef"]["key"] for e in config_env if "configMapKeyRef" in e["valueFrom"])
    consumed = {key: data[key] for key in keys}
    return hashlib.sha256(json.dumps(consumed, sort_keys=True).encode()).hexdigest()


def pod_template_metadata(
    naming: Naming, component: str, version: str, annotations: dict[str, str], pod_labels: Mapping[str, str]
) -> dict[str, Any]:
    """A pod template's labels (plus ``pod_labels``, the platform's: a workload identity's) and annotations."""
    metadata: dict[str, Any] = {"labels": naming.component_labels(component, version) | dict(pod_labels)}
    if annotations:
        metadata["annotations"] = annotations
    return metadata


def redis_password_env(secrets: SecretRefs) -> list[EnvVar]:
    """``REDIS_PASSWORD`` from the Secret, when the environment's Redis has one."""
    return [secrets.env("REDIS_PASSWORD", REDIS_PASSWORD)] if REDIS_PASSWORD in secrets.keys else []
