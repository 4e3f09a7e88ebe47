"""Argo CD sync waves: the order in which an environment's objects are applied."""

from __future__ import annotations

import re
from typing import Any

SYNC_WAVE = "argocd.argoproj.io/sync-wave"
HOOK = "argocd.argoproj.io/hook"
SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
SYNC_WAVES = {
    "Namespace": "-3",
    "ServiceAccount": "-2",
    "ConfigMap": "-2",
    "ExternalSecret": "-2",
    "SecretProviderClass": "-2",
    "NetworkPolicy": "-2",
    "ResourceQuota": "-2",
    "LimitRange": "-2",
    # Before the migration hook, like ExternalSecret: Argo CD's SealedSecret health check (argo-cd v3.5.1
    # resource_customizations/bitnami.com/SealedSecret/health.lua) is Degraded when the controller reports
    # Synced=False, and gitops-engine checks failures only once no task runs (sync_context.go): beside the
    # running Job (wave -1) a SealedSecret that cannot unseal would wait for the Job's activeDeadlineSeconds;
    # here it fails the sync as soon as its wave is done, and the migration never starts without the Secret.
    "SealedSecret": "-2",
    "Job": "-1",
    "AppProject": "-1",
}
"""Argo CD applies lower waves first and waits until every object of a wave is healthy, by its kind's
health check, before the next (``gitops-engine/pkg/sync/sync_context.go``, argo-cd v3.5.1): the
namespace, then the configuration, secrets, network allowances and quotas the migration hook
(wave -1) needs, then the workloads (wave 0, no annotation). Only what the migration or the pods
need may sit in an earlier wave: an ExternalSecret (its health check waits for the Secret the Job
reads) is such a gate; a TLS certificate is not, and is no object of ours (``edge.IssuedTls``).
In ``dist/argocd/`` the AppProjects come before the Applications that name them."""

PHASES = {"PreSync": -1, "Sync": 0, "PostSync": 1, "SyncFail": 2}
"""Hook phases in Argo CD's order; an object with no hook is applied in the Sync phase."""

KIND_ORDER = (
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
)
"""Within a wave, Argo CD applies these kinds in this order and every other kind (custom resources) after
them (``kindOrder``, ``gitops-engine/pkg/sync/sync_tasks.go``, argo-cd v3.5.1)."""
_KIND_RANK = {kind: rank - len(KIND_ORDER) for rank, kind in enumerate(KIND_ORDER)}


class InvalidSyncWave(ValueError):
    """A sync wave annotation that is not an integer (Argo CD would silently read it as wave 0)."""


def with_sync_wave(body: dict[str, Any]) -> dict[str, Any]:
    """The body with its kind's sync wave where it has none (objects of unlisted kinds stay in wave 0).

    A wave the object already carries -- set by whoever built it -- is kept: the table only fills in.
    """
    wave = SYNC_WAVES.get(body["kind"])
    if wave is not None:
        metadata = body["metadata"]
        annotations = metadata.get("annotations")
        if annotations is None:
            metadata["annotations"] = annotations = {}
        if annotations.get(SYNC_WAVE) is None:
            annotations[SYNC_WAVE] = wave
    return body


def apply_key(body: dict[str, Any]) -> tuple[int, int, int]:
    """Where Argo CD applies the object: its hook phase, its sync wave, its kind's rank (``syncTasks.Less``,
    ``gitops-engine/pkg/sync/sync_tasks.go``, argo-cd v3.5.1; Argo CD then orders by name)."""
    annotations = body["metadata"].get("annotations") or {}
    hooks = [hook.strip() for hook in str(annotations.get(HOOK) or "").split(",")]
    phase = min((PHASES[hook] for hook in hooks if hook in PHASES), default=0)
    wave = annotations.get(SYNC_WAVE)
    if wave is None:
        wave = "0"
    if not isinstance(wave, str) or not re.fullmatch(r"[+-]?[0-9]+", wave):
        raise InvalidSyncWave(
            f"{body['kind']} {body['metadata'].get('name')}: {SYNC_WAVE} is {wave!r}; it must be an integer "
            'in quotes, such as "-1" (Argo CD reads anything else as wave 0)'
        )
    return phase, int(wave), _KIND_RANK.get(body["kind"], 0)
