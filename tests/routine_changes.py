"""The routine changes, made in one copy of the repository with the documented commands and code blocks only,
then ``make synth`` and the whole suite in that copy (``tests/test_routine_changes.py`` reads the results).

One combined copy, not one copy per change: each copy's suite costs as much as this one, and every change
here is independent of the others (another environment, another file), so one copy proves each of them
green and all of them together. The copy's suite runs on a background thread from the session's start.

The changes are made on whatever the committed catalog holds (its environments, previews and images), never
on names only the sample data has: a name a change needs is picked from the catalog, or made fresh.
"""

from __future__ import annotations

import ast
import datetime
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from gorax_constructs.environments import ENVIRONMENTS

from . import memo
from .end_to_end import (
    ENVIRONMENTS_PY,
    REPO,
    Chain,
    apply_block,
    recipe_blocks,
    start_chain,
)

NESTED = "GORAX_NESTED_SUITE"
"""Set in the copy's suite: it does not start a copy of its own."""
EXTENDING = REPO / "docs" / "extending.md"
SEALED_FIXTURE = REPO / "tests" / "fixtures" / "sealed-secrets" / "opt-sealed.yaml"
BUMPED_TAG = "v99.1.0"
FAR = (datetime.date.today() + datetime.timedelta(days=400)).isoformat()
SUITE = [".venv/bin/python", "-m", "pytest", "-q", "-x", "-p", "no:randomly", "--basetemp=build/nested-pytest"]


@dataclass(frozen=True)
class Plan:
    """What the combined copy changes, named from the committed catalog."""

    added_preview: str
    removed_preview: str | None
    new_environment: str
    switched: str
    """The environment whose secret source and worker scaling are switched."""
    extended: str
    """The environment the docs' extension example is added to."""

    @staticmethod
    def make() -> Plan:
        names = {env.name for env in ENVIRONMENTS}
        previews = _committed_previews()
        taken = names | set(previews)
        added = next(f"pr-routine-{n}" for n in range(1, 1000) if f"pr-routine-{n}" not in taken)
        new = next(name for name in ("qa", *(f"qa{n}" for n in range(2, 1000))) if name not in taken)
        # The switch goes to an environment of the catalog that is not development (previews derive from it).
        switched = next(
            (env.name for env in reversed(ENVIRONMENTS) if env.tier != "development"), ENVIRONMENTS[-1].name
        )
        extended = "production" if "production" in names else ENVIRONMENTS[-1].name
        return Plan(added, previews[0] if previews else None, new, switched, extended)


def _committed_previews() -> list[str]:
    from gorax_constructs.configuration.previews import load_previews
    from gorax_constructs.environments import DEVELOPMENT

    return [env.name for env in load_previews(ENVIRONMENTS, DEVELOPMENT)]


def extension_block() -> str:
    match = re.search(r"<!-- extension-example -->\n```python\n(.*?)```", EXTENDING.read_text(), re.S)
    assert match, f"{EXTENDING.name} has no extension-example block"
    return match.group(1)


def _rename(text: str, new: str) -> str:
    """The recipe with its example name ``qa`` (and ``QA``) replaced by a name the catalog does not use."""
    return re.sub(r"\bqa\b", new, re.sub(r"\bQA\b", new.upper(), text))


def _call_keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _environment_call(module: ast.Module, environment: str) -> ast.Call:
    """The ``replace(...)`` call that defines ``environment`` (its ``name=`` keyword) in environments.py."""
    for statement in module.body:
        value = getattr(statement, "value", None)
        if isinstance(value, ast.Call):
            name = _call_keyword(value, "name")
            if isinstance(name, ast.Constant) and name.value == environment:
                return value
    raise AssertionError(f"environments.py defines no environment named {environment!r} with replace(..., name=)")


def _offset(lines: list[str], line: int, column: int) -> int:
    return sum(len(text) for text in lines[: line - 1]) + column


def set_keywords(source: str, environment: str, edits: dict[str, str]) -> str:
    """``source`` with keywords of ``environment``'s definition set, as the docs' "Switching an option" says:
    ``secrets=...`` replaced or added; ``worker_queue_depth`` added inside the environment's own
    ``worker=replace(..., autoscaling=replace(..., queue_depth=...))`` (each call added where missing)."""
    module = ast.parse(source)
    lines = source.splitlines(keepends=True)
    call = _environment_call(module, environment)
    changes: list[tuple[int, int, str]] = []  # (start, end, text) in character offsets

    def insert_keyword(target: ast.Call, name: str, text: str) -> None:
        end = _offset(lines, target.end_lineno, target.end_col_offset) - 1  # before the closing parenthesis
        before = source[:end].rstrip()
        comma = "" if before.endswith((",", "(")) else ","
        changes.append((len(before), end, f"{comma} {name}={text}"))

    for name, text in edits.items():
        if name == "worker_queue_depth":
            worker = _call_keyword(call, "worker")
            if not isinstance(worker, ast.Call):
                insert_keyword(
                    call,
                    "worker",
                    f"replace(BASE.worker, autoscaling=replace(BASE.worker.autoscaling, queue_depth={text}))",
                )
                continue
            autoscaling = _call_keyword(worker, "autoscaling")
            if not isinstance(autoscaling, ast.Call):
                base = ast.get_source_segment(source, worker.args[0])
                insert_keyword(worker, "autoscaling", f"replace({base}.autoscaling, queue_depth={text})")
                continue
            insert_keyword(autoscaling, "queue_depth", text)
            continue
        current = _call_keyword(call, name)
        if current is None:
            insert_keyword(call, name, text)
        else:
            start = _offset(lines, current.lineno, current.col_offset)
            changes.append((start, _offset(lines, current.end_lineno, current.end_col_offset), text))
    for start, end, text in sorted(changes, reverse=True):
        source = source[:start] + text + source[end:]
    return source


def add_import(source: str, statement: str) -> str:
    """``statement`` after the module's last top-level import."""
    module = ast.parse(source)
    last = max(s.end_lineno for s in module.body if isinstance(s, ast.Import | ast.ImportFrom))
    lines = source.splitlines(keepends=True)
    return "".join([*lines[:last], statement + "\n", *lines[last:]])


def start_routine_changes(root: Path) -> Chain:
    plan = Plan.make()
    python, recipe = recipe_blocks()
    python, recipe = _rename(python, plan.new_environment), [_rename(c, plan.new_environment) for c in recipe]
    gorax = "bin/gorax"

    def prepare(project: Path) -> None:
        """The code changes the docs describe: the new environment's block, the switched options, the
        extension (each exactly as its page shows it)."""
        environments = project / ENVIRONMENTS_PY
        source = apply_block(environments.read_text(), python)
        sealed = f"sealed-secrets/{plan.switched}.yaml"
        source = set_keywords(
            source,
            plan.switched,
            {
                "secrets": f'SealedSecrets(file="{sealed}")',
                "worker_queue_depth": 'QueueDepth(target_per_worker=20, implementation="keda")',
            },
        )
        source = add_import(source, "from .configuration.model import QueueDepth")
        source = add_import(source, "from .configuration.secrets import SealedSecrets")
        environments.write_text(source)
        # What the runbook's kubeseal commands write (ciphertexts; the fixture's stand in for a cluster's).
        (project / "sealed-secrets").mkdir(exist_ok=True)
        shutil.copyfile(SEALED_FIXTURE, project / sealed)
        extension = extension_block().replace('EXTENSIONS = {"production":', f'EXTENSIONS = {{"{plan.extended}":')
        extensions = project / "gorax_constructs" / "extensions.py"
        extensions.write_text(apply_block(extensions.read_text(), extension))

    recipe = [shlex.split(command) for command in recipe if not command.startswith(("git status", "make test"))]
    synth = [command for command in recipe if command[:2] == [gorax, "synth"]]
    assert synth, "the recipe synthesizes"
    release = ["--api-tag", BUMPED_TAG, "--worker-tag", BUMPED_TAG]
    preview = ["--owner", "routine", "--expires", FAR, "--api-tag", plan.added_preview]
    commands = [
        *(command for command in recipe if command not in synth),  # the new environment's images
        *([gorax, "image", "set", env.name, *release] for env in ENVIRONMENTS),
        [gorax, "previews", "add", plan.added_preview, *preview, "--worker-tag", plan.added_preview],
        *([[gorax, "previews", "remove", plan.removed_preview]] if plan.removed_preview else []),
        *synth,
        SUITE,
    ]
    # The copy's suite shares this checkout's tool records: its alert scenarios are the fixture's, unchanged.
    variables = {NESTED: "1", "GORAX_TEST_CACHE_DIR": str(memo.ROOT)}
    return start_chain(root, commands, prepare, watch=("images.yaml", "previews.yaml"), with_tests=True, **variables)
