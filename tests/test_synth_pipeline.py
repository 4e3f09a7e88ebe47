"""The synth pipeline in process: deterministic output, committed dist/ is current, promotion
refuses a malformed staging folder, schema errors name the file (tests/test_end_to_end.py runs
the commands themselves)."""

import os
import shutil

import cdk8s
import pytest
import yaml

from gorax_constructs.parts.chart import EnvironmentChart
from gorax_constructs.parts.manifest import ManifestChart
from gorax_constructs.pipeline.kustomize import KUSTOMIZATION
from gorax_constructs.pipeline.promote import PromotionError, promote
from gorax_constructs.pipeline.synth import OutputTree, chart_problems
from gorax_constructs.pipeline.validation import YAML_LOADER

from .conftest import CATALOG, REPO, folder_app, synthesize
from .end_to_end import tree


def test_two_synths_are_byte_identical(synth_root, synthesized, tmp_path):
    synthesize(CATALOG, tmp_path)
    assert tree(synth_root) == tree(tmp_path)


def test_a_plain_cdk8s_app_writes_the_same_objects(synthesized, tmp_path):
    """The charts are ordinary cdk8s charts: App.synth() (node formatting the YAML) writes the same
    files with the same objects as make synth."""
    development = synthesized["development"]
    app = folder_app(tmp_path)
    EnvironmentChart(app, development.env)
    app.synth()
    ours = {name: data for name, data in tree(development.folder).items() if name != KUSTOMIZATION}
    theirs = tree(tmp_path)
    assert sorted(theirs) == sorted(ours)
    assert {n: yaml.load(theirs[n], Loader=YAML_LOADER) for n in theirs} == {
        n: yaml.load(ours[n], Loader=YAML_LOADER) for n in ours
    }


def test_committed_dist_matches_a_fresh_synth(synth_root, synthesized):
    """A code change without `make synth` fails CI."""
    fresh, committed = tree(synth_root), tree(REPO / "dist")
    stale = sorted(k for k in fresh.keys() | committed.keys() if fresh.get(k) != committed.get(k))
    assert stale == [], "dist/ is stale; run `make synth` and commit. Differs: " + ", ".join(stale)


def test_promote_refuses_a_malformed_staging_folder_and_keeps_dist(synth_root, synthesized, tmp_path):
    dist = tmp_path / "dist"
    shutil.copytree(synth_root, dist)
    before = tree(dist)
    staging = tmp_path / "staging"
    shutil.copytree(dist, staging)
    (staging / "development" / "ServiceAccount.dev-gorax.k8s.yaml").write_text("")
    (staging / "production" / "Secret.leftover.k8s.yaml").write_text("kind: Secret\n")
    for leftover in (staging / "staging").iterdir():
        leftover.unlink()
    with pytest.raises(PromotionError) as caught:
        promote(staging, dist, CATALOG.output_folders())
    assert "development/ServiceAccount.dev-gorax.k8s.yaml: empty file" in str(caught.value)
    assert "production/kustomization.yaml: does not list exactly the folder's manifests" in str(caught.value)
    assert "staging: no manifests" in str(caught.value)
    assert tree(dist) == before


def test_schema_problems_name_the_file_and_the_field(tmp_path):
    chart = ManifestChart(cdk8s.App(outdir=str(tmp_path)), "development")
    chart.add_manifest(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "dev-gorax"}, "automountToken": False},
        by="development/test",
    )
    _, problems = chart_problems(chart, "development", None)
    assert problems and all(p.startswith("development/ServiceAccount.dev-gorax.k8s.yaml: ") for p in problems)
    assert any("automountToken" in p for p in problems)


def test_promote_swaps_in_valid_output(synth_root, synthesized, tmp_path):
    dist = tmp_path / "dist"
    (dist / "development").mkdir(parents=True)
    (dist / "development" / "Old.k8s.yaml").write_text("stale: true\n")
    staging = tmp_path / "staging"
    shutil.copytree(synth_root, staging)
    promote(staging, dist, CATALOG.output_folders())
    assert tree(dist) == tree(synth_root)
    assert tree(staging) == tree(synth_root), "cdk8s synth expects its output folder to stay"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "staging"], "no swap leftovers"


def test_output_tree_rewrites_only_what_changed_and_never_in_place(tmp_path):
    """An unchanged file keeps its inode; a changed one gets a new inode, so a hard link from dist/ keeps
    the old bytes; whatever the synth did not write is removed."""
    staging = tmp_path / "staging"
    first = OutputTree(staging)
    first.write("development/Same.k8s.yaml", "same\n")
    first.write("development/Changed.k8s.yaml", "old\n")
    first.write("previews/pr-1/Gone.k8s.yaml", "gone\n")
    first.finish()
    dist_copy = tmp_path / "Changed.k8s.yaml"
    os.link(staging / "development" / "Changed.k8s.yaml", dist_copy)
    same_inode = (staging / "development" / "Same.k8s.yaml").stat().st_ino

    second = OutputTree(staging)
    second.write("development/Same.k8s.yaml", "same\n")
    second.write("development/Changed.k8s.yaml", "new\n")
    second.finish()
    assert tree(staging) == {"development/Changed.k8s.yaml": b"new\n", "development/Same.k8s.yaml": b"same\n"}
    assert (staging / "development" / "Same.k8s.yaml").stat().st_ino == same_inode
    assert dist_copy.read_text() == "old\n"
    assert not (staging / "previews").exists()
