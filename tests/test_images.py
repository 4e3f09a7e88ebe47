"""images.yaml: the image each permanent environment runs, read by environments.py."""

import pytest

from gorax_constructs.configuration.errors import FileError
from gorax_constructs.configuration.images import Images, parse_images
from gorax_constructs.environments import ENVIRONMENTS, IMAGES

from . import fixture_catalog as fixture

REPOSITORIES = {"api": "gorax/api", "worker": "gorax/worker"}


def test_every_permanent_environment_runs_its_images_yaml_entry():
    assert sorted(IMAGES.entries) == sorted(env.name for env in ENVIRONMENTS)
    for env in ENVIRONMENTS:
        images = IMAGES.of(env.name)
        assert (env.api.image, env.worker.image) == (images.api, images.worker)


@pytest.mark.parametrize(
    "text,message",
    [
        ("production:\n  api:\n    tag: v1\n", "line 1, environment 'production': missing worker"),
        ("production:\n  api: v1\n  worker: {tag: v1}\n", "line 2, environment 'production', api: expected 'tag:'"),
        (
            "production:\n  api: {tags: v1}\n  worker: {tag: v1}\n",
            "line 2, environment 'production', api: unknown key 'tags'; did you mean 'tag'?",
        ),
        (
            "production:\n  apis: {tag: v1}\n  worker: {tag: v1}\n",
            "line 2, environment 'production': unknown component 'apis'; did you mean 'api'?",
        ),
        (
            "production:\n  api: {tag: 1.10}\n  worker: {tag: v1}\n",
            "line 2, environment 'production', api: tag = 1.1 is not allowed: a string (quote it",
        ),
        (
            "a: {api: {tag: x}, worker: {tag: x}}\na: {}\n",
            "line 2, column 1: the key 'a' is given twice (first on line 1)",
        ),
        ("production:\n  api: {tag: v1\n", "line 3, column 1: not valid YAML"),
        ("- production\n", "line 1: expected a mapping of environment names"),
    ],
)
def test_malformed_images_file_names_the_line(text, message):
    with pytest.raises(FileError) as caught:
        parse_images(text, "images.yaml")
    assert f"images.yaml, {message}" in str(caught.value)


def test_missing_environment_says_how_to_add_it(tmp_path):
    path = tmp_path / "images.yaml"
    path.write_text("")
    with pytest.raises(FileError, match="no images for environment 'qa'; add them with bin/gorax image set qa"):
        Images(path, REPOSITORIES).of("qa")


def _images_text(environments) -> str:
    """An images.yaml that lists exactly what ``environments`` run."""
    lines = []
    for env in environments:
        lines.append(f"{env.name}:\n")
        for component in ("api", "worker"):
            image = getattr(env, component).image
            keys = ", ".join(f"{k}: {v}" for k, v in (("tag", image.tag), ("digest", image.digest)) if v)
            lines.append(f"  {component}: {{{keys}}}\n")
    return "".join(lines)


def test_entries_must_be_environments_that_read_them(tmp_path):
    repositories = {"api": fixture.API, "worker": fixture.WORKER}
    path = tmp_path / "images.yaml"
    text = _images_text(fixture.PERMANENT)
    path.write_text(text)
    Images(path, repositories).check(fixture.PERMANENT)
    path.write_text(text + "not-an-environment:\n  api: {tag: v1}\n  worker: {tag: v1}\n")
    with pytest.raises(FileError, match="'not-an-environment' is not a permanent environment"):
        Images(path, repositories).check(fixture.PERMANENT)
    staging = fixture.STAGING
    path.write_text(
        text.replace(
            f"{staging.name}:\n  api: {{tag: {staging.api.image.tag}}}", f"{staging.name}:\n  api: {{tag: v0.0.1}}"
        )
    )
    running = staging.api.image.reference
    with pytest.raises(FileError, match=f"environment '{staging.name}' runs {running}, not the api image listed"):
        Images(path, repositories).check(fixture.PERMANENT)
