"""The namespace and the identity the Gorax pods run as."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from constructs import Construct

from ..configuration.naming import Naming
from ..configuration.syncwaves import SYNC_OPTIONS
from .manifest import ChartPart

if TYPE_CHECKING:
    from ..configuration.identity import WorkloadIdentity

POD_SECURITY_LEVEL = "restricted"


class Platform(ChartPart):
    """Namespace (Pod Security Standards ``restricted``) and the pods' ServiceAccount.

    The namespace enforces, audits and warns at ``restricted``, so a pod
    template that would weaken it is rejected at admission, not discovered
    later. The ServiceAccount does not mount an API token: Gorax never calls
    the Kubernetes API (a workload identity's webhook projects its own token).

    Props:
        naming: names and labels; the Namespace is ``naming.namespace``.
        preview: a preview's Namespace goes with it; any other one survives deleting its Application
            (default ``False``).
        identity: the cloud workload identity bound to the ServiceAccount (default ``None``: none).

    Exposes ``service_account_name`` and ``pod_labels`` (the labels the identity's webhook needs on the
    pods, empty without one) for the workloads.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        preview: bool = False,
        identity: WorkloadIdentity | None = None,
    ) -> None:
        super().__init__(scope, id)
        namespace_labels = naming.labels()
        namespace_labels["name"] = naming.namespace
        for mode in ("enforce", "audit", "warn"):
            namespace_labels[f"pod-security.kubernetes.io/{mode}"] = POD_SECURITY_LEVEL
            namespace_labels[f"pod-security.kubernetes.io/{mode}-version"] = "latest"
        namespace: dict[str, Any] = {"name": naming.namespace, "labels": namespace_labels}
        if not preview:
            # Deleting the Application (or removing it from an app of apps) deletes what it manages, through
            # its resources finalizer; with these options Argo CD keeps the Namespace, and what only lives
            # there (hand-made Secrets, PVCs, events) with it: controller/appcontroller.go shouldBeDeleted
            # skips Delete=false, gitops-engine's sync_context.go isPruningDisabled skips Prune=false.
            namespace["annotations"] = {SYNC_OPTIONS: "Delete=false,Prune=false"}
        self.add_manifest({"apiVersion": "v1", "kind": "Namespace", "metadata": namespace})
        self.service_account_name = naming.name()
        account_metadata = naming.metadata(self.service_account_name)
        self.pod_labels: dict[str, str] = {}
        if identity is not None:
            # The cloud's workload identity (IRSA role, GKE or Azure identity) is bound to this account.
            account_metadata["annotations"] = identity.annotations
            self.pod_labels = dict(identity.pod_labels)  # Azure's webhook acts on labelled pods only
        self.add_manifest(
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": account_metadata,
                "automountServiceAccountToken": False,
            },
        )
