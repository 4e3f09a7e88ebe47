"""The full output of the tests' own environments (``fixture_catalog.py``), as reviewers read it.

Only fixture environments are snapshotted: the committed catalog's golden copy is ``dist/`` itself (the drift
check). A release, a preview or a new environment never changes these; a change to the constructs does.
Update deliberately with ``make snapshots``, then read the diff of ``tests/__snapshots__/`` and explain it
in the commit."""

import pytest

from . import fixture_catalog as fixture
from .snapshot_yaml import YamlSnapshotExtension

SNAPSHOTTED = [env.name for env in (*fixture.PERMANENT, *fixture.PREVIEWS, *fixture.OPTION_ENVIRONMENTS)]


@pytest.fixture
def snapshot_yaml(snapshot):
    return snapshot.use_extension(YamlSnapshotExtension)


@pytest.mark.parametrize("name", SNAPSHOTTED)
def test_fixture_environment_output(name, fixture_synthesized, options_synthesized, snapshot_yaml):
    output = fixture_synthesized.get(name) or options_synthesized[name]
    assert output.text() == snapshot_yaml
