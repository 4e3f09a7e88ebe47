"""The data files (previews.yaml, images.yaml, a sealed-secrets file) are read strictly: what PyYAML would
silently accept or blow up on is one short message naming the file (issue 22)."""

import time

import pytest

from gorax_constructs.configuration.datafile import MAX_DEPTH, load, read
from gorax_constructs.configuration.edits import add_preview, remove_preview
from gorax_constructs.configuration.errors import FileError, shown
from gorax_constructs.configuration.images import parse_images
from gorax_constructs.configuration.previews import EMPTY_CATALOG, load_previews, parse_previews

from .fixture_catalog import DEV, PERMANENT

ENTRY = '  - name: pr-1\n    owner: alice\n    expires: "2030-01-01"\n'
IMAGES = "production:\n  api: {tag: v1.2.3}\n  worker: {tag: v1.2.3}\n"
# 9 levels of 9 aliases: ~390 million strings once expanded.
ALIAS_BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + level)}: &{chr(98 + level)} [{', '.join([f'*{chr(97 + level)}'] * 9)}]\n" for level in range(8)
)


def previews_error(text: str) -> str:
    with pytest.raises(FileError) as caught:
        parse_previews(text, "previews.yaml")
    return str(caught.value)


def test_a_second_top_level_key_is_an_error_naming_both_lines():
    text = f"previews:\n{ENTRY}previews:\n  - name: pr-2\n    owner: bob\n    expires: '2030-01-01'\n"
    assert (
        previews_error(text) == "previews.yaml, line 5, column 1: the key 'previews' is given twice (first on line 1)"
    )


@pytest.mark.parametrize("key", ["name", "owner", "expires"])
def test_a_repeated_entry_key_is_an_error(key):
    text = f"previews:\n{ENTRY}    {key}: other\n"
    assert f"the key '{key}' is given twice" in previews_error(text)


def test_a_repeated_images_environment_is_an_error():
    with pytest.raises(FileError, match=r"images.yaml, line 4, column 1: the key 'production' is given twice"):
        parse_images(IMAGES + "production:\n  api: {tag: v2}\n  worker: {tag: v2}\n", "images.yaml")


@pytest.mark.parametrize(
    "text,refused",
    [
        (f"previews: &all\n{ENTRY}", "anchors and aliases"),
        (f"previews:\n  - &one\n{ENTRY[4:]}", "anchors and aliases"),
        ("previews: !!python/object:os.system []\n", "tags"),
        ("previews: !custom []\n", "tags"),
        ("previews:\n  - name: !!str pr-1\n", "tags"),
        ("x: " + "[" * 5000 + "]" * 5000 + "\n", f"nested more than {MAX_DEPTH} levels deep"),
    ],
)
def test_anchors_tags_and_deep_nesting_are_refused(text, refused):
    message = previews_error(text)
    assert message.startswith("previews.yaml, line ") and refused in message


def test_the_alias_bomb_is_a_short_message_at_once():
    started = time.monotonic()
    message = previews_error(ALIAS_BOMB)
    assert time.monotonic() - started < 2
    assert len(message) < 1024
    assert message == "previews.yaml, line 1, column 4: anchors and aliases (&name, *name) are not allowed here"


@pytest.mark.parametrize(
    "data,reason",
    [
        ("previews: []\n".encode("utf-16"), "not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text"),
        (b"previews:\n  - name: pr-1\x00\n", "line 2: a NUL byte"),
        (b"previews: [\x07]\n", "is not allowed in YAML"),
    ],
)
def test_bytes_that_are_not_yaml_text_name_the_file(tmp_path, data, reason):
    path = tmp_path / "previews.yaml"
    path.write_bytes(data)
    with pytest.raises(FileError) as caught:
        load_previews(PERMANENT, DEV, path)
    message = str(caught.value)
    assert message.startswith(shown(path)) and reason in message
    assert len(message) < 200


def test_a_directory_is_named(tmp_path):
    (tmp_path / "previews.yaml").mkdir()
    with pytest.raises(FileError, match=r"previews.yaml: is a directory, not a YAML file$"):
        read(tmp_path / "previews.yaml")
    with pytest.raises(FileError, match=r"previews.yaml: is a directory"):
        load(tmp_path / "previews.yaml")


@pytest.mark.parametrize("text", ["", "# nothing here\n", "previews:\n", "previews: ~\n", "{}\n"])
def test_an_empty_or_keyless_previews_file_is_an_error_saying_what_to_write(text):
    assert previews_error(text).endswith(f"to mean no previews, write {EMPTY_CATALOG}")


def test_no_previews_is_written_explicitly():
    assert parse_previews(f"{EMPTY_CATALOG}\n", "previews.yaml") == ()
    removed = remove_preview(f"# pipelines add previews here\npreviews:\n{ENTRY}", "previews.yaml", "pr-1")
    assert removed == f"# pipelines add previews here\n{EMPTY_CATALOG}\n"
    assert parse_previews(removed, "previews.yaml") == ()
    entry = {"name": "pr-2", "owner": "bob", "expires": "2030-01-01"}
    assert [e.preview.name for e in parse_previews(add_preview(removed, "previews.yaml", entry), "p")] == ["pr-2"]


def test_a_huge_value_is_quoted_by_a_short_prefix():
    message = previews_error(f"previews:\n  - name: pr-1\n    owner: {'x' * 100_000}\n    expires: [1]\n")
    assert len(message) < 300
    message = previews_error(f"previews:\n  - {'k' * 1000}: 1\n")  # YAML keys stop at 1024 characters
    assert len(message) < 300 and "(1000 characters)" in message


@pytest.mark.parametrize(
    "text,message",
    [
        (
            'production:\n  api: {tag: "v1.2.3\\n"}\n  worker: {tag: v1.2.3}\n',
            "images.yaml, line 2, environment 'production', api: tag = 'v1.2.3\\n' is not allowed: an image tag",
        ),
        (
            "production:\n  api:\n    digest: 'sha256:abc'\n  worker: {tag: v1.2.3}\n",
            "images.yaml, line 3, environment 'production', api: digest = 'sha256:abc' is not allowed: 'sha256:'",
        ),
    ],
)
def test_a_malformed_image_is_blamed_on_images_yaml_with_its_line(text, message):
    with pytest.raises(FileError) as caught:
        parse_images(text, "images.yaml")
    assert str(caught.value).startswith(message)
