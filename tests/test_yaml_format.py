"""``yaml_format.stringify`` writes YAML 1.1 that libyaml loads back to the data it was written from:
every synthesized and committed file, and Hypothesis documents built from YAML 1.1's traps."""

from __future__ import annotations

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gorax_constructs.pipeline.validation import YAML_LOADER
from gorax_constructs.pipeline.yaml_format import stringify

from .conftest import REPO


def load_one(text: str) -> object:
    docs = list(yaml.load_all(text, Loader=YAML_LOADER))
    assert len(docs) == 1, "each file holds one object"
    return docs[0]


def test_every_synthesized_object_round_trips(environment):
    for path in environment.files:
        text = path.read_text(encoding="utf-8")
        assert stringify(load_one(text)) == text, path.name


COMMITTED = sorted((REPO / "dist").rglob("*.k8s.yaml"))


def test_every_committed_file_is_what_the_writer_writes():
    assert len(COMMITTED) > 50
    for path in COMMITTED:
        text = path.read_text(encoding="utf-8")
        assert stringify(load_one(text)) == text, path.relative_to(REPO)


def test_readable_block_style_without_folding_or_anchors():
    shared = {"app": "gorax"}
    long_line = " or ".join(["sum(rate(x[5m]))"] * 20)
    doc = {"selector": shared, "labels": shared, "script": "one\ntwo\n", "expr": long_line, "l": [1]}
    text = stringify(doc)
    assert text == (
        f"selector:\n  app: gorax\nlabels:\n  app: gorax\nscript: |\n  one\n  two\nexpr: {long_line}\nl:\n- 1\n"
    )


TRICKY = [
    # YAML 1.1 implicit types: bool, null, int (decimal, octal, hex, binary, sexagesimal), float, timestamp
    *("y", "Y", "n", "N", "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"),
    *("true", "True", "TRUE", "false", "False", "FALSE", "yEs", "nO", "oN"),
    *("~", "null", "Null", "NULL", "nULL", ""),
    *("0", "-0", "+1", "012", "08", "0o7", "0x1F", "0X1F", "-0x_f", "0b101", "0b2", "1_000", "1__"),
    *("1e3", "-1E+3", "1e", "e3", ".5", "5.", ".", "-.", "._", "1.5_0", ".inf", "-.Inf", "+.INF", ".nan", ".NaN"),
    *("190:20:30", "-1:20.5", "1:60", "1:5:", "2026-12-31", "2026-1-1", "20261-12-31"),
    *("2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2001-12-14T21:59:43Z", "2001-12-14 1:2:3"),
    "<<",
    # indicators and structure
    *(" ", "  ", ":", ": ", "a:", "a: b", "a:b", " #", "#", "a #b", "a#b", "- ", "-", "--", "-a", "?", "? ", "?a"),
    *("---", "---a", "a\n---", "...", "...x", "%", "%a", "[", "]", "{", "}", ",", "a,b", "*", "&", "!", "|"),
    *(">", "@", "`", "'", '"', "'a'", '"a"', "a'b\"c", "\\", "\\n", "a\\"),
    # whitespace and line breaks
    *("\t", "a\tb", "\ta", "a\t", " a", "a ", "\n", "\n\n", "a\n", "a\n\n", "\na", "\n\na", "a\nb", "a\n\nb"),
    *(" a\nb", "a\n b", "a \nb", "a\n ", "a\n\t", "\n a", "  two\n  lines\n", "\r", "a\r\nb", "\ra"),
    # unicode and control characters
    *("é", "日本", "😀", "a😀", "\U0001f600\n", "\x00", "\x07", "\x08", "\x0b", "\x1b", "\x1f", "\x7f", "\x85"),
    *("\x9f", "\xa0", "\u2028", "\u2029", "a\u2028---", "\ufeff"),
]

piece = st.one_of(st.sampled_from(TRICKY), st.text(max_size=4))
strings = st.lists(piece, max_size=5).map("".join)
numbers = st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=False))
scalars = st.one_of(st.none(), st.booleans(), numbers, strings)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(strings, inner, max_size=4)),
    max_leaves=16,
)


@settings(max_examples=200, deadline=None)
@given(documents)
@example({"a": "on", "b": ["yes", "=", "1:20", "0777", "2026-12-31", "~", ""], "c": "a\n---\n"})
@example({"k": "  two\n  lines\n", "l": "x \n", "m": "\t\n", "n": "\n\n a \n\n"})
def test_any_document_loads_back_to_itself(doc):
    assert yaml.load(stringify(doc), Loader=YAML_LOADER) == doc


def test_tricky_strings_everywhere_load_back():
    """Every tricky string as a key and value, nested, and as a list item."""
    doc = {
        **{f"k{i}": s for i, s in enumerate(TRICKY)},
        **{s: i for i, s in enumerate(TRICKY)},
        "nested": {s: [s, {s: s}] for s in TRICKY},
    }
    assert yaml.load(stringify(doc), Loader=YAML_LOADER) == doc
