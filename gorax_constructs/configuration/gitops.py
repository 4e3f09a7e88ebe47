"""Where Argo CD finds this repository and where it deploys the environments."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class GitOpsConfig:
    """Where Argo CD finds this repository and what it deploys to.

    Attributes:
        repo_url: this repository's clone URL.
        target_revision: the branch (or tag) Argo CD follows. Default ``main``.
        argocd_namespace: where the Application objects live. Default ``argocd``.
        project: the Argo CD project. Default ``default``.
        destination_server: the cluster API. Default: the cluster Argo CD runs in.
    """

    repo_url: str
    target_revision: str = "main"
    argocd_namespace: str = "argocd"
    project: str = "default"
    destination_server: str = "https://kubernetes.default.svc"
