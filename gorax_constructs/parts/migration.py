"""The database migration Job, run before the workloads roll."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from constructs import Construct

from ..configuration.naming import Naming
from ..configuration.network import MIGRATION
from ..configuration.secrets import DATABASE_PASSWORD
from ..configuration.syncwaves import HOOK
from .appconfig import AppConfig
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

if TYPE_CHECKING:
    from ..configuration.contract import Migrator
    from ..configuration.model import ComponentConfig, Migration

COMPONENT = "migration"
DSN = "host=$(DB_HOST) port=$(DB_PORT) user=$(DB_USER) password=$(DB_PASSWORD) dbname=$(DB_NAME) sslmode=$(DB_SSLMODE)"


class MigrationJob(ChartPart):
    """``<prefix>-gorax-migrate``: runs the contract's migrator as an Argo CD ``Sync`` hook in wave -1.

    The image and command are the application contract's (``contract.migration``): by default
    ``/app/migrate up`` in ``/app`` from the migrator image the configuration names, at the API image's
    tag. No published Gorax image contains a migrator, so the configuration must name one (the
    configuration refuses to build an environment that does not).

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
        naming: names and labels.
        settings: the Job's retries, deadline and time to live.
        migrator: the contract's migrator (image, command, working directory).
        api: the API's settings: the migrator runs its image's tag, with its resources.
        app_config: the application ConfigMap (the ``DB_*`` settings).
        secrets: the environment's Secret (``database-password``).
        service_account_name: the pod's ServiceAccount.
        pod_labels: labels the platform needs on the pod (``Platform.pod_labels``; default none).
        extra_env: variables appended to the container's env (default none).

    Exposes ``name`` and ``selector`` (its pods' labels, for NetworkPolicies).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        settings: Migration,
        migrator: Migrator,
        api: ComponentConfig,
        app_config: AppConfig,
        secrets: SecretRefs,
        service_account_name: str,
        pod_labels: Mapping[str, str] | None = None,
        extra_env: Sequence[EnvVar] = (),
    ) -> None:
        super().__init__(scope, id)
        image = migrator.image_for(api.image)
        assert image is not None  # EnvironmentConfig refuses a migrator image it cannot derive
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
            "command": list(migrator.command),
            **({"args": list(migrator.args)} if migrator.args else {}),
            # cmd/migrate reads migrations/ relative to its working directory (/app/migrations in the image).
            "workingDir": migrator.working_dir,
            "env": container_env(
                app_config.env_for(MIGRATION),
                [secrets.env("DB_PASSWORD", DATABASE_PASSWORD)],
                # cmd/migrate reads DATABASE_URL only: the binaries' own connection string
                # (internal/config/config.go ConnectionString, a lib/pq key=value DSN) from the same settings;
                # Kubernetes expands the references, all defined above.
                literal_env({"DATABASE_URL": DSN}),
                extra_env=extra_env,
            ),
            "resources": resources(api),
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
                        "metadata": pod_template_metadata(naming, COMPONENT, version, {}, pod_labels or {}),
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
