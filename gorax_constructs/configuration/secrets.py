"""Where the Gorax secrets come from: never from ``dist/``.

The old setup rendered a Secret with placeholder values into every
environment; a GitOps sync then overwrote the real secret with the
placeholders. Here an environment chooses a *source* and the synthesized
output holds, at most, a reference to where the values live:

- ``ExistingSecret``: the Secret ``<prefix>-gorax-secrets`` is created out of
  band (``kubectl create secret generic ...``, see docs/secrets-and-identity.md); nothing
  is emitted.
- ``ExternalSecrets``: an ``ExternalSecret`` (external-secrets.io/v1) makes the
  External Secrets Operator materialize ``<prefix>-gorax-secrets`` from the
  remote keys ``<remote_key_prefix>/<key>``.
- ``SealedSecrets``: a ``SealedSecret`` (bitnami.com/v1alpha1) whose ciphertexts, made with
  ``kubeseal --raw --scope strict``, are committed in one file per environment; the Sealed Secrets
  controller unseals them into ``<prefix>-gorax-secrets``.
- ``CsiSecretStore``: a ``SecretProviderClass`` (secrets-store.csi.x-k8s.io/v1) makes the Secrets Store CSI
  driver read AWS Secrets Manager, GCP Secret Manager or Azure Key Vault with the pods' workload identity
  and sync the values into ``<prefix>-gorax-secrets`` while a pod mounts the volume.

Either way the pods read the same Secret name and the same keys (``KEYS``),
so switching source never touches a workload.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .datafile import load
from .errors import FileError, Problem
from .identity import Provider

DATABASE_PASSWORD = "database-password"
JWT_SECRET = "jwt-secret"
ENCRYPTION_KEY = "encryption-key"
REDIS_PASSWORD = "redis-password"
KEYS: tuple[str, ...] = (DATABASE_PASSWORD, JWT_SECRET, ENCRYPTION_KEY, REDIS_PASSWORD)
"""The keys every secret source provides: PostgreSQL's and Redis's passwords (the binaries read
``DB_PASSWORD`` and ``REDIS_PASSWORD``; the rest of each endpoint is configuration), and the guide's
``jwt-secret`` and ``encryption-key``. An environment whose ``redis.password`` is False does without
``redis-password`` (``EnvironmentConfig.secret_keys``)."""

StoreKind = Literal["SecretStore", "ClusterSecretStore"]
STORE_KINDS: tuple[StoreKind, ...] = ("SecretStore", "ClusterSecretStore")
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
REMOTE_KEY_PREFIX = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
REFRESH_INTERVAL = re.compile(r"(?:[0-9]+(?:s|m|h))+")


@dataclass(frozen=True, kw_only=True)
class ExistingSecret:
    """The pods reference a Secret created out of band (development)."""

    def problems(self, keys: tuple[str, ...] = KEYS) -> Iterator[Problem]:
        return iter(())


@dataclass(frozen=True, kw_only=True)
class ExternalSecrets:
    """An ExternalSecret materializes the Secret from a secret store (staging, production).

    Attributes:
        store_name: the SecretStore / ClusterSecretStore to read from.
        store_kind: ``ClusterSecretStore`` (default) or a namespaced ``SecretStore``.
        remote_key_prefix: remote keys are ``<prefix>/<key>``, e.g. ``gorax/prod/database-password``.
        refresh_interval: how often the operator re-reads the store (default ``1h``).
    """

    store_name: str
    remote_key_prefix: str
    store_kind: StoreKind = "ClusterSecretStore"
    refresh_interval: str = "1h"

    def problems(self, keys: tuple[str, ...] = KEYS) -> Iterator[Problem]:
        if (
            not isinstance(self.store_name, str)
            or len(self.store_name) > 253
            or not DNS_SUBDOMAIN.fullmatch(self.store_name)
        ):
            yield Problem("store_name", self.store_name, "a DNS subdomain name such as 'gorax-secrets-store'")
        if self.store_kind not in STORE_KINDS:
            yield Problem("store_kind", self.store_kind, f"one of {', '.join(STORE_KINDS)}")
        if not isinstance(self.remote_key_prefix, str) or not REMOTE_KEY_PREFIX.fullmatch(self.remote_key_prefix):
            yield Problem("remote_key_prefix", self.remote_key_prefix, "a '/'-separated path such as 'gorax/prod'")
        if not isinstance(self.refresh_interval, str) or not REFRESH_INTERVAL.fullmatch(self.refresh_interval):
            yield Problem("refresh_interval", self.refresh_interval, "a duration such as '1h' or '15m'")


REPOSITORY = Path(__file__).resolve().parents[2]
"""Relative ``SealedSecrets.file`` paths resolve here (the repository root), whatever the working directory."""
GCM_TAG_BYTES = 16
RSA_CIPHERTEXT_BYTES = range(256, 1025, 128)
"""RSA-OAEP output is the modulus length: 2048- to 8192-bit keys (the controller's default is 4096, 512 bytes)."""


def kubeseal_ciphertext_problem(value: object) -> str | None:
    """Why ``value`` is not what ``kubeseal --raw`` prints, or ``None`` if it plausibly is.

    sealed-secrets ``pkg/crypto/crypto.go`` ``HybridEncrypt``: a 2-byte big-endian length of the RSA
    ciphertext, the RSA-OAEP (SHA-256) encrypted 32-byte session key, then the AES-256-GCM encrypted value
    with its 16-byte tag; kubeseal prints that in standard base64. Without the controller's private key the
    strict-scope label (``<namespace>/<name>``) cannot be checked here: a value sealed for another name or
    namespace makes the SealedSecret ``Degraded`` in Argo CD (docs/secrets-and-identity.md).
    """
    if not isinstance(value, str) or not value:
        return "a non-empty string"
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return "standard base64 (kubeseal --raw output), not plain text"
    if len(raw) < 2:
        return "longer than 2 bytes"
    rsa_bytes = int.from_bytes(raw[:2], "big")
    if rsa_bytes not in RSA_CIPHERTEXT_BYTES:
        return f"a 2-byte RSA ciphertext length of 256 to 1024 in steps of 128, not {rsa_bytes}"
    if len(raw) <= 2 + rsa_bytes + GCM_TAG_BYTES:
        return f"{2 + rsa_bytes + GCM_TAG_BYTES + 1} bytes or more (RSA key, AES-GCM tag and value), not {len(raw)}"
    return None


@dataclass(frozen=True, kw_only=True)
class SealedSecrets:
    """A SealedSecret unseals to the Secret; its ciphertexts are committed, one file per environment.

    Attributes:
        file: a YAML mapping ``{key: ciphertext}`` with exactly the keys in ``KEYS``, each the output of
            ``kubeseal --raw --scope strict --namespace <namespace> --name <prefix>-gorax-secrets``
            (docs/secrets-and-identity.md); relative paths are from the repository root.
    """

    file: str

    @property
    def path(self) -> Path:
        return REPOSITORY / self.file

    def encrypted_data(self) -> dict[str, str]:
        """The file's ``{key: ciphertext}`` (call after ``problems()`` found nothing)."""
        return load(self.path)

    def problems(self, keys: tuple[str, ...] = KEYS) -> Iterator[Problem]:
        if not isinstance(self.file, str) or not self.file:
            yield Problem("file", self.file, "a path such as 'sealed-secrets/production.yaml'")
            return
        try:
            data = load(self.path)
        except FileError as error:
            yield Problem("file", self.file, f"a readable file, a YAML mapping of secret keys to ciphertexts ({error})")
            return
        if not isinstance(data, dict):
            yield Problem("file", self.file, "a YAML mapping of secret keys to kubeseal ciphertexts")
            return
        for key in keys:
            if key not in data:
                yield Problem(f"file[{key}]", None, f"a kubeseal ciphertext for key '{key}' in {self.file}")
            elif (reason := kubeseal_ciphertext_problem(data[key])) is not None:
                yield Problem(f"file[{key}]", _shorten(data[key]), f"kubeseal --raw ciphertext: {reason}")
        for key in data:
            if key not in keys:
                yield Problem(f"file[{key}]", _shorten(data[key]), f"only the keys {', '.join(keys)}")


def _shorten(value: object) -> object:
    return value[:20] + "..." if isinstance(value, str) and len(value) > 24 else value


CSI_PROVIDERS: tuple[Provider, ...] = ("aws", "gcp", "azure")
AWS_SECRET = re.compile(
    r"(?:arn:aws(?:-cn|-us-gov)?:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:)?[A-Za-z0-9/_+=.@-]{1,512}"
)
GCP_SECRET_VERSION = re.compile(
    r"projects/[a-z0-9-]{1,63}/secrets/[A-Za-z0-9_-]{1,255}/versions/(?:latest|[1-9][0-9]*)"
)
AZURE_SECRET = re.compile(r"[0-9A-Za-z-]{1,127}")
AZURE_KEY_VAULT = re.compile(r"[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]")
CSI_OBJECT_ALLOWED = {
    "aws": (AWS_SECRET, "an AWS Secrets Manager secret name or ARN such as 'gorax/prod/database-password'"),
    "gcp": (GCP_SECRET_VERSION, "a GCP secret version such as 'projects/my-project/secrets/db-url/versions/latest'"),
    "azure": (AZURE_SECRET, "an Azure Key Vault secret name such as 'gorax-database-password'"),
}


@dataclass(frozen=True, kw_only=True)
class CsiSecretStore:
    """The Secrets Store CSI driver reads a cloud secret manager and syncs the values into the Secret.

    Needs the environment's ``identity`` for the same cloud (the provider authenticates as the pods'
    ServiceAccount). The Secret exists only while at least one pod mounts the CSI volume (the driver syncs
    on mount and deletes the Secret with the last pod): the API, worker and migration pods all mount it.

    Attributes:
        provider: ``aws`` (Secrets Manager), ``gcp`` (Secret Manager) or ``azure`` (Key Vault).
        objects: ``(key, remote object)`` for each of ``KEYS``: a secret name or ARN (aws), a secret version
            ``projects/<p>/secrets/<s>/versions/<v>`` (gcp), a Key Vault secret name (azure).
        keyvault_name: the Azure Key Vault (azure only).
    """

    provider: Provider
    objects: tuple[tuple[str, str], ...]
    keyvault_name: str = ""

    def problems(self, keys: tuple[str, ...] = KEYS) -> Iterator[Problem]:
        if self.provider not in CSI_PROVIDERS:
            yield Problem("provider", self.provider, f"one of {', '.join(CSI_PROVIDERS)}")
            return
        pattern, allowed = CSI_OBJECT_ALLOWED[self.provider]
        listed = [pair[0] if isinstance(pair, tuple) and len(pair) == 2 else pair for pair in self.objects]
        for key in keys:
            if listed.count(key) != 1:
                yield Problem("objects", key, f"exactly one (key, remote object) pair for key '{key}'")
        for pair in self.objects:
            if not (isinstance(pair, tuple) and len(pair) == 2) or pair[0] not in keys:
                yield Problem("objects", pair, f"(key, remote object) pairs for the keys {', '.join(keys)}")
            elif not isinstance(pair[1], str) or not pattern.fullmatch(pair[1]):
                yield Problem(f"objects[{pair[0]}]", pair[1], allowed)
        if self.provider == "azure":
            if not isinstance(self.keyvault_name, str) or not AZURE_KEY_VAULT.fullmatch(self.keyvault_name):
                yield Problem(
                    "keyvault_name", self.keyvault_name, "an Azure Key Vault name of 3 to 24 letters, digits, '-'"
                )
        elif self.keyvault_name:
            yield Problem("keyvault_name", self.keyvault_name, "empty unless provider is 'azure'")

    @property
    def remote(self) -> dict[str, str]:
        return dict(self.objects)


SecretSource = ExistingSecret | ExternalSecrets | SealedSecrets | CsiSecretStore
