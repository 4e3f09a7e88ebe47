"""The Argo CD Applications that deploy each permanent environment from ``dist/``."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from ..configuration.gitops import GitOpsConfig
from ..configuration.model import EnvironmentConfig
from ..configuration.naming import APP, MANAGED_BY
from .manifest import ChartPart


class ArgoCdApplications(ChartPart):
    """One Argo CD ``Application`` per permanent environment, pointing at ``dist/<environment>/``.

    Sync is automated with pruning (an object deleted from ``dist/`` is deleted
    from the cluster) and server-side apply. Self-heal is on except in
    production, where an emergency ``kubectl`` fix must not be reverted under
    the on-call engineer; drift there shows as OutOfSync instead.
    """

    def __init__(
        self, scope: Construct, id: str, *, gitops: GitOpsConfig, environments: tuple[EnvironmentConfig, ...]
    ) -> None:
        super().__init__(scope, id)
        for env in environments:
            self.add_manifest(application(gitops, env))


def application(gitops: GitOpsConfig, env: EnvironmentConfig) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": f"{APP}-{env.name}",
            "namespace": gitops.argocd_namespace,
            "labels": {
                "app.kubernetes.io/name": APP,
                "app.kubernetes.io/part-of": APP,
                "app.kubernetes.io/managed-by": MANAGED_BY,
                "environment": env.name,
            },
            # Deleting the Application deletes what it deployed, not only the Application.
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        },
        "spec": {
            "project": gitops.project,
            "source": {
                "repoURL": gitops.repo_url,
                "targetRevision": gitops.target_revision,
                "path": f"dist/{env.name}",
            },
            "destination": {"server": gitops.destination_server, "namespace": env.namespace},
            "syncPolicy": {
                "automated": {"prune": True, "selfHeal": env.tier != "production"},
                "syncOptions": ["ServerSideApply=true", "PruneLast=true"],
                "retry": {"limit": 5, "backoff": {"duration": "10s", "factor": 2, "maxDuration": "3m"}},
            },
        },
    }
