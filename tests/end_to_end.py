"""The main commands run for real, as subprocesses in copies of the project.

Each takes 1-2.5 s, mostly starting Python, jsii and node; started together
at the beginning of the session (``conftest.end_to_end``), they run on the
second core while the in-process tests run on the first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from gorax_constructs.lock import LOCK_FILE, SynthLock

REPO = Path(__file__).resolve().parents[1]
NODE = REPO / "node_modules" / ".bin" / "node"
CDK8S_CLI = REPO / "node_modules" / "cdk8s-cli" / "bin" / "cdk8s"


# The copies share the repository's .venv and node_modules (symlinks): make must never reinstall
# them from a copy (a copied package.json newer than node_modules/.installed made several copies
# run `npm ci` at once into the shared node_modules). `-o`: treat them as up to date.
MAKE_SYNTH = ["make", "-s", "-o", ".venv/.installed", "-o", "node_modules/.installed", "synth"]
STDOUT_PREVIEW = "pr-stdout"


def tree(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, by path relative to ``folder``."""
    files = (p for p in sorted(folder.rglob("*")) if p.is_file())
    return {str(p.relative_to(folder)): p.read_bytes() for p in files}


def copy_project(destination: Path) -> Path:
    """A copy of the repository that shares the installed .venv and node_modules."""
    # imports/ (5.6 MB of generated bindings) is never imported by the synth.
    ignore = shutil.ignore_patterns(".venv", "node_modules", "build", ".git", "__pycache__", ".hypothesis", "imports")
    shutil.copytree(REPO, destination, ignore=ignore)
    for installed in (".venv", "node_modules"):
        (destination / installed).symlink_to(REPO / installed)
    return destination


def replace_once(path: Path, old: str, new: str) -> None:
    source = path.read_text()
    assert old in source, f"{path.name} no longer contains {old!r}: update the end-to-end scenario"
    path.write_text(source.replace(old, new, 1))


@dataclass
class Run:
    """A command started in its own copy of the project; ``dist_before`` is that copy's dist/ at the start."""

    project: Path
    dist_before: dict[str, bytes]
    process: subprocess.Popen[str]
    output: tuple[int, str, str] | None = field(default=None, init=False)
    held: SynthLock | None = None
    """A synth lock this session holds in ``project`` (released by the test, or at the session's end)."""

    def result(self) -> tuple[int, str, str]:
        """Exit code, stdout and stderr, waiting for the command if it is still running."""
        if self.output is None:
            stdout, stderr = self.process.communicate()
            self.output = (self.process.returncode, stdout, stderr)
        return self.output


def start(project: Path, command: list[str], **variables: str) -> Run:
    # Without JSII_NODE: the project must find its own Node (gorax_constructs/node.py).
    env = {k: v for k, v in os.environ.items() if k != "JSII_NODE"} | {"MAKEFLAGS": ""}
    env |= variables
    before = tree(project / "dist")
    process = subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return Run(project, before, process)


def start_all(root: Path) -> dict[str, Run]:
    """The scenarios of tests/test_end_to_end.py, all started at once."""
    runs = {}
    broken_config = copy_project(root / "broken-config")
    replace_once(broken_config / "gorax_constructs" / "environments.py", 'tag="v1.2.3"', 'tag="latest"')
    runs["broken-config"] = start(broken_config, MAKE_SYNTH)

    invalid_output = copy_project(root / "invalid-output")
    platform = invalid_output / "gorax_constructs" / "parts" / "platform.py"
    replace_once(platform, '"automountServiceAccountToken": False,', '"automountToken": False,')
    # The copy has no ../shared beside it: custom resources are validated against the vendored crds/.
    replace_once(invalid_output / "gorax_constructs" / "parts" / "secrets.py", '"refreshInterval":', '"refreshEvery":')
    runs["invalid-output"] = start(invalid_output, MAKE_SYNTH)

    # Two synths at once in one checkout, started while this session holds the synth lock, so both
    # must wait; two folders of dist/ are gone, so both have work to do.
    concurrent = copy_project(root / "concurrent")
    shutil.rmtree(concurrent / "dist" / "production")
    shutil.rmtree(concurrent / "dist" / "previews")
    held = SynthLock(concurrent / LOCK_FILE)
    held.acquire()
    for name in ("concurrent-1", "concurrent-2"):
        runs[name] = start(concurrent, MAKE_SYNTH)
        runs[name].held = held

    # The npm CLI on the project's Node, its upgrade check off as in the Makefile (CDK8S_CHECK_UPGRADE=false).
    cli = copy_project(root / "cdk8s-cli")
    shutil.rmtree(cli / "dist" / "staging")
    runs["cdk8s-cli"] = start(cli, [str(NODE), str(CDK8S_CLI), "synth"], CDK8S_CHECK_UPGRADE="false")

    stdout = copy_project(root / "cdk8s-stdout")
    with (stdout / "previews.yaml").open("a") as previews:
        previews.write(f"  - name: {STDOUT_PREVIEW}\n    owner: someone\n    expires: '2099-01-01'\n")
    runs["cdk8s-stdout"] = start(stdout, [str(NODE), str(CDK8S_CLI), "synth", "--stdout"], CDK8S_CHECK_UPGRADE="false")

    plugins = copy_project(root / "cdk8s-validations")
    with (plugins / "cdk8s.yaml").open("a") as config:
        config.write("validations:\n  - package: ./policy-plugin\n    class: Policy\n    version: 0.0.0\n")
    runs["cdk8s-validations"] = start(plugins, [str(NODE), str(CDK8S_CLI), "synth"], CDK8S_CHECK_UPGRADE="false")
    return runs
