"""The Argo CD Applications that deploy each permanent environment from ``dist/``."""

from __future__ import annotations

from .config import EnvironmentConfig
from .gitops import GitOpsConfig, application
from .manifest import ChartPart, Scope


class ArgoCdApplications(ChartPart):
    """One Argo CD ``Application`` per permanent environment, pointing at ``dist/<environment>/``.

    Sync is automated with pruning (an object deleted from ``dist/`` is deleted
    from the cluster) and server-side apply. Self-heal is on except in
    production, where an emergency ``kubectl`` fix must not be reverted under
    the on-call engineer; drift there shows as OutOfSync instead.
    """

    def __init__(
        self, scope: Scope, id: str, *, gitops: GitOpsConfig, environments: tuple[EnvironmentConfig, ...]
    ) -> None:
        super().__init__(scope, id)
        for env in environments:
            self.add_manifest(application(gitops, env))
