"""YAML text byte-identical to ``cdk8s.Yaml.stringify``, written from Python.

Why: profiling ``App.synth()`` showed 35-45 ms per environment (about 60 KB of
YAML, ~28 objects) spent inside node's ``yaml`` library (eemeli/yaml 2.9.1) just
formatting YAML, most of a synth. On the same 2-core machine this module
formats every object of ``dist/development`` (23 objects, 56 KB) in about
3 ms on a process's first call (2.7-4.7 ms over 12 fresh processes) and in
1.2-1.4 ms once an earlier environment has filled its string caches; importing
it costs about 5 ms (mostly compiling its regular expressions). It returns
exactly the text cdk8s 2.70.115 writes with

    YAML.stringify(doc, { keepUndefined: true, lineWidth: 0, version: '1.1' })

``tests/test_yaml_format.py`` proves the identity against cdk8s itself: every
synthesized file, byte for byte, and a Hypothesis property over adversarial
JSON-like documents, compared with node in one jsii call per example.

What is ported (everything the options above reach for JSON-compatible data):

* block maps and sequences (indent 2, sequences indented under their key),
  ``{}`` / ``[]`` for empty ones, keys in JavaScript object order;
* the plain / single / double quote / block literal choice of
  ``stringifyString.js`` with the YAML 1.1 schema's implicit-type tests (bool,
  int, octal, hex, binary, float, ``.inf``/``.nan``, null, sexagesimal,
  timestamp, ``<<``), ``lineWidth: 0`` (no folding, so never ``>``), and the
  double-quoted escapes of ``JSON.stringify`` plus yaml's own (``\\0 \\a \\v
  \\e \\xXX``, ``\\`` before a space that precedes a line break, and line
  breaks written as blank lines in double-quoted strings of 40+ characters);
* numbers as node prints them (``Number.prototype.toString``);
* keys whose text exceeds 1024 UTF-16 code units as explicit ``? key``.

What jsii does to Python data before node sees it is reproduced too, because
that is what ``cdk8s synth`` writes for this project's plain-dict objects:

* a dict entry whose value is ``None`` is dropped (jsii drops it; a ``None``
  inside a list stays ``null``), and a top-level ``None`` gives ``"\\n"``;
* keys that are array indices (``"0"``, ``"17"``, below 2**32-1) come first in
  ascending numeric order, as in any JavaScript object; other keys keep their order;
* ``1.0`` is node's ``1``, ``-0.0`` is ``-0``, an int beyond 2**53 is rounded
  to the nearest double like ``JSON.parse`` does (``2**64`` prints
  ``18446744073709552000``);
* a surrogate pair spelled as two code points is one character to node.

Rejected: ``TypeError`` for anything that is not dict (with str keys), list,
str, int, float, bool or None -- tuples included, which jsii cannot send either;
``ValueError`` for NaN, infinities, ints too large for a double, and the key
``__proto__`` (jsii refuses it). Both name the path of the offending value.
Subclasses of those types (``OrderedDict``, str and int enums) are written as
their base type's value.
"""

from __future__ import annotations

import json
import re
from math import isfinite
from typing import Any

__all__ = ["stringify"]

# --- regular expressions of stringifyString.js (JS `$` is Python `\Z`) -------

# Control characters and lone surrogates force double quotes.
_FORCE_DOUBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# plainString's "not allowed as plain scalar" test.
_NOT_PLAIN = re.compile(
    r"^[\n\t ,\[\]{}#&*!|>'\"%@`]|^[?-]\Z|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]\Z",
)
# containsDocumentMarker: /^(%|---|\.\.\.)/m; JS `^` in multiline mode follows any line terminator.
_DOC_MARKER = re.compile("(?:^|(?<=[\n\r\u2028\u2029]))(?:%|---|\\.\\.\\.)")
_SPACE_AROUND_NL = re.compile(r"[ \t]\n|\n[ \t]")
_WHITESPACE_LAST_LINE = re.compile(r"\n[\t ]+\Z")
_NEWLINES = re.compile(r"\n+")
_BLOCK_END_NEWLINES = re.compile(r"(?<!\n)\n+(?!\n|\Z)")

# Every default tag of the YAML 1.1 schema (schema/yaml-1.1/*.js) except str:
# a plain scalar matching one of these would not read back as a string.
_NOT_A_STRING = re.compile(
    "|".join(
        (
            r"(?:~|[Nn]ull|NULL)?",  # null (matches the empty string too)
            r"Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON",  # true
            r"N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF",  # false
            r"[-+]?0b[0-1_]+",  # intBin
            r"[-+]?0[0-7_]+",  # intOct
            r"[-+]?[0-9][0-9_]*",  # int
            r"[-+]?0x[0-9a-fA-F_]+",  # intHex
            r"[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN",  # floatNaN
            r"[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+",  # floatExp
            r"[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*",  # float
            r"<<",  # merge
            r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+",  # intTime
            r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*",  # floatTime
            r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"  # timestamp
            r"(?:(?:t|T|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?"
            r"(?:[ \t]*(?:Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?",
        )
    )
).fullmatch
# A JavaScript array index: its key comes first in any object.
_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]{0,9}").fullmatch
_ARRAY_INDEX_LIMIT = 2**32 - 1

# Cheap pre-checks: _NOT_PLAIN can only match a string that starts with one of
# these or contains whitespace or a colon; _NOT_A_STRING only a non-empty one
# starting with one of these (`e3` is a float: floatExp's digits are optional).
_NOT_PLAIN_FIRST = frozenset("\n\t ,[]{}#&*!|>'\"%@`?-")
_SPACE_OR_COLON = re.compile("[\n\t :]").search
_TYPED_FIRST = frozenset("~NnYyTtOoFf-+.0123456789eE<")
_DIGITS = frozenset("0123456789")
_MAX_SAFE = 2**53
_JSON_STRING = json.JSONEncoder(ensure_ascii=False).encode  # str -> JSON text, like JSON.stringify
# doubleQuotedString rewrites these \uXXXX escapes of JSON.stringify.
_SHORT_ESCAPES = {"0000": "\\0", "0007": "\\a", "000b": "\\v", "001b": "\\e"}

# Single-line strings render the same at every indentation (except at the top
# level), so their text is cached. The caches are bounded by clearing.
_VALUE_CACHE: dict[str, str] = {}
_KEY_CACHE: dict[str, str] = {}
_TOP_KEY_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 50_000


class _Unsupported(Exception):
    def __init__(self, error: type[Exception], message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message
        self.path: list[str | int] = []


def stringify(doc: Any) -> str:
    """What ``cdk8s.Yaml.stringify(doc)`` returns for one JSON-like document."""
    try:
        if type(doc) is dict:
            out: list[str] = []
            _block_map(doc, "", out)
            return "".join(out) + "\n"
        if type(doc) is list:
            if not doc:
                return "[]\n"
            out = []
            _block_seq(doc, "", out)
            return "".join(out) + "\n"
        if doc is None:
            return "\n"  # jsii sends a top-level None as undefined: cdk8s writes an empty document
        return _scalar(doc, "") + "\n"
    except _Unsupported as e:
        path = "doc" + "".join(f"[{p!r}]" for p in reversed(e.path))
        raise e.error(f"{path}: {e.message}") from None


# --- collections --------------------------------------------------------------


def _is_plain_key(k: Any) -> bool:
    """Whether jsii and node leave the key's place and text alone (see :func:`_entries`)."""
    if type(k) is not str or k == "__proto__":
        return False
    if k[:1] in _DIGITS and _ARRAY_INDEX(k) and int(k) < _ARRAY_INDEX_LIMIT:
        return False
    return not _SURROGATE.search(k)


def _entries(d: dict[Any, Any]) -> list[tuple[str, Any]]:
    """The entries node sees, for a dict with a key that is not plain.

    JSON.parse makes a surrogate pair spelled as two code points one character
    (two keys may become one: the first one's place, the last one's value),
    jsii then drops None values, and a JavaScript object lists its array-index
    keys first, in numeric order.
    """
    merged: dict[str, Any] = {}
    for k, v in d.items():
        if type(k) is not str:
            if not isinstance(k, str):
                raise _Unsupported(TypeError, f"keys must be str, not {type(k).__name__} ({k!r:.60})")
            k = str.__str__(k)
        if _SURROGATE.search(k):
            k = _js_string(k)
        merged[k] = v
    if merged.get("__proto__") is not None:
        raise _Unsupported(ValueError, "the key '__proto__' cannot be passed to node by jsii")
    indices = sorted(
        (k for k in merged if k[:1] in _DIGITS and _ARRAY_INDEX(k) and int(k) < _ARRAY_INDEX_LIMIT), key=int
    )
    first = set(indices)
    return [(k, merged[k]) for k in indices] + [(k, v) for k, v in merged.items() if k not in first]


def _block_map(d: dict[str, Any], indent: str, out: list[str], entries: Any = None) -> bool:
    """Append the map's block text (its first line unindented); False (and ``{}``) if empty."""
    child = indent + "  "
    sep = "\n" + indent
    key_cache = _TOP_KEY_CACHE if not indent else _KEY_CACHE
    append = out.append
    at = len(out)
    empty = True
    for k, v in d.items() if entries is None else entries:
        key = key_cache.get(k)
        if key is None:
            if entries is None:
                if not _is_plain_key(k):
                    del out[at:]  # start over with the entries node sees
                    return _block_map(d, indent, out, _entries(d))
                key = _key(k, not indent)
                if len(key_cache) > _CACHE_LIMIT:
                    key_cache.clear()
                key_cache[k] = key
            else:
                key = _key(k, not indent)
        if v is None:
            continue  # jsii drops None values of dicts
        try:
            if empty:
                empty = False
            else:
                append(sep)
            if len(key) > 512 and _utf16_len(key) > 1024:
                # stringifyPair: a key over 1024 characters becomes an explicit key `? key`.
                append(f"? {key}{sep}: ")
                _any_value(v, child, out)
                continue
            append(key)
            tv = type(v)
            if tv is not str and tv is not dict and tv is not list:
                if isinstance(v, dict):  # a subclass: written like its base class
                    v, tv = dict(v), dict
                elif isinstance(v, list):
                    v, tv = list(v), list
            if tv is str:
                append(": ")
                s = _VALUE_CACHE.get(v)
                append(s if s is not None else _str_value(v, child))
            elif tv is dict:
                append(":\n" + child)
                pos = len(out)
                if not _block_map(v, child, out):
                    out[pos - 1] = ": "  # an empty map stays on the key's line: `key: {}`
            elif tv is list:
                if v:
                    append(":\n" + child)
                    _block_seq(v, child, out)
                else:
                    append(": []")
            else:
                append(": ")
                _any_value(v, child, out)
        except _Unsupported as e:
            e.path.append(k)
            raise
    if empty:
        append("{}")
    return not empty


def _block_seq(items: list[Any], indent: str, out: list[str]) -> None:
    """Append a non-empty sequence's block text (its first line unindented)."""
    child = indent + "  "
    sep = "\n" + indent + "- "
    append = out.append
    for i, v in enumerate(items):
        try:
            append(sep if i else "- ")
            if type(v) is str:
                s = _VALUE_CACHE.get(v)
                append(s if s is not None else _str_value(v, child))
            else:
                _any_value(v, child, out)
        except _Unsupported as e:
            e.path.append(i)
            raise


def _any_value(v: Any, indent: str, out: list[str]) -> None:
    """Append a value that starts right after `- `, `? key\\n: ` or the document start."""
    tv = type(v)
    if tv is dict or (tv is not list and isinstance(v, dict)):
        _block_map(v, indent, out)
    elif tv is list or isinstance(v, list):
        if v:
            _block_seq(v, indent, out)
        else:
            out.append("[]")
    elif v is None:
        out.append("null")
    else:
        out.append(_scalar(v, indent))


def _scalar(v: Any, indent: str) -> str:
    tv = type(v)
    if tv is str:
        return _str_value(v, indent)
    if tv is bool:
        return "true" if v else "false"
    if tv is int:
        return _number(v)
    if tv is float:
        return _number(v)
    if isinstance(v, str):  # a subclass (a str enum) as its plain text
        return _str_value(str.__str__(v), indent)
    if isinstance(v, int | float):  # a subclass (an int enum) as its number
        return _number(v)
    if isinstance(v, dict | list):
        out: list[str] = []
        _any_value(v, indent, out)
        return "".join(out)
    raise _Unsupported(TypeError, f"cannot write {type(v).__name__} as YAML ({v!r:.60})")


# --- numbers: Number.prototype.toString --------------------------------------


def _number(v: int | float) -> str:
    if isinstance(v, float):
        v = float(v)  # a subclass (numpy.float64) as a plain float
    else:
        v = int(v)
        if -_MAX_SAFE <= v <= _MAX_SAFE:
            return str(v)
        try:
            v = float(v)  # JSON.parse rounds to the nearest double
        except OverflowError:
            raise _Unsupported(ValueError, "int too large for a JavaScript number") from None
    if not isfinite(v):
        raise _Unsupported(ValueError, f"{v} cannot be passed to node by jsii")
    if v == 0:
        return "-0" if str(v)[0] == "-" else "0"  # stringifyNumber keeps -0
    r = repr(v)
    if "e" not in r:
        if r.endswith(".0"):
            return r[:-2]
        return r  # fixed notation with the shortest round-trip digits, like JS
    return _js_exponent_form(r)


def _js_exponent_form(r: str) -> str:
    """Re-spell Python's shortest round-trip repr in JavaScript's number notation."""
    sign = ""
    if r[0] == "-":
        sign, r = "-", r[1:]
    mantissa, exp = r.split("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).rstrip("0") or "0"
    n = int(exp) + len(whole)  # value = 0.digits * 10**n
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        text = (digits if k == 1 else digits[0] + "." + digits[1:]) + ("e+" if e >= 0 else "e-") + str(abs(e))
    return sign + text


# --- strings ------------------------------------------------------------------


def _utf16_len(s: str) -> int:
    """JavaScript's `length`: characters beyond the BMP count twice."""
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def _js_string(s: str) -> str:
    """The string node sees: a surrogate pair written as two code points is one character."""
    return s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _str_value(s: str, indent: str) -> str:
    """stringifyString for a value (not a key) whose lines are indented by `indent`."""
    if s == "<<":
        return s  # the YAML 1.1 merge tag claims this string and writes it plain
    if not s:
        return '""'  # the empty string would read back as null
    if _FORCE_DOUBLE.search(s):
        if _SURROGATE.search(s):
            s = _js_string(s)
        if _FORCE_DOUBLE.search(s):
            return _double_quoted(s, False, indent)
    # plainString
    if (s[0] in _NOT_PLAIN_FIRST or _SPACE_OR_COLON(s)) and _NOT_PLAIN.search(s):
        if "\n" not in s:
            return _cache(s, _quoted(s, False, indent), indent)
        return _block_literal(s, indent, False)
    if "\n" in s:
        return _block_literal(s, indent, False)
    if not indent and _DOC_MARKER.search(s):
        return _block_literal(s, indent, True)
    if s[0] in _TYPED_FIRST and _NOT_A_STRING(s):
        return _cache(s, _quoted(s, False, indent), indent)
    return _cache(s, s, indent)


def _cache(s: str, text: str, indent: str) -> str:
    if indent:  # single-line, not at the top level: the same text at every indentation
        if len(_VALUE_CACHE) > _CACHE_LIMIT:
            _VALUE_CACHE.clear()
        _VALUE_CACHE[s] = text
    return text


def _key(k: str, top: bool) -> str:
    """stringifyString for a map key (an implicit key); `top` for the document's own map."""
    if k == "<<":
        return k
    if not k:
        return '""'
    if _FORCE_DOUBLE.search(k):
        if _SURROGATE.search(k):
            k = _js_string(k)
        if _FORCE_DOUBLE.search(k):
            return _double_quoted(k, True, "")
    if "\n" in k or ((k[0] in _NOT_PLAIN_FIRST or _SPACE_OR_COLON(k)) and _NOT_PLAIN.search(k)):
        return _quoted(k, True, "")
    # A key like `---x` is quoted at the top level only (where its indent equals indentStep).
    if (top and _DOC_MARKER.search(k)) or (k[0] in _TYPED_FIRST and _NOT_A_STRING(k)):
        return _quoted(k, True, "")
    return k


def _quoted(s: str, implicit_key: bool, indent: str) -> str:
    """quotedString with singleQuote: null: single quotes only for `"` without `'`."""
    if '"' in s and "'" not in s:
        return _single_quoted(s, implicit_key, indent)
    return _double_quoted(s, implicit_key, indent)


def _single_quoted(s: str, implicit_key: bool, indent: str) -> str:
    if (implicit_key and "\n" in s) or _SPACE_AROUND_NL.search(s):
        return _double_quoted(s, implicit_key, indent)
    body = s.replace("'", "''")
    if "\n" in body:
        indent = indent or ("  " if _DOC_MARKER.search(s) else "")
        body = _NEWLINES.sub(lambda m: m.group() + "\n" + indent, body)
    return "'" + body + "'"


def _json_string(s: str) -> str:
    """JSON.stringify(s): also escapes lone surrogates."""
    text = _JSON_STRING(s)
    if _SURROGATE.search(text):
        text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


def _double_quoted(value: str, implicit_key: bool, indent: str) -> str:
    """doubleQuotedString (lineWidth 0, so no folding beyond its own line breaks)."""
    js = _json_string(value)
    if "\\" not in js:
        return js
    indent = indent or ("  " if _DOC_MARKER.search(value) else "")
    fold_newlines = not implicit_key and (len(js) >= 40 or _utf16_len(js) >= 40)
    parts: list[str] = []
    start = 0
    i = 0
    n = len(js)
    while i < n:
        ch = js[i]
        if ch == " " and js[i + 1 : i + 3] == "\\n":
            # a space before a line break is escaped, so that it is not folded away
            parts.append(js[start:i])
            parts.append("\\ ")
            i += 1
            start = i
            ch = "\\"
        if ch == "\\":
            nxt = js[i + 1]
            if nxt == "u":
                parts.append(js[start:i])
                code = js[i + 2 : i + 6]
                short = _SHORT_ESCAPES.get(code)
                if short is not None:
                    parts.append(short)
                elif code[:2] == "00":
                    parts.append("\\x" + code[2:])
                else:
                    parts.append(js[i : i + 6])
                i += 5
                start = i + 1
            elif nxt == "n":
                if not fold_newlines or js[i + 2] == '"':
                    i += 1
                else:
                    # a line break is written as an empty line ("folding will eat first newline")
                    parts.append(js[start:i])
                    parts.append("\n\n")
                    while js[i + 2] == "\\" and js[i + 3] == "n" and js[i + 4] != '"':
                        parts.append("\n")
                        i += 2
                    parts.append(indent)
                    if js[i + 2] == " ":
                        parts.append("\\")  # a space after the line break is escaped too
                    i += 1
                    start = i + 1
            else:
                i += 1
        i += 1
    if not start:
        return js
    parts.append(js[start:])
    return "".join(parts)


def _block_literal(value: str, indent: str, force_indent: bool) -> str:
    """blockString with lineWidth 0: always a literal `|`, with chomping and indentation indicators."""
    if _WHITESPACE_LAST_LINE.search(value):
        return _quoted(value, False, indent)
    indent = indent or ("  " if force_indent or _DOC_MARKER.search(value) else "")
    if not value:
        return "|\n"
    # chomping, from the whitespace at the end
    end = value[len(value.rstrip("\n\t ")) :]
    nl = end.find("\n")
    if nl == -1:
        chomp = "-"
    elif value == end or nl != len(end) - 1:
        chomp = "+"
    else:
        chomp = ""
    if end:
        value = value[: -len(end)]
        if end[-1] == "\n":
            end = end[:-1]
        if "\n" in end:
            end = _BLOCK_END_NEWLINES.sub(lambda m: m.group() + indent, end)
    # indentation indicator, from the whitespace at the start
    starts_with_space = False
    start_nl = -1
    for pos, ch in enumerate(value):
        if ch == " ":
            starts_with_space = True
        elif ch == "\n":
            start_nl = pos
        else:
            break
    start = value[: start_nl + 1]
    if start:
        value = value[len(start) :]
        start = _NEWLINES.sub(lambda m: m.group() + indent, start)
    header = ("2" if indent else "1") + chomp if starts_with_space else chomp
    if "\n" in value:
        value = _NEWLINES.sub(lambda m: m.group() + indent, value)
    return f"|{header}\n{indent}{start}{value}{end}"
