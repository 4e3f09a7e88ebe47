"""Preview environments: derived from development, isolated, validated, and harmless to the rest."""

import pytest

from gorax_constructs.configuration.errors import ConfigError
from gorax_constructs.configuration.previews import (
    EXPIRES_LABEL,
    OWNER_LABEL,
    Preview,
    load_previews,
    parse_previews,
    preview_environment,
)
from gorax_constructs.environments import DEVELOPMENT, ENVIRONMENTS
from gorax_constructs.pipeline.catalog import Catalog

from .conftest import CATALOG, synthesize
from .test_synth_pipeline import tree


def test_committed_previews_file_is_loaded():
    assert [env.name for env in CATALOG.previews] == ["pr-123"]


def test_preview_derives_from_development():
    env = preview_environment(Preview(name="pr-7", owner="alice", expires="2026-12-31"), DEVELOPMENT)
    assert env.namespace == "gorax-pr-7"
    assert env.hosts == ("pr-7.api.dev.gorax.io", "pr-7.webhooks.dev.gorax.io")
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


def test_preview_output_is_labelled_with_owner_and_expiry(synthesized):
    preview = synthesized["pr-123"]
    assert preview.folder.parts[-2:] == ("previews", "pr-123")
    for obj in preview.objects:
        labels = obj["metadata"]["labels"]
        assert labels[OWNER_LABEL] == "gorax-bot"
        assert labels[EXPIRES_LABEL] == "2026-12-31"
    assert preview.get("Namespace", "gorax-pr-123")


def test_previews_never_change_permanent_output(synth_root, synthesized, tmp_path):
    synthesize(Catalog(permanent=ENVIRONMENTS, previews=()), tmp_path)
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


@pytest.mark.parametrize("name,field", [("staging", "name"), ("development", "name"), ("dev", "namespace")])
def test_preview_colliding_with_a_permanent_environment(tmp_path, name, field):
    path = tmp_path / "previews.yaml"
    path.write_text(f"previews:\n  - name: {name}\n    owner: alice\n    expires: '2026-12-31'\n")
    with pytest.raises(ConfigError) as caught:
        load_previews(ENVIRONMENTS, DEVELOPMENT, path)
    assert f"environment '{name}': {field} = " in str(caught.value)
    assert "already used by environment" in str(caught.value)


def test_duplicate_previews(tmp_path):
    path = tmp_path / "previews.yaml"
    entry = "  - name: pr-1\n    owner: alice\n    expires: '2026-12-31'\n"
    path.write_text("previews:\n" + entry + entry)
    with pytest.raises(ConfigError, match="environment 'pr-1': name = 'pr-1'"):
        load_previews(ENVIRONMENTS, DEVELOPMENT, path)


def test_preview_entries_need_owner_and_expiry():
    with pytest.raises(ConfigError, match="environment 'pr-1': previews\\[0\\]"):
        parse_previews({"previews": [{"name": "pr-1"}]}, "previews.yaml")
    with pytest.raises(ConfigError, match="expires = 'soon'"):
        preview_environment(Preview(name="pr-1", owner="alice", expires="soon"), DEVELOPMENT)


def test_previews_file_from_environment_variable(tmp_path, monkeypatch):
    path = tmp_path / "mine.yaml"
    path.write_text("previews:\n  - name: pr-9\n    owner: ci\n    expires: '2027-01-01'\n")
    monkeypatch.setenv("GORAX_PREVIEWS_FILE", str(path))
    assert [env.name for env in load_previews(ENVIRONMENTS, DEVELOPMENT)] == ["pr-9"]
    assert load_previews(ENVIRONMENTS, DEVELOPMENT, tmp_path / "absent.yaml") == ()


def test_previews_have_no_disruption_budget(synthesized):
    """A preview is never worth blocking a node drain for."""
    assert synthesized["pr-123"].of_kind("PodDisruptionBudget") == []
    assert synthesized["development"].of_kind("PodDisruptionBudget")
