"""Every environment's full output, as reviewers read it. Update deliberately:
``pytest --snapshot-update``, then read the diff and explain it in the commit."""

import pytest

from .snapshot_yaml import YamlSnapshotExtension


@pytest.fixture
def snapshot_yaml(snapshot):
    return snapshot.use_extension(YamlSnapshotExtension)


def test_environment_output(environment, snapshot_yaml):
    assert environment.text() == snapshot_yaml
