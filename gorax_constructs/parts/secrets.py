"""What the workloads read from the environment's Secret, and what its source emits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from constructs import Construct

from ..configuration.identity import AzureWorkloadIdentity
from ..configuration.secrets import CsiSecretStore, ExternalSecrets, SealedSecrets
from .manifest import ChartPart

if TYPE_CHECKING:
    from ..configuration.identity import WorkloadIdentity
    from ..configuration.naming import Naming
    from ..configuration.secrets import SecretSource


@dataclass(frozen=True)
class SecretRefs:
    """What the workloads need to know about the environment's Secret: its name and the keys it holds."""

    name: str
    keys: tuple[str, ...]
    provider_class: str | None = None
    """The ``SecretProviderClass`` every pod must mount for the Secret to exist (``CsiSecretStore`` only)."""

    def volumes(self) -> list[dict[str, Any]]:
        """The read-only CSI volume of a ``CsiSecretStore`` source (none for the other sources)."""
        if self.provider_class is None:
            return []
        attributes = {"secretProviderClass": self.provider_class}
        csi = {"driver": CSI_DRIVER, "readOnly": True, "volumeAttributes": attributes}
        return [{"name": CSI_VOLUME, "csi": csi}]

    def volume_mounts(self) -> list[dict[str, Any]]:
        if self.provider_class is None:
            return []
        return [{"name": CSI_VOLUME, "mountPath": CSI_MOUNT_PATH, "readOnly": True}]

    def env(self, variable: str, key: str) -> dict[str, object]:
        """A ``secretKeyRef`` env entry; refuses a key the source does not provide."""
        if key not in self.keys:
            raise KeyError(f"secret {self.name} provides {self.keys}, not {key!r}")
        return {"name": variable, "valueFrom": {"secretKeyRef": {"name": self.name, "key": key}}}


CSI_DRIVER = "secrets-store.csi.k8s.io"
CSI_VOLUME = "secrets-store"
CSI_MOUNT_PATH = "/mnt/secrets-store"


class Secrets(ChartPart):
    """The environment's secret source: what makes the Secret ``<prefix>-gorax-secrets`` exist.

    ``ExistingSecret`` emits nothing (the Secret is created out of band);
    ``ExternalSecrets`` an ``ExternalSecret``, ``SealedSecrets`` a ``SealedSecret``,
    ``CsiSecretStore`` a ``SecretProviderClass``. Either way the workloads read
    ``refs``: the same Secret name and keys (and, for the CSI source, the volume
    every pod must mount), so switching source never touches a workload.

    Props:
        naming: names and labels; the Secret is ``<prefix>-gorax-secrets``.
        source: where the values come from (``ExistingSecret``, ``ExternalSecrets``, ``SealedSecrets``,
            ``CsiSecretStore``).
        keys: the Secret's keys, in the order the workloads list them.
        identity: the workload identity a CSI provider authenticates with (Azure needs its client and
            tenant; default ``None``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        source: SecretSource,
        keys: tuple[str, ...],
        identity: WorkloadIdentity | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.refs = self._emit(naming, source, keys, identity)

    def _emit(
        self, naming: Naming, source: SecretSource, keys: tuple[str, ...], identity: WorkloadIdentity | None
    ) -> SecretRefs:
        """Emit what the source needs; return what the workloads read."""
        refs = SecretRefs(name=naming.name("secrets"), keys=keys)
        if isinstance(source, ExternalSecrets):
            self.add_manifest(
                {
                    "apiVersion": "external-secrets.io/v1",
                    "kind": "ExternalSecret",
                    "metadata": naming.metadata(refs.name),
                    "spec": {
                        "refreshInterval": source.refresh_interval,
                        "secretStoreRef": {"name": source.store_name, "kind": source.store_kind},
                        # Owner: the Secret is garbage-collected with the ExternalSecret and nobody else
                        # may claim the name. Retain: if the keys disappear from the store, the Secret keeps
                        # its last values instead of being emptied under running pods.
                        "target": {"name": refs.name, "creationPolicy": "Owner", "deletionPolicy": "Retain"},
                        "data": [
                            {"secretKey": key, "remoteRef": {"key": f"{source.remote_key_prefix}/{key}"}}
                            for key in refs.keys
                        ],
                    },
                },
            )
        elif isinstance(source, SealedSecrets):
            # Strict scope (kubeseal's default, docs/secrets-and-identity.md): each value only unseals into this
            # name and namespace. The template gives the Secret the same labels as the other sources'.
            self.add_manifest(
                {
                    "apiVersion": "bitnami.com/v1alpha1",
                    "kind": "SealedSecret",
                    "metadata": naming.metadata(refs.name),
                    "spec": {
                        "encryptedData": {key: source.encrypted_data()[key] for key in refs.keys},
                        "template": {"metadata": naming.metadata(refs.name), "type": "Opaque"},
                    },
                },
            )
        elif isinstance(source, CsiSecretStore):
            refs = SecretRefs(name=refs.name, keys=refs.keys, provider_class=refs.name)
            self.add_manifest(
                {
                    "apiVersion": "secrets-store.csi.x-k8s.io/v1",
                    "kind": "SecretProviderClass",
                    "metadata": naming.metadata(refs.name),
                    "spec": {
                        "provider": source.provider,
                        "parameters": _provider_parameters(source, keys, identity),
                        # The driver creates this Secret when the first pod mounts the volume and deletes it
                        # with the last one: it is not there while no Gorax pod runs.
                        "secretObjects": [
                            {
                                "secretName": refs.name,
                                "type": "Opaque",
                                "labels": naming.labels(),
                                "data": [{"objectName": key, "key": key} for key in refs.keys],
                            }
                        ],
                    },
                },
            )
        return refs


def _yaml_list(items: list[dict[str, str]]) -> str:
    """A YAML list of flat maps, values JSON-quoted (JSON strings are YAML): the providers' object lists."""
    return "".join(
        "".join(f"{'- ' if i == 0 else '  '}{k}: {json.dumps(v)}\n" for i, (k, v) in enumerate(item.items()))
        for item in items
    )


def _provider_parameters(
    source: CsiSecretStore, keys: tuple[str, ...], identity: WorkloadIdentity | None
) -> dict[str, str]:
    """Each provider's ``parameters``; every object is written to a file named after its key.

    AWS (secrets-store-csi-driver-provider-aws): ``objects`` with ``objectAlias``; it uses the pod's IRSA role.
    GCP (secrets-store-csi-driver-provider-gcp): ``secrets`` with ``path``; it uses the pod's Workload Identity.
    Azure (secrets-store-csi-driver-provider-azure): ``clientID`` selects workload identity; ``objects`` is
    an ``array`` of YAML documents.
    """
    remote = source.remote
    if source.provider == "aws":
        objects = [{"objectName": remote[k], "objectType": "secretsmanager", "objectAlias": k} for k in keys]
        return {"objects": _yaml_list(objects)}
    if source.provider == "gcp":
        return {"secrets": _yaml_list([{"resourceName": remote[k], "path": k} for k in keys])}
    assert isinstance(identity, AzureWorkloadIdentity)  # EnvironmentConfig checks the providers match
    documents = [{"objectName": remote[k], "objectType": "secret", "objectAlias": k} for k in keys]
    array = "array:\n" + "".join(
        "  - |\n" + "".join(f"    {name}: {json.dumps(value)}\n" for name, value in doc.items()) for doc in documents
    )
    return {
        "usePodIdentity": "false",
        "clientID": identity.client_id,
        "keyvaultName": source.keyvault_name,
        "tenantId": identity.tenant_id,
        "objects": array,
    }
