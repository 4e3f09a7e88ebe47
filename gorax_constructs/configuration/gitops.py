"""Where Argo CD finds this repository, and where (cluster, project) each environment is deployed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .dns import is_dns_label, is_dns_name
from .errors import Problem


@dataclass(frozen=True, kw_only=True)
class GitOpsConfig:
    """Where Argo CD finds this repository.

    Attributes:
        repo_url: this repository's clone URL.
        target_revision: the branch (or tag) Argo CD follows. Default ``main``.
        argocd_namespace: where the Application, ApplicationSet and AppProject objects live. Default ``argocd``.
    """

    repo_url: str
    target_revision: str = "main"
    argocd_namespace: str = "argocd"


@dataclass(frozen=True, kw_only=True)
class ArgoCdTarget:
    """Where one environment is deployed: an Argo CD cluster (by name) and project.

    Attributes:
        cluster: the name of a cluster registered in Argo CD (``argocd cluster list``); ``in-cluster``
            (default) is the cluster Argo CD itself runs in. Production may live in a cluster of its own.
        project: the AppProject the environment's Application belongs to; ``dist/argocd/`` holds one
            AppProject per project named here, limited to its environments' clusters, namespaces and
            the kinds they emit. Default ``gorax``.
    """

    cluster: str = "in-cluster"
    project: str = "gorax"

    def problems(self) -> Iterator[Problem]:
        if not is_dns_name(self.cluster):
            yield Problem("cluster", self.cluster, "an Argo CD cluster name (lowercase DNS name) such as 'in-cluster'")
        if not is_dns_label(self.project):
            yield Problem("project", self.project, "an AppProject name (DNS label)")
