"""One synth of every option at once, shared by the tests that need each kind the constructs can emit."""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml

from gorax_constructs.configuration.previews import Preview, preview_environment
from gorax_constructs.pipeline.catalog import Catalog
from gorax_constructs.pipeline.kustomize import ARGOCD_FOLDER

from .conftest import Synthesized, synthesize
from .fixture_catalog import DEV as DEVELOPMENT
from .fixture_catalog import OPTION_ENVIRONMENTS
from .fixture_catalog import PERMANENT as ENVIRONMENTS


def gateway_twin(env):
    """The environment in gateway-api mode, under names of its own so it can share a catalog with the original."""
    name = f"gw-{env.name}"
    return replace(
        env,
        name=name,
        prefix=f"gw-{env.prefix}",
        namespace=f"gorax-{name}",
        api_host=f"api.{name}.fixture.test",
        webhooks_host=f"webhooks.{name}.fixture.test",
        edge=replace(env.edge, mode="gateway-api"),
    )


EVERY_OPTION = Catalog(
    permanent=(*ENVIRONMENTS, *OPTION_ENVIRONMENTS, *(gateway_twin(env) for env in ENVIRONMENTS)),
    previews=(preview_environment(Preview(name="pr-5", owner="ci", expires="2030-01-01"), DEVELOPMENT),),
    development=DEVELOPMENT,
)
"""Each tier in both edge modes, each secret source, identity and scaling mode (fixture_catalog.py), a
preview."""


_CACHE: dict[str, tuple[dict[str, Synthesized], list[dict]]] = {}


def synthesize_every_option(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Synthesized], list[dict]]:
    """The environments' outputs by name, and the Argo CD folder's objects; synthesized once per session."""
    if "outputs" not in _CACHE:
        root = tmp_path_factory.mktemp("every-option")
        outputs = synthesize(EVERY_OPTION, root)
        argocd = [yaml.safe_load(p.read_text()) for p in sorted((root / ARGOCD_FOLDER).glob("*.k8s.yaml"))]
        _CACHE["outputs"] = (outputs, argocd)
    return _CACHE["outputs"]
