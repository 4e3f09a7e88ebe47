"""One release image for both components: ``bin/gorax image set ENV --tag T``, and the old options still work."""

import pytest

from gorax_constructs.cli import main
from gorax_constructs.configuration.images import IMAGES_FILE_VARIABLE, Images
from gorax_constructs.environments import APP_IMAGE

from .conftest import REPO

REPOSITORIES = {"api": APP_IMAGE, "worker": APP_IMAGE}


@pytest.fixture
def images(tmp_path, monkeypatch):
    path = tmp_path / "images.yaml"
    path.write_text((REPO / "images.yaml").read_text())
    monkeypatch.setenv(IMAGES_FILE_VARIABLE, str(path))
    return path


def test_tag_sets_the_one_image_of_both_components(images, capsys):
    assert main(["image", "set", "staging", "--tag", "v7.7.7"]) == 0
    staging = Images(images, REPOSITORIES).of("staging")
    assert staging.api == staging.worker and staging.api.reference == f"{APP_IMAGE}:v7.7.7"
    assert "staging api now runs tag v7.7.7" in capsys.readouterr().out


def test_per_component_options_still_work(images):
    before = Images(images, REPOSITORIES).of("staging")
    assert main(["image", "set", "staging", "--api-tag", "v7.7.8"]) == 0
    after = Images(images, REPOSITORIES).of("staging")
    assert after.api.tag == "v7.7.8" and after.worker == before.worker


def test_tag_and_component_options_together_are_refused(images, capsys):
    text = images.read_text()
    assert main(["image", "set", "staging", "--tag", "v7.7.7", "--worker-tag", "v7.7.8"]) == 1
    assert "not both" in capsys.readouterr().err
    assert images.read_text() == text
