"""What Argo CD needs to deploy the environments from ``dist/``: AppProjects, one Application per permanent
environment, and the ApplicationSet that deploys (and prunes) the previews."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from constructs import Construct

from ..configuration.gitops import ArgoCdTarget, GitOpsConfig
from ..configuration.model import EnvironmentConfig
from ..configuration.naming import APP, MANAGED_BY
from .manifest import Body, ChartPart

MANIFEST_GENERATE_PATHS = "argocd.argoproj.io/manifest-generate-paths"
RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io"
PREVIEWS_PATH = "dist/previews"
RETRY_LIMIT = 5
"""How often Argo CD retries a failed sync; each retry is a whole sync, so it runs the migration hook again."""
Kind = tuple[str, str]
"""(API group, kind) as an AppProject lists it; the core group is ``""``."""


def group_kind(body: Body) -> Kind:
    api_version = body["apiVersion"]
    return (api_version.split("/")[0] if "/" in api_version else "", body["kind"])


CLUSTER_SCOPED = {("", "Namespace")}
"""The only cluster-scoped kind an environment emits."""


class ArgoCdApplications(ChartPart):
    """The ``dist/argocd/`` objects.

    - One ``AppProject`` per project named by an environment (``EnvironmentConfig.argocd``): its
      environments' repository, clusters and namespaces, and exactly the kinds they emit (``kinds``,
      derived from the synthesized objects), so an Application cannot deploy elsewhere or anything else.
    - One ``Application`` per permanent environment, to its own cluster (by Argo CD cluster name) and
      project. Sync is automated with pruning and server-side apply. Self-heal is on except in
      production, where an emergency ``kubectl`` fix must not be reverted under the on-call engineer.
    - One ``ApplicationSet`` (git directory generator over ``dist/previews/*``): an Application per
      preview folder, deleted with everything it deployed when the folder disappears.

    Every Application carries ``argocd.argoproj.io/manifest-generate-paths: .``: in this monorepo any
    commit is a new revision for every Application; with it Argo CD (since v2.11, with or without
    webhooks; docs/operator-manual/high_availability.md) reuses an Application's manifests, and does
    not re-sync it, when no file under its own folder changed.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        gitops: GitOpsConfig,
        environments: tuple[EnvironmentConfig, ...],
        previews: ArgoCdTarget,
        kinds: dict[str, set[Kind]],
    ) -> None:
        super().__init__(scope, id)
        destinations: dict[str, list[Body]] = {}
        for env in environments:
            destinations.setdefault(env.argocd.project, []).append(
                {"name": env.argocd.cluster, "namespace": env.namespace}
            )
        # Previews are namespaces gorax-<name> on development's cluster; never a permanent environment's namespace.
        preview_destinations: list[Body] = [{"name": previews.cluster, "namespace": f"{APP}-*"}]
        preview_destinations += [{"server": "*", "namespace": f"!{env.namespace}"} for env in environments]
        destinations.setdefault(previews.project, []).extend(preview_destinations)
        for project, allowed in sorted(destinations.items()):
            self.add_manifest(app_project(gitops, project, allowed, kinds.get(project, set())))
        for env in environments:
            self.add_manifest(application(gitops, env))
        self.add_manifest(preview_application_set(gitops, previews))


def _labels(**extra: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": APP,
        "app.kubernetes.io/part-of": APP,
        "app.kubernetes.io/managed-by": MANAGED_BY,
        **extra,
    }


def _kind_list(kinds: Iterable[Kind]) -> list[dict[str, str]]:
    return [{"group": group, "kind": kind} for group, kind in sorted(kinds)]


def app_project(gitops: GitOpsConfig, name: str, destinations: list[Body], kinds: set[Kind]) -> Body:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": name, "namespace": gitops.argocd_namespace, "labels": _labels()},
        "spec": {
            "description": f"Gorax environments from {gitops.repo_url}",
            "sourceRepos": [gitops.repo_url],
            "destinations": destinations,
            "clusterResourceWhitelist": _kind_list(kinds & CLUSTER_SCOPED),
            "namespaceResourceWhitelist": _kind_list(kinds - CLUSTER_SCOPED),
        },
    }


def _sync_policy(self_heal: bool) -> Body:
    return {
        "automated": {"prune": True, "selfHeal": self_heal},
        "syncOptions": ["ServerSideApply=true", "PruneLast=true"],
        "retry": {"limit": RETRY_LIMIT, "backoff": {"duration": "10s", "factor": 2, "maxDuration": "3m"}},
    }


def application(gitops: GitOpsConfig, env: EnvironmentConfig) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": f"{APP}-{env.name}",
            "namespace": gitops.argocd_namespace,
            "labels": _labels(environment=env.name),
            "annotations": {MANIFEST_GENERATE_PATHS: "."},
            # Deleting the Application deletes what it deployed, except the Namespace (Delete=false on it).
            "finalizers": [RESOURCES_FINALIZER],
        },
        "spec": {
            "project": env.argocd.project,
            "source": {
                "repoURL": gitops.repo_url,
                "targetRevision": gitops.target_revision,
                "path": f"dist/{env.name}",
            },
            "destination": {"name": env.argocd.cluster, "namespace": env.namespace},
            "syncPolicy": _sync_policy(self_heal=env.tier != "production"),
        },
    }


def preview_application_set(gitops: GitOpsConfig, previews: ArgoCdTarget) -> Body:
    """``gorax-previews``: one Application ``gorax-<name>`` per folder ``dist/previews/<name>``.

    The git directory generator lists the folders at the tracked revision
    (docs/operator-manual/applicationset/Generators-Git.md); a preview removed from ``previews.yaml``
    loses its folder at the next synth, the generator stops producing it, and the ApplicationSet
    controller deletes its Application (the default ``applicationsSync`` policy allows deletion), whose
    resources finalizer deletes the preview's objects and Namespace.
    """
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": f"{APP}-previews", "namespace": gitops.argocd_namespace, "labels": _labels()},
        "spec": {
            "goTemplate": True,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [
                {
                    "git": {
                        "repoURL": gitops.repo_url,
                        "revision": gitops.target_revision,
                        "directories": [{"path": f"{PREVIEWS_PATH}/*"}],
                    }
                }
            ],
            "template": {
                "metadata": {
                    "name": f"{APP}-{{{{.path.basename}}}}",
                    "labels": _labels(environment="{{.path.basename}}", **{f"{APP}.io/preview": "true"}),
                    "annotations": {MANIFEST_GENERATE_PATHS: "."},
                    "finalizers": [RESOURCES_FINALIZER],
                },
                "spec": {
                    "project": previews.project,
                    "source": {
                        "repoURL": gitops.repo_url,
                        "targetRevision": gitops.target_revision,
                        "path": "{{.path.path}}",
                    },
                    "destination": {"name": previews.cluster, "namespace": f"{APP}-{{{{.path.basename}}}}"},
                    "syncPolicy": _sync_policy(self_heal=True),
                },
            },
        },
    }


HPA_HEALTH_KEY = "resource.customizations.health.autoscaling_HorizontalPodAutoscaler"
HPA_HEALTH_LUA = """\
-- Gorax: an HPA that cannot read metrics or its scale target yet is Healthy, not Degraded.
-- gitops-engine's built-in check (pkg/health/health_hpa.go) marks FailedGetScale and every
-- FailedGet*Metric Degraded; both are normal right after a rollout (new pods have no metrics
-- yet) and on a first sync (the HPA is applied with its Deployment), and a Degraded HPA fails
-- the sync, whose retry runs the migration hook again. Configuration errors stay Degraded.
local hs = {}
local transient = {
  FailedGetScale = true, FailedGetResourceMetric = true, FailedGetObjectMetric = true,
  FailedGetPodsMetric = true, FailedGetExternalMetric = true, FailedComputeMetricsReplicas = true,
}
if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting to Autoscale"
  return hs
end
for _, condition in ipairs(obj.status.conditions) do
  local broken = condition.reason == "FailedUpdateScale" or condition.reason == "InvalidSelector"
  if condition.status == "False" and broken then
    hs.status = "Degraded"
    hs.message = condition.message
    return hs
  end
end
for _, condition in ipairs(obj.status.conditions) do
  if transient[condition.reason] then
    hs.status = "Healthy"
    hs.message = "No metrics or scale target yet: " .. (condition.message or condition.reason)
    return hs
  end
end
hs.status = "Healthy"
hs.message = "Autoscaling"
return hs
"""
ARGOCD_CM_PATCH = "argocd-cm.hpa-health.patch.yaml"
"""Written next to the Applications; not a ``*.k8s.yaml`` manifest, so no kustomization lists it and an
app of apps over ``dist/argocd/`` never applies it (it would replace the platform's whole argocd-cm)."""


def argocd_cm_patch(gitops: GitOpsConfig) -> str:
    """The health override as a merge patch of the platform's ``argocd-cm`` (docs/gitops.md, "HPA health")."""
    lua = "".join(f"    {line}\n" if line else "\n" for line in HPA_HEALTH_LUA.splitlines())
    return (
        "# Merge into the platform's argocd-cm; do not apply as a manifest (it is no object of this repo):\n"
        f"#   kubectl patch configmap argocd-cm -n {gitops.argocd_namespace} --type merge \\\n"
        f"#     --patch-file dist/argocd/{ARGOCD_CM_PATCH}\n"
        "data:\n"
        f"  {HPA_HEALTH_KEY}: |\n"
        f"{lua}"
    )
