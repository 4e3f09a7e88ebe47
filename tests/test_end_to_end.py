"""The main command's guarantees, run for real: a failed synth leaves dist/ byte-for-byte as it was,
and `cdk8s synth` does what `make synth` does."""

import filecmp

import pytest
import yaml

from gorax_constructs.pipeline.validation import YAML_LOADER

from .end_to_end import REPO, STDOUT_PREVIEW, tree


def test_broken_config_leaves_dist_untouched(end_to_end):
    run = end_to_end["broken-config"]
    code, _, stderr = run.result()
    assert code != 0
    assert "environment 'production': api.image.tag = 'latest' is not allowed" in stderr
    assert tree(run.project / "dist") == run.dist_before
    assert filecmp.dircmp(REPO / "dist", run.project / "dist").diff_files == []


def test_schema_invalid_output_leaves_dist_untouched(end_to_end):
    """A construct bug (an unknown field) is caught before anything reaches dist/."""
    run = end_to_end["invalid-output"]
    code, _, stderr = run.result()
    assert code != 0
    assert "production/ServiceAccount.prod-gorax.k8s.yaml: Kubernetes 1.27: (root): " in stderr
    assert "'automountToken' was unexpected" in stderr
    assert tree(run.project / "dist") == run.dist_before


def test_cdk8s_synth_updates_dist_like_make_synth(end_to_end):
    """`cdk8s synth` (the npm CLI reading cdk8s.yaml) runs the same app and promotes the same dist/."""
    if "cdk8s-cli" not in end_to_end:
        pytest.skip("cdk8s CLI not installed (node_modules)")
    run = end_to_end["cdk8s-cli"]
    code, _, stderr = run.result()
    assert code == 0, stderr
    assert tree(run.project / "dist") == tree(REPO / "dist")


def test_cdk8s_synth_stdout_prints_every_manifest_and_changes_nothing(end_to_end):
    """`cdk8s synth --stdout`: one valid YAML stream of every environment's manifests (a preview added
    to previews.yaml included), no kustomization files, and dist/ and docs/ untouched."""
    if "cdk8s-stdout" not in end_to_end:
        pytest.skip("cdk8s CLI not installed (node_modules)")
    run = end_to_end["cdk8s-stdout"]
    code, stdout, stderr = run.result()
    assert code == 0, stderr
    documents = [d for d in yaml.load_all(stdout, Loader=YAML_LOADER) if d is not None]
    committed = list((REPO / "dist").rglob("*.k8s.yaml"))
    preview = [d for d in documents if d["metadata"].get("labels", {}).get("environment") == STDOUT_PREVIEW]
    assert len(documents) - len(preview) == len(committed)
    assert any(d["kind"] == "Deployment" for d in preview)
    assert not [d for d in documents if d.get("kind") == "Kustomization"]
    assert tree(run.project / "dist") == run.dist_before
    assert (run.project / "docs" / "environments.md").read_bytes() == (REPO / "docs" / "environments.md").read_bytes()


def test_cdk8s_validation_plugins_cannot_change_dist(end_to_end):
    """The CLI runs validations: plugins after the app; the app refuses to promote when they are configured."""
    if "cdk8s-validations" not in end_to_end:
        pytest.skip("cdk8s CLI not installed (node_modules)")
    run = end_to_end["cdk8s-validations"]
    code, _, stderr = run.result()
    assert code != 0
    assert "cdk8s.yaml lists validations" in stderr
    assert tree(run.project / "dist") == run.dist_before


def test_cdk8s_yaml_output_is_the_staging_folder_main_promotes():
    config = yaml.safe_load((REPO / "cdk8s.yaml").read_text())
    assert config["output"] == "build/synth"
