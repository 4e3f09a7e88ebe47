"""Argo CD's own health code on what the synth emits: the vendored ``argocd-health/`` scripts (argo-cd v3.5.1)
and the HPA override (platform/argocd-cm.hpa-health.patch.yaml), run with a real Lua interpreter
(tests/argocd_lua.py), then the sync-wave model built on their results.
"""

from __future__ import annotations

import copy
import hashlib

import pytest
import yaml

from gorax_constructs.configuration.syncwaves import HOOK, SYNC_WAVE
from gorax_constructs.parts.argocd import group_kind
from gorax_constructs.pipeline.validation import YAML_LOADER

from .argocd_lua import HEALTH_DIR, HPA_PATCH, health_script, hpa_override, load, run_health
from .conftest import REPO
from .every_option import synthesize_every_option

SOURCES = HEALTH_DIR / "sources.yaml"


def sources():
    return yaml.safe_load(SOURCES.read_text())


def test_every_vendored_file_is_listed_once_with_its_upstream_url_and_release():
    listed = [entry["file"] for entry in sources()]
    on_disk = sorted(str(p.relative_to(HEALTH_DIR)) for p in HEALTH_DIR.rglob("*") if p.is_file() and p != SOURCES)
    assert sorted(listed) == on_disk
    for entry in sources():
        release = entry["release"].split()[-1]
        assert entry["url"].startswith(f"https://raw.githubusercontent.com/argoproj/argo-cd/{release}/"), entry["file"]


@pytest.mark.parametrize("entry", sources(), ids=lambda entry: entry["file"])
def test_vendored_file_matches_its_recorded_sha256(entry):
    digest = hashlib.sha256((HEALTH_DIR / entry["file"]).read_bytes()).hexdigest()
    assert digest == entry["sha256"], f"{entry['file']} differs from the upstream file recorded in sources.yaml"


# -- the interpreter reproduces upstream's own expectations -------------------------------------------------------

UPSTREAM_CASES = [
    (test_file.parent, case)
    for test_file in sorted(HEALTH_DIR.rglob("health_test.yaml"))
    for case in load(test_file)["tests"]
]


@pytest.mark.parametrize(
    "folder,case", UPSTREAM_CASES, ids=[f"{f.parent.name}/{f.name}:{c['inputPath']}" for f, c in UPSTREAM_CASES]
)
def test_upstream_health_cases_pass_under_this_interpreter(folder, case):
    health = run_health((folder / "health.lua").read_text(), load(folder / case["inputPath"]))
    expected = case["healthStatus"]
    assert (health.status, health.message) == (expected["status"], expected.get("message") or "")


# -- the HPA override -----------------------------------------------------------------------------------------------

HPA_TESTDATA = HEALTH_DIR / "autoscaling" / "HorizontalPodAutoscaler" / "testdata"
GITOPS_ENGINE_HPA = {"hpa-v2-healthy.yaml": "Healthy", "hpa-v2-degraded.yaml": "Degraded"}
GITOPS_ENGINE_HPA["hpa-v2-progressing.yaml"] = "Progressing"
"""gitops-engine/pkg/health/health_test.go ``TestHPA`` (argo-cd v3.5.1) for the autoscaling/v2 inputs."""


def hpa_with(*conditions):
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "api"},
        "status": {"conditions": [dict(zip(("type", "status", "reason"), c, strict=True)) for c in conditions]},
    }


ABLE = ("AbleToScale", "True", "ReadyForNewScale")
WITHIN_RANGE = ("ScalingLimited", "False", "DesiredWithinRange")


@pytest.mark.parametrize("name,expected", sorted(GITOPS_ENGINE_HPA.items()))
def test_the_override_agrees_with_gitops_engine_on_its_own_inputs(name, expected):
    assert run_health(hpa_override(), load(HPA_TESTDATA / name)).status == expected


@pytest.mark.parametrize(
    "conditions,expected",
    [
        ((), "Progressing"),
        ((("AbleToScale", "False", "FailedGetScale"), ("ScalingActive", "False", "FailedGetScale")), "Degraded"),
        ((("AbleToScale", "False", "FailedUpdateScale"),), "Degraded"),
        ((ABLE, ("ScalingActive", "False", "InvalidSelector")), "Degraded"),
        ((ABLE, ("ScalingActive", "False", "FailedGetResourceMetric"), WITHIN_RANGE), "Healthy"),
        ((ABLE, ("ScalingActive", "False", "FailedGetExternalMetric"), WITHIN_RANGE), "Healthy"),
        ((ABLE, ("ScalingActive", "False", "FailedComputeMetricsReplicas"), WITHIN_RANGE), "Healthy"),
        ((ABLE, ("ScalingActive", "True", "ValidMetricFound"), WITHIN_RANGE), "Healthy"),
        ((("ScalingActive", "True", "ValidMetricFound"),), "Progressing"),
    ],
)
def test_the_override_hides_missing_metrics_but_never_a_broken_scale_target(conditions, expected):
    hpa = hpa_with(*conditions)
    if not conditions:
        del hpa["status"]
    assert run_health(hpa_override(), hpa).status == expected


def test_the_override_is_a_merge_patch_outside_every_manifest_folder():
    patch = yaml.safe_load(HPA_PATCH.read_text())
    assert set(patch) == {"data"}  # no kind/name: it can never replace argocd-cm
    assert not HPA_PATCH.is_relative_to(REPO / "dist")


def test_every_dist_folder_holds_only_what_its_kustomization_lists():
    """``kubectl apply -f dist/<folder>/`` and ``-k`` apply the same objects, and nothing that is not one."""
    for kustomization in sorted((REPO / "dist").rglob("kustomization.yaml")):
        listed = set(yaml.safe_load(kustomization.read_text())["resources"])
        files = {p.name for p in kustomization.parent.iterdir() if p.is_file() and p != kustomization}
        assert files == listed, kustomization.parent
        for name in listed:
            for doc in yaml.load_all((kustomization.parent / name).read_text(), Loader=YAML_LOADER):
                assert doc["apiVersion"] and doc["kind"] and doc["metadata"]["name"], name


# -- the emitted custom kinds through the statuses their controllers write ------------------------------------------

NO_HEALTH_CHECK = {
    ("gateway.envoyproxy.io", "BackendTrafficPolicy"),
    ("keda.sh", "TriggerAuthentication"),
    ("monitoring.coreos.com", "PodMonitor"),
    ("monitoring.coreos.com", "PrometheusRule"),
    ("monitoring.coreos.com", "ServiceMonitor"),
    ("secrets-store.csi.x-k8s.io", "SecretProviderClass"),
    ("argoproj.io", "AppProject"),
    ("argoproj.io", "Application"),
}
"""Custom kinds with no health check in argo-cd v3.5.1 (no resource_customizations/<group>/<kind>/health.lua;
Application health was removed in 1.8): Argo CD treats them as healthy once applied."""
BUILT_IN = {"", "apps", "autoscaling", "batch", "networking.k8s.io"}
"""API groups whose health gitops-engine computes in Go (pkg/health), or that have none (ConfigMap, ...)."""


@pytest.fixture(scope="module")
def emitted(tmp_path_factory):
    """One object of each kind the synth emits in any option, keyed by (group, kind)."""
    outputs, argocd = synthesize_every_option(tmp_path_factory)
    objects = [o for output in outputs.values() for o in output.objects] + argocd
    return {group_kind(o): o for o in objects}


def test_every_custom_kind_emitted_has_its_health_check_vendored_or_has_none(emitted):
    for group, kind in emitted:
        if group in BUILT_IN:
            continue
        assert (health_script(group, kind) is not None) != ((group, kind) in NO_HEALTH_CHECK), (group, kind)


def lifecycle(group, kind):
    """(testdata file, status upstream expects) for each status upstream tests the kind's script with."""
    folder = HEALTH_DIR / group / kind
    return [(folder / c["inputPath"], c["healthStatus"]["status"]) for c in load(folder / "health_test.yaml")["tests"]]


def test_emitted_custom_resources_go_through_argo_cds_health_states(emitted):
    """Our objects, fresh (as applied: no status) and with each status upstream tests (progressing, failed,
    healthy), get the same health from Argo CD's script as upstream's inputs do: nothing in what we emit
    (a missing field, an unexpected shape) changes the outcome."""
    checked = []
    for (group, kind), ours in sorted(emitted.items()):
        script = health_script(group, kind) if group not in BUILT_IN else None
        if script is None:
            continue
        assert run_health(script, ours).status == "Progressing", f"{kind}: fresh"
        outcomes = set()
        for path, expected in lifecycle(group, kind):
            sample = load(path)
            live = copy.deepcopy(ours)
            live["status"] = sample.get("status")
            if "generation" in sample["metadata"]:
                live["metadata"]["generation"] = sample["metadata"]["generation"]
            assert run_health(script, live).status == expected, f"{kind} with {path.name}"
            outcomes.add(expected)
        assert {"Healthy", "Degraded"} <= outcomes, kind
        checked.append(kind)
    assert {"ExternalSecret", "SealedSecret", "ScaledObject", "HTTPRoute", "PodDisruptionBudget"} <= set(checked)


# -- the sync-wave model ----------------------------------------------------------------------------------------------

SETTLES = {
    ("external-secrets.io", "ExternalSecret"): "the External Secrets controller always writes Ready True or False",
    ("bitnami.com", "SealedSecret"): "the Sealed Secrets controller (--update-status, default true) writes Synced "
    "True or False on every unseal, also for a Secret it does not own (pkg/controller/controller.go)",
}
"""Health-checked kinds allowed before the Deployments' wave: each leaves Progressing once its controller acts."""


def wave(obj):
    return int(obj["metadata"].get("annotations", {}).get(SYNC_WAVE, "0"))


def settled(group, kind):
    """The health after the controller acted, for each outcome upstream tests (its non-Progressing inputs)."""
    script = health_script(group, kind)
    return {
        run_health(script, load(path)).status for path, expected in lifecycle(group, kind) if expected != "Progressing"
    }


def wave_problems(objects):
    """What gitops-engine (gitops-engine/pkg/sync/sync_context.go, argo-cd v3.5.1) would make of the waves.

    Every wave but the last is waited on until each of its objects is healthy (the last too when PruneLast
    prunes after it). A Degraded object fails the sync only once no task of the sync is running: a hook in
    its wave (the migration Job) runs until it ends, so the failure waits for the Job.
    """
    problems = []
    deployments = min(wave(o) for o in objects if o["kind"] == "Deployment")
    hook_waves = {wave(o) for o in objects if HOOK in o["metadata"].get("annotations", {})}
    for obj in objects:
        group, kind = group_kind(obj)
        if wave(obj) >= deployments or HOOK in obj["metadata"].get("annotations", {}):
            continue
        where = f"{kind}/{obj['metadata']['name']} in wave {wave(obj)}"
        script = health_script(group, kind) if group not in BUILT_IN else None
        if script is None and group not in BUILT_IN and (group, kind) not in NO_HEALTH_CHECK:
            problems.append(f"{where}: unknown health")
        if script is None:
            continue  # no health check: healthy once applied
        if (group, kind) not in SETTLES or settled(group, kind) - {"Healthy", "Degraded"}:
            problems.append(f"{where}: can stay Progressing")
        if "Degraded" in settled(group, kind) and wave(obj) in hook_waves:
            problems.append(f"{where}: Degraded waits for the hook in its wave")
    return problems


def test_no_early_object_can_hold_the_sync_or_hide_its_failure(tmp_path_factory):
    outputs, _ = synthesize_every_option(tmp_path_factory)
    for output in outputs.values():
        assert wave_problems(output.objects) == [], output.env.name


def test_the_wave_model_catches_a_sealed_secret_beside_the_migration(tmp_path_factory):
    outputs, _ = synthesize_every_option(tmp_path_factory)
    (output,) = [o for o in outputs.values() if o.of_kind("SealedSecret")]
    job = next(o for o in output.objects if HOOK in o["metadata"].get("annotations", {}))
    sealed = copy.deepcopy(output.of_kind("SealedSecret")[0])
    sealed["metadata"]["annotations"][SYNC_WAVE] = str(wave(job))
    others = [o for o in output.objects if o["kind"] != "SealedSecret"]
    name = sealed["metadata"]["name"]
    assert wave_problems([*others, sealed]) == [
        f"SealedSecret/{name} in wave {wave(job)}: Degraded waits for the hook in its wave"
    ]
