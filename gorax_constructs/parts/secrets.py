"""What the workloads read from the environment's Secret, and what its source emits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from constructs import Construct

from ..configuration.secrets import KEYS, ExternalSecrets
from .manifest import ChartPart

if TYPE_CHECKING:
    from ..configuration.naming import Naming


@dataclass(frozen=True)
class SecretRefs:
    """What the workloads need to know about the environment's Secret: its name and the keys it holds."""

    name: str
    keys: tuple[str, ...]

    def env(self, variable: str, key: str) -> dict[str, object]:
        """A ``secretKeyRef`` env entry; refuses a key the source does not provide."""
        if key not in self.keys:
            raise KeyError(f"secret {self.name} provides {self.keys}, not {key!r}")
        return {"name": variable, "valueFrom": {"secretKeyRef": {"name": self.name, "key": key}}}


class Secrets(ChartPart):
    """The environment's secret source: what makes the Secret ``<prefix>-gorax-secrets`` exist.

    ``ExistingSecret`` emits nothing (the Secret is created out of band);
    ``ExternalSecrets`` emits an ``ExternalSecret``. Either way the workloads
    read ``refs``: the same Secret name and keys, so switching source never
    touches a workload.

    Props:
        naming: the environment's ``Naming`` (the source is ``naming.env.secrets``).
    """

    def __init__(self, scope: Construct, id: str, *, naming: Naming) -> None:
        super().__init__(scope, id)
        source = naming.env.secrets
        self.refs = SecretRefs(name=naming.name("secrets"), keys=KEYS)
        if isinstance(source, ExternalSecrets):
            self.add_manifest(
                {
                    "apiVersion": "external-secrets.io/v1",
                    "kind": "ExternalSecret",
                    "metadata": naming.metadata(self.refs.name),
                    "spec": {
                        "refreshInterval": source.refresh_interval,
                        "secretStoreRef": {"name": source.store_name, "kind": source.store_kind},
                        # Owner: the Secret is garbage-collected with the ExternalSecret and nobody else
                        # may claim the name. Retain: if the keys disappear from the store, the Secret keeps
                        # its last values instead of being emptied under running pods.
                        "target": {"name": self.refs.name, "creationPolicy": "Owner", "deletionPolicy": "Retain"},
                        "data": [
                            {"secretKey": key, "remoteRef": {"key": f"{source.remote_key_prefix}/{key}"}}
                            for key in self.refs.keys
                        ],
                    },
                },
            )
