"""Preview environments: derived from development, isolated, validated, and harmless to the rest."""

import datetime
from dataclasses import replace

import pytest
import yaml

from gorax_constructs.configuration.errors import ConfigError
from gorax_constructs.configuration.previews import (
    EXPIRES_LABEL,
    OWNER_LABEL,
    Preview,
    expiry_warnings,
    load_previews,
    parse_previews,
    preview_environment,
    previews_file,
)
from gorax_constructs.extensions import EXTENSIONS
from gorax_constructs.pipeline.catalog import Catalog

from .conftest import CATALOG, synthesize
from .fixture_catalog import DEV as DEVELOPMENT
from .fixture_catalog import PERMANENT as ENVIRONMENTS
from .fixture_catalog import PREVIEW_REQUESTS, STAGING
from .test_synth_pipeline import tree


def test_the_catalog_holds_exactly_the_previews_the_file_lists():
    """Whatever the committed file lists (none included), read here without the project's parser."""
    listed = (yaml.safe_load(previews_file().read_text()) or {}).get("previews") or []
    assert [env.name for env in CATALOG.previews] == [str(entry["name"]) for entry in listed]


def test_preview_derives_from_development():
    env = preview_environment(Preview(name="pr-7", owner="alice", expires="2026-12-31"), DEVELOPMENT)
    assert env.namespace == "gorax-pr-7"
    assert env.hosts == (f"pr-7.{DEVELOPMENT.api_host}", f"pr-7.{DEVELOPMENT.webhooks_host}")
    assert env.tier == "development"
    assert env.preview and env.alert_tier == "preview" and not env.monitoring.preview_monitoring
    assert not DEVELOPMENT.preview and DEVELOPMENT.alert_tier == "development"
    assert env.api.resources == DEVELOPMENT.api.resources
    assert env.api.image == DEVELOPMENT.api.image
    assert dict(env.extra_labels) == {OWNER_LABEL: "alice", EXPIRES_LABEL: "2026-12-31"}


def test_preview_image_tags_override_development():
    env = preview_environment(Preview(name="pr-8", owner="bob", expires="2026-12-31", api_tag="sha-abc"), DEVELOPMENT)
    assert env.api.image.tag == "sha-abc"
    assert env.worker.image == DEVELOPMENT.worker.image


def test_preview_output_is_labelled_with_owner_and_expiry(every_preview):
    for preview in every_preview:
        assert preview.folder.parts[-2:] == ("previews", preview.env.name)
        for obj in preview.objects:
            labels = obj["metadata"]["labels"]
            assert labels[OWNER_LABEL] == dict(preview.env.extra_labels)[OWNER_LABEL]
            assert labels[EXPIRES_LABEL] == dict(preview.env.extra_labels)[EXPIRES_LABEL]
        assert preview.get("Namespace", f"gorax-{preview.env.name}")


def test_a_fixture_preview_carries_its_requests_owner_and_expiry(fixture_synthesized):
    request = PREVIEW_REQUESTS[0]
    labels = fixture_synthesized[request.name].get("Namespace", f"gorax-{request.name}")["metadata"]["labels"]
    assert (labels[OWNER_LABEL], labels[EXPIRES_LABEL]) == (request.owner, request.expires)


def test_previews_never_change_permanent_output(synth_root, synthesized, tmp_path):
    synthesize(Catalog(permanent=CATALOG.permanent, previews=()), tmp_path, extensions=EXTENSIONS)
    with_previews = {k: v for k, v in tree(synth_root).items() if not k.startswith("previews/")}
    assert with_previews == tree(tmp_path)


@pytest.mark.parametrize(
    "name,allowed",
    [
        ("PR-1", "DNS label"),
        ("pr_1", "DNS label"),
        ("1pr", "starting with a letter"),
        ("p" * 31, "at most 30 characters"),
        ("pr-", "DNS label"),
    ],
)
def test_invalid_preview_names(name, allowed):
    with pytest.raises(ConfigError) as caught:
        preview_environment(Preview(name=name, owner="alice", expires="2026-12-31"), DEVELOPMENT)
    assert f"environment '{name}': name = '{name}' is not allowed" in str(caught.value)
    assert allowed in str(caught.value)


@pytest.mark.parametrize(
    "name,other,shared",
    [("pr-5", {"name": "pr-5"}, "the name 'pr-5'"), ("pr-6", {"name": "qa", "prefix": "pr-6"}, "the prefix 'pr-6'")],
)
def test_preview_colliding_with_a_permanent_environment(tmp_path, name, other, shared):
    # Preview namespaces are gorax-pr-*, which no permanent namespace may use; names and prefixes can still clash.
    permanent = (*ENVIRONMENTS, replace(STAGING, namespace="gorax-qa", **other))
    path = tmp_path / "previews.yaml"
    path.write_text(f"previews:\n  - name: {name}\n    owner: alice\n    expires: '2026-12-31'\n")
    with pytest.raises(ConfigError) as caught:
        load_previews(permanent, DEVELOPMENT, path)
    assert (
        f"line 2: preview '{name}' collides with the permanent environment '{other['name']}' (both use {shared})"
        in str(caught.value)
    )


def test_duplicate_previews_are_listed_twice(tmp_path):
    path = tmp_path / "previews.yaml"
    entry = "  - name: pr-1\n    owner: alice\n    expires: '2026-12-31'\n"
    path.write_text("previews:\n" + entry + entry)
    with pytest.raises(ConfigError, match=r"line 5: preview 'pr-1' is listed twice \(also line 2\)"):
        load_previews(ENVIRONMENTS, DEVELOPMENT, path)


@pytest.mark.parametrize(
    "entry,message",
    [
        ("  - name: pr-1\n    owner: a\n", "line 2, preview 'pr-1': missing 'expires'"),
        ("  - name: pr-1\n", "line 2, preview 'pr-1': missing 'owner' and 'expires'"),
        (
            "  - name: pr-1\n    owners: a\n    expires: '2026-12-31'\n",
            "line 2, preview 'pr-1': unknown key 'owners'; did you mean 'owner'?",
        ),
        ("  - name: pr-1\n    name: pr-2\n", "line 3, column 5: the key 'name' is given twice (first on line 2)"),
        ("  - pr-1\n", "line 2, entry 1: expected a mapping"),
        (
            "  - name: pr-1\n    owner: yes\n    expires: '2026-12-31'\n",
            "line 2, preview 'pr-1': owner = True is not allowed: a string",
        ),
        (
            "  - name: pr-1\n    owner: a\n    expires: 2026-12-31 10:00:00\n",
            "line 2, preview 'pr-1': expires = datetime.datetime(",
        ),
        ("  - name: pr-1\n    owner: a\n   expires: x\n", "line 4, column 4: not valid YAML"),
    ],
)
def test_malformed_previews_file_names_the_line_and_the_key(entry, message):
    with pytest.raises(ConfigError) as caught:
        parse_previews("previews:\n" + entry, "previews.yaml")
    assert f"previews.yaml, {message}" in str(caught.value)


def test_an_unquoted_date_and_a_numeric_tag_are_read_as_written():
    (listed,) = parse_previews("previews:\n  - {name: pr-1, owner: a, expires: 2026-12-31, api_tag: 123}\n", "f")
    assert listed.preview == Preview(name="pr-1", owner="a", expires="2026-12-31", api_tag="123")


def test_invalid_preview_value_names_the_file_and_line(tmp_path):
    path = tmp_path / "previews.yaml"
    path.write_text("# c\npreviews:\n  - name: pr-1\n    owner: alice\n    expires: soon\n")
    with pytest.raises(ConfigError, match=r"line 3: environment 'pr-1': expires = 'soon' is not allowed"):
        load_previews(ENVIRONMENTS, DEVELOPMENT, path)


def test_expired_previews_are_warnings():
    env = preview_environment(Preview(name="pr-1", owner="alice", expires="2026-01-31"), DEVELOPMENT)
    assert expiry_warnings((env,), datetime.date(2026, 1, 31)) == []
    (warning,) = expiry_warnings((env,), datetime.date(2026, 2, 1))
    assert warning == "preview 'pr-1' expired on 2026-01-31; remove it with bin/gorax previews prune"


def test_previews_file_from_environment_variable(tmp_path, monkeypatch):
    path = tmp_path / "mine.yaml"
    path.write_text("previews:\n  - name: pr-9\n    owner: ci\n    expires: '2027-01-01'\n")
    monkeypatch.setenv("GORAX_PREVIEWS_FILE", str(path))
    assert [env.name for env in load_previews(ENVIRONMENTS, DEVELOPMENT)] == ["pr-9"]
    assert load_previews(ENVIRONMENTS, DEVELOPMENT, tmp_path / "absent.yaml") == ()


def test_previews_have_no_disruption_budget(every_preview, fixture_synthesized):
    """A preview is never worth blocking a node drain for."""
    for preview in every_preview:
        assert preview.of_kind("PodDisruptionBudget") == []
    assert fixture_synthesized[DEVELOPMENT.name].of_kind("PodDisruptionBudget")
