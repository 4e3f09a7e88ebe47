"""What each of the guide's other options emits: Sealed Secrets, workload identity (and the egress it
needs, only when on), Secrets Store CSI, queue-depth scaling through Prometheus Adapter or KEDA."""

import ipaddress

import pytest
import yaml

from gorax_constructs.configuration.naming import API, WORKER, Naming
from gorax_constructs.configuration.network import MIGRATION
from gorax_constructs.configuration.secrets import KEYS, CsiSecretStore, SealedSecrets
from gorax_constructs.configuration.syncwaves import SYNC_WAVE
from gorax_constructs.parts.secrets import CSI_DRIVER
from gorax_constructs.pipeline.policies import selector_matches

from .fixture_catalog import AWS, AZURE, GCP, OPTION_ENVIRONMENTS, SEALED

COMPONENTS = (API.name, WORKER.name, MIGRATION)
STS = "52.94.0.10/32"  # an address in AWS's public ranges, where sts.<region>.amazonaws.com resolves
ENTRA = "20.190.128.10/32"  # an address where login.microsoftonline.com resolves
GKE_METADATA = (("169.254.169.254/32", 80), ("169.254.169.252/32", 988))


def pod_template(output, component):
    naming = Naming.of(output.env)
    if component == MIGRATION:
        return output.get("Job", naming.name("migrate"))["spec"]["template"]
    return output.get("Deployment", naming.name(component))["spec"]["template"]


def allowed(output, component, address, port, protocol="TCP"):
    """Whether the output's NetworkPolicies let ``component``'s pods open ``protocol`` ``port`` to ``address``."""
    labels = pod_template(output, component)["metadata"]["labels"]
    target = ipaddress.ip_network(address)
    for policy in output.of_kind("NetworkPolicy"):
        if "Egress" not in policy["spec"]["policyTypes"] or not selector_matches(policy["spec"]["podSelector"], labels):
            continue
        for rule in policy["spec"].get("egress", []):
            ports = [p for p in rule.get("ports", []) if p.get("protocol", "TCP") == protocol]
            if rule.get("ports") and not any(p["port"] == port for p in ports):
                continue
            for peer in rule.get("to", []):
                block = peer.get("ipBlock")
                if (
                    block
                    and target.subnet_of(ipaddress.ip_network(block["cidr"]))
                    and not any(target.subnet_of(ipaddress.ip_network(e)) for e in block.get("except", []))
                ):
                    return True
    return False


@pytest.fixture(params=[env.name for env in OPTION_ENVIRONMENTS])
def option(request, options_synthesized):
    return options_synthesized[request.param]


# Sealed Secrets --------------------------------------------------------------------------------------------------


def test_sealed_secret_unseals_to_the_pods_secret(options_synthesized):
    output = options_synthesized[SEALED.name]
    naming = Naming.of(SEALED)
    (sealed,) = output.of_kind("SealedSecret")
    assert sealed["metadata"]["name"] == naming.name("secrets")
    assert sealed["spec"]["encryptedData"] == SEALED.secrets.encrypted_data()
    assert list(sealed["spec"]["encryptedData"]) == list(KEYS)
    template = sealed["spec"]["template"]
    assert template["metadata"] == naming.metadata(naming.name("secrets"))
    assert template["type"] == "Opaque"
    refs = {
        e["valueFrom"]["secretKeyRef"]["name"]
        for e in pod_template(output, API.name)["spec"]["containers"][0]["env"]
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    assert refs == {sealed["metadata"]["name"]}


def test_sealed_secret_syncs_before_the_migration_hook_and_the_workloads(options_synthesized):
    """Before the hook, not beside it: tests/test_argocd_health.py (the wave model)."""
    output = options_synthesized[SEALED.name]
    (sealed,) = output.of_kind("SealedSecret")
    (job,) = output.of_kind("Job")
    wave = lambda o: int(o["metadata"].get("annotations", {}).get(SYNC_WAVE, "0"))  # noqa: E731
    assert wave(sealed) < wave(job) == -1
    assert all(wave(d) > wave(sealed) for d in output.of_kind("Deployment"))


def test_only_sealed_environments_emit_sealed_secrets(environment):
    sealed = environment.of_kind("SealedSecret")
    assert len(sealed) == (1 if isinstance(environment.env.secrets, SealedSecrets) else 0)


# Workload identity -----------------------------------------------------------------------------------------------


def test_service_account_carries_the_identity(environment):
    (account,) = environment.of_kind("ServiceAccount")
    identity = environment.env.identity
    annotations = {k: v for k, v in account["metadata"].get("annotations", {}).items() if k != SYNC_WAVE}
    assert annotations == ({} if identity is None else identity.annotations)
    for component in COMPONENTS:
        labels = pod_template(environment, component)["metadata"]["labels"]
        expected = "true" if identity is not None and identity.provider == "azure" else None
        assert labels.get("azure.workload.identity/use") == expected, component


# Identity egress with and without cloud_apis: tests/test_cloud_egress.py.


@pytest.mark.parametrize("component", [API.name, MIGRATION])
def test_without_identity_nothing_is_opened(synthesized, options_synthesized, component):
    """The identity egress exists only when the setting is on: API and migration pods reach no public HTTPS
    and no metadata server otherwise."""
    outputs = [*synthesized.values(), *options_synthesized.values()]
    without = [output for output in outputs if output.env.identity is None]
    assert len(without) > len(synthesized) - 1, "the catalog and at least one option environment have no identity"
    for environment in without:
        _nothing_opened(environment, component)


def _nothing_opened(environment, component):
    assert not allowed(environment, component, STS, 443)
    for address, port in GKE_METADATA:
        assert not allowed(environment, component, address, port)
    names = [p["metadata"]["name"] for p in environment.of_kind("NetworkPolicy")]
    assert Naming.of(environment.env).name("workload-identity") not in names


def test_identity_egress_follows_the_identity(option):
    identity = option.env.identity
    policies = [p for p in option.of_kind("NetworkPolicy") if p["metadata"]["name"].endswith("-workload-identity")]
    if identity is None or not identity.egress:
        assert policies == []
        return
    (policy,) = policies
    rules = policy["spec"]["egress"]
    assert [r["ports"] for r in rules] == [[{"protocol": "TCP", "port": e.port}] for e in identity.egress]
    for rule, egress in zip(rules, identity.egress, strict=True):
        assert rule["to"] == [{"ipBlock": {"cidr": egress.cidr}}]


# Secrets Store CSI -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("env", [AWS, GCP, AZURE], ids=lambda e: e.name)
def test_csi_volume_is_mounted_read_only_by_every_pod(options_synthesized, env):
    output = options_synthesized[env.name]
    naming = Naming.of(env)
    (provider_class,) = output.of_kind("SecretProviderClass")
    assert provider_class["metadata"]["name"] == naming.name("secrets")
    for component in COMPONENTS:
        spec = pod_template(output, component)["spec"]
        csi = [v for v in spec["volumes"] if "csi" in v]
        assert [v["csi"] for v in csi] == [
            {
                "driver": CSI_DRIVER,
                "readOnly": True,
                "volumeAttributes": {"secretProviderClass": provider_class["metadata"]["name"]},
            }
        ], component
        (container,) = spec["containers"]
        mounts = [m for m in container["volumeMounts"] if m["name"] == csi[0]["name"]]
        assert len(mounts) == 1 and mounts[0]["readOnly"] is True, component


@pytest.mark.parametrize("env", [AWS, GCP, AZURE], ids=lambda e: e.name)
def test_secret_provider_class_syncs_every_key_from_its_remote_object(options_synthesized, env):
    output = options_synthesized[env.name]
    (provider_class,) = output.of_kind("SecretProviderClass")
    spec = provider_class["spec"]
    assert spec["provider"] == env.secrets.provider
    (synced,) = spec["secretObjects"]
    assert synced["secretName"] == Naming.of(env).name("secrets")
    assert [(d["objectName"], d["key"]) for d in synced["data"]] == [(k, k) for k in KEYS]
    # Each remote object is written to a file named after its key, which secretObjects reads.
    parameters = spec["parameters"]
    if env.secrets.provider == "aws":
        files = {o["objectAlias"]: o["objectName"] for o in yaml.safe_load(parameters["objects"])}
    elif env.secrets.provider == "gcp":
        files = {o["path"]: o["resourceName"] for o in yaml.safe_load(parameters["secrets"])}
    else:
        documents = [yaml.safe_load(d) for d in yaml.safe_load(parameters["objects"])["array"]]
        files = {o["objectAlias"]: o["objectName"] for o in documents}
        assert parameters["clientID"] == env.identity.client_id
        assert parameters["tenantId"] == env.identity.tenant_id
        assert parameters["keyvaultName"] == env.secrets.keyvault_name
    assert files == env.secrets.remote


def test_only_csi_environments_mount_csi_volumes(environment):
    csi = isinstance(environment.env.secrets, CsiSecretStore)
    for component in COMPONENTS:
        volumes = pod_template(environment, component)["spec"]["volumes"]
        assert any("csi" in v for v in volumes) is csi


# Queue-depth scaling ---------------------------------------------------------------------------------------------


def test_keda_owns_the_worker_hpa(options_synthesized):
    for env in (SEALED, AZURE):
        output = options_synthesized[env.name]
        naming = Naming.of(env)
        hpas = [h["metadata"]["name"] for h in output.of_kind("HorizontalPodAutoscaler")]
        assert hpas == [naming.name("api", "hpa")]  # the worker's HPA is KEDA's
        (scaled,) = output.of_kind("ScaledObject")
        assert scaled["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["name"] == naming.name("worker", "hpa")
        assert scaled["spec"]["scaleTargetRef"]["name"] == naming.name("worker")
        assert scaled["metadata"]["annotations"]["scaledobject.keda.sh/transfer-hpa-ownership"] == "true"
        (trigger,) = [t for t in scaled["spec"]["triggers"] if t["type"] == "prometheus"]
        assert trigger["metadata"]["query"] == f'max(gorax_queue_depth{{namespace="{env.namespace}",queue="default"}})'
        assert trigger["metadata"]["threshold"] == str(env.worker.autoscaling.queue_depth.target_per_worker)
        # The availability alerts read the Deployment KEDA scales; the PDB follows the configured minimum.
        (rule,) = [
            r
            for g in output.of_kind("PrometheusRule")[0]["spec"]["groups"]
            for r in g["rules"]
            if r.get("alert") == "WorkerPodsUnavailable"
        ]
        assert (
            f'kube_deployment_spec_replicas{{namespace="{env.namespace}",deployment="{naming.name("worker")}"}}'
            in (rule["expr"])
        )
        pdb = output.get("PodDisruptionBudget", naming.name("worker", "pdb"))
        assert pdb["spec"]["maxUnavailable"] >= 1


def test_prometheus_adapter_mode_adds_an_external_metric(options_synthesized):
    output = options_synthesized[AWS.name]
    hpa = output.get("HorizontalPodAutoscaler", Naming.of(AWS).name("worker", "hpa"))
    (external,) = [m["external"] for m in hpa["spec"]["metrics"] if m["type"] == "External"]
    assert external == {
        "metric": {"name": "gorax_queue_depth", "selector": {"matchLabels": {"queue": "default"}}},
        "target": {"type": "AverageValue", "averageValue": "10"},
    }
    assert output.of_kind("ScaledObject") == []
