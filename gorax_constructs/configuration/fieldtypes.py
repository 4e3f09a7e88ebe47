"""The shape of a configuration: every field holds the kind of value its annotation names.

Checked before the rules (``problems()``) run, which may then assume it: a string
where a tuple is expected (``allowed_origins="https://x"``, the missing trailing
comma) is one problem, not one per character; a section of the wrong class is a
problem, not an ``AttributeError`` inside a rule; a string where a number is
expected is a problem, not a ``TypeError`` in a comparison. Ranges and
``Literal`` choices are left to the rules, which state what is allowed.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterator
from functools import cache

from .errors import Problem

NUMBERS = {bool: "True or False", int: "an integer", float: "a number"}


def is_integer(value: object, low: int, high: int | None = None) -> bool:
    """An ``int`` (not a ``bool``, which is one to Python) from ``low`` to ``high`` (no upper bound if None)."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value and (high is None or value <= high)


def is_port(value: object) -> bool:
    """A port number, 1 to 65535."""
    return is_integer(value, 1, 65535)


@cache
def field_hints(cls: type) -> dict[str, object]:
    """The resolved annotation of each init field of a config dataclass."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.init}


def _members(hint: object) -> tuple[object, ...]:
    return typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)


_SIMPLE: dict[object, type | tuple[type, ...]] = {
    str: str,
    bool: bool,
    int: int,  # True is an int to Python: the rules say which values are allowed
    float: (int, float),
    type(None): type(None),
}


@cache
def checker(hint: object) -> Callable[[object], bool]:
    """A function telling whether a value has the shape of ``hint`` (``Literal`` choices: left to the rules);
    built once per annotation, as a shape check runs at every environment's construction."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        members = tuple(checker(member) for member in typing.get_args(hint))
        return lambda value: any(check(value) for check in members)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            item = checker(args[0])
            return lambda value: isinstance(value, tuple) and all(item(v) for v in value)
        parts = tuple(checker(arg) for arg in args)
        return lambda value: (
            isinstance(value, tuple)
            and len(value) == len(parts)
            and all(check(v) for check, v in zip(parts, value, strict=True))
        )
    if hint in _SIMPLE:
        kinds = _SIMPLE[hint]
        return lambda value: isinstance(value, kinds)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return lambda value: isinstance(value, hint)
    return lambda value: True


def describe(hint: object) -> str:
    """What a value of ``hint`` looks like, for a message."""
    members = _members(hint)
    if len(members) > 1:
        return " or ".join(describe(member) for member in members)
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            item = args[0]
            if item is str:
                return "a tuple of strings such as ('a', 'b'); one item needs a trailing comma: ('a',)"
            return f"a tuple of {describe(item)} items, e.g. ((...),); one item needs a trailing comma"
        return "(" + ", ".join(describe(arg) for arg in args) + ")"
    if hint is type(None):
        return "None"
    if hint is str:
        return "a string"
    if hint in NUMBERS:
        return NUMBERS[hint]
    if isinstance(hint, type):
        return f"a {hint.__name__}(...)" if dataclasses.is_dataclass(hint) else f"a {hint.__name__}"
    return str(hint)


def shape_problems(config: object) -> Iterator[Problem]:
    """Every field of ``config`` (a config dataclass) and of its nested sections whose value has the wrong shape."""
    for name, hint in field_hints(type(config)).items():
        value = getattr(config, name)
        if not checker(hint)(value):
            yield Problem(name, value, describe(hint))
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            yield from (problem.under(name) for problem in shape_problems(value))


def is_number(problem: Problem) -> bool:
    """A shape problem of a number or a boolean (the rules usually say best what is allowed there)."""
    return problem.allowed in NUMBERS.values()


def all_problems(config: object, rules: Callable[[], Iterator[Problem]]) -> list[Problem]:
    """The shape problems of ``config``, else its ``rules``' problems.

    Only numbers and booleans of the wrong kind? The rules run anyway, because most of
    them check the kind themselves and say what is allowed ("a positive rate in events
    per second"); a rule that trips over such a value (``TypeError`` comparing a string
    with a number) falls back to the shape problems.
    """
    shape = list(shape_problems(config))
    if any(not is_number(problem) for problem in shape):
        return shape
    try:
        problems = list(rules())
    except (TypeError, ValueError):
        if not shape:
            raise
        return shape
    reported = {problem.field for problem in problems}
    return problems + [problem for problem in shape if problem.field not in reported]


def sections(cls: type, path: str = "") -> Iterator[tuple[str, type]]:
    """``(field path, class)`` of every config dataclass reachable from ``cls``, itself first (path ``""``)."""
    yield path, cls
    for name, hint in field_hints(cls).items():
        for member in _members(hint):
            if isinstance(member, type) and dataclasses.is_dataclass(member):
                yield from sections(member, f"{path}.{name}" if path else name)
