"""Synthesize every environment once per test session; tests read plain dicts.

One jsii start costs about half a second, so the whole suite shares one
in-process synth (the same ``App.synth()`` that ``cdk8s synth`` runs) into a
session temp folder, and reads the files it wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml

from gorax_constructs.configuration.model import EnvironmentConfig
from gorax_constructs.pipeline.catalog import Catalog, load_catalog
from gorax_constructs.pipeline.synth import synth_catalog
from gorax_constructs.pipeline.validation import YAML_LOADER

from .end_to_end import Chain, Run, start_all
from .option_environments import OPTION_ENVIRONMENTS

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Synthesized:
    """One environment's synthesized output."""

    env: EnvironmentConfig
    folder: Path

    @property
    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.k8s.yaml"))

    @cached_property
    def objects(self) -> list[dict[str, Any]]:
        """Parsed once per session; treat as read-only."""
        return [doc for path in self.files for doc in yaml.load_all(path.read_text(), Loader=YAML_LOADER) if doc]

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


def folder_app(outdir: Path) -> cdk8s.App:
    """A plain cdk8s App writing ``<outdir>/<Kind>.<name>.k8s.yaml``, as a user of the charts would synth them.

    The per-resource output types ask a chart for all its objects in one ``toJson`` call.
    """
    return cdk8s.App(outdir=str(outdir), yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)


def synthesize(catalog: Catalog, outdir: Path) -> dict[str, Synthesized]:
    """Synthesize like `make synth` does; results keyed by environment name."""
    synth_catalog(catalog, outdir)
    environments = (*catalog.permanent, *catalog.previews)
    return {
        env.name: Synthesized(env, outdir / folder)
        for env, folder in zip(environments, catalog.environment_folders(), strict=True)
    }


def synthesize_environments(environments: tuple[EnvironmentConfig, ...], outdir: Path) -> dict[str, Synthesized]:
    return synthesize(Catalog(permanent=environments, previews=()), outdir)


@pytest.fixture(scope="session", autouse=True)
def end_to_end(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Run | Chain]]:
    """The end-to-end commands of the selected modules (tests/test_end_to_end.py, tests/test_user_errors.py),
    started at the session's start: they run on the second core while the in-process tests run (see
    tests/end_to_end.py)."""
    modules = {item.path.name for item in request.session.items}
    runs = start_all(tmp_path_factory.mktemp("end-to-end"), modules)
    yield runs
    for run in runs.values():
        run.stop()


@pytest.fixture(scope="session")
def synth_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("synth")


@pytest.fixture(scope="session")
def synthesized(synth_root: Path) -> dict[str, Synthesized]:
    """Every environment of the catalog (permanent and previews), synthesized once."""
    return synthesize(CATALOG, synth_root)


@pytest.fixture(scope="session")
def options_synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synthesized]:
    """The test-only environments of every secret source, identity and scaling mode (option_environments.py)."""
    return synthesize_environments(OPTION_ENVIRONMENTS, tmp_path_factory.mktemp("synth-options"))


@pytest.fixture(
    scope="session",
    params=[env.name for env in (*CATALOG.permanent, *CATALOG.previews, *OPTION_ENVIRONMENTS)],
)
def environment(
    request: pytest.FixtureRequest,
    synthesized: dict[str, Synthesized],
    options_synthesized: dict[str, Synthesized],
) -> Synthesized:
    """Every catalog environment and every test-only option environment."""
    return synthesized.get(request.param) or options_synthesized[request.param]


def with_edge_mode(env: EnvironmentConfig, mode: str) -> EnvironmentConfig:
    return replace(env, edge=replace(env.edge, mode=mode))


GATEWAY_ENVIRONMENTS = tuple(with_edge_mode(env, "gateway-api") for env in CATALOG.permanent)
EDGE_MODES = ("ingress-nginx", "gateway-api")


@pytest.fixture(scope="session")
def gateway_synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synthesized]:
    """Every environment in gateway-api mode, synthesized in one App (one jsii round trip per object)."""
    return synthesize_environments(GATEWAY_ENVIRONMENTS, tmp_path_factory.mktemp("synth-gateway"))


@pytest.fixture(
    scope="session",
    params=[(mode, env.name) for mode in EDGE_MODES for env in CATALOG.permanent],
    ids=lambda p: f"{p[1]}-{p[0]}",
)
def any_edge(
    request: pytest.FixtureRequest,
    synthesized: dict[str, Synthesized],
    gateway_synthesized: dict[str, Synthesized],
) -> Synthesized:
    """Every environment in both edge modes."""
    mode, name = request.param
    output = synthesized[name] if mode == "ingress-nginx" else gateway_synthesized[name]
    assert output.env.edge.mode == mode
    return output
