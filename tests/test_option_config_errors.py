"""Config errors of the deployment guide's other options: sealed secrets, cloud identity, CSI secret
stores, queue-depth scaling. Each names the environment, the field, the value and what is allowed."""

import base64
from dataclasses import replace

import pytest

from gorax_constructs.configuration.identity import AwsIrsa, AzureWorkloadIdentity, GkeWorkloadIdentity
from gorax_constructs.configuration.model import QueueDepth
from gorax_constructs.configuration.secrets import (
    KEYS,
    REPOSITORY,
    CsiSecretStore,
    SealedSecrets,
    kubeseal_ciphertext_problem,
)

from .fixture_catalog import AWS, AZURE, GCP, SEALED
from .test_config_errors import expect_error


def kubeseal_like(rsa_bytes: int = 512, value_bytes: int = 20) -> str:
    """The layout kubeseal's HybridEncrypt prints: 2-byte RSA length, RSA ciphertext, AES-GCM value + tag."""
    body = bytes(range(256)) * 8
    raw = rsa_bytes.to_bytes(2, "big") + body[:rsa_bytes] + body[: value_bytes + 16]
    return base64.b64encode(raw).decode()


def test_the_fixture_ciphertexts_look_like_kubeseal_output():
    data = SEALED.secrets.encrypted_data()
    assert sorted(data) == sorted(KEYS)
    # 0x02 0x00 (512-byte RSA ciphertext of a 4096-bit key) then any byte: base64 "AgA" to "AgD", as kubeseal's.
    assert all(value[:3] in ("AgA", "AgB", "AgC", "AgD") for value in data.values())
    assert [kubeseal_ciphertext_problem(v) for v in data.values()] == [None, None, None]


@pytest.mark.parametrize("rsa_bytes", [256, 384, 512, 1024])
def test_every_rsa_key_size_is_accepted(rsa_bytes):
    assert kubeseal_ciphertext_problem(kubeseal_like(rsa_bytes)) is None


@pytest.mark.parametrize(
    "value,reason",
    [
        ("postgresql://gorax:hunter2@db/gorax", "standard base64"),
        (base64.b64encode(b"a plain base64 value, not sealed").decode(), "RSA ciphertext length"),
        (kubeseal_like(500), "not 500"),
        (kubeseal_like(512, 0), "bytes or more"),
        ("", "a non-empty string"),
    ],
)
def test_values_that_are_not_kubeseal_ciphertext(value, reason):
    assert reason in kubeseal_ciphertext_problem(value)


def sealed_file(tmp_path, data):
    path = tmp_path / "sealed.yaml"
    path.write_text("".join(f"{k}: {v}\n" for k, v in data.items()))
    return str(path.relative_to(REPOSITORY)) if path.is_relative_to(REPOSITORY) else str(path)


def test_sealed_secrets_missing_key(tmp_path):
    data = {k: kubeseal_like() for k in KEYS if k != "jwt-secret"}
    file = sealed_file(tmp_path, data)
    expect_error(
        lambda: replace(SEALED, secrets=SealedSecrets(file=file)),
        env="opt-sealed",
        field="secrets.file[jwt-secret]",
        value="None",
        allowed="a kubeseal ciphertext for key 'jwt-secret'",
    )


def test_sealed_secrets_plain_value_and_extra_key(tmp_path):
    data = {k: kubeseal_like() for k in KEYS} | {"database-url": "postgresql://x", "api-key": kubeseal_like()}
    file = sealed_file(tmp_path, data)
    expect_error(
        lambda: replace(SEALED, secrets=SealedSecrets(file=file)),
        env="opt-sealed",
        field="secrets.file[database-url]",
        value="'postgresql://x'",
        allowed="kubeseal --raw ciphertext: standard base64",
    )
    expect_error(
        lambda: replace(SEALED, secrets=SealedSecrets(file=file)),
        env="opt-sealed",
        field="secrets.file[api-key]",
        value="Ag",
        allowed="only the keys database-url, jwt-secret, encryption-key",
    )


def test_sealed_secrets_file_missing():
    expect_error(
        lambda: replace(SEALED, secrets=SealedSecrets(file="sealed-secrets/nowhere.yaml")),
        env="opt-sealed",
        field="secrets.file",
        value="'sealed-secrets/nowhere.yaml'",
        allowed="a readable file",
    )


@pytest.mark.parametrize(
    "identity,field,allowed",
    [
        (AwsIrsa(role_arn="arn:aws:iam::1234:role/gorax"), "identity.role_arn", "an IAM role ARN"),
        (AwsIrsa(role_arn="arn:aws:iam::123456789012:user/gorax"), "identity.role_arn", "an IAM role ARN"),
        (GkeWorkloadIdentity(service_account="gorax-app@my-project.iam.gserviceaccount.com"), "", ""),
        (GkeWorkloadIdentity(service_account="gorax@gmail.com"), "identity.service_account", "a Google service"),
        (
            AzureWorkloadIdentity(client_id="not-a-uuid", tenant_id="11111111-2222-3333-4444-555555555555"),
            "client_id",
            "UUID",
        ),
        (AzureWorkloadIdentity(client_id="11111111-2222-3333-4444-555555555555", tenant_id=""), "tenant_id", "UUID"),
    ],
)
def test_identity_formats(identity, field, allowed):
    build = lambda: replace(SEALED, identity=identity)  # noqa: E731
    if not field:
        assert build().identity == identity
        return
    expect_error(build, env="opt-sealed", field=field, value="", allowed=allowed)


def test_csi_secret_store_requires_a_workload_identity():
    expect_error(
        lambda: replace(AWS, identity=None),
        env="opt-aws",
        field="identity",
        value="None",
        allowed="a workload identity for 'aws'",
    )


def test_csi_secret_store_provider_must_match_the_identity():
    expect_error(
        lambda: replace(GCP, identity=AWS.identity),
        env="opt-gcp",
        field="secrets.provider",
        value="'gcp'",
        allowed="the identity's provider 'aws'",
    )


@pytest.mark.parametrize(
    "source,field,value,allowed",
    [
        (replace(AWS.secrets, objects=AWS.secrets.objects[:2]), "secrets.objects", "'encryption-key'", "exactly one"),
        (
            replace(GCP.secrets, objects=(("database-url", "db-url"), *GCP.secrets.objects[1:])),
            "objects[database-url]",
            "'db-url'",
            "a GCP secret version",
        ),
        (replace(AZURE.secrets, keyvault_name=""), "secrets.keyvault_name", "''", "an Azure Key Vault name"),
        (CsiSecretStore(provider="vault", objects=()), "secrets.provider", "'vault'", "one of aws, gcp, azure"),
    ],
)
def test_csi_secret_store_settings(source, field, value, allowed):
    env = {"aws": AWS, "gcp": GCP, "azure": AZURE}.get(source.provider, AWS)
    expect_error(lambda: replace(env, secrets=source), env=env.name, field=field, value=value, allowed=allowed)


def test_keyvault_name_only_for_azure():
    expect_error(
        lambda: replace(AWS, secrets=replace(AWS.secrets, keyvault_name="gorax-kv")),
        env="opt-aws",
        field="secrets.keyvault_name",
        value="'gorax-kv'",
        allowed="empty unless provider is 'azure'",
    )


def with_queue(env, component, queue):
    config = getattr(env, component)
    return replace(env, **{component: replace(config, autoscaling=replace(config.autoscaling, queue_depth=queue))})


def test_only_workers_scale_on_queue_depth():
    queue = QueueDepth(target_per_worker=10, implementation="keda")
    expect_error(
        lambda: with_queue(SEALED, "api", queue),
        env="opt-sealed",
        field="api.autoscaling.queue_depth",
        value="QueueDepth",
        allowed="only workers scale on queue depth",
    )


@pytest.mark.parametrize(
    "queue,field,allowed",
    [
        (QueueDepth(target_per_worker=0, implementation="keda"), "target_per_worker", "an integer from 1 to 100000"),
        (
            QueueDepth(target_per_worker=5, implementation="custom-metrics"),
            "implementation",
            "prometheus-adapter, keda",
        ),
        (QueueDepth(target_per_worker=5, implementation="keda", queue='default"}'), "queue", "a queue name"),
        (
            QueueDepth(target_per_worker=5, implementation="keda", prometheus_url="prometheus:9090"),
            "prometheus_url",
            "an http(s) URL",
        ),
    ],
)
def test_queue_depth_settings(queue, field, allowed):
    expect_error(
        lambda: with_queue(SEALED, "worker", queue),
        env="opt-sealed",
        field=f"worker.autoscaling.queue_depth.{field}",
        value="",
        allowed=allowed,
    )
