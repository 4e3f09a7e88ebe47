"""Redis (required), the SQS queue (optional), the migrator and tracing: what the binaries need, and no more."""

import dataclasses

import pytest

from gorax_constructs.configuration.contract import AppContract, Migrator
from gorax_constructs.configuration.dependencies import Postgres, Redis, SqsQueue
from gorax_constructs.configuration.errors import ConfigError
from gorax_constructs.configuration.identity import AwsIrsa, GkeWorkloadIdentity
from gorax_constructs.configuration.image import Image
from gorax_constructs.configuration.model import QueueDepth
from gorax_constructs.configuration.naming import Naming
from gorax_constructs.configuration.network import Peer
from gorax_constructs.configuration.previews import Preview, preview_environment
from gorax_constructs.configuration.secrets import REDIS_PASSWORD, ExternalSecrets
from gorax_constructs.pipeline.validation import document_errors

from . import fixture_catalog as fixture
from .conftest import synthesize_environments
from .k8s_objects import containers, pod_templates

DEVELOPMENT, STAGING, PRODUCTION = fixture.DEV, fixture.STAGING, fixture.PRODUCTION
IRSA = AwsIrsa(role_arn="arn:aws:iam::123456789012:role/gorax-test")
QUEUE = SqsQueue(queue_url="https://sqs.eu-west-1.amazonaws.com/123456789012/gorax-test")


def errors(env, **changes) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        dataclasses.replace(env, **changes)
    assert caught.value.environment == env.name
    return {p.field: p.allowed for p in caught.value.problems}


def policies(output):
    return {p["metadata"]["name"]: p["spec"] for p in output.of_kind("NetworkPolicy")}


def egress_ports(spec) -> set[tuple[str, int]]:
    return {(str(rule["to"]), port["port"]) for rule in spec.get("egress", []) for port in rule["ports"]}


# -- Redis ------------------------------------------------------------------------------------------------


def test_an_environment_without_redis_is_refused_with_why():
    allowed = errors(PRODUCTION, redis=None)["redis"]
    assert "/ready pings Redis" in allowed and "never Ready" in allowed


@pytest.mark.parametrize(
    "redis,field,allowed",
    [
        (Redis(address="rediss://redis.redis.svc:6379"), "redis.address", "without TLS"),
        (Redis(address="redis.redis.svc:6379", tls=True), "redis.tls", "without TLS"),
        (Redis(address="redis.redis.svc:99999"), "redis.address", "a port from 1 to 65535"),
        (Redis(address="redis.redis.svc"), "redis.address", "'host:port'"),
        (Redis(address="redis://redis.redis.svc:6379/3", db=1), "redis.db", "the database of the address (3)"),
        (Redis(address="redis.redis.svc:6379", db=16), "redis.db", "from 0 to 15"),
        (Redis(address="redis://redis.redis.svc:6379/42"), "redis.address", "from 0 to 15"),
        (Redis(address="cache.example.com:6379"), "redis.peer", "a NetworkPolicy cannot name a DNS name"),
        (Redis(address="a:1", host="b"), "redis.host", "one of the two"),
        (Redis(), "redis.address", "'host:port'"),
    ],
)
def test_a_bad_redis_setting_is_one_clear_error(redis, field, allowed):
    assert allowed in errors(STAGING, redis=redis)[field]


def test_the_api_and_the_workers_reach_exactly_the_redis_endpoint(tmp_path):
    cases = {
        "svc": (
            Redis(address="redis://cache.data.svc.cluster.local:6380/2"),
            "cache.data.svc.cluster.local:6380",
            6380,
        ),
        "ip": (Redis(host="10.9.8.7", port=6390, db=2), "10.9.8.7:6390", 6390),
        "cidr": (Redis(address="my.cache.amazonaws.com:6379", db=2, peer=Peer(cidrs=("10.1.2.0/24",))), None, 6379),
    }
    envs = [
        dataclasses.replace(
            STAGING,
            name=f"r-{key}",
            prefix=f"r-{key}",
            namespace=f"gorax-r-{key}",
            redis=redis,
            api_host=f"api.{key}.gorax.io",
            webhooks_host=f"webhooks.{key}.gorax.io",
        )
        for key, (redis, _, _) in cases.items()
    ]
    outputs = synthesize_environments(tuple(envs), tmp_path)
    expected_peers = {
        "svc": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "data"}}}],
        "ip": [{"ipBlock": {"cidr": "10.9.8.7/32"}}],
        "cidr": [{"ipBlock": {"cidr": "10.1.2.0/24"}}],
    }
    for env, (key, (redis, address, port)) in zip(envs, cases.items(), strict=True):
        output = outputs[env.name]
        specs = policies(output)
        redis_rule = (str(expected_peers[key]), port)
        for component in ("api", "worker"):
            assert redis_rule in egress_ports(specs[f"r-{key}-gorax-{component}"])
        assert redis_rule not in egress_ports(specs[f"r-{key}-gorax-migration"])
        (config,) = output.of_kind("ConfigMap")[:1]
        assert config["data"]["redis-address"] == (address or redis.redis_address)
        assert config["data"]["redis-db"] == "2"
        for _, template in pod_templates(output.objects):
            for container in containers(template):
                names = {e["name"] for e in container["env"]}
                reads_redis = container["name"] in ("api", "worker")
                assert ({"REDIS_ADDRESS", "REDIS_DB", "REDIS_PASSWORD"} <= names) == reads_redis
                assert reads_redis or not names & {"REDIS_ADDRESS", "REDIS_PASSWORD"}


def test_the_redis_password_comes_from_every_secret_source(options_synthesized, fixture_synthesized):
    external = fixture_synthesized[PRODUCTION.name].of_kind("ExternalSecret")[0]
    assert REDIS_PASSWORD in [d["secretKey"] for d in external["spec"]["data"]]
    sealed = options_synthesized["opt-sealed"].of_kind("SealedSecret")[0]
    assert REDIS_PASSWORD in sealed["spec"]["encryptedData"]
    for name in ("opt-aws", "opt-gcp", "opt-azure"):
        (spc,) = options_synthesized[name].of_kind("SecretProviderClass")
        assert REDIS_PASSWORD in [d["key"] for d in spc["spec"]["secretObjects"][0]["data"]]
        assert REDIS_PASSWORD in str(spc["spec"]["parameters"])


def test_a_redis_without_a_password_needs_no_key(tmp_path):
    env = dataclasses.replace(
        STAGING,
        redis=dataclasses.replace(STAGING.redis, password=False),
        secrets=ExternalSecrets(store_name="s", remote_key_prefix="gorax/staging"),
    )
    assert REDIS_PASSWORD not in env.secret_keys
    output = synthesize_environments((env,), tmp_path)[env.name]
    assert REDIS_PASSWORD not in output.text() and "REDIS_PASSWORD" not in output.text()


# -- the SQS queue -------------------------------------------------------------------------------------------


def test_without_a_queue_the_worker_polls_the_database(environment):
    config = environment.get("ConfigMap", Naming.of(environment.env).name("config"))
    assert config["data"]["queue-enabled"] == ("true" if environment.env.queue else "false")
    assert ("AWS_SQS_QUEUE_URL" in environment.text()) == (environment.env.queue is not None)


@pytest.mark.parametrize(
    "changes,field,allowed",
    [
        ({"queue": QUEUE}, "identity", "AwsIrsa"),
        (
            {
                "queue": QUEUE,
                "identity": GkeWorkloadIdentity(service_account="gorax-app@my-project.iam.gserviceaccount.com"),
            },
            "identity",
            "no keys",
        ),
        ({"queue": SqsQueue(queue_url="https://example.com/q"), "identity": IRSA}, "queue.queue_url", "SQS queue URL"),
        ({"queue": dataclasses.replace(QUEUE, region="us-east-1"), "identity": IRSA}, "queue.region", "eu-west-1"),
        (
            {
                "queue": dataclasses.replace(QUEUE, dlq_url="https://sqs.us-east-1.amazonaws.com/123456789012/d"),
                "identity": IRSA,
            },
            "queue.dlq_url",
            "region and account",
        ),
    ],
)
def test_a_bad_queue_setting_is_one_clear_error(changes, field, allowed):
    assert allowed in errors(STAGING, **changes)[field]


def test_the_sqs_scaler_needs_the_queue():
    worker = _scaled(STAGING.worker, "keda-aws-sqs")
    assert "queue=SqsQueue" in errors(STAGING, worker=worker)["worker.autoscaling.queue_depth.implementation"]


def _scaled(component, implementation):
    queue_depth = QueueDepth(target_per_worker=7, implementation=implementation)
    return dataclasses.replace(
        component, autoscaling=dataclasses.replace(component.autoscaling, queue_depth=queue_depth)
    )


def test_the_worker_reads_the_queue_and_keda_reads_it_with_the_workers_role(tmp_path):
    public = dataclasses.replace(
        STAGING,
        identity=IRSA,
        queue=dataclasses.replace(QUEUE, dlq_url=QUEUE.queue_url + "-dlq"),
        worker=_scaled(STAGING.worker, "keda-aws-sqs"),
    )
    output = synthesize_environments((public,), tmp_path)[public.name]
    config = output.get("ConfigMap", Naming.of(public).name("config"))["data"]
    assert (config["queue-enabled"], config["aws-sqs-queue-url"], config["aws-region"]) == (
        "true",
        QUEUE.queue_url,
        "eu-west-1",
    )
    api, worker = (Naming.of(public).name(c) for c in ("api", "worker"))
    for deployment in output.of_kind("Deployment"):
        names = {e["name"] for e in containers(deployment["spec"]["template"])[0]["env"]}
        reads = {"QUEUE_ENABLED", "AWS_SQS_QUEUE_URL", "AWS_SQS_DLQ_URL", "AWS_REGION"} <= names
        assert reads == (deployment["metadata"]["name"] == worker)
    # No access keys anywhere: the worker and KEDA use the IRSA role.
    assert "AWS_ACCESS_KEY_ID" not in output.text() and "awsAccessKeyID" not in output.text()
    # The public SQS endpoint: through the workers' external egress; the API gets no HTTPS at all.
    specs = policies(output)
    assert any(port == 443 and "0.0.0.0/0" in to for to, port in egress_ports(specs[worker]))
    assert not any(port == 443 for _, port in egress_ports(specs[api]))
    without_https = dataclasses.replace(public.network, external_ports=(80,))
    assert "lacks 443" in errors(public, network=without_https)["queue.endpoint"]
    (scaled,) = output.of_kind("ScaledObject")
    (trigger,) = [t for t in scaled["spec"]["triggers"] if t["type"] == "aws-sqs-queue"]
    assert trigger["metadata"] == {"queueURL": QUEUE.queue_url, "awsRegion": "eu-west-1", "queueLength": "7"}
    (auth,) = output.of_kind("TriggerAuthentication")
    assert trigger["authenticationRef"] == {"name": auth["metadata"]["name"]}
    assert auth["spec"] == {"podIdentity": {"provider": "aws", "identityOwner": "workload"}}
    assert output.of_kind("HorizontalPodAutoscaler") == [
        o for o in output.of_kind("HorizontalPodAutoscaler") if o["metadata"]["name"].endswith("api-hpa")
    ]
    for obj in (scaled, auth):
        assert document_errors(obj) == []


def test_the_vendored_crd_refuses_what_keda_refuses():
    """The validation that accepts our TriggerAuthentication is not vacuous."""
    bad = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "TriggerAuthentication",
        "metadata": {"name": "x"},
        "spec": {"podIdentity": {"provider": "aws", "identityOwner": "somebody"}},
    }
    assert document_errors(bad) != []


def test_a_queue_behind_a_vpc_endpoint_opens_only_that_endpoint(tmp_path):
    queue = dataclasses.replace(QUEUE, endpoint=Peer(cidrs=("10.50.0.0/24",)))
    env = dataclasses.replace(STAGING, identity=IRSA, queue=queue)
    specs = policies(synthesize_environments((env,), tmp_path)[env.name])
    worker = egress_ports(specs[Naming.of(env).name("worker")])
    assert (str([{"ipBlock": {"cidr": "10.50.0.0/24"}}]), 443) in worker


# -- the migrator ----------------------------------------------------------------------------------------


def test_a_configuration_naming_no_migrator_is_refused_with_what_to_build():
    allowed = errors(PRODUCTION, contract=AppContract())["contract.migration.repository"]
    assert "cmd/migrate" in allowed and "no published Gorax image contains /app/migrate" in allowed
    assert "docs/migration.md#building-the-migrator-image" in allowed


def test_the_migrator_follows_the_release_tag_previews_included(environment):
    preview = preview_environment(Preview(name="pr-9", owner="a", expires="2030-01-01", api_tag="pr-9"), DEVELOPMENT)
    assert preview.contract.migration.image_for(preview.api.image).tag == "pr-9"
    env = environment.env
    (job,) = environment.of_kind("Job")
    (container,) = containers(job["spec"]["template"])
    migrator = env.contract.migration
    if migrator.image is None:
        assert container["image"] == Image(repository=migrator.repository, tag=env.api.image.tag).reference
    else:
        assert container["image"] == migrator.image.reference
    assert container["command"] == list(migrator.command) and container["args"] == list(migrator.args)
    assert container["workingDir"] == migrator.working_dir
    secret_env = [e["name"] for e in container["env"] if "secretKeyRef" in e.get("valueFrom", {})]
    assert secret_env == ["DB_PASSWORD"]
    # cmd/migrate reads DATABASE_URL: the binaries' key=value connection string from the same settings.
    (url,) = [e["value"] for e in container["env"] if e["name"] == "DATABASE_URL"]
    assert url == " ".join(
        f"{k}=$(DB_{v})"
        for k, v in (
            ("host", "HOST"),
            ("port", "PORT"),
            ("user", "USER"),
            ("password", "PASSWORD"),
            ("dbname", "NAME"),
            ("sslmode", "SSLMODE"),
        )
    )


def test_a_digest_only_release_needs_the_migrators_own_image():
    assert STAGING.contract.migration.image is None  # the migrator follows the API's tag
    digest = Image(repository=STAGING.api.image.repository, digest="sha256:" + "d" * 64)
    allowed = errors(STAGING, api=dataclasses.replace(STAGING.api, image=digest))["contract.migration.image"]
    assert "no tag for the migrator's to follow" in allowed
    migrator = Migrator(image=Image(repository="gorax/gorax-migrate", tag="latest"))
    assert "immutable" in errors(STAGING, contract=AppContract(migration=migrator))["contract.migration.image.tag"]


# -- tracing -------------------------------------------------------------------------------------------------


def test_only_tracing_variables_that_take_effect(environment):
    variables = {  # the Gorax containers' (an extension may add containers of its own)
        e["name"]
        for _, template in pod_templates(environment.objects)
        for c in containers(template)
        if c["name"] in ("api", "worker", "migrate")
        for e in c["env"]
    }
    assert {v for v in variables if v.startswith("OTEL_")} <= {"OTEL_RESOURCE_ATTRIBUTES"}
    assert {"TRACING_ENABLED", "TRACING_ENDPOINT", "TRACING_SAMPLE_RATE", "TRACING_SERVICE_NAME"} <= variables


@pytest.mark.parametrize(
    "tracing,field,allowed",
    [
        ({"endpoint": "https://otel.observability.svc:4317"}, "tracing.endpoint", "without TLS"),
        ({"protocol": "http/protobuf"}, "tracing.protocol", "otlptracegrpc"),
    ],
)
def test_tracing_the_binaries_cannot_do_is_refused(tracing, field, allowed):
    assert allowed in errors(STAGING, tracing=dataclasses.replace(STAGING.tracing, **tracing))[field]


# -- nothing else new ------------------------------------------------------------------------------------------


def _destinations(env) -> dict[str, list[tuple[str, list]]]:
    """component -> the (peers, ports) each may reach, built from the configuration, not from the output."""
    net = env.network
    database = (str(net.database.peers()), [net.database_port])
    otlp = (str(net.otel_collector.peers()), [4317, 4318])
    redis = (str(env.redis.peers()), [env.redis.endpoint_port])
    public = [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(net.excluded_ranges)}}]
    external = (str(public), list(net.external_ports))
    worker = [database, redis]
    if env.queue is not None and env.queue.endpoint is not None:
        worker.append((str(env.queue.endpoint.peers()), [443]))
    return {"api": [database, redis, otlp], "worker": [*worker, otlp, external], "migration": [database]}


def test_each_component_reaches_the_database_redis_and_nothing_else_new(environment):
    naming = Naming.of(environment.env)
    for component, expected in _destinations(environment.env).items():
        spec = environment.get("NetworkPolicy", naming.name(component))["spec"]
        actual = [(str(rule["to"]), [p["port"] for p in rule["ports"]]) for rule in spec["egress"]]
        assert actual == expected, component


# -- docs/environments.md --------------------------------------------------------------------------------------


def test_the_environments_page_shows_the_databases_the_queue_and_the_migrator(options_synthesized, fixture_synthesized):
    from .test_envdoc import render, table

    outputs = [*fixture_synthesized.values(), *options_synthesized.values()]
    rows = table(render(outputs))
    for i, output in enumerate(outputs):
        env = output.env
        db = env.postgres
        postgres = f"`{db.host}:{db.port or env.network.database_port}/{db.name}` ({db.sslmode})"
        assert rows["PostgreSQL"][i] == postgres
        assert rows["Redis"][i] == f"`{env.redis.redis_address}` db {env.redis.database}"
        queue = f"SQS `{env.queue.queue_url}`" if env.queue else "the database (workers poll it)"
        assert rows["work queue"][i] == queue
        assert rows["migrator image"][i] == f"`{env.contract.migration.image_for(env.api.image).reference}`"


# -- PostgreSQL ------------------------------------------------------------------------------------------------


def test_an_environment_without_postgres_is_refused_with_why():
    allowed = errors(STAGING, postgres=None)["postgres"]
    assert "DB_HOST" in allowed and "localhost:5433" in allowed


@pytest.mark.parametrize(
    "postgres,field,allowed",
    [
        (Postgres(host="db.example.com", sslmode="on"), "postgres.sslmode", "verify-full"),
        (Postgres(host="db.example.com", port=5433), "postgres.port", "network.database_port (5432)"),
        (Postgres(host="db example"), "postgres.host", "a DNS name or an IP address"),
        (Postgres(host="db.example.com", name="gorax db"), "postgres.name", "a PostgreSQL identifier"),
    ],
)
def test_a_bad_postgres_setting_is_one_clear_error(postgres, field, allowed):
    env = dataclasses.replace(STAGING, network=dataclasses.replace(STAGING.network, database_port=5432))
    assert allowed in errors(env, postgres=postgres)[field]


def test_the_binaries_get_the_db_variables_they_read(environment):
    """internal/config/config.go: DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME, DB_SSLMODE, not DATABASE_URL."""
    env = environment.env
    config = environment.get("ConfigMap", Naming.of(env).name("config"))["data"]
    assert (config["db-host"], config["db-name"], config["db-user"], config["db-sslmode"]) == (
        env.postgres.host,
        env.postgres.name,
        env.postgres.user,
        env.postgres.sslmode,
    )
    assert config["db-port"] == str(env.network.database_port)
    for name in ("api", "worker"):
        deployment = environment.get("Deployment", Naming.of(env).name(name))
        (container,) = [c for c in containers(deployment["spec"]["template"]) if c["name"] == name]
        variables = {e["name"]: e.get("valueFrom", {}) for e in container["env"]}
        assert {"DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_SSLMODE", "DB_PASSWORD"} <= variables.keys()
        assert variables["DB_PASSWORD"]["secretKeyRef"]["key"] == "database-password"
        assert "DATABASE_URL" not in variables
