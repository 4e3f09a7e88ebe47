"""The YAML text of one synthesized object: a small block-style emitter.

Replaces a byte-for-byte port of node's ``yaml`` library (548 lines) that
reproduced cdk8s's exact formatting. What the output needs is less: valid
YAML 1.1 (what Kubernetes' and Argo CD's parsers read) that loads back to the
same data, deterministic, and readable in a ``git diff dist/`` review:

- block maps and sequences, keys in insertion order (the builders' order),
  sequence items at their key's indentation (as ``kubectl`` writes them);
- a string stays plain unless YAML 1.1 would read it as something else
  (``on``, ``yes``, ``1:20``, ``0777``, ``=``, ``~``) or it holds indicators:
  PyYAML's own YAML 1.1 resolver decides, so the writer and libyaml agree;
  otherwise it is double-quoted with JSON's escapes (a subset of YAML's);
- multi-line strings as block literals (``|``, ``|-``, ``|+``), falling back
  to a quoted scalar where a literal could not hold the text exactly;
- no line folding: a long PromQL or JSON line stays one line; no anchors.

PyYAML's own dumper writes the same kind of text, but its pure-Python representer
is an order of magnitude slower than this emitter, whose scalar decisions are
cached (docs/performance.md).
``tests/test_yaml_format.py`` checks that every file and Hypothesis-generated
documents load back to the data they were written from.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import yaml

_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")
"""Characters a plain or block scalar must not hold raw: controls, YAML's extra line breaks, BOM, surrogates."""
_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff]")


def stringify(doc: Any) -> str:
    """One document, as written to ``dist/<folder>/<Kind>.<name>.k8s.yaml``."""
    out: list[str] = []
    if isinstance(doc, dict) and doc:
        _map(doc, "", out, "")
    elif isinstance(doc, list) and doc:
        _seq(doc, "", out, "")
    else:
        out.append(_inline(doc) + "\n")
    return "".join(out)


def _map(d: dict[str, Any], indent: str, out: list[str], lead: str) -> None:
    """Write a non-empty map; its first line starts with ``lead``, the others with ``indent``."""
    start = lead
    for key, value in d.items():
        if not isinstance(key, str):
            raise TypeError(f"map keys must be strings, not {key!r}")
        if type(value) is str and "\n" not in value:  # most values: one call, not three
            out.append(f"{start}{_scalar(key)}: {_scalar(value)}\n")
            start = indent
            continue
        out.append(f"{start}{_scalar(key)}:")
        start = indent
        if isinstance(value, dict) and value:
            out.append("\n")
            _map(value, indent + "  ", out, indent + "  ")
        elif isinstance(value, list) and value:
            out.append("\n")
            _seq(value, indent, out, indent)
        else:
            out.append(f" {_value(value, indent + '  ')}")


def _seq(items: list[Any], indent: str, out: list[str], lead: str) -> None:
    """Write a non-empty sequence; its first line starts with ``lead``, the others with ``indent``."""
    start = lead
    for value in items:
        if isinstance(value, dict) and value:
            _map(value, indent + "  ", out, start + "- ")
        elif isinstance(value, list) and value:
            _seq(value, indent + "  ", out, start + "- ")
        else:
            out.append(f"{start}- {_value(value, indent + '  ')}")
        start = indent


def _value(value: Any, indent: str) -> str:
    """A scalar (or empty collection) after ``key: `` or ``- ``, with its line break."""
    if isinstance(value, str) and "\n" in value:
        literal = _block_literal(value, indent)
        if literal is not None:
            return literal
    return _inline(value) + "\n"


def _inline(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return _scalar(value)
    if isinstance(value, dict) and not value:
        return "{}"
    if isinstance(value, list) and not value:
        return "[]"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as YAML")


def _float(value: float) -> str:
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    # YAML 1.1 reads a float only with a dot: 1e+20 would load back as a string.
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e")
    return text


@lru_cache(maxsize=8192)
def _scalar(text: str) -> str:
    """The string plain where libyaml reads it back as the same string, else double-quoted."""
    if (
        text
        and text == text.strip(" ")
        and text[0] not in _INDICATORS
        and not _UNSAFE.search(text)
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and not text.startswith(("---", "..."))  # a document marker where it starts a line
        and _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR_TAG
    ):
        return text
    return _ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def _block_literal(text: str, indent: str) -> str | None:
    """``|`` and the indented lines, or None where a literal would not load back as ``text``."""
    if text.endswith("\n\n"):
        chomp, body = "+", text[:-1]
    elif text.endswith("\n"):
        chomp, body = "", text[:-1]
    else:
        chomp, body = "-", text
    lines = body.split("\n")
    if (
        not lines[0].strip(" ")
        or lines[0][0] == " "
        or "\t" in text
        or _UNSAFE.search(text.replace("\n", ""))
        or any(line.endswith(" ") for line in lines)
    ):
        return None
    return f"|{chomp}\n" + "".join(f"{indent}{line}\n" if line else "\n" for line in lines)
