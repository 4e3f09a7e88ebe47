"""``yaml_format.stringify`` writes exactly what ``cdk8s.Yaml.stringify`` writes.

Every file cdk8s synthesizes (and every committed one) is reproduced byte for
byte from its parsed object, and Hypothesis compares adversarial documents with
node itself, one jsii call (about 0.3 ms) per example rather than per document.
"""

from __future__ import annotations

import math

import cdk8s
import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gorax_constructs.pipeline.validation import YAML_LOADER
from gorax_constructs.pipeline.yaml_format import stringify

from .conftest import REPO


def cdk8s_stringify(*docs: object) -> str:
    """Node's text for several documents, in one round trip."""
    return cdk8s.Yaml.stringify(*docs)


def ours(*docs: object) -> str:
    return "---\n".join(stringify(doc) for doc in docs)


def load_one(text: str) -> object:
    docs = list(yaml.load_all(text, Loader=YAML_LOADER))
    assert len(docs) == 1, "each file holds one object"
    return docs[0]


# --- what cdk8s writes for this project ----------------------------------------


def test_every_synthesized_file_is_reproduced(environment):
    for path in environment.files:
        text = path.read_text(encoding="utf-8")
        assert stringify(load_one(text)) == text, path.name


def test_every_synthesized_object_matches_cdk8s(environment):
    objects = environment.objects
    assert ours(*objects) == cdk8s_stringify(*objects)


COMMITTED = sorted((REPO / "dist").rglob("*.k8s.yaml"))


def test_every_committed_file_is_reproduced():
    assert len(COMMITTED) > 50
    for path in COMMITTED:
        text = path.read_text(encoding="utf-8")
        assert stringify(load_one(text)) == text, path.relative_to(REPO)


# --- adversarial documents against node ------------------------------------------

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
    *("\x9f", "\xa0", "\u2028", "\u2029", "a\u2028---", "\ufeff", "\ud800", "\udc00", "\ud83d\ude00"),
]

piece = st.one_of(st.sampled_from(TRICKY), st.text(max_size=4))
strings = st.one_of(
    st.lists(piece, max_size=5).map("".join),
    # 40+ characters: double-quoted strings then write line breaks as empty lines
    st.tuples(st.lists(piece, min_size=1, max_size=3).map("".join), st.integers(5, 25)).map(lambda t: t[0] * t[1]),
)
keys = strings.filter(lambda k: k != "__proto__")
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, 1e21, 1e-7, 2.0**53 + 2, 0.1 + 0.2]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, strings)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=16,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(documents, min_size=1, max_size=4))
@example([{"a": None, "b": {"c": None}, "y": [None, {}, []]}])  # jsii drops None values of dicts only
@example([{"b": 1, "10": 2, "2": 3, "01": 4, "4294967294": 5, "4294967295": 6}])  # JS key order
@example([{"---": {"---": 1, "...": 2}, "a\u2028...": [{"...": 3}]}])  # document markers: top-level keys only
@example(["---", "...x", "%", "a\n---", None])  # top-level scalars: forced block indentation
@example([{"k": "first line is long enough to fold\n \n  "}])  # `\` before the escaped space, blank line
@example([{"k": "long enough line, then two breaks \n\n\n and a space\n\t"}])
@example([{"k": "\n", "l": "\n\n", "m": " \n", "n": "\t\n", "o": "x \n", "p": "\n\n a \n\n"}])  # chomping
@example([{"k": " x\n", "l": "\n x", "m": "\n\tx\n", "n": ["  a\nb"]}, "  top\nlevel"])  # indentation indicator
@example([{"x" * 1030: {"a": 1}, "é" * 513: "v", "😀" * 512: [1, [2]], "b" * 1025: "|\nx"}])  # explicit keys
@example([[[[]], [{}], [[1, "2"]]], {"a": [[{"b": [[]]}]]}])  # nested sequences
@example([{"<<": "<<", "k": ["<<"]}, "<<"])  # the merge tag writes `<<` plain
@example([{"e3": "e3", "E-1": [".e1", "1e", "e", "._"]}])  # floatExp needs no digit before the `e`
@example([{"😀": 1, "\ud83d\ude00": 2, "b": 3}, {"😀": 1, "\ud83d\ude00": None}, {"__proto__": None}])  # merged keys
@example([[2**53 + 1, -(2**64), 10**21, 1.0, -0.0, 1e-7, 1.5e300, 5e-324, 123456789.125, 0.000001]])
def test_matches_cdk8s(docs):
    assert ours(*docs) == cdk8s_stringify(*docs)


def test_tricky_strings_everywhere_match_cdk8s():
    """Every tricky string as a top-level key and value, a nested key and value, and a list item."""
    items = [s for s in TRICKY if s != "__proto__"]
    doc = {
        **{f"k{i}": s for i, s in enumerate(items)},
        **{s: i for i, s in enumerate(items)},
        "nested": {s: [s, {s: s}] for s in items},
    }
    docs = [doc, items, *items]
    assert ours(*docs) == cdk8s_stringify(*docs)


# --- what cannot be written ------------------------------------------------------


class Opaque:
    pass


@pytest.mark.parametrize(
    ("doc", "error", "where"),
    [
        ((1, 2), TypeError, "doc:"),
        ({"a": [1, {"b": (1,)}]}, TypeError, "doc['a'][1]['b']:"),
        ({"a": {1, 2}}, TypeError, "doc['a']:"),
        ({"a": b"bytes"}, TypeError, "doc['a']:"),
        ([Opaque()], TypeError, "doc[0]:"),
        ({"a": {1: "x"}}, TypeError, "doc['a']:"),
        ({"a": [math.nan]}, ValueError, "doc['a'][0]:"),
        ({"a": math.inf}, ValueError, "doc['a']:"),
        ({"a": -math.inf}, ValueError, "doc['a']:"),
        ({"a": 10**400}, ValueError, "doc['a']:"),
        ({"m": {"__proto__": 1}}, ValueError, "doc['m']:"),
    ],
)
def test_unsupported_values_are_rejected_with_their_path(doc, error, where):
    with pytest.raises(error) as caught:
        stringify(doc)
    assert str(caught.value).startswith(where)
