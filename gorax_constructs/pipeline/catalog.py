"""Which environments exist, and where each one's output goes.

Kept free of cdk8s imports: the validation step needs the list too, and
importing cdk8s costs half a second.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..configuration.errors import ConfigError, Problem
from ..configuration.gitops import ArgoCdTarget, GitOpsConfig
from ..configuration.model import EnvironmentConfig, check_unique
from ..configuration.previews import load_previews, preview_target
from ..environments import DEVELOPMENT, ENVIRONMENTS, GITOPS
from .kustomize import ARGOCD_FOLDER

PREVIEWS_FOLDER = "previews"


@dataclass(frozen=True)
class Catalog:
    """The permanent environments, the requested previews, and how GitOps deploys them."""

    permanent: tuple[EnvironmentConfig, ...]
    previews: tuple[EnvironmentConfig, ...]
    gitops: GitOpsConfig = GITOPS
    development: EnvironmentConfig = DEVELOPMENT
    """What every preview derives from."""

    @property
    def preview_target(self) -> ArgoCdTarget:
        """Where the ApplicationSet deploys previews (there may be none yet)."""
        return preview_target(self.development)

    def environment_folders(self) -> list[str]:
        """Each environment's folder relative to the synth root: ``production``, ``previews/pr-123``, ..."""
        return [env.name for env in self.permanent] + [f"{PREVIEWS_FOLDER}/{env.name}" for env in self.previews]

    def output_folders(self) -> list[str]:
        """Every folder the synth writes: the environments' and the Argo CD Applications'."""
        return [*self.environment_folders(), ARGOCD_FOLDER]


def load_catalog() -> Catalog:
    """Every environment to synthesize; raises ConfigError when any is invalid."""
    check_unique(ENVIRONMENTS)
    for env in ENVIRONMENTS:
        if env.namespace == GITOPS.argocd_namespace:
            problem = Problem("namespace", env.namespace, "not Argo CD's namespace (GITOPS.argocd_namespace)")
            raise ConfigError(env.name, [problem])
    return Catalog(permanent=ENVIRONMENTS, previews=load_previews(ENVIRONMENTS, DEVELOPMENT))
