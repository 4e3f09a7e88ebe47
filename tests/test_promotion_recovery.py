"""No moment without dist/ (issue 22): a process killed at any step of a promotion leaves a state that the
next command of any kind finishes or rolls back, dist/ and docs/environments.md together.

Before: a kill between the two renames left only dist.incoming/ and dist.previous-swap/, a failing synth
then said "dist/ left unchanged" with no dist/, and ``bin/gorax diff`` listed every object as new.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gorax_constructs.pipeline import promote as promotion
from gorax_constructs.pipeline.kustomize import kustomization
from gorax_constructs.pipeline.promote import promote, recover_checkout

from .end_to_end import copy_project, tree


class Killed(BaseException):
    """The process dies here: nothing after this point runs (not even ``finally`` cleanups of promote)."""


def write_tree(root: Path, objects: dict[str, str]) -> None:
    for folder in ("production", "argocd"):
        names = []
        for name, text in objects.items():
            (root / folder).mkdir(parents=True, exist_ok=True)
            (root / folder / name).write_text(text)
            names.append(name)
        (root / folder / "kustomization.yaml").write_text(kustomization(sorted(names)))


@pytest.fixture
def checkout(tmp_path):
    """dist/ and the docs page of an old synth, and a staged new one."""
    write_tree(tmp_path / "dist", {"Deployment.old.k8s.yaml": "kind: Deployment\n"})
    write_tree(tmp_path / "build" / "synth", {"Deployment.new.k8s.yaml": "kind: Deployment\nnew: 1\n"})
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "environments.md").write_text("old doc\n")
    return tmp_path


STEPS = ["copy", "rename dist aside", "rename incoming to dist", "rename the docs", "remove the old tree"]


def kill_at(step: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the process die just before ``step`` of the promotion."""
    renames = {"rename dist aside": 1, "rename incoming to dist": 2, "rename the docs": 3}
    calls = {"n": 0}

    def counted(original):
        def wrapper(self, target):
            calls["n"] += 1
            if renames.get(step) == calls["n"]:
                raise Killed(step)
            return original(self, target)

        return wrapper

    monkeypatch.setattr(Path, "rename", counted(Path.rename))
    monkeypatch.setattr(Path, "replace", counted(Path.replace))
    if step == "copy":
        monkeypatch.setattr(promotion, "_link_or_copy", lambda source, destination: (_ for _ in ()).throw(Killed()))
    if step == "remove the old tree":
        monkeypatch.setattr(promotion.shutil, "rmtree", lambda *args, **kwargs: (_ for _ in ()).throw(Killed()))


def state(root: Path) -> tuple[str, str]:
    files = tree(root / "dist")
    version = "new" if "production/Deployment.new.k8s.yaml" in files else "old"
    expected = root / ("build/synth" if version == "new" else "old-dist")
    assert files == tree(expected), f"dist/ is exactly the {version} tree"
    return version, (root / "docs" / "environments.md").read_text()


@pytest.mark.parametrize("step", STEPS)
def test_a_kill_at_any_step_is_undone_by_the_next_command(checkout, step, monkeypatch):
    shutil.copytree(checkout / "dist", checkout / "old-dist")
    with monkeypatch.context() as patched:
        kill_at(step, patched)
        with pytest.raises(Killed):
            promote(
                checkout / "build" / "synth",
                checkout / "dist",
                ["production", "argocd"],
                {checkout / "docs" / "environments.md": "new doc\n"},
            )
    if step == "rename incoming to dist":
        assert not (checkout / "dist").exists(), "the moment the issue is about"
    recover_checkout(checkout / "dist", [checkout / "docs" / "environments.md"], checkout / "build" / "synth.lock")
    version, doc = state(checkout)
    assert doc == f"{version} doc\n", "dist/ and the docs page change together"
    assert version == ("new" if step in ("rename the docs", "remove the old tree") else "old")
    leftovers = [".environments.md.incoming", "dist.incoming", "dist.previous-swap"]
    assert not [name for name in leftovers if list(checkout.rglob(name))]


def test_recovery_waits_for_no_synth_and_leaves_a_running_one_alone(checkout):
    from gorax_constructs.lock import SynthLock

    (checkout / "dist").rename(checkout / "dist.previous-swap")
    with SynthLock(checkout / "build" / "synth.lock"):  # a synth in the middle of its promotion
        recover_checkout(checkout / "dist", [], checkout / "build" / "synth.lock")
        assert not (checkout / "dist").exists()
    recover_checkout(checkout / "dist", [], checkout / "build" / "synth.lock")
    assert (checkout / "dist" / "production").is_dir()


def interrupt(project: Path) -> dict[str, bytes]:
    """Leave the project as a synth killed between its two renames leaves it; return the old dist/."""
    before = tree(project / "dist")
    shutil.copytree(project / "dist", project / "dist.incoming")
    (project / "dist.incoming" / "production" / "kustomization.yaml").unlink()
    (project / "dist").rename(project / "dist.previous-swap")
    (project / "docs" / ".environments.md.incoming").write_text("half a page")
    return before


def run(project: Path, command: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "JSII_NODE"} | {"MAKEFLAGS": ""}
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.scenario
def test_every_kind_of_command_restores_dist_first(tmp_path):
    project = copy_project(tmp_path / "project")
    doc = (project / "docs" / "environments.md").read_bytes()
    for command in (["bin/gorax", "previews", "list"], ["bin/gorax", "image", "set", "production"]):
        before = interrupt(project)
        done = run(project, command)
        assert done.stderr.startswith("gorax: restored dist/ from an interrupted promotion\n"), done.stderr
        assert tree(project / "dist") == before
        assert (project / "docs" / "environments.md").read_bytes() == doc
        assert not list(project.glob("dist.*")) and not (project / "docs" / ".environments.md.incoming").exists()

    # A synth that then fails tells the truth: dist/ is there, unchanged.
    (project / "images.yaml").write_bytes(b"\xff")  # not UTF-8: a configuration error, whatever is configured
    before = interrupt(project)
    done = run(project, [".venv/bin/python", "main.py"])  # what make synth runs
    assert done.returncode == 1
    assert done.stderr.startswith(
        "gorax: restored dist/ from an interrupted promotion\ngorax: invalid configuration, dist/ left unchanged:\n"
    ), done.stderr
    assert tree(project / "dist") == before
