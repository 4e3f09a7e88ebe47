"""The main command's guarantees, run for real: a failed synth leaves dist/ byte-for-byte as it was,
and `cdk8s synth` does what `make synth` does."""

import filecmp
import os
import re

import pytest
import yaml

from gorax_constructs.configuration.secrets import ExternalSecrets
from gorax_constructs.environments import ENVIRONMENTS
from gorax_constructs.pipeline.validation import YAML_LOADER

from .end_to_end import BAD_TAG, BROKEN_IMAGES, REPO, STDOUT_PREVIEW, tree

SUMMARY = "gorax: dist/ updated ("


@pytest.mark.scenario
def test_broken_config_leaves_dist_untouched(end_to_end):
    run = end_to_end["broken-config"]
    code, _, stderr = run.result()
    assert code != 0
    # Named where it is wrong: images.yaml and the line, not the environment built from it.
    where = rf"images\.yaml, line \d+, environment '{BROKEN_IMAGES.name}', api"
    assert re.search(rf"{where}: tag = '{re.escape(BAD_TAG)}' is not allowed", stderr), stderr
    assert tree(run.project / "dist") == run.dist_before
    assert filecmp.dircmp(REPO / "dist", run.project / "dist").diff_files == []


@pytest.mark.scenario
def test_schema_invalid_output_leaves_dist_untouched(end_to_end):
    """A construct bug (an unknown field) is caught before anything reaches dist/."""
    run = end_to_end["invalid-output"]
    code, _, stderr = run.result()
    assert code != 0
    assert re.search(
        r"^\S+/ServiceAccount\.\S+\.k8s\.yaml: Kubernetes 1\.27: \(root\): .*'automountToken'", stderr, re.M
    )
    if any(isinstance(env.secrets, ExternalSecrets) for env in ENVIRONMENTS):
        assert re.search(r"^\S+/ExternalSecret\.\S+\.k8s\.yaml: CRD schema: spec: .*'refreshEvery'", stderr, re.M)
    assert tree(run.project / "dist") == run.dist_before


@pytest.mark.scenario
def test_cdk8s_synth_updates_dist_like_make_synth(end_to_end):
    """`cdk8s synth` (the npm CLI reading cdk8s.yaml) runs the same app and promotes the same dist/."""
    run = end_to_end["cdk8s-cli"]
    code, stdout, stderr = run.result()
    assert code == 0, stderr
    assert tree(run.project / "dist") == tree(REPO / "dist")
    # No upgrade-check stack trace, no jsii banner as Python byte strings: only the app's summary line.
    # The CLI then lists the files of its output folder, a link to the staging folder (main.py).
    (line,) = stderr.splitlines()
    assert line.startswith(SUMMARY)
    listed = stdout.splitlines()
    assert listed[0] == "Synthesizing application"
    staged = sorted(f"  - build/cdk8s-synth/{path}" for path in tree(run.project / "build" / "synth"))
    assert sorted(listed[1:]) == staged


@pytest.mark.scenario
def test_cdk8s_synth_stdout_prints_every_manifest_and_changes_nothing(end_to_end):
    """`cdk8s synth --stdout`: one valid YAML stream of every environment's manifests (a preview added
    to previews.yaml included), no kustomization files, and dist/ and docs/ untouched."""
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


@pytest.mark.scenario
def test_cdk8s_validation_plugins_cannot_change_dist(end_to_end):
    """The CLI runs validations: plugins after the app; the app refuses to promote when they are configured."""
    run = end_to_end["cdk8s-validations"]
    code, _, stderr = run.result()
    assert code != 0
    assert "cdk8s.yaml lists validations" in stderr
    assert tree(run.project / "dist") == run.dist_before


@pytest.mark.scenario
def test_two_synths_at_once_wait_for_each_other(end_to_end):
    """Both were started while this session held the synth lock: each says it waits and names the holder;
    released, they run one after the other, and both succeed with the right dist/ (without the lock,
    8 of 8 tries failed: each deleted the other's staged files)."""
    runs = [end_to_end["concurrent-1"], end_to_end["concurrent-2"]]
    waiting = [run.process.stderr.readline() for run in runs]
    runs[0].held.release()
    expected = f"gorax: waiting for another synth in this checkout to finish (pid {os.getpid()}, build/synth.lock)\n"
    assert waiting == [expected, expected]
    for run in runs:
        code, stdout, stderr = run.result()
        assert (code, stderr) == (0, ""), "the rest of stderr after the waiting line must be empty"
        (line,) = stdout.splitlines()
        assert line.startswith(SUMMARY)
    project = runs[0].project
    assert tree(project / "dist") == tree(REPO / "dist")
    assert (project / "docs" / "environments.md").read_bytes() == (REPO / "docs" / "environments.md").read_bytes()
    assert (project / "build" / "synth.lock").read_text() == "", "the last holder cleared its pid"
