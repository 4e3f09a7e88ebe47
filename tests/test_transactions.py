"""Edits of the data files are transactions (issue 22): commands run at once, as pull-request pipelines
run them, each keep their change. Without the lock, 10 parallel ``previews add`` kept 2-4 entries.

Cost: ~55 ``bin/gorax`` processes of ~0.15 s CPU each; the 50 adds take ~6 s of wall time on two cores,
since each validates the whole configuration while it holds the lock.
"""

import os
import subprocess

import pytest

from gorax_constructs.configuration.errors import shown
from gorax_constructs.configuration.previews import EMPTY_CATALOG, parse_previews
from gorax_constructs.environments import ENVIRONMENTS
from gorax_constructs.lock import data_lock

from .conftest import REPO

GORAX = str(REPO / "bin" / "gorax")
FAR = "2099-12-31"
CONCURRENT = 50


def gorax(*args: str, **variables: str) -> subprocess.Popen[str]:
    env = os.environ | variables
    return subprocess.Popen([GORAX, *args], env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=120)
    return process.returncode, stdout, stderr


@pytest.mark.scenario
@pytest.mark.parametrize("concurrent", [8, pytest.param(CONCURRENT, marks=pytest.mark.slow)])
def test_concurrent_adds_keep_every_entry(tmp_path, concurrent):
    """8 in `make test`, the issue's 50 in `make test-slow` (without the lock, 10 parallel adds kept 2 to 4): each
    add validates the whole configuration while it holds the lock, so 50 take ~15 s."""
    previews = tmp_path / "previews.yaml"
    previews.write_text(f"{EMPTY_CATALOG}\n")
    started = [
        gorax("previews", "add", f"pr-c{n}", "--owner", "ci", "--expires", FAR, GORAX_PREVIEWS_FILE=str(previews))
        for n in range(concurrent)
    ]
    results = [finish(process) for process in started]
    assert [code for code, _, _ in results] == [0] * concurrent, [err for _, _, err in results if err]
    names = sorted(entry.preview.name for entry in parse_previews(previews.read_text(), "previews.yaml"))
    assert names == sorted(f"pr-c{n}" for n in range(concurrent))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".previews.yaml.lock", "previews.yaml"], "no leftovers"


@pytest.mark.scenario
@pytest.mark.skipif(len(ENVIRONMENTS) < 2, reason="needs two permanent environments")
def test_concurrent_image_sets_keep_both_changes(tmp_path):
    images = tmp_path / "images.yaml"
    images.write_text((REPO / "images.yaml").read_text())
    first, second = (env.name for env in ENVIRONMENTS[:2])
    for round_ in range(3):
        tags = {first: f"v9.{round_}.1", second: f"v9.{round_}.2"}  # version tags: allowed in every tier
        started = [
            gorax("image", "set", env, "--api-tag", tag, GORAX_IMAGES_FILE=str(images)) for env, tag in tags.items()
        ]
        assert [finish(process)[0] for process in started] == [0, 0]
        text = images.read_text()
        assert all(f"tag: {tag}\n" in text for tag in tags.values()), text


@pytest.mark.scenario
def test_an_edit_waits_for_the_lock_and_says_so(tmp_path):
    previews = tmp_path / "previews.yaml"
    previews.write_text(f"{EMPTY_CATALOG}\n")
    held = data_lock(previews, shared=False)
    held.acquire()
    try:
        process = gorax("previews", "add", "pr-1", "--owner", "ci", "--expires", FAR, GORAX_PREVIEWS_FILE=str(previews))
        assert process.stderr.readline() == (
            f"gorax: waiting for another command using {shown(previews)} to finish "
            f"(pid {os.getpid()}, {shown(tmp_path / '.previews.yaml.lock')})\n"
        )
        assert process.poll() is None and previews.read_text() == f"{EMPTY_CATALOG}\n"
    finally:
        held.release()
    code, stdout, stderr = finish(process)
    assert (code, stderr) == (0, "")
    assert "name: pr-1" in previews.read_text()


@pytest.mark.scenario
def test_a_reader_waits_for_an_edit(tmp_path):
    previews = tmp_path / "previews.yaml"
    previews.write_text(f"{EMPTY_CATALOG}\n")
    held = data_lock(previews, shared=False)
    held.acquire()
    try:
        process = gorax("previews", "list", GORAX_PREVIEWS_FILE=str(previews))
        assert process.stderr.readline().startswith(f"gorax: waiting for another command using {shown(previews)}")
        previews.write_text(f"previews:\n  - name: pr-7\n    owner: ci\n    expires: '{FAR}'\n")
    finally:
        held.release()
    code, stdout, _ = finish(process)
    assert code == 0 and "pr-7" in stdout, "the list reads the file as the edit left it"


@pytest.mark.scenario
def test_removing_the_last_preview_writes_an_empty_list_and_drops_stale_candidates(tmp_path):
    previews = tmp_path / "previews.yaml"
    previews.write_text(
        f"# previews of pull requests\npreviews:\n  - name: pr-1\n    owner: ci\n    expires: '{FAR}'\n"
    )
    stale = tmp_path / ".previews.yaml.k1ll3d.incoming"  # what an edit killed before its rename leaves
    stale.write_text("previews: [half")
    code, stdout, stderr = finish(gorax("previews", "remove", "pr-1", GORAX_PREVIEWS_FILE=str(previews)))
    assert (code, stderr) == (0, ""), stderr
    assert previews.read_text() == f"# previews of pull requests\n{EMPTY_CATALOG}\n"
    assert not stale.exists()
    code, stdout, _ = finish(gorax("previews", "list", GORAX_PREVIEWS_FILE=str(previews)))
    assert (code, stdout) == (0, f"no previews in {shown(previews)}\n")


@pytest.mark.scenario
def test_an_empty_previews_file_is_refused_by_every_command(tmp_path):
    previews = tmp_path / "previews.yaml"
    previews.write_text("")
    for args in (["previews", "list"], ["previews", "prune"], ["previews", "remove", "pr-1"]):
        code, _, stderr = finish(gorax(*args, GORAX_PREVIEWS_FILE=str(previews)))
        assert code == 1
        assert stderr == f"gorax: {shown(previews)}: empty; to mean no previews, write {EMPTY_CATALOG}\n"
    assert previews.read_text() == ""


def test_lock_files_and_candidates_are_ignored_by_git(tmp_path):
    """The project's .gitignore, in a repository of its own (a copy of the project may have no .git)."""
    (tmp_path / ".gitignore").write_text((REPO / ".gitignore").read_text())
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    names = [".previews.yaml.lock", ".images.yaml.x1.incoming", "docs/.environments.md.incoming", "dist.incoming/x"]
    ignored = subprocess.run(["git", "check-ignore", *names], cwd=tmp_path, capture_output=True, text=True)
    assert ignored.stdout.split() == names
