"""Argo CD sync waves: the order in which an environment's objects are applied."""

from __future__ import annotations

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


def with_sync_wave(body: dict[str, Any]) -> dict[str, Any]:
    """The body with its kind's sync wave (objects of unlisted kinds stay in wave 0)."""
    wave = SYNC_WAVES.get(body["kind"])
    if wave is not None:
        body["metadata"].setdefault("annotations", {})[SYNC_WAVE] = wave
    return body
