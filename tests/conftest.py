"""Synthesize every environment once per test session; tests read plain dicts.

One jsii start costs about half a second, so the whole suite shares one
in-process synth (the same ``App.synth()`` that ``cdk8s synth`` runs) into a
session temp folder, and reads the files it wrote.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml

from gorax_constructs.configuration.model import EnvironmentConfig
from gorax_constructs.extensions import EXTENSIONS
from gorax_constructs.pipeline.catalog import Catalog, load_catalog
from gorax_constructs.pipeline.synth import synth_catalog
from gorax_constructs.pipeline.validation import YAML_LOADER

from . import fixture_catalog as fixture
from . import memo
from .end_to_end import Chain, Run, start_all

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Synthesized:
    """One environment's synthesized output."""

    env: EnvironmentConfig
    folder: Path
    extended: bool = False
    """Whether ``extensions.py`` adds to or patches this environment (then some objects are the extension's)."""

    @property
    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.k8s.yaml"))

    @cached_property
    def objects(self) -> list[dict[str, Any]]:
        """Parsed once per session; treat as read-only."""
        return [doc for path in self.files for doc in yaml.load_all(path.read_text(), Loader=YAML_LOADER) if doc]

    @cached_property
    def own_objects(self) -> list[dict[str, Any]]:
        """``objects`` less what extensions add: the environment's chart built once more without them."""
        if not self.extended:
            return self.objects
        from gorax_constructs.parts.chart import EnvironmentChart

        keys = {(o["kind"], o["metadata"]["name"]) for o in EnvironmentChart(cdk8s.App(), self.env).synthesize()[0]}
        return [o for o in self.objects if (o["kind"], o["metadata"]["name"]) in keys]

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["kind"] == kind]

    def get(self, kind: str, name: str) -> dict[str, Any]:
        matches = [o for o in self.of_kind(kind) if o["metadata"]["name"] == name]
        assert len(matches) == 1, f"{self.env.name}: expected one {kind} {name}, found {len(matches)}"
        return matches[0]

    def text(self) -> str:
        """The folder as one YAML stream, each file introduced by its name (what reviewers read)."""
        return "".join(f"# {path.name}\n---\n{path.read_text()}" for path in self.files)


CATALOG = load_catalog()
"""The committed catalog: whatever ``environments.py``, ``previews.yaml``, ``images.yaml`` and ``extensions.py``
say today. Tests read it only for invariants that hold for any valid configuration."""
FIXTURE = fixture.CATALOG
"""The tests' own catalog (``fixture_catalog.py``): what example-based tests and snapshots read."""


def folder_app(outdir: Path) -> cdk8s.App:
    """A plain cdk8s App writing ``<outdir>/<Kind>.<name>.k8s.yaml``, as a user of the charts would synth them.

    The per-resource output types ask a chart for all its objects in one ``toJson`` call.
    """
    return cdk8s.App(outdir=str(outdir), yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)


def synthesize(catalog: Catalog, outdir: Path, extensions: Mapping[str, Any] | None = None) -> dict[str, Synthesized]:
    """Synthesize like `make synth` does; results keyed by environment name. ``extensions.py`` extends the
    committed catalog's environments; another catalog is synthesized without extensions unless given some."""
    if extensions is None:
        extensions = EXTENSIONS if catalog is CATALOG else {}
    synth_catalog(catalog, outdir, extensions=extensions)
    environments = (*catalog.permanent, *catalog.previews)
    extended = set(extensions)
    return {
        env.name: Synthesized(env, outdir / folder, env.name in extended)
        for env, folder in zip(environments, catalog.environment_folders(), strict=True)
    }


def own_objects(output: Synthesized) -> list[dict[str, Any]]:
    """The objects the project's own parts emit: an extended environment's output less what its extensions add
    (an extension's own labels and selectors are the extension's business)."""
    return output.own_objects


def synthesize_environments(environments: tuple[EnvironmentConfig, ...], outdir: Path) -> dict[str, Synthesized]:
    return synthesize(Catalog(permanent=environments, previews=()), outdir)


SECOND_SHARD = frozenset(
    {
        "test_alert_scenarios.py",
        "test_api_values.py",
        "test_chart_contract.py",
        "test_constructs.py",
        "test_dependencies.py",
        "test_extensions.py",
        "test_imports.py",
        "test_layers.py",
        "test_normalisation.py",
        "test_user_errors.py",
    }
)
"""The modules `make test` runs in its second pytest process (``--shard 2``; scripts/test.py), on the 2-core
machine's second core: about half of the test time both when nothing changed (in-process tests) and on a first
run (the promtool scenarios); most of them read none of the session's synthesized catalogs."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--shard",
        choices=("1", "2"),
        help="run only the modules of one half of the suite (2: SECOND_SHARD in tests/conftest.py; 1: the rest)",
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Leaves out the other half's modules under ``--shard``."""
    shard = config.getoption("shard")
    module = collection_path.suffix == ".py" and collection_path.name.startswith("test_")
    return True if shard and module and (collection_path.name in SECOND_SHARD) != (shard == "2") else None


REUSED = pytest.StashKey[set[str]]()
"""The ids of the scenario tests this session skips: they passed under the project's current fingerprint."""


def is_scenario(item: pytest.Item) -> bool:
    return item.get_closest_marker("scenario") is not None


@pytest.hookimpl(trylast=True)  # after `-m`, `-k` and `--deselect` have chosen the session's tests
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """A module's scenario tests are skipped when every one of them passed under this fingerprint (tests/memo.py)."""
    by_module: dict[str, list[str]] = {}
    for item in items:
        if is_scenario(item):
            by_module.setdefault(str(item.path), []).append(item.nodeid)
    config.stash[REUSED] = memo.reusable(by_module, memo.passed_scenarios()) if by_module else set()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.nodeid in item.config.stash.get(REUSED, set()):
        pytest.skip(memo.REUSED_REASON)


PASSED_IDS: set[str] = set()
"""The scenario tests that passed in this session: recorded under the fingerprint at the session's end."""


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed and "scenario" in report.keywords:
        PASSED_IDS.add(report.nodeid)


@pytest.fixture(scope="session", autouse=True)
def end_to_end(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Run | Chain]]:
    """The scenarios of the selected tests (marked ``scenario``) that this session runs, started at the session's
    start: they run on the second core while the in-process tests run (see tests/end_to_end.py)."""
    reused = request.config.stash.get(REUSED, set())
    items = [item for item in request.session.items if is_scenario(item) and item.nodeid not in reused]
    runs = start_all(tmp_path_factory.mktemp("end-to-end"), {item.path.name for item in items}) if items else {}
    yield runs
    for run in runs.values():
        run.stop()


@pytest.fixture(scope="session")
def synth_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("synth")


@pytest.fixture(scope="session")
def synthesized(synth_root: Path) -> dict[str, Synthesized]:
    """Every environment of the committed catalog (permanent and previews), synthesized once: for invariants."""
    return synthesize(CATALOG, synth_root)


@pytest.fixture(scope="session")
def fixture_synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synthesized]:
    """Every environment of the tests' own catalog (``fixture_catalog.py``), synthesized once: for examples."""
    return synthesize(FIXTURE, tmp_path_factory.mktemp("synth-fixture"))


@pytest.fixture(scope="session")
def options_synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synthesized]:
    """The tests' environments of every secret source, identity and scaling mode (``fixture_catalog.py``)."""
    return synthesize_environments(fixture.OPTION_ENVIRONMENTS, tmp_path_factory.mktemp("synth-options"))


def _param(prefix: str, env: EnvironmentConfig) -> pytest.param:
    return pytest.param((prefix, env.name), id=f"{prefix}-{env.name}")


ALL_ENVIRONMENTS = [
    *(_param("catalog", env) for env in (*CATALOG.permanent, *CATALOG.previews)),
    *(_param("fixture", env) for env in (*FIXTURE.permanent, *FIXTURE.previews)),
    *(_param("option", env) for env in fixture.OPTION_ENVIRONMENTS),
]


@pytest.fixture(scope="session", params=ALL_ENVIRONMENTS)
def environment(
    request: pytest.FixtureRequest,
    synthesized: dict[str, Synthesized],
    fixture_synthesized: dict[str, Synthesized],
    options_synthesized: dict[str, Synthesized],
) -> Synthesized:
    """Every environment there is: the committed catalog's (whatever it holds), the fixture catalog's and the
    option environments'. Tests that take it assert what must hold for any valid configuration."""
    source, name = request.param
    return {"catalog": synthesized, "fixture": fixture_synthesized, "option": options_synthesized}[source][name]


def with_edge_mode(env: EnvironmentConfig, mode: str) -> EnvironmentConfig:
    return replace(env, edge=replace(env.edge, mode=mode))


GATEWAY_ENVIRONMENTS = tuple(with_edge_mode(env, "gateway-api") for env in FIXTURE.permanent)
"""The fixture's permanent environments in gateway-api mode (the committed ones run ingress-nginx or not:
either way the fixture covers the mode)."""
EDGE_MODES = ("ingress-nginx", "gateway-api")


@pytest.fixture(scope="session")
def gateway_synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synthesized]:
    """The fixture's permanent environments in gateway-api mode, synthesized in one App."""
    return synthesize_environments(GATEWAY_ENVIRONMENTS, tmp_path_factory.mktemp("synth-gateway"))


@pytest.fixture(
    scope="session",
    params=[
        *((("catalog", env.name)) for env in CATALOG.permanent),
        *(((mode, env.name)) for mode in EDGE_MODES for env in FIXTURE.permanent),
    ],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def any_edge(
    request: pytest.FixtureRequest,
    synthesized: dict[str, Synthesized],
    fixture_synthesized: dict[str, Synthesized],
    gateway_synthesized: dict[str, Synthesized],
) -> Synthesized:
    """The committed permanent environments as configured, and the fixture's in both edge modes."""
    source, name = request.param
    if source == "catalog":
        return synthesized[name]
    output = fixture_synthesized[name] if source == "ingress-nginx" else gateway_synthesized[name]
    assert output.env.edge.mode == source
    return output


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """``--snapshot-update`` deletes the snapshots no test asserted; after a failing or erroring run that is
    every snapshot whose test did not get that far. Keep them all unless the run was green (syrupy's
    ``--snapshot-no-cleanup``, set before syrupy's own session-finish hook runs)."""
    options = session.config.option
    if getattr(options, "update_snapshots", False) and (session.testsfailed or exitstatus != 0):
        options.no_cleanup = True
    memo.remember_scenarios(PASSED_IDS)


@pytest.fixture(scope="session")
def every_output(
    synthesized: dict[str, Synthesized],
    fixture_synthesized: dict[str, Synthesized],
    options_synthesized: dict[str, Synthesized],
) -> list[Synthesized]:
    """Every environment there is (committed, fixture, options), for tests that loop over all of them."""
    return [*synthesized.values(), *fixture_synthesized.values(), *options_synthesized.values()]


@pytest.fixture(scope="session")
def every_preview(
    synthesized: dict[str, Synthesized], fixture_synthesized: dict[str, Synthesized]
) -> list[Synthesized]:
    """Every preview there is: the committed ``previews.yaml``'s (maybe none) and the fixture's (never none)."""
    previews = [output for output in (*synthesized.values(), *fixture_synthesized.values()) if output.env.preview]
    assert any(output.env.preview for output in fixture_synthesized.values())
    return previews
