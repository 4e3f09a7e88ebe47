"""What Argo CD needs to deploy the environments from ``dist/``: AppProjects, one Application per permanent
environment, and the ApplicationSet that deploys (and prunes) the previews."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from constructs import Construct

from ..configuration.gitops import ArgoCdTarget, GitOpsConfig
from ..configuration.model import EnvironmentConfig
from ..configuration.naming import APP, MANAGED_BY
from ..configuration.previews import NAMESPACE_PREFIX
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


NAMESPACE: Kind = ("", "Namespace")
"""The only cluster-scoped kind an environment emits."""
NAMESPACED_KINDS: frozenset[Kind] = frozenset(
    {
        ("", "ConfigMap"),
        ("", "LimitRange"),
        ("", "ResourceQuota"),
        ("", "Service"),
        ("", "ServiceAccount"),
        ("apps", "Deployment"),
        ("autoscaling", "HorizontalPodAutoscaler"),
        ("batch", "Job"),
        ("bitnami.com", "SealedSecret"),
        ("external-secrets.io", "ExternalSecret"),
        ("gateway.envoyproxy.io", "BackendTrafficPolicy"),
        ("gateway.networking.k8s.io", "HTTPRoute"),
        ("keda.sh", "ScaledObject"),
        ("keda.sh", "TriggerAuthentication"),
        ("monitoring.coreos.com", "PodMonitor"),
        ("monitoring.coreos.com", "PrometheusRule"),
        ("monitoring.coreos.com", "ServiceMonitor"),
        ("networking.k8s.io", "Ingress"),
        ("networking.k8s.io", "NetworkPolicy"),
        ("policy", "PodDisruptionBudget"),
        ("secrets-store.csi.x-k8s.io", "SecretProviderClass"),
    }
)
"""Every namespaced kind an environment can emit, whatever its options (edge mode, secret source, scaling,
tier). Both projects permit all of them, so a commit that switches an option needs no project change:
the child Applications sync independently of ``dist/argocd/`` and would otherwise fail "not permitted
in project" until the project's own sync. Kinds only an extension adds are permitted too (``extra_kinds``);
those do change the project (docs/extending.md)."""
SYNC_OPTIONS = ("ServerSideApply=true", "PruneLast=true", "FailOnSharedResource=true")
"""``FailOnSharedResource``: a sync fails rather than take over an object another Application tracks."""


class ArgoCdApplications(ChartPart):
    """The ``dist/argocd/`` objects.

    - One ``AppProject`` per project named by an environment (``EnvironmentConfig.argocd``): this
      repository, exactly its environments' (cluster, namespace) pairs and Namespace names, and the kinds
      any option can emit (``NAMESPACED_KINDS``), so an Application cannot deploy elsewhere or anything
      else. The previews' project admits only ``gorax-pr-*`` on development's cluster: allow rules only,
      because each ``!`` destination of Argo CD is itself an allow rule for every other namespace
      (``isDestinationMatched``, pkg/apis/application/v1alpha1/app_project_types.go, argo-cd v3.5.1).
    - One ``Application`` per permanent environment, to its own cluster (by Argo CD cluster name) and
      project. Sync is automated with pruning and server-side apply. Self-heal is on except in
      production, where an emergency ``kubectl`` fix must not be reverted under the on-call engineer.
    - One ``ApplicationSet`` (git directory generator over ``dist/previews/*``): an Application per
      preview folder, deleted with everything it deployed when the folder disappears.

    Every Application carries ``argocd.argoproj.io/manifest-generate-paths: .``: in this monorepo any
    commit is a new revision for every Application; with it Argo CD (since v2.11, with or without
    webhooks; docs/operator-manual/high_availability.md) reuses an Application's manifests, and does
    not re-sync it, when no file under its own folder changed.

    Props:
        gitops: the repository and revision every Application reads.
        environments: the permanent environments (each one's name, namespace and ``argocd`` target): like
            ``EnvironmentChart``, this part composes whole environments.
        previews: where the previews' ApplicationSet deploys.
        extra_kinds: kinds an extension adds, per Argo CD project (default none).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        gitops: GitOpsConfig,
        environments: tuple[EnvironmentConfig, ...],
        previews: ArgoCdTarget,
        extra_kinds: dict[str, set[Kind]] | None = None,
    ) -> None:
        super().__init__(scope, id)
        destinations: dict[str, list[Body]] = {}
        for env in environments:
            destinations.setdefault(env.argocd.project, []).append(
                {"name": env.argocd.cluster, "namespace": env.namespace}
            )
        # Previews: namespaces gorax-pr-* on development's cluster (no permanent namespace matches it).
        preview = {"name": previews.cluster, "namespace": f"{NAMESPACE_PREFIX}*"}
        destinations.setdefault(previews.project, []).append(preview)
        for project, allowed in sorted(destinations.items()):
            self.add_manifest(app_project(gitops, project, allowed, (extra_kinds or {}).get(project, set())))
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


def app_project(gitops: GitOpsConfig, name: str, destinations: list[Body], extra_kinds: set[Kind]) -> Body:
    # Namespaces by name (Argo CD 3.3+; filepath.Match patterns): only the destinations' own.
    namespaces = sorted({d["namespace"] for d in destinations})
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": name, "namespace": gitops.argocd_namespace, "labels": _labels()},
        "spec": {
            "description": f"Gorax environments from {gitops.repo_url}",
            "sourceRepos": [gitops.repo_url],
            "destinations": destinations,
            "clusterResourceWhitelist": [{"group": "", "kind": "Namespace", "name": n} for n in namespaces],
            "namespaceResourceWhitelist": _kind_list(NAMESPACED_KINDS | extra_kinds),
        },
    }


def _sync_policy(self_heal: bool) -> Body:
    return {
        "automated": {"prune": True, "selfHeal": self_heal},
        "syncOptions": list(SYNC_OPTIONS),
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
