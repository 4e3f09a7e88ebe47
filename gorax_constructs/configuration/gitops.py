"""Where Argo CD finds this repository, and where (cluster, project) each environment is deployed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .dns import is_dns_label, is_dns_name
from .errors import ConfigError, Problem

_HOST = r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?(?::[0-9]{1,5})?"
_PATH = r"[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*"
REPO_URL = re.compile(
    rf"https://{_HOST}/{_PATH}"  # https://github.com/org/repo.git
    rf"|ssh://(?:[A-Za-z0-9._-]+@)?{_HOST}/{_PATH}"  # ssh://git@github.com/org/repo.git
    rf"|[A-Za-z0-9._-]+@[a-z0-9]([-a-z0-9.]*[a-z0-9])?:{_PATH}"  # git@github.com:org/repo.git
)
"""The clone URLs Argo CD's repo-server can fetch with credentials: https, or ssh in either form."""
GIT_REF = re.compile(r"(?!.*\.\.)(?!/)[A-Za-z0-9._/-]{1,255}(?<![./])")


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

    def __post_init__(self) -> None:
        problems = list(self.problems())
        if problems:
            raise ConfigError("GITOPS", problems, label="GitOpsConfig")

    def problems(self) -> Iterator[Problem]:
        if not isinstance(self.repo_url, str) or not REPO_URL.fullmatch(self.repo_url):
            yield Problem(
                "repo_url",
                self.repo_url,
                "a git clone URL: https://host/org/repo.git, ssh://git@host/org/repo.git or git@host:org/repo.git",
            )
        if not isinstance(self.target_revision, str) or not GIT_REF.fullmatch(self.target_revision):
            yield Problem("target_revision", self.target_revision, "a branch, tag or commit such as 'main'")
        if not is_dns_label(self.argocd_namespace):
            yield Problem("argocd_namespace", self.argocd_namespace, "a namespace name (DNS label)")


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
