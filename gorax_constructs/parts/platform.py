"""The namespace and the identity the Gorax pods run as."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from ..configuration.naming import Naming
from ..configuration.syncwaves import SYNC_OPTIONS
from .manifest import ChartPart

POD_SECURITY_LEVEL = "restricted"


class Platform(ChartPart):
    """Namespace (Pod Security Standards ``restricted``) and the pods' ServiceAccount.

    The namespace enforces, audits and warns at ``restricted``, so a pod
    template that would weaken it is rejected at admission, not discovered
    later. The ServiceAccount does not mount an API token: Gorax never calls
    the Kubernetes API (a workload identity's webhook projects its own token).

    Exposes ``service_account_name`` for the workloads.
    """

    def __init__(self, scope: Construct, id: str, *, naming: Naming) -> None:
        super().__init__(scope, id)
        env = naming.env
        namespace_labels = naming.labels()
        namespace_labels["name"] = env.namespace
        for mode in ("enforce", "audit", "warn"):
            namespace_labels[f"pod-security.kubernetes.io/{mode}"] = POD_SECURITY_LEVEL
            namespace_labels[f"pod-security.kubernetes.io/{mode}-version"] = "latest"
        namespace: dict[str, Any] = {"name": env.namespace, "labels": namespace_labels}
        if not env.preview:
            # Deleting the Application (or removing it from an app of apps) deletes what it manages, through
            # its resources finalizer; with these options Argo CD keeps the Namespace, and what only lives
            # there (hand-made Secrets, PVCs, events) with it: controller/appcontroller.go shouldBeDeleted
            # skips Delete=false, gitops-engine's sync_context.go isPruningDisabled skips Prune=false.
            namespace["annotations"] = {SYNC_OPTIONS: "Delete=false,Prune=false"}
        self.add_manifest({"apiVersion": "v1", "kind": "Namespace", "metadata": namespace})
        self.service_account_name = naming.name()
        account_metadata = naming.metadata(self.service_account_name)
        if env.identity is not None:
            # The cloud's workload identity (IRSA role, GKE or Azure identity) is bound to this account.
            account_metadata["annotations"] = env.identity.annotations
        self.add_manifest(
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": account_metadata,
                "automountServiceAccountToken": False,
            },
        )
