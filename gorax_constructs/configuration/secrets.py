"""Where the Gorax secrets come from: never from ``dist/``.

The old setup rendered a Secret with placeholder values into every
environment; a GitOps sync then overwrote the real secret with the
placeholders. Here an environment chooses a *source* and the synthesized
output holds, at most, a reference to where the values live:

- ``ExistingSecret``: the Secret ``<prefix>-gorax-secrets`` is created out of
  band (``kubectl create secret generic ...``, see README "Secrets"); nothing
  is emitted.
- ``ExternalSecrets``: an ``ExternalSecret`` (external-secrets.io/v1) makes the
  External Secrets Operator materialize ``<prefix>-gorax-secrets`` from the
  remote keys ``<remote_key_prefix>/<key>``.

Either way the pods read the same Secret name and the same keys (``KEYS``),
so switching source never touches a workload.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .errors import Problem

DATABASE_URL = "database-url"
JWT_SECRET = "jwt-secret"
ENCRYPTION_KEY = "encryption-key"
KEYS: tuple[str, ...] = (DATABASE_URL, JWT_SECRET, ENCRYPTION_KEY)
"""The keys every secret source provides (the guide's key names)."""

StoreKind = Literal["SecretStore", "ClusterSecretStore"]
STORE_KINDS: tuple[StoreKind, ...] = ("SecretStore", "ClusterSecretStore")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
REMOTE_KEY_PREFIX = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
REFRESH_INTERVAL = re.compile(r"^(?:[0-9]+(?:s|m|h))+$")


@dataclass(frozen=True, kw_only=True)
class ExistingSecret:
    """The pods reference a Secret created out of band (development)."""

    def problems(self) -> Iterator[Problem]:
        return iter(())


@dataclass(frozen=True, kw_only=True)
class ExternalSecrets:
    """An ExternalSecret materializes the Secret from a secret store (staging, production).

    Attributes:
        store_name: the SecretStore / ClusterSecretStore to read from.
        store_kind: ``ClusterSecretStore`` (default) or a namespaced ``SecretStore``.
        remote_key_prefix: remote keys are ``<prefix>/<key>``, e.g. ``gorax/prod/database-url``.
        refresh_interval: how often the operator re-reads the store (default ``1h``).
    """

    store_name: str
    remote_key_prefix: str
    store_kind: StoreKind = "ClusterSecretStore"
    refresh_interval: str = "1h"

    def problems(self) -> Iterator[Problem]:
        if (
            not isinstance(self.store_name, str)
            or len(self.store_name) > 253
            or not DNS_SUBDOMAIN.match(self.store_name)
        ):
            yield Problem("store_name", self.store_name, "a DNS subdomain name such as 'gorax-secrets-store'")
        if self.store_kind not in STORE_KINDS:
            yield Problem("store_kind", self.store_kind, f"one of {', '.join(STORE_KINDS)}")
        if not isinstance(self.remote_key_prefix, str) or not REMOTE_KEY_PREFIX.match(self.remote_key_prefix):
            yield Problem("remote_key_prefix", self.remote_key_prefix, "a '/'-separated path such as 'gorax/prod'")
        if not isinstance(self.refresh_interval, str) or not REFRESH_INTERVAL.match(self.refresh_interval):
            yield Problem("refresh_interval", self.refresh_interval, "a duration such as '1h' or '15m'")


SecretSource = ExistingSecret | ExternalSecrets
