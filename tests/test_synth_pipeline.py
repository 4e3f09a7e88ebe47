"""The main command's guarantees: deterministic output, committed dist/ is current,
and a failed synth leaves dist/ byte-for-byte as it was."""

import filecmp
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gorax_constructs.gitops import SYNTH_RECORD
from gorax_constructs.promote import PromotionError, expected_folders, promote

from .conftest import CATALOG, REPO, synthesize


def tree(folder: Path) -> dict[str, bytes]:
    """Every promoted file's bytes (the synth record stays behind in staging)."""
    files = (p for p in sorted(folder.rglob("*")) if p.is_file() and p.name != SYNTH_RECORD)
    return {str(p.relative_to(folder)): p.read_bytes() for p in files}


def test_two_synths_are_byte_identical(synth_root, synthesized, tmp_path):
    synthesize(CATALOG, tmp_path)
    assert tree(synth_root) == tree(tmp_path)


def test_committed_dist_matches_a_fresh_synth(synth_root, synthesized):
    """A code change without `make synth` fails CI."""
    fresh, committed = tree(synth_root), tree(REPO / "dist")
    stale = sorted(k for k in fresh.keys() | committed.keys() if fresh.get(k) != committed.get(k))
    assert stale == [], "dist/ is stale; run `make synth` and commit. Differs: " + ", ".join(stale)


def test_promote_refuses_invalid_output_and_keeps_dist(synth_root, synthesized, tmp_path):
    dist = tmp_path / "dist"
    shutil.copytree(synth_root, dist)
    before = tree(dist)
    staging = tmp_path / "staging"
    shutil.copytree(dist, staging)
    (staging / "development" / "ServiceAccount.dev-gorax.k8s.yaml").write_text(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: dev-gorax\nautomountToken: false\n"
    )
    for leftover in (staging / "staging").iterdir():
        leftover.unlink()
    with pytest.raises(PromotionError) as caught:
        promote(staging, dist, CATALOG.output_folders())
    assert "automountToken" in str(caught.value)
    assert "staging: no manifests" in str(caught.value)
    assert tree(dist) == before


def test_promote_swaps_in_valid_output(synth_root, synthesized, tmp_path):
    dist = tmp_path / "dist"
    (dist / "development").mkdir(parents=True)
    (dist / "development" / "Old.k8s.yaml").write_text("stale: true\n")
    staging = tmp_path / "staging"
    shutil.copytree(synth_root, staging)
    promote(staging, dist, CATALOG.output_folders())
    assert tree(dist) == tree(synth_root)
    assert not staging.exists()
    assert not list(tmp_path.glob("dist.previous-*"))


def copy_project(destination: Path) -> Path:
    """A copy of the repository that shares the installed .venv and node_modules."""
    ignore = shutil.ignore_patterns(".venv", "node_modules", "build", ".git", "__pycache__", ".hypothesis")
    shutil.copytree(REPO, destination, ignore=ignore)
    for installed in (".venv", "node_modules"):
        (destination / installed).symlink_to(REPO / installed)
    return destination


@pytest.mark.skipif(not (REPO / "node_modules" / ".bin" / "cdk8s").exists(), reason="cdk8s CLI not installed")
def test_broken_config_leaves_dist_untouched(tmp_path):
    project = copy_project(tmp_path / "project")
    before = tree(project / "dist")
    environments = project / "gorax_constructs" / "environments.py"
    source = environments.read_text()
    assert 'tag="v1.2.3"' in source
    environments.write_text(source.replace('tag="v1.2.3"', 'tag="latest"', 1))
    result = subprocess.run(
        ["make", "-s", "synth"], cwd=project, capture_output=True, text=True, env={**os.environ, "MAKEFLAGS": ""}
    )
    assert result.returncode != 0
    assert "environment 'production': api.image.tag = 'latest' is not allowed" in result.stderr
    assert tree(project / "dist") == before
    assert filecmp.dircmp(REPO / "dist", project / "dist").diff_files == []


def test_promote_refuses_an_incomplete_synth(tmp_path):
    """No record means the app died before the end: nothing is promoted."""
    (tmp_path / "staging" / "development").mkdir(parents=True)
    with pytest.raises(PromotionError, match="did not complete"):
        expected_folders(tmp_path / "staging")
