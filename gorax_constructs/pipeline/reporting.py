"""Errors, not tracebacks: what went wrong, told in one message.

Two jobs:

- ``explain(error)``: a mistake in ``environments.py`` that Python itself reports
  (a misspelled setting is a ``TypeError`` from the dataclass's ``__init__``, a
  class used without its import a ``NameError``, a typo a ``SyntaxError``)
  becomes one message naming the file and line, the environment, the section and
  the closest valid name.
- ``run(main)``: anything else that escapes is an internal error; its full trace
  goes to ``build/last-error.txt`` and the user reads one line saying what was
  being done and where the trace is.

How the environment is found: Python's message names the class
(``Autoscaling.__init__() got an unexpected keyword argument 'min_replica'``) but
not the environment, which does not exist yet. The traceback does hold the
module-level frame of ``environments.py`` and, since Python 3.11, the exact
source span of the call that failed (``co_positions``). That span is looked up
in the file's syntax tree: the top-level statement around it is the environment
being defined (its ``name="..."`` keyword, else its variable), and the keywords
enclosing the failing call are the section (``api=replace(..., autoscaling=
replace(..., min_replica=2))`` gives ``api.autoscaling``). Frame locals were not
used: inside ``dataclasses.replace`` they hold the section, never the
environment.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime
import difflib
import errno
import importlib.util
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING

from ..configuration.errors import REPOSITORY, ConfigError, FileError, shown

if TYPE_CHECKING:
    from .catalog import Catalog

PACKAGE = Path(__file__).resolve().parents[1]
CONFIGURATION = f"{PACKAGE.name}.configuration"
LAST_ERROR = REPOSITORY / "build" / "last-error.txt"
CONFIG_MODULES = ("model", "edge", "network", "monitoring", "tracing", "secrets", "identity", "gitops")
"""Where the configuration classes live (the names ``environments.py`` may import)."""
_INIT = re.compile(r"^(?P<cls>\w+)\.__init__\(\) (?P<rest>.*)$")
_UNEXPECTED = re.compile(r"^got an unexpected keyword argument '(?P<name>\w+)'$")
_MISSING = re.compile(r"^missing \d+ required (?:keyword-only )?arguments?: (?P<names>.*)$")
_POSITIONAL = re.compile(r"^takes \d+ positional arguments? but .* given$")


def environments_file() -> Path:
    spec = importlib.util.find_spec(f"{PACKAGE.name}.environments")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).resolve()


@dataclass(frozen=True)
class Place:
    """Where in environments.py a mistake is: the line, the environment and the failing call."""

    file: Path
    line: int
    environment: str
    call: ast.Call | None
    keywords: tuple[str, ...]
    """The keyword arguments enclosing the failing call, outermost first: the section's path."""
    names: tuple[str, ...] = ()
    """The names the module had defined when it failed."""

    def header(self) -> str:
        where = f"{shown(self.file)}, line {self.line}"
        return f"{where}, environment '{self.environment}'" if self.environment else where


def _statement_environment(statement: ast.stmt) -> str:
    """The ``name="..."`` of the top-level call a statement assigns, else its variable's name."""
    value = statement.value if isinstance(statement, ast.Assign | ast.AnnAssign) else None
    if isinstance(value, ast.Call):
        for keyword in value.keywords:
            constant = keyword.value.value if isinstance(keyword.value, ast.Constant) else None
            if keyword.arg == "name" and isinstance(constant, str):
                return constant
    targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
    names = [target.id for target in targets if isinstance(target, ast.Name)]
    return names[0] if names else ""


def _paths(node: ast.AST, keywords: tuple[str, ...] = ()) -> Iterator[tuple[ast.Call, tuple[str, ...]]]:
    """Every call under ``node`` with the keyword arguments that enclose it."""
    if isinstance(node, ast.Call):
        yield node, keywords
        for arg in node.args:
            yield from _paths(arg, keywords)
        for keyword in node.keywords:
            yield from _paths(keyword.value, (*keywords, keyword.arg) if keyword.arg else keywords)
        return
    for child in ast.iter_child_nodes(node):
        yield from _paths(child, keywords)


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), str(path))


def locate(error: BaseException) -> Place | None:
    """The place in environments.py where ``error`` was raised, if it was raised while running that file."""
    file = environments_file()
    frames = [
        (tb.tb_frame, tb.tb_lineno, tb.tb_lasti)
        for tb in _tracebacks(error.__traceback__)
        if Path(tb.tb_frame.f_code.co_filename).resolve() == file
    ]
    if not frames:
        return None
    frame, line, lasti = frames[0]  # the outermost: the module-level statement
    positions = list(frame.f_code.co_positions())
    span = positions[lasti // 2] if 0 <= lasti // 2 < len(positions) else None
    statement = next((s for s in _tree(file).body if s.lineno <= line <= (s.end_lineno or s.lineno)), None)
    names = tuple(name for name in frame.f_globals if not name.startswith("_"))
    if statement is None:
        return Place(file, line, "", None, (), names)
    calls = list(_paths(statement))
    exact = [
        (call, keywords)
        for call, keywords in calls
        if span and (call.lineno, call.end_lineno, call.col_offset, call.end_col_offset) == span
    ]
    call, keywords = exact[0] if exact else (None, ())
    return Place(file, line, _statement_environment(statement), call, keywords, names)


def _tracebacks(tb: TracebackType | None) -> Iterator[TracebackType]:
    while tb is not None:
        yield tb
        tb = tb.tb_next


def config_classes() -> dict[str, type]:
    """Every configuration dataclass by name, from the modules ``environments.py`` imports them from."""
    classes: dict[str, type] = {}
    for module_name in CONFIG_MODULES:
        module = sys.modules.get(f"{CONFIGURATION}.{module_name}")
        if module is None:
            continue
        for name, value in _offered(module):
            if isinstance(value, type) and dataclasses.is_dataclass(value):
                classes[name] = value
    return classes


def public_names() -> dict[str, str]:
    """Name -> the module to import it from, for the names environments.py may use."""
    names: dict[str, str] = {}
    for module_name in CONFIG_MODULES:
        module = sys.modules.get(f"{CONFIGURATION}.{module_name}")
        for name, _ in _offered(module) if module is not None else ():
            if not name.startswith("_"):
                names.setdefault(name, module_name)
    return names


def _offered(module: ModuleType) -> Iterator[tuple[str, object]]:
    """What a configuration module offers: what it defines, and what it re-exports in ``__all__``."""
    exported = getattr(module, "__all__", ())
    for name, value in vars(module).items():
        if getattr(value, "__module__", None) == module.__name__ or name in exported:
            yield name, value


def _section(cls: type, place: Place) -> str:
    """The section the failing call builds, as a field path (``api.autoscaling``), or the class's possible paths."""
    from ..configuration.fieldtypes import sections
    from ..configuration.model import EnvironmentConfig

    candidates = [path for path, section_cls in sections(EnvironmentConfig) if section_cls is cls]
    path = ".".join(place.keywords)
    if place.call is not None and (path in candidates or (not candidates and path)):
        return path
    if len(candidates) == 1:
        return candidates[0]
    return " or ".join(candidates) if candidates else cls.__name__


def _settings(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.init]


def _explain_init(error: TypeError, place: Place) -> str | None:
    match = _INIT.match(str(error))
    cls = config_classes().get(match["cls"]) if match else None
    if match is None or cls is None:
        return None
    settings = _settings(cls)
    section = _section(cls, place)
    head = f"{place.header()}{f', section {section}' if section else ''}: {cls.__name__}"
    rest = match["rest"]
    if unexpected := _UNEXPECTED.match(rest):
        name = unexpected["name"]
        closest = difflib.get_close_matches(name, settings, n=1, cutoff=0.5)
        hint = f"did you mean '{closest[0]}'? " if closest else ""
        return f"{head} has no setting '{name}'; {hint}its settings: {', '.join(settings)}"
    if missing := _MISSING.match(rest):
        names = re.findall(r"'(\w+)'", missing["names"])
        return f"{head} needs {', '.join(repr(n) for n in names)} (its settings: {', '.join(settings)})"
    if _POSITIONAL.match(rest):
        return f"{head} takes its settings by name, e.g. {cls.__name__}({settings[0]}=...)"
    return f"{head}: {rest}"


def explain(error: BaseException) -> str | None:
    """One message for a mistake in environments.py, or None when ``error`` is not one."""
    file = environments_file()
    if isinstance(error, SyntaxError) and error.filename and Path(error.filename).resolve() == file:
        column = f", column {error.offset}" if error.offset else ""
        return f"{shown(file)}, line {error.lineno}{column}: {error.msg}"
    place = locate(error)
    if place is None:
        return None
    if isinstance(error, TypeError) and (message := _explain_init(error, place)):
        return message
    if isinstance(error, NameError) and error.name:
        module = public_names().get(error.name)
        if module:
            where = f"from .configuration.{module} import {error.name}"
            return f"{place.header()}: {error.name} is not imported; add: {where}"
        known = difflib.get_close_matches(error.name, [*public_names(), *place.names], n=1)
        hint = f"; did you mean {known[0]}?" if known else ""
        return f"{place.header()}: {error.name} is not defined{hint}"
    return f"{place.header()}: {type(error).__name__}: {error}"


_STEP = "gorax_step"
"""The attribute an escaping exception carries: the innermost step it escaped from."""


@contextmanager
def doing(what: str) -> Iterator[None]:
    """Name the step in progress, for the one-line report of an internal error raised inside it."""
    try:
        yield
    except Exception as error:
        if not hasattr(error, _STEP):
            setattr(error, _STEP, what)
        raise


def internal_error(error: BaseException, trace_file: Path = LAST_ERROR) -> str:
    """Write the full trace to ``trace_file``; return the one line the user reads."""
    trace = "".join(traceback.format_exception(error))
    try:
        trace_file.parent.mkdir(parents=True, exist_ok=True)
        trace_file.write_text(trace)
        where = f"full trace in {shown(trace_file)}"
    except OSError as cannot:
        sys.stderr.write(trace)
        where = f"could not write {shown(trace_file)} ({cannot.strerror}); the trace is above"
    summary = (str(error).splitlines() or [""])[0]
    step = getattr(error, _STEP, "starting")
    return f"gorax: internal error while {step} ({type(error).__name__}: {summary}); {where}"


def run(main: Callable[[], int]) -> int:
    """``main()``'s exit status; an exception that escapes it is reported in one line, exit status 1."""
    try:
        return main()
    except KeyboardInterrupt:
        print("gorax: interrupted", file=sys.stderr)
        return 130
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            return _report(error)
        what = f" writing {shown(error.filename)}" if error.filename else ""
        step = getattr(error, _STEP, "")
        step = f" while {step}" if step else ""
        print(f"gorax: no space left on the device{what}{step}: free some and run the command again", file=sys.stderr)
        return 1
    except Exception as error:
        return _report(error)


def _report(error: Exception) -> int:
    message = explain(error)
    print(f"gorax: {message}" if message else internal_error(error), file=sys.stderr)
    return 1


def located(error: ConfigError) -> str | None:
    """The file and line a configuration error comes from: ``images.yaml`` for an image, else the
    statement of ``environments.py`` that raised it."""
    from ..configuration.images import COMPONENTS, entry_line

    fields = [problem.field for problem in error.problems]
    components = {field.split(".")[0] for field in fields}
    if fields and all(".image." in field for field in fields) and len(components) == 1 and components <= {*COMPONENTS}:
        where = entry_line(error.environment, components.pop())
        if where:
            return where
    place = locate(error)
    return f"{shown(place.file)}, line {place.line}" if place else None


def load_catalog() -> Catalog:
    """``catalog.load_catalog()``, with Python's own errors in environments.py turned into one ``FileError``
    message, and a warning on stderr for each expired preview (the calendar never fails a build)."""
    from ..configuration.previews import expiry_warnings

    try:
        from .catalog import load_catalog as load

        catalog = load()
    except FileError:
        raise
    except ConfigError as error:
        where = located(error)
        if where is None:
            raise
        raise FileError(f"{where}: {error}", error.environment) from None
    except Exception as error:
        message = explain(error)
        if message is None:
            raise
        raise FileError(message) from None
    for warning in expiry_warnings(catalog.previews, datetime.date.today()):
        print(f"gorax: warning: {warning}", file=sys.stderr)
    return catalog
