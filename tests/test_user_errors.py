"""Errors, not tracebacks: each mistake a user can make ends in one clear message on stderr, exit
status 1, and dist/ byte-for-byte as it was.

The commands run for real (tests/end_to_end.py starts them at the session's start, each in its own
copy of the project; ~0.15 s each, as they fail before cdk8s is imported: one per kind of mistake). The shape
checks, and each kind of Python error in environments.py, are tested in process.
"""

import contextlib
import dataclasses
import re
import typing
from dataclasses import replace

import pytest

from gorax_constructs.configuration.errors import ConfigError
from gorax_constructs.configuration.fieldtypes import field_hints, sections
from gorax_constructs.configuration.model import EnvironmentConfig
from gorax_constructs.configuration.network import Peer
from gorax_constructs.configuration.previews import Preview, preview_environment
from gorax_constructs.environments import ENVIRONMENTS
from gorax_constructs.pipeline import reporting

from .fixture_catalog import DEV as DEVELOPMENT
from .fixture_catalog import OPTION_ENVIRONMENTS, PRODUCTION

INVALID = "gorax: invalid configuration, dist/ left unchanged:"


def failed(run) -> list[str]:
    """The stderr lines of a run that must have failed cleanly, leaving dist/ alone."""
    (step,) = run.result()
    assert "Traceback" not in step.stdout + step.stderr, step.stderr
    assert step.code == 1, step.stderr
    assert step.dist == run.dist_before
    return step.stderr.splitlines()


@pytest.mark.scenario
@pytest.mark.parametrize(
    "scenario,message",
    [
        (
            "misspelled-setting",
            r"gorax_constructs/environments.py, line \d+, environment 'broken', section api.autoscaling: "
            r"Autoscaling has no setting 'min_replica'; did you mean 'min_replicas'\? its settings: min_replicas, ",
        ),
        (
            "string-for-a-tuple",
            r"gorax_constructs/environments.py, line \d+: "
            r"environment 'broken': cors.allowed_origins = 'https://broken.example.test' is not allowed: a tuple of "
            r"strings such as \('a', 'b'\); one item needs a trailing comma: \('a',\)",
        ),
        ("previews-syntax-error", r"pr.yaml, line 4, column 4: not valid YAML: "),
        ("previews-missing-key", r"pr.yaml, line 2, preview 'pr-1': missing 'expires'"),
        ("previews-unknown-key", r"pr.yaml, line 2, preview 'pr-1': unknown key 'expire'; did you mean 'expires'\?"),
        ("previews-listed-twice", r"pr.yaml, line 5: preview 'pr-1' is listed twice \(also line 2\)"),
        (
            "previews-permanent-name",
            # A permanent environment's name is no preview name: previews are pr-* (their project's namespaces).
            rf"pr.yaml, line 2: environment '{ENVIRONMENTS[-1].name}': name = '{ENVIRONMENTS[-1].name}' is not "
            r"allowed: a name starting with 'pr-'",
        ),
    ],
)
def test_mistake_is_one_message(end_to_end, scenario, message):
    lines = failed(end_to_end[scenario])
    assert len(lines) == 2, lines
    assert lines[0] == INVALID
    assert re.match(message, lines[1]), lines[1]


@pytest.mark.scenario
def test_expired_preview_is_a_warning_and_still_synthesized(end_to_end):
    run = end_to_end["previews-expired"]
    (step,) = run.result()
    assert step.code == 0, step.stderr
    assert step.stderr.splitlines() == [
        "gorax: warning: preview 'pr-1' expired on 2020-01-01; remove it with bin/gorax previews prune"
    ]
    assert (run.project / "dist" / "previews" / "pr-1").is_dir()


@pytest.mark.scenario
def test_internal_error_is_one_line_and_the_trace_is_kept(end_to_end):
    run = end_to_end["internal-error"]
    (line,) = failed(run)
    assert line == (
        "gorax: internal error while synthesizing into build/synth/ and promoting it to dist/ "
        "(KeyError: 'no such key'); full trace in build/last-error.txt"
    )
    trace = (run.project / "build" / "last-error.txt").read_text()
    assert trace.startswith("Traceback") and "synth.py" in trace


def with_value(config, path: tuple[str, ...], value):
    """``config`` with the field at ``path`` replaced (each section re-created with ``replace``)."""
    if len(path) == 1:
        return replace(config, **{path[0]: value})
    return replace(config, **{path[0]: with_value(getattr(config, path[0]), path[1:], value)})


def field_paths():
    """Every init field of every section reachable from EnvironmentConfig, as a path from the environment."""
    for path, cls in sections(EnvironmentConfig):
        prefix = tuple(path.split(".")) if path else ()
        for name, hint in field_hints(cls).items():
            yield prefix + (name,), hint


def present(config, path) -> bool:
    """Whether every section on the path exists in ``config`` (``disruption_budget`` may be None; ``secrets``
    is one of two classes)."""
    for name in path[:-1]:
        config = getattr(config, name, None)
        if config is None or name not in field_hints(type(config)) and not dataclasses.is_dataclass(config):
            return False
    return dataclasses.is_dataclass(config) and path[-1] in field_hints(type(config))


PREVIEW = preview_environment(Preview(name="pr-1", owner="alice", expires="2030-01-01"), DEVELOPMENT)
EXAMPLES = (DEVELOPMENT, PRODUCTION, PREVIEW, *OPTION_ENVIRONMENTS)
"""Between them, every section exists in one (sections that are one of several classes, or optional)."""
WRONG_VALUES = ["x", 7, 0.5, None, True, ("x",), (("x", 1),), Peer(cidrs=("10.0.0.0/8",))]


REACHABLE = [
    (path, example)
    for path, _ in field_paths()
    if (example := next((env for env in EXAMPLES if present(env, path)), None)) is not None
]
"""Every field some valid environment has (``api.autoscaling.queue_depth`` has none: workers only), with the
first example that has it (one example: each costs ~3 ms per field)."""


@pytest.mark.parametrize("path,env", REACHABLE, ids=lambda p: ".".join(p) if isinstance(p, tuple) else "")
def test_any_wrong_value_is_a_config_error_never_a_crash(path, env):
    """Every field, given a value of every other kind: either accepted or a ConfigError, nothing else."""
    for value in WRONG_VALUES:
        with contextlib.suppress(ConfigError):
            with_value(env, path, value)


TUPLE_FIELDS = [(path, hint) for path, hint in field_paths() if typing.get_origin(hint) is tuple]


def test_tuple_fields_are_found():
    names = {".".join(path) for path, _ in TUPLE_FIELDS}
    assert {"cors.allowed_origins", "features", "network.private_ranges", "monitoring.prometheus_labels"} <= names


@pytest.mark.parametrize("path,hint", TUPLE_FIELDS, ids=lambda p: ".".join(p) if isinstance(p, tuple) else "")
def test_a_string_for_a_tuple_is_one_error(path, hint):
    env = next((env for env in EXAMPLES if present(env, path)), None)
    assert env, f"no example environment has {'.'.join(path)}: add one to EXAMPLES"
    with pytest.raises(ConfigError) as caught:
        with_value(env, path, "https://x.io,https://y.io")
    (problem,) = caught.value.problems
    assert problem.field == ".".join(path)
    assert "a tuple of" in problem.allowed


ENVIRONMENTS_SOURCE = '''"""A user's environments.py, owned by this test: the mistakes below are made in it."""

from dataclasses import replace

from gorax_constructs.configuration.model import DatabasePool, Image, Migration, Resources
from gorax_constructs.environments import BASE

API = Image(repository="gorax/gorax", tag="v1.0.0")
WORKER = replace(BASE.worker, image=API)

STAGING = replace(
    BASE,
    name="staging",
    tier="staging",
    prefix="staging",
    namespace="gorax-staging",
    api_host="api.staging.example.test",
    webhooks_host="webhooks.staging.example.test",
    worker=WORKER,
    api=replace(
        BASE.api,
        image=API,
        resources=Resources(cpu_request="200m", cpu_limit="400m", memory_request="192Mi", memory_limit="384Mi"),
        autoscaling=replace(BASE.api.autoscaling, min_replicas=2, max_replicas=6),
    ),
    cors=replace(BASE.cors, allowed_origins=("https://staging.example.test",)),
)

PRODUCTION = replace(
    BASE,
    name="production",
    tier="production",
    prefix="prod",
    namespace="gorax-prod",
    api_host="api.example.test",
    webhooks_host="webhooks.example.test",
    api=replace(BASE.api, image=API),
    worker=WORKER,
    log_level="warn",
    database=DatabasePool(max_open_conns=50, max_idle_conns=25),
    zone_spread=True,
)
'''


def explained(tmp_path, monkeypatch, old: str, new: str) -> str:
    """The message for environments.py with ``old`` replaced by ``new``, executed in process as the package's
    environments module would be (the subprocess scenarios above cover the real command)."""
    assert old in ENVIRONMENTS_SOURCE
    path = tmp_path / "environments.py"
    path.write_text(ENVIRONMENTS_SOURCE.replace(old, new, 1))
    monkeypatch.setattr(reporting, "environments_file", lambda: path)
    try:
        code = compile(path.read_text(), str(path), "exec")
        exec(code, {"__name__": "gorax_constructs.environments_under_test", "__package__": "gorax_constructs"})
    except Exception as error:
        message = reporting.explain(error)
        assert message is not None, error
        return message
    raise AssertionError("no error")


@pytest.mark.parametrize(
    "old,new,message",
    [
        (
            "min_replicas=2, max_replicas=6",
            "min_replicas=2, max_replica=6",
            "line {line}, environment 'staging', section api.autoscaling: Autoscaling has no setting 'max_replica'; "
            "did you mean 'max_replicas'?",
        ),
        (
            'Resources(cpu_request="200m", cpu_limit="400m", ',
            'Resources(cpu_limit="400m", ',
            "environment 'staging', section api.resources: Resources needs 'cpu_request'",
        ),
        (
            "DatabasePool(max_open_conns=50, max_idle_conns=25)",
            "DatabasePool(50, 25)",
            "environment 'production', section database: DatabasePool takes its settings by name, "
            "e.g. DatabasePool(max_open_conns=...)",
        ),
        (
            'cors=replace(BASE.cors, allowed_origins=("https://staging.example.test",)),',
            'cors=replace(BASE.cors, origins=("https://staging.example.test",)),',
            "environment 'staging', section cors: Cors has no setting 'origins'; did you mean 'allowed_origins'?",
        ),
        (
            "    zone_spread=True,\n",
            "    zone_spread=True,\n    migration=Migratoin(backoff_limit=3),\n",
            "environment 'production': Migratoin is not defined; did you mean Migration?",
        ),
        (
            '    log_level="warn",\n',
            '    log_level="warn"\n',
            "line {line}, column 15: invalid syntax. Perhaps you forgot a comma?",
        ),
    ],
)
def test_python_errors_in_environments_py_are_explained(tmp_path, monkeypatch, old, new, message):
    line = ENVIRONMENTS_SOURCE[: ENVIRONMENTS_SOURCE.index(old)].count("\n") + 1
    assert message.format(line=line) in explained(tmp_path, monkeypatch, old, new)
