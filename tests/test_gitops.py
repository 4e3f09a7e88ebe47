"""GitOps wiring: Argo CD Applications, sync waves, and the generated kustomizations."""

import shutil

import pytest
import yaml

from gorax_constructs.configuration.syncwaves import SYNC_WAVE
from gorax_constructs.pipeline.kustomize import ARGOCD_FOLDER, KUSTOMIZATION
from gorax_constructs.pipeline.validation import YAML_LOADER, custom_resource_errors

from . import memo
from .conftest import CATALOG, REPO


@pytest.fixture(scope="session")
def applications(synth_root, synthesized):
    folder = synth_root / ARGOCD_FOLDER
    return {
        doc["metadata"]["labels"]["environment"]: doc
        for p in sorted(folder.glob("Application.*.k8s.yaml"))
        for doc in yaml.load_all(p.read_text(), Loader=YAML_LOADER)
    }


def test_one_application_per_permanent_environment(applications):
    assert sorted(applications) == sorted(env.name for env in CATALOG.permanent)


def test_applications_point_at_their_committed_dist_folder(applications):
    for env in CATALOG.permanent:
        spec = applications[env.name]["spec"]
        assert spec["source"]["path"] == f"dist/{env.name}"
        assert (REPO / spec["source"]["path"]).is_dir()
        assert spec["destination"]["namespace"] == env.namespace
        assert spec["source"]["repoURL"] == CATALOG.gitops.repo_url
        assert spec["source"]["targetRevision"] == CATALOG.gitops.target_revision


def test_sync_is_automated_with_pruning_and_server_side_apply(applications):
    for name, application in applications.items():
        policy = application["spec"]["syncPolicy"]
        assert policy["automated"]["prune"] is True
        assert "ServerSideApply=true" in policy["syncOptions"]
        assert policy["automated"]["selfHeal"] is (name != "production")


def test_applications_validate_against_the_argo_cd_crd(applications):
    errors = [e for app in applications.values() for e in custom_resource_errors(app)]
    assert errors == []


def wave(obj):
    return int(obj["metadata"].get("annotations", {}).get(SYNC_WAVE, "0"))


def test_namespace_and_configuration_sync_before_hooks_and_workloads(environment):
    objects = environment.objects
    namespace = environment.get("Namespace", environment.env.namespace)
    later = [o for o in objects if o["kind"] not in ("Namespace",)]
    assert all(wave(namespace) < wave(o) for o in later)
    config = [o for o in objects if o["kind"] in ("ConfigMap", "ServiceAccount", "ExternalSecret", "NetworkPolicy")]
    assert config
    rest = [o for o in objects if o["kind"] in ("Deployment", "Job", "HorizontalPodAutoscaler", "Service")]
    assert all(wave(c) < wave(r) for c in config for r in rest)


def test_migration_hook_runs_after_the_configuration_and_before_the_workloads(environment):
    """Waves order a hook only within its phase: the Job must be a Sync hook for its wave to count."""
    (job,) = environment.of_kind("Job")
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "Sync"
    needs = [o for o in environment.objects if o["kind"] in ("Namespace", "ServiceAccount", "ExternalSecret")]
    workloads = environment.of_kind("Deployment") + environment.of_kind("HorizontalPodAutoscaler")
    assert all(wave(n) < wave(job) for n in needs)
    assert all(wave(job) < wave(w) for w in workloads)


def test_every_folder_has_a_kustomization_listing_its_manifests(synth_root, synthesized):
    for folder in CATALOG.output_folders():
        path = synth_root / folder
        listed = yaml.safe_load((path / KUSTOMIZATION).read_text())["resources"]
        assert listed == sorted(p.name for p in path.glob("*.k8s.yaml"))


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not on PATH (apt-get install kubernetes-client)")
def test_kubectl_kustomize_renders_the_committed_folders():
    """`kubectl diff -k dist/<folder>` keeps working: kustomize accepts every committed folder."""
    for folder in CATALOG.output_folders():
        path = REPO / "dist" / folder
        result = memo.run_tool(["kubectl", "kustomize", str(path)], reads=sorted(path.iterdir()))
        assert result.returncode == 0, f"{folder}: {result.stderr}"
        rendered = [d for d in yaml.load_all(result.stdout, Loader=YAML_LOADER) if d]
        assert len(rendered) == len(yaml.safe_load((REPO / "dist" / folder / KUSTOMIZATION).read_text())["resources"])
