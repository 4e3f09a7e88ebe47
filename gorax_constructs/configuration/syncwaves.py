"""Argo CD sync waves: the order in which an environment's objects are applied."""

from __future__ import annotations

from typing import Any

SYNC_WAVE = "argocd.argoproj.io/sync-wave"
HOOK = "argocd.argoproj.io/hook"
SYNC_WAVES = {
    "Namespace": "-3",
    "ServiceAccount": "-2",
    "ConfigMap": "-2",
    "ExternalSecret": "-2",
    "NetworkPolicy": "-2",
    "Certificate": "-2",
    "Job": "-1",
}
"""Argo CD applies lower waves first and waits for them to be healthy: the namespace, then the
configuration, secrets and network allowances the migration hook (wave -1) needs, then the
workloads (wave 0, no annotation)."""


def with_sync_wave(body: dict[str, Any]) -> dict[str, Any]:
    """The body with its kind's sync wave (objects of unlisted kinds stay in wave 0)."""
    wave = SYNC_WAVES.get(body["kind"])
    if wave is not None:
        body["metadata"].setdefault("annotations", {})[SYNC_WAVE] = wave
    return body
