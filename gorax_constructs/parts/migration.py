"""The database migration Job, run before the workloads roll."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from constructs import Construct

from ..configuration.naming import Naming
from ..configuration.secrets import DATABASE_URL
from ..configuration.syncwaves import HOOK
from .manifest import ChartPart
from .pods import (
    EnvVar,
    container_env,
    container_security_context,
    image_pull_policy,
    literal_env,
    pod_security_context,
    pod_template_metadata,
    resources,
    scratch_volumes,
)
from .secrets import SecretRefs

COMPONENT = "migration"
COMMAND = "/app/migrate"


class MigrationJob(ChartPart):
    """``<prefix>-gorax-migrate``: runs ``/app/migrate`` from the API image as an Argo CD ``Sync`` hook in wave -1.

    A ``Sync`` hook, not ``PreSync``: PreSync hooks run before anything else is
    applied, so on an environment's first sync the Job would start before its
    Namespace, ServiceAccount and Secret exist. In the Sync phase Argo CD
    applies by wave: Namespace (-3), configuration, Secret and network
    allowances (-2), this Job (-1, waited for until it completes), then the
    Deployments (0). So the schema is migrated before new API and worker pods
    start, and a failed migration stops the sync. ``BeforeHookCreation`` deletes the previous run's Job
    before creating the next, so the name is stable (no ``$(date)``
    suffixes) and a Job's immutable pod template never blocks a sync. Flux
    does not run Argo hooks: see docs/gitops.md. The Flux ``force``
    annotation lets Flux recreate the Job when its template changes.

    Props:
        naming: the environment's naming rule; settings come from ``naming.env.migration``.
        secrets: the environment's Secret (``DATABASE_URL``).
        service_account_name: the pod's ServiceAccount.
        extra_env: variables appended to the container's env (default none).

    Exposes ``name`` and ``selector`` (its pods' labels, for NetworkPolicies).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        secrets: SecretRefs,
        service_account_name: str,
        extra_env: Sequence[EnvVar] = (),
    ) -> None:
        super().__init__(scope, id)
        env = naming.env
        settings = env.migration
        image = env.api.image
        self.name = naming.name("migrate")
        self.selector = naming.selector(COMPONENT)
        version = image.tag or ""
        metadata = naming.metadata(self.name, component=COMPONENT, version=version or None)
        metadata["annotations"] = {
            HOOK: "Sync",
            "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
            "kustomize.toolkit.fluxcd.io/force": "enabled",
        }
        volumes, mounts = scratch_volumes({"tmp": "/tmp"})
        volumes, mounts = volumes + secrets.volumes(), mounts + secrets.volume_mounts()
        container: dict[str, Any] = {
            "name": "migrate",
            "image": image.reference,
            "imagePullPolicy": image_pull_policy(image),
            "command": [COMMAND],
            "env": container_env(
                literal_env({"APP_ENV": env.tier}),
                [secrets.env("DATABASE_URL", DATABASE_URL)],
                extra_env=extra_env,
            ),
            "resources": resources(env.api),
            "securityContext": container_security_context(),
            "volumeMounts": mounts,
        }
        self.add_manifest(
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": metadata,
                "spec": {
                    "backoffLimit": settings.backoff_limit,
                    "activeDeadlineSeconds": settings.active_deadline_seconds,
                    "ttlSecondsAfterFinished": settings.ttl_seconds_after_finished,
                    "template": {
                        "metadata": pod_template_metadata(naming, COMPONENT, version, {}),
                        "spec": {
                            "restartPolicy": "Never",
                            "serviceAccountName": service_account_name,
                            "automountServiceAccountToken": False,
                            "securityContext": pod_security_context(),
                            "containers": [container],
                            "volumes": volumes,
                        },
                    },
                },
            },
        )
