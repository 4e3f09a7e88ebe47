"""bin/gorax, run for real: each command as a subprocess in a copy of the project (tests/end_to_end.py
starts the chains at the session's start); the text edits themselves in process.

Cost: three chains, 21 commands, ~4 s of CPU on the second core (~0.1 s each; synth and the two
diffs ~0.7 s).
"""

import difflib
import re

import pytest

from gorax_constructs.configuration.edits import add_preview, remove_preview, set_image
from gorax_constructs.configuration.errors import FileError
from gorax_constructs.configuration.previews import parse_previews
from gorax_constructs.environments import ENVIRONMENTS

from .end_to_end import BROKEN_IMAGES, FAR, PREVIEWS_WITH_COMMENTS, tree

PR_9 = f'  - name: pr-9\n    owner: carol\n    expires: "{FAR}"\n    api_tag: sha-1\n'
PR_1 = '  # the first one\n  - name: pr-1\n    owner: alice   # inline\n    expires: "2020-01-01"\n'


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]


def refusal(name: str) -> str:
    """Why a preview named like a permanent environment is refused: previews are named ``pr-*``, and one that
    is still collides."""
    if name.startswith("pr-"):
        return f"preview '{name}' collides with the permanent environment '{name}'"
    return f"environment '{name}': name = '{name}' is not allowed: a name starting with 'pr-'"


@pytest.mark.scenario
def test_every_command_has_help(end_to_end):
    steps = end_to_end["cli-help"].result()
    for step in steps:
        assert step.code == 0, step.stderr
        assert step.stdout.startswith("usage: bin/gorax"), step.command
        assert step.stderr == ""


@pytest.mark.scenario
def test_previews_commands_edit_only_their_entries(end_to_end):
    chain = end_to_end["cli-previews"]
    add, collide, listing, prune, remove, unknown = chain.result()
    for step in (add, collide, listing, prune, remove, unknown):
        assert "Traceback" not in step.stdout + step.stderr
        assert step.dist == chain.dist_before, "no previews command touches dist/"

    assert add.code == 0, add.stderr
    assert add.files["previews.yaml"] == PREVIEWS_WITH_COMMENTS.replace("# trailing", PR_9 + "# trailing")

    assert collide.code == 1
    assert collide.files["previews.yaml"] == add.files["previews.yaml"]
    assert collide.stderr.splitlines()[-1].startswith(
        f"gorax: previews.yaml not changed: previews.yaml, line 14: {refusal(ENVIRONMENTS[-1].name)}"
    )

    assert listing.code == 0
    rows = [line.split() for line in listing.stdout.splitlines()]
    assert rows[0] == ["NAME", "OWNER", "EXPIRES", "API", "TAG", "WORKER", "TAG"]
    assert rows[1:] == [
        ["pr-1", "alice", "2020-01-01", "expired"],
        ["pr-2", "bob", FAR],
        ["pr-9", "carol", FAR, "sha-1"],
    ]

    assert prune.code == 0, prune.stderr
    assert prune.stdout == "removed pr-1 (owner alice, expired 2020-01-01)\n"
    assert prune.files["previews.yaml"] == add.files["previews.yaml"].replace(PR_1, "")

    assert remove.code == 0, remove.stderr
    assert remove.files["previews.yaml"] == PREVIEWS_WITH_COMMENTS.replace(PR_1, "")

    assert unknown.code == 1
    assert unknown.stderr == "gorax: no preview named 'pr-3' in previews.yaml; did you mean 'pr-2'?\n"
    assert unknown.files == remove.files


@pytest.mark.scenario
def test_image_set_diff_and_synth(end_to_end):
    """On a staging- or production-tier environment of the catalog (they refuse a mutable tag)."""
    chain = end_to_end["cli-images"]
    refused, image_set, diff, synth, clean = chain.result()
    env, name = BROKEN_IMAGES, BROKEN_IMAGES.name
    assert env.tier != "development", "the catalog has a staging or production environment"

    assert refused.code == 1
    assert "Traceback" not in refused.stderr
    assert re.match(
        rf"gorax: images\.yaml not changed: images\.yaml, line \d+: "
        rf"environment '{name}': api\.image\.tag = 'latest' is not allowed",
        refused.stderr,
    ), refused.stderr
    assert refused.dist == chain.dist_before

    assert image_set.code == 0, image_set.stderr
    assert image_set.stdout == f"gorax: images.yaml: {name} api now runs tag v9.9.9\n"
    changed = changed_lines(refused.files["images.yaml"], image_set.files["images.yaml"])
    assert changed[-1] == "+     tag: v9.9.9"

    assert diff.code == 1
    assert diff.dist == chain.dist_before, "diff changes nothing"
    lines = diff.stdout.splitlines()
    at = lines.index(next(line for line in lines if line.startswith(f"{name}: ")))
    assert f"  ~ Deployment/{env.prefix}-gorax-api" in lines[at + 1 :]

    assert synth.code == 0, synth.stderr
    deployment = synth.dist[f"{name}/Deployment.{env.prefix}-gorax-api.k8s.yaml"].decode()
    assert f"image: {env.api.image.repository}:v9.9.9" in deployment
    assert tree(chain.project / "dist") == synth.dist

    assert clean.code == 0, clean.stdout
    assert clean.stdout == "gorax: a synth would change nothing\n"


TEXT = "# c\npreviews:\n  - name: pr-1  # one\n    owner: a\n    expires: '2030-01-01'\n# end\n"
ENTRY = {"name": "pr-2", "owner": "b", "expires": "2030-01-01"}
ADDED = '  - name: pr-2\n    owner: b\n    expires: "2030-01-01"\n'


@pytest.mark.parametrize(
    "text,expected",
    [
        (TEXT, TEXT.replace("# end", ADDED + "# end")),
        ("", "previews:\n" + ADDED),
        ("# only a comment", "# only a comment\npreviews:\n" + ADDED),
        ("previews: []  # none\n", "previews:\n" + ADDED),
        ("previews:\n", "previews:\n" + ADDED),
        (
            "previews: [{name: pr-1, owner: a, expires: '2030-01-01'}]\n# end\n",
            'previews:\n  - name: pr-1\n    owner: a\n    expires: "2030-01-01"\n' + ADDED + "# end\n",
        ),
        (
            "previews:\n- name: pr-1\n  owner: a\n  expires: x",
            "previews:\n- name: pr-1\n  owner: a\n  expires: x\n"
            + ADDED.replace("  - ", "- ").replace("\n    ", "\n  "),
        ),
    ],
)
def test_add_preview_text(text, expected):
    assert add_preview(text, "previews.yaml", ENTRY) == expected
    assert [entry.preview.name for entry in parse_previews(expected, "f")][-1] == "pr-2"


def test_values_yaml_would_misread_are_quoted():
    text = add_preview("", "f", {"name": "pr-1", "owner": "yes", "expires": "2030-01-01", "api_tag": "1.10"})
    assert text == 'previews:\n  - name: pr-1\n    owner: "yes"\n    expires: "2030-01-01"\n    api_tag: "1.10"\n'
    (entry,) = parse_previews(text, "f")
    assert (entry.preview.owner, entry.preview.api_tag) == ("yes", "1.10")


def test_remove_preview_text():
    two = TEXT.replace("# end", "  # second\n" + ADDED + "# end")
    assert remove_preview(two, "f", "pr-2") == TEXT
    assert remove_preview(two, "f", "pr-1") == "# c\npreviews:\n  # second\n" + ADDED + "# end\n"
    assert remove_preview("previews: [{name: a}, {name: b}]\n", "f", "a") == "previews:\n  - name: b\n"
    with pytest.raises(FileError, match="no preview named 'zz'"):
        remove_preview(TEXT, "f", "zz")


IMAGES = "# images\nproduction:\n  api:\n    tag: v1  # released\n  worker: {tag: v1}\n# end\n"


def test_set_image_text():
    digest = "sha256:" + "a" * 64
    changed = set_image(IMAGES, "f", "production", {"api": {"tag": "v2", "digest": digest}, "worker": {"tag": "v2"}})
    api = f"  api:\n    tag: v2\n    digest: {digest}  # released\n"
    assert changed == f"# images\nproduction:\n{api}  worker: {{tag: v2}}\n# end\n"
    added = set_image(IMAGES, "f", "qa", {"api": {"tag": "v3"}, "worker": {"digest": digest}})
    assert added == IMAGES + f"qa:\n  api:\n    tag: v3\n  worker:\n    digest: {digest}\n"
    with pytest.raises(FileError, match="'qa' has no images yet: give the worker image too"):
        set_image(IMAGES, "f", "qa", {"api": {"tag": "v3"}})
