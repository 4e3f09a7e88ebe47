"""The main commands run for real, as subprocesses in copies of the project.

Each takes 1-2.5 s, mostly starting Python, jsii and node; started together
at the beginning of the session (``conftest.end_to_end``), they run on the
second core while the in-process tests run on the first.
"""

from __future__ import annotations

import ast
import datetime
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gorax_constructs.environments import ENVIRONMENTS
from gorax_constructs.lock import LOCK_FILE, SynthLock

REPO = Path(__file__).resolve().parents[1]
NODE = REPO / "node_modules" / ".bin" / "node"
CDK8S_CLI = REPO / "node_modules" / "cdk8s-cli" / "bin" / "cdk8s"


# The copies share the repository's .venv and node_modules (symlinks): make must never reinstall
# them from a copy (a copied package.json newer than node_modules/.installed made several copies
# run `npm ci` at once into the shared node_modules). `-o`: treat them as up to date.
MAKE_SYNTH = ["make", "-s", "-o", ".venv/.installed", "-o", "node_modules/.installed", "synth"]
STDOUT_PREVIEW = "pr-stdout"
BAD_TAG = "not a tag!"
BROKEN_IMAGES = next((e for e in reversed(ENVIRONMENTS) if e.tier != "development"), ENVIRONMENTS[-1])
"""Whose image the broken-config scenario breaks (development's images are BASE's too: the message names 'base')."""


def tree(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, by path relative to ``folder``."""
    files = (p for p in sorted(folder.rglob("*")) if p.is_file())
    return {str(p.relative_to(folder)): p.read_bytes() for p in files}


SHARED = (".venv", "node_modules", "crds", "imports", "argocd-health")
"""Linked, not copied, into every copy: installed once, never written by a scenario (crds/ is 4.4 MB)."""
NOT_COPIED = ("build", ".git", "__pycache__", ".hypothesis", ".ruff_cache", ".pytest_cache")


def copy_project(destination: Path, *, with_tests: bool = False) -> Path:
    """A copy of the repository that shares the installed .venv and node_modules, the vendored CRDs and
    the parsed-CRD cache (keyed by content, written atomically: parsing the CRDs again in every copy
    cost ~0.3 s of CPU per synth). ``tests/`` only ``with_tests``: only a copy that runs the suite needs it,
    and every file a copy gets is one more to create and, at the session's end, to delete."""
    ignore = shutil.ignore_patterns(*SHARED, *NOT_COPIED, *(() if with_tests else ("tests",)))
    shutil.copytree(REPO, destination, ignore=ignore)
    for shared in SHARED:
        (destination / shared).symlink_to(REPO / shared)
    (REPO / "build" / "cache").mkdir(parents=True, exist_ok=True)
    (destination / "build").mkdir()
    (destination / "build" / "cache").symlink_to(REPO / "build" / "cache")
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

    def stop(self) -> None:
        if self.held is not None:
            self.held.release()
        if self.process.poll() is None:
            self.process.kill()
        self.result()


@dataclass(frozen=True)
class Step:
    """One command of a chain: its result, and the watched files and dist/ right after it."""

    command: list[str]
    code: int
    stdout: str
    stderr: str
    files: dict[str, str]
    dist: dict[str, bytes]


@dataclass
class Chain:
    """Commands run one after the other in one copy of the project, on a background thread that also
    makes the copy (copying the project costs ~0.15 s: done on the session's thread, a dozen copies
    delayed every test by seconds)."""

    project: Path
    steps: list[Step]
    thread: threading.Thread
    dist_before: dict[str, bytes] = field(default_factory=dict)
    """The copy's dist/ before the first command (filled in by the thread)."""
    error: BaseException | None = None
    """What stopped the thread early (a scenario that no longer applies to the code, say)."""

    def result(self) -> list[Step]:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.steps

    def stop(self) -> None:
        self.thread.join()


def start_chain(
    project: Path,
    commands: list[list[str]],
    prepare: Callable[[Path], None] = lambda project: None,
    watch: tuple[str, ...] = (),
    with_tests: bool = False,
    **variables: str,
) -> Chain:
    """Copy the project to ``project`` (``copy_project``), ``prepare`` the copy, then run ``commands`` there,
    one by one."""
    env = {k: v for k, v in os.environ.items() if k != "JSII_NODE"} | {"MAKEFLAGS": ""} | variables
    steps: list[Step] = []

    def run_all() -> None:
        try:
            copy_project(project, with_tests=with_tests)
            prepare(project)
            chain.dist_before = tree(project / "dist")
            for command in commands:
                done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=900)
                files = {name: (project / name).read_text() for name in watch if (project / name).exists()}
                steps.append(Step(command, done.returncode, done.stdout, done.stderr, files, tree(project / "dist")))
        except BaseException as error:  # re-raised by result(), in the test that needs it
            chain.error = error

    thread = threading.Thread(target=run_all, name=f"chain-{project.name}", daemon=True)
    chain = Chain(project, steps, thread)
    thread.start()
    return chain


def start(project: Path, command: list[str], **variables: str) -> Run:
    # Without JSII_NODE: the project must find its own Node (gorax_constructs/node.py).
    env = {k: v for k, v in os.environ.items() if k != "JSII_NODE"} | {"MAKEFLAGS": ""}
    env |= variables
    before = tree(project / "dist")
    process = subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return Run(project, before, process)


def start_all(root: Path, modules: set[str]) -> dict[str, Run | Chain]:
    """The scenarios of the selected test modules (file names), all started at once."""
    runs: dict[str, Run | Chain] = {}
    if "test_user_errors.py" in modules:
        runs |= start_user_errors(root)
    if "test_cli.py" in modules:
        runs |= start_cli(root)
    if "test_routine_changes.py" in modules and not os.environ.get("GORAX_NESTED_SUITE"):
        from .routine_changes import start_routine_changes

        runs["routine-changes"] = start_routine_changes(root / "routine-changes")
    if "test_end_to_end.py" not in modules:
        return runs
    broken_config = copy_project(root / "broken-config")
    images = yaml.safe_load((broken_config / "images.yaml").read_text())
    images[BROKEN_IMAGES.name]["api"] = {"tag": BAD_TAG}  # a tag no tier accepts
    (broken_config / "images.yaml").write_text(yaml.safe_dump(images))
    runs["broken-config"] = start(broken_config, MAKE_SYNTH)

    invalid_output = copy_project(root / "invalid-output")
    platform = invalid_output / "gorax_constructs" / "parts" / "platform.py"
    replace_once(platform, '"automountServiceAccountToken": False,', '"automountToken": False,')
    # Custom resources are validated against the vendored crds/, inside the repository.
    replace_once(invalid_output / "gorax_constructs" / "parts" / "secrets.py", '"refreshInterval":', '"refreshEvery":')
    runs["invalid-output"] = start(invalid_output, MAKE_SYNTH)

    # Two synths at once in one checkout, started while this session holds the synth lock, so both
    # must wait; a folder of dist/ is gone, so both have work to do.
    concurrent = copy_project(root / "concurrent")
    shutil.rmtree(concurrent / "dist" / ENVIRONMENTS[-1].name)
    shutil.rmtree(concurrent / "dist" / "previews", ignore_errors=True)  # none when previews.yaml lists none
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


ENVIRONMENTS_PY = Path("gorax_constructs") / "environments.py"
SYNTH = [".venv/bin/python", "main.py"]  # what `make synth` runs
PREVIEW = "  - name: {name}\n    owner: alice\n    expires: '{expires}'\n"
BROKEN_ENVIRONMENT = """

BROKEN = replace(
    BASE,
    name="broken",
    prefix="broken",
    namespace="gorax-broken",
    api_host="api.broken.example.test",
    webhooks_host="webhooks.broken.example.test",
    {mistake}
)
"""
MISTAKES = {
    "misspelled-setting": "api=replace(BASE.api, autoscaling=replace(BASE.api.autoscaling, min_replica=3)),",
    "string-for-a-tuple": 'cors=replace(BASE.cors, allowed_origins="https://broken.example.test"),',
}
"""Mistakes a user makes in a new environment, appended to whatever environments.py holds."""
PREVIEWS_FILES = {
    "previews-syntax-error": "previews:\n  - name: pr-1\n    owner: alice\n   expires: '2030-01-01'\n",
    "previews-missing-key": "previews:\n  - name: pr-1\n    owner: alice\n",
    "previews-unknown-key": "previews:\n  - name: pr-1\n    owner: alice\n    expire: '2030-01-01'\n",
    "previews-listed-twice": "previews:\n" + PREVIEW.format(name="pr-1", expires="2030-01-01") * 2,
    "previews-permanent-name": "previews:\n" + PREVIEW.format(name=ENVIRONMENTS[-1].name, expires="2030-01-01"),
    "previews-expired": "previews:\n" + PREVIEW.format(name="pr-1", expires="2020-01-01"),
}


def append(path: Path, mistake: str) -> None:
    with path.open("a") as file:
        file.write(BROKEN_ENVIRONMENT.format(mistake=mistake))


def start_user_errors(root: Path) -> dict[str, Run | Chain]:
    """The scenarios of tests/test_user_errors.py: each mistake a user can make, in its own copy."""
    runs: dict[str, Run | Chain] = {}
    for name, mistake in MISTAKES.items():
        runs[name] = start_chain(root / name, [SYNTH], lambda p, m=mistake: append(p / ENVIRONMENTS_PY, m))
    for name, text in PREVIEWS_FILES.items():
        project = root / name
        runs[name] = start_chain(
            project,
            [SYNTH],
            lambda p, t=text: (p / "pr.yaml").write_text(t),
            GORAX_PREVIEWS_FILE=str(project / "pr.yaml"),
        )

    def break_synth(project: Path) -> None:
        synth = project / "gorax_constructs" / "pipeline" / "synth.py"
        replace_once(synth, "    output.finish()\n", "    output.finish()\n    {}['no such key']\n")

    runs["internal-error"] = start_chain(root / "internal-error", [SYNTH], break_synth)
    return runs


GORAX = "bin/gorax"
FAR = (datetime.date.today() + datetime.timedelta(days=400)).isoformat()
PREVIEWS_WITH_COMMENTS = f"""# header comment
previews:
  # the first one
  - name: pr-1
    owner: alice   # inline
    expires: "2020-01-01"
  - name: pr-2
    owner: bob
    expires: "{FAR}"
# trailing comment
"""
HELP = [[], ["previews"], ["previews", "add"], ["previews", "remove"], ["previews", "prune"], ["previews", "list"]]
HELP += [["image"], ["image", "set"], ["synth"], ["diff"]]
CLI_CHAINS = {
    "cli-help": [[GORAX, *command, "--help"] for command in HELP],
    "cli-previews": [
        [GORAX, "previews", "add", "pr-9", "--owner", "carol", "--expires", FAR, "--api-tag", "sha-1"],
        [GORAX, "previews", "add", ENVIRONMENTS[-1].name, "--owner", "carol", "--expires", FAR],  # refused
        [GORAX, "previews", "list"],
        [GORAX, "previews", "prune", "--today", "2021-01-01"],
        [GORAX, "previews", "remove", "pr-9"],
        [GORAX, "previews", "remove", "pr-3"],
    ],
    "cli-images": [
        [GORAX, "image", "set", BROKEN_IMAGES.name, "--api-tag", "latest"],
        [GORAX, "image", "set", BROKEN_IMAGES.name, "--api-tag", "v9.9.9"],
        [GORAX, "diff"],
        [GORAX, "synth"],
        [GORAX, "diff", BROKEN_IMAGES.name],
    ],
}


def start_cli(root: Path) -> dict[str, Run | Chain]:
    """The chains of tests/test_cli.py, each in its own copy of the project."""
    chains: dict[str, Run | Chain] = {}
    for name, commands in CLI_CHAINS.items():
        chains[name] = start_chain(
            root / name,
            commands,
            lambda project: (project / "previews.yaml").write_text(PREVIEWS_WITH_COMMENTS),
            watch=("previews.yaml", "images.yaml"),
        )
    return chains


README = REPO / "README.md"
COMMON_TASKS = REPO / "docs" / "common-tasks.md"
RECIPE = "\n## Adding an environment\n"
SKIPPED = ("git status", "make test")
"""Recipe commands the test does not run: the copy has no .git (the test checks what `git status` would
show), and `make test` is the suite this test is part of."""


def recipe_blocks() -> tuple[str, list[str]]:
    """The recipe's Python block and its shell commands (docs/common-tasks.md, "Adding an environment")."""
    section = COMMON_TASKS.read_text().split(RECIPE, 1)[1].split("\n## ", 1)[0]
    (python,) = re.findall(r"```python\n(.*?)```", section, re.S)
    (shell,) = re.findall(r"```bash\n(.*?)```", section, re.S)
    commands = [line.split("  #", 1)[0].strip() for line in shell.splitlines()]
    return python, [command for command in commands if command]


def apply_block(source: str, block: str) -> str:
    """``source`` (a module) with the block applied as a reader would: a top-level assignment whose name the
    module already assigns replaces it; new assignments go just before the first replaced one; imports go
    after the module's last import."""
    module, new = ast.parse(source), ast.parse(block)
    lines = source.splitlines(keepends=True)
    assigned = {
        target.id: statement
        for statement in module.body
        if isinstance(statement, ast.Assign | ast.AnnAssign)
        for target in (statement.targets if isinstance(statement, ast.Assign) else [statement.target])
        if isinstance(target, ast.Name)
    }
    edits: list[tuple[int, int, str]] = []  # (first line index, end line index, text), replaced lines
    added, imports = [], []
    for statement in new.body:
        text = ast.get_source_segment(block, statement) + "\n"
        target = statement.target if isinstance(statement, ast.AnnAssign) else getattr(statement, "targets", [None])[0]
        if isinstance(statement, ast.Import | ast.ImportFrom):
            imports.append(text)
        elif isinstance(target, ast.Name) and target.id in assigned:
            old = assigned[target.id]
            if isinstance(old.value, ast.Tuple) and isinstance(statement.value, ast.Tuple):
                # "add it to ENVIRONMENTS": the block shows the committed tuple; a reader appends to theirs.
                present = {ast.dump(e) for e in old.value.elts}
                kept = [ast.get_source_segment(source, e) for e in old.value.elts]
                new = [ast.get_source_segment(block, e) for e in statement.value.elts if ast.dump(e) not in present]
                head = ast.get_source_segment(source, old).split("=", 1)[0]
                text = f"{head}= ({', '.join([*kept, *new])})\n"
            edits.append((old.lineno - 1, old.end_lineno, "".join(added) + text))
            added = []
        else:
            added.append(text + "\n")
    assert not added, "the recipe block defines something it never adds to an existing assignment"
    last_import = max(s.end_lineno for s in module.body if isinstance(s, ast.Import | ast.ImportFrom))
    edits.append((last_import, last_import, "".join(imports)))
    for first, stop, text in sorted(edits, reverse=True):
        lines[first:stop] = [text]
    return "".join(lines)
