"""Policies over every environment's workloads: one test per defect of the old setup we refuse to ship."""

from dataclasses import replace

import pytest
import yaml

from gorax_constructs.configuration.naming import Naming
from gorax_constructs.configuration.secrets import KEYS, ExternalSecrets
from gorax_constructs.parts.appconfig import settings_for
from gorax_constructs.parts.pods import config_checksum, container_env, image_pull_policy
from gorax_constructs.pipeline.policies import selector_matches
from gorax_constructs.pipeline.validation import YAML_LOADER

from .conftest import REPO, own_objects
from .fixture_catalog import DEV as DEVELOPMENT
from .fixture_catalog import PRODUCTION
from .k8s_objects import pod_templates


def containers(environment):
    """The containers of the project's own workloads (an extension's pods need only pass the synth's policies)."""
    return [c for _, t in pod_templates(own_objects(environment)) for c in t["spec"]["containers"]]


def label(obj):
    return f"{obj['kind']}/{obj['metadata']['name']}"


def scalers(environment):
    """``{Deployment name: (min, max, behavior, scaler)}`` from our HPAs and from KEDA ScaledObjects
    (KEDA creates the HPA from the ScaledObject's range and behaviour)."""
    found = {}
    for hpa in environment.of_kind("HorizontalPodAutoscaler"):
        spec = hpa["spec"]
        found[spec["scaleTargetRef"]["name"]] = (spec["minReplicas"], spec["maxReplicas"], spec["behavior"], hpa)
    for scaled in environment.of_kind("ScaledObject"):
        spec = scaled["spec"]
        behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
        target = spec["scaleTargetRef"]["name"]
        assert target not in found, f"{target} has both an HPA and a ScaledObject"
        found[target] = (spec["minReplicaCount"], spec["maxReplicaCount"], behavior, scaled)
    return found


def test_pod_templates_pass_pod_security_restricted(environment):
    """The old manifests lacked seccompProfile, so a namespace enforcing restricted rejected them."""
    templates = list(pod_templates(own_objects(environment)))
    assert {o["kind"] for o, _ in templates} == {"Deployment", "Job"}
    for obj, template in templates:
        spec = template["spec"]
        pod = spec.get("securityContext", {})
        assert spec["automountServiceAccountToken"] is False, label(obj)
        assert not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC"), label(obj)
        assert all("hostPath" not in v for v in spec.get("volumes", [])), label(obj)
        for container in spec["containers"] + spec.get("initContainers", []):
            sc = container["securityContext"]
            where = f"{label(obj)} container {container['name']}"
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["capabilities"]["drop"] == ["ALL"] and not sc["capabilities"].get("add"), where
            assert sc.get("runAsNonRoot", pod.get("runAsNonRoot")) is True, where
            uid = sc.get("runAsUser", pod.get("runAsUser"))
            assert isinstance(uid, int) and uid > 0, where
            seccomp = sc.get("seccompProfile", pod.get("seccompProfile", {}))
            assert seccomp.get("type") in ("RuntimeDefault", "Localhost"), where
            assert sc["readOnlyRootFilesystem"] is True, where
            assert not sc.get("privileged"), where


def test_read_only_root_has_writable_scratch(environment):
    for obj, template in list(pod_templates(own_objects(environment))):
        volumes = {v["name"]: v for v in template["spec"]["volumes"]}
        for container in template["spec"]["containers"]:
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert "/tmp" in mounts, label(obj)
            assert "emptyDir" in volumes[mounts["/tmp"]], label(obj)
            if obj["kind"] == "Deployment":
                assert "emptyDir" in volumes[mounts["/app/cache"]], label(obj)


def test_no_replicas_on_hpa_targets(environment):
    """A fixed spec.replicas fights the autoscaler on every GitOps sync."""
    scaled = scalers(environment)
    assert len(scaled) == 2
    for name in scaled:
        deployment = environment.get("Deployment", name)
        assert "replicas" not in deployment["spec"], label(deployment)


def _signals(scaler):
    """``{signal: target}`` of an HPA's metrics or a ScaledObject's triggers."""
    if scaler["kind"] == "ScaledObject":
        queue_target = {"prometheus": "threshold", "aws-sqs-queue": "queueLength"}
        return {
            t["type"]: t["metadata"][queue_target[t["type"]]]
            if t["type"] in queue_target
            else int(t["metadata"]["value"])
            for t in scaler["spec"]["triggers"]
        }
    signals = {}
    for metric in scaler["spec"]["metrics"]:
        if metric["type"] == "Resource":
            signals[metric["resource"]["name"]] = metric["resource"]["target"]["averageUtilization"]
        else:
            signals[metric["external"]["metric"]["name"]] = metric["external"]["target"]["averageValue"]
    return signals


def test_every_deployment_is_autoscaled_with_the_configured_range(environment):
    naming = Naming.of(environment.env)
    scaled = scalers(environment)
    for component in ("api", "worker"):
        scaling = getattr(environment.env, component).autoscaling
        low, high, behavior, scaler = scaled[naming.name(component)]
        assert (low, high) == (scaling.min_replicas, scaling.max_replicas)
        expected = {"cpu": scaling.cpu_utilization, "memory": scaling.memory_utilization}
        queue = scaling.queue_depth
        if queue is not None:
            signal = {"keda": "prometheus", "keda-aws-sqs": "aws-sqs-queue"}.get(queue.implementation)
            expected[signal or "gorax_queue_depth"] = str(queue.target_per_worker)
        assert _signals(scaler) == expected
        assert scaler["kind"] == (
            "ScaledObject" if queue and queue.implementation != "prometheus-adapter" else "HorizontalPodAutoscaler"
        )
        assert {"scaleUp", "scaleDown"} <= behavior.keys()


def test_each_pdb_allows_a_disruption_at_min_replicas(environment):
    """The old development PDB (minAvailable 1, one replica) blocked every node drain."""
    pdbs = environment.of_kind("PodDisruptionBudget")
    configured = [c for c in (environment.env.api, environment.env.worker) if c.disruption_budget is not None]
    assert len(pdbs) == len(configured)
    for pdb in pdbs:
        selector = pdb["spec"]["selector"]
        targets = [
            o
            for o in environment.of_kind("Deployment")
            if selector_matches(selector, o["spec"]["template"]["metadata"]["labels"])
        ]
        assert len(targets) == 1, label(pdb)
        replicas = scalers(environment)[targets[0]["metadata"]["name"]][0]
        spec = pdb["spec"]
        allowed = replicas - spec["minAvailable"] if "minAvailable" in spec else min(spec["maxUnavailable"], replicas)
        assert allowed >= 1, f"{label(pdb)} allows {allowed} disruptions at {replicas} replicas"


def test_every_config_map_key_is_consumed(environment):
    """A ConfigMap key no container reads is dead configuration (dashboards are read by Grafana's sidecar)."""
    consumed = {
        (ref["name"], ref["key"])
        for c in containers(environment)
        for e in c.get("env", [])
        if (ref := e.get("valueFrom", {}).get("configMapKeyRef"))
    }
    app_config_maps = [
        c for c in environment.of_kind("ConfigMap") if "grafana_dashboard" not in c["metadata"]["labels"]
    ]
    assert app_config_maps
    for config_map in app_config_maps:
        name = config_map["metadata"]["name"]
        unread = sorted(k for k in config_map["data"] if (name, k) not in consumed)
        assert unread == [], f"{name}: keys no container reads: {unread}"
    provided = {(c["metadata"]["name"], k) for c in environment.of_kind("ConfigMap") for k in c["data"]}
    assert consumed <= provided


def test_every_setting_reaches_the_variable_the_app_reads(environment):
    by_variable = {}
    for container in containers(environment):
        for e in container["env"]:
            if ref := e.get("valueFrom", {}).get("configMapKeyRef"):
                by_variable.setdefault(ref["key"], set()).add(e["name"])
    for setting in settings_for(environment.env):
        assert by_variable[setting.key] == {setting.variable}


def provided_secret_keys(environment):
    """{(secret name, key)} the environment's secret source provides."""
    naming = Naming.of(environment.env)
    if isinstance(environment.env.secrets, ExternalSecrets):
        return {
            (es["spec"]["target"]["name"], d["secretKey"])
            for es in environment.of_kind("ExternalSecret")
            for d in es["spec"]["data"]
        }
    # existing: the out-of-band Secret documented in docs/secrets-and-identity.md
    return {(naming.name("secrets"), key) for key in KEYS}


def test_every_secret_key_ref_resolves(environment):
    provided = provided_secret_keys(environment)
    refs = [
        (c["name"], (ref["name"], ref["key"]))
        for c in containers(environment)
        for e in c["env"]
        if (ref := e.get("valueFrom", {}).get("secretKeyRef"))
    ]
    assert refs
    unresolved = [(name, ref) for name, ref in refs if ref not in provided]
    assert unresolved == []


def test_external_secrets_only_where_configured(environment):
    externals = environment.of_kind("ExternalSecret")
    source = environment.env.secrets
    if isinstance(source, ExternalSecrets):
        (es,) = externals
        assert es["spec"]["secretStoreRef"] == {"name": source.store_name, "kind": source.store_kind}
        keys = [d["remoteRef"]["key"] for d in es["spec"]["data"]]
        assert keys == [f"{source.remote_key_prefix}/{k}" for k in KEYS]
    else:
        assert externals == []


def test_no_secret_objects_in_dist():
    """The old setup rendered placeholder Secrets that a sync wrote over the real ones."""
    for path in sorted((REPO / "dist").rglob("*.yaml")):
        for doc in yaml.load_all(path.read_text(), Loader=YAML_LOADER):
            assert doc.get("kind") != "Secret", path


def test_service_selectors_match_exactly_one_workload(environment):
    services = environment.of_kind("Service")
    assert services
    for service in services:
        selector = service["spec"]["selector"]
        matched = [
            label(o)
            for o, t in pod_templates(environment.objects)
            if selector_matches({"matchLabels": selector}, t["metadata"]["labels"])
        ]
        assert len(matched) == 1, f"{label(service)} selects {matched}"


def test_api_service_contract(environment):
    naming = Naming.of(environment.env)
    service = environment.get("Service", naming.name("api"))
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]
    assert service["spec"]["selector"] == naming.selector("api")
    assert service["metadata"]["labels"] == naming.component_labels("api")
    api = environment.get("Deployment", naming.name("api"))
    (container,) = api["spec"]["template"]["spec"]["containers"]
    assert container["name"] == "api"
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert api["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}


def test_pod_templates_carry_their_components_selector(environment):
    naming = Naming.of(environment.env)
    by_name = {o["metadata"]["name"]: t for o, t in list(pod_templates(environment.objects))}
    for name, component in (("api", "api"), ("worker", "worker"), ("migrate", "migration")):
        labels = by_name[naming.name(name)]["metadata"]["labels"]
        assert naming.selector(component).items() <= labels.items()


def test_downward_api_variables_come_first(environment):
    """A later $(POD_NAME) reference only expands if POD_NAME is defined earlier."""
    for container in containers(environment):
        assert [e["name"] for e in container["env"][:2]] == ["POD_NAME", "POD_NAMESPACE"]


def test_worker_contract(environment):
    naming = Naming.of(environment.env)
    worker = environment.get("Deployment", naming.name("worker"))
    spec = worker["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["name"] == "worker"
    port = environment.env.contract.worker.port
    assert container["ports"][0] == {"name": "health", "containerPort": port, "protocol": "TCP"}
    assert container["livenessProbe"]["httpGet"]["port"] in ("health", port)
    names = {e["name"] for e in container["env"]}
    assert {"WORKER_CONCURRENCY", "WORKFLOW_TIMEOUT", "MAX_WORKFLOW_EXECUTION_TIME", "NODE_NAME"} <= names
    assert spec["terminationGracePeriodSeconds"] >= environment.env.workflow_timeout_seconds
    (term,) = spec["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    # scoped to this environment's workers, not every pod labelled component=worker in the cluster
    assert term["podAffinityTerm"]["labelSelector"] == {"matchLabels": naming.selector("worker")}


def test_zone_spread_where_configured(environment):
    naming = Naming.of(environment.env)
    for component in ("api", "worker"):
        spec = environment.get("Deployment", naming.name(component))["spec"]["template"]["spec"]
        constraints = spec.get("topologySpreadConstraints", [])
        zone = [c for c in constraints if c["topologyKey"] == "topology.kubernetes.io/zone"]
        if environment.env.zone_spread:
            assert zone and zone[0]["labelSelector"] == {"matchLabels": naming.selector(component)}
        else:
            assert zone == []


def test_the_fixture_spreads_production_across_zones():
    assert PRODUCTION.zone_spread, "the zone-spread invariant above needs an environment that spreads"


def test_migration_job_is_a_sync_hook_with_a_stable_name(environment):
    naming = Naming.of(environment.env)
    job = environment.get("Job", naming.name("migrate"))
    annotations = job["metadata"]["annotations"]
    # Sync, not PreSync: a PreSync hook would run before the Namespace and Secret it needs exist.
    assert annotations["argocd.argoproj.io/hook"] == "Sync"
    assert annotations["argocd.argoproj.io/hook-delete-policy"] == "BeforeHookCreation"
    spec = job["spec"]
    assert {"backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished"} <= spec.keys()
    (container,) = spec["template"]["spec"]["containers"]
    api = environment.get("Deployment", naming.name("api"))["spec"]["template"]["spec"]["containers"][0]
    migrator = environment.env.contract.migration
    assert container["image"] == migrator.image_for(environment.env.api.image).reference
    assert container["command"] == list(migrator.command)
    assert container["securityContext"] == api["securityContext"]


def test_config_checksum_follows_consumed_settings_only():
    """The old merged ConfigMap never rolled pods; here a consumed setting's change changes the annotation."""
    env_entries = container_env(
        [{"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "log-level"}}}]
    )
    before = config_checksum(env_entries, {"log-level": "info", "cors-max-age": "60"})
    assert config_checksum(env_entries, {"log-level": "debug", "cors-max-age": "60"}) != before
    assert config_checksum(env_entries, {"log-level": "info", "cors-max-age": "99"}) == before


def test_pod_templates_carry_the_config_checksum(environment):
    for obj in environment.of_kind("Deployment"):
        annotations = obj["spec"]["template"]["metadata"]["annotations"]
        assert len(annotations["checksum/config"]) == 64, label(obj)


def test_extra_env_comes_last():
    extra = [{"name": "OTEL_SERVICE_NAME", "value": "gorax-api"}]
    env = container_env([{"name": "A", "value": "1"}], extra_env=extra)
    assert [e["name"] for e in env] == ["POD_NAME", "POD_NAMESPACE", "A", "OTEL_SERVICE_NAME"]


@pytest.mark.parametrize(
    "env,component,policy",
    [
        (DEVELOPMENT, "api", "Always"),
        (PRODUCTION, "api", "IfNotPresent"),
        (replace(PRODUCTION.api.image, tag="", digest="sha256:" + "0" * 64), None, "IfNotPresent"),
        (replace(PRODUCTION.api.image, tag="3f9c2e1", digest=""), None, "IfNotPresent"),
        (replace(PRODUCTION.api.image, tag="sha-3f9c2e1", digest=""), None, "IfNotPresent"),
        (replace(PRODUCTION.api.image, tag="main", digest=""), None, "Always"),
    ],
)
def test_image_pull_policy_is_always_only_for_mutable_tags(env, component, policy):
    image = getattr(env, component).image if component else env
    assert image_pull_policy(image) == policy


def test_every_pdb_lets_a_drain_evict_unhealthy_pods(environment):
    """With the default IfHealthyBudget, a crash-looping pod counts against the budget and a node drain waits on
    it forever; AlwaysAllow evicts pods that are not Ready whatever the budget (Kubernetes 1.27+, GA in 1.31)."""
    for pdb in environment.of_kind("PodDisruptionBudget"):
        assert pdb["spec"].get("unhealthyPodEvictionPolicy") == "AlwaysAllow", label(pdb)
