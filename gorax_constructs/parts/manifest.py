"""Charts and constructs whose Kubernetes objects may be plain Python dicts, and whose output is
everything in their construct tree.

Most of a cdk8s synth's time is synchronous Python-to-node round trips (docs/performance.md): an
``ApiObject`` costs one to create, one per JSON patch and one more when node asks Python for its body.
So the Gorax parts (``ChartPart``) are real ``constructs.Construct``s -- in the tree, with ids that
name them, usable in any cdk8s ``Chart`` -- but inside a ``ManifestChart`` they hand it plain-dict
bodies (the fast path) instead of creating an ``ApiObject`` each. Both paths go through one
normalisation (``normalise``). Anything else in the chart's tree -- a plain ``ApiObject``,
``Include``, cdk8s-plus-27 constructs, classes from ``imports/`` -- is output too, so nothing added
to a chart is ever dropped; the objects of a chart nested in it are that chart's, as in cdk8s.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import cdk8s
from constructs import Construct

from ..configuration.syncwaves import with_sync_wave
from .normalise import normalise
from .ordering import OrderError, in_apply_order

Body = dict[str, Any]
_HEAD = ("apiVersion", "kind", "metadata")


def file_name(body: Body) -> str:
    """The file cdk8s writes the object to (``<Kind>.<name>``, as ``App.synth`` derives it)."""
    return re.sub(r"[^0-9a-zA-Z-_.]", "", f"{body['kind']}.{body['metadata']['name']}")


def object_id(body: Body) -> str:
    """A construct id for the object: ``<Kind>.<name>`` is unique in a namespace (no ``/`` in either)."""
    return f"{body['kind']}.{body['metadata']['name']}"


class DuplicateObject(ValueError):
    """Two constructs of one chart emit an object of the same kind and name."""


class UnknownObject(KeyError):
    """A patch names an object that the chart (or part) does not emit."""


class UnsupportedOutput(ValueError):
    """An ``App`` whose output type would write none of a ``ManifestChart``'s own objects."""


class ManifestChart(cdk8s.Chart):
    """A chart whose output is its plain-dict bodies plus every ``ApiObject`` in its construct tree.

    Props (besides cdk8s's ``Chart`` ones):
        namespace: given to every ``ApiObject`` in the tree that names none (cdk8s's own rule);
            default: none.
        labels: added to every ``ApiObject`` in the tree (cdk8s's own rule); default: none.

    Every object gets its kind's Argo CD sync wave unless it has one. The objects come in apply order
    (``ordering``). Two objects of the same kind and name are an error naming both construct paths,
    rather than one silently overwriting the other's file. ``patch`` is the escape hatch: JSON
    patches applied to one object of the chart, whatever built it, before validation.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        namespace: str | None = None,
        labels: dict[str, str] | None = None,
    ) -> None:
        if _writes_api_objects_only(_app_of(scope)):
            raise UnsupportedOutput(
                f"chart {id}: App(yaml_output_type=FOLDER_PER_CHART_FILE_PER_RESOURCE) writes only the ApiObject "
                "constructs of a chart, none of this chart's own objects; use FILE_PER_RESOURCE, FILE_PER_CHART or "
                "FILE_PER_APP (they ask the chart's to_json), or `make synth`"
            )
        super().__init__(scope, id, disable_resource_name_hashes=True, namespace=namespace, labels=labels)
        # Known without a round trip to node: the chart ids of this project are its folders.
        self.path = id if isinstance(scope, cdk8s.App) else f"{_path(scope)}/{id}"
        self._bodies: dict[tuple[str, str], tuple[Body, str]] = {}
        self._patches: dict[tuple[str, str], list[cdk8s.JsonPatch]] = {}

    @property
    def chart(self) -> ManifestChart:
        return self

    def add_manifest(self, body: Body, *, by: str) -> None:
        """Add a plain-dict object, emitted by the construct at path ``by``."""
        key = (body["kind"], body["metadata"]["name"])
        if key in self._bodies:
            raise DuplicateObject(_duplicate(key, self._bodies[key][1], by))
        self._bodies[key] = (normalise(with_sync_wave(body)), by)

    def patch(self, kind: str, name: str, *patches: cdk8s.JsonPatch) -> None:
        """Apply JSON patches to the chart's object ``kind``/``name`` when the chart is synthesized.

        Works for every object of the chart, plain-dict or ``ApiObject``; applied after the
        normalisation (as cdk8s applies ``add_json_patch``) and before schema validation, so a patch
        that breaks the object fails the synth.
        """
        self._patches.setdefault((kind, name), []).extend(patches)

    def objects(self, tree: list[Construct] | None = None) -> list[tuple[Body, str]]:
        """Every object of the chart, unpatched, with the path of the construct that emitted it, in
        construct order (those of charts nested in it are theirs); with ``tree=[]``, the plain-dict
        bodies alone, without a round trip."""
        return self._collect(self.node.find_all() if tree is None else tree)[0]

    def to_json(self) -> list[Any]:
        """The chart's objects, patched, in apply order: what ``App.synth()`` and ``Testing.synth`` return.

        Like any cdk8s chart's, it first runs every ``node.add_validation`` of the app (cdk8s's own
        ``Chart.toJson``, in node) and raises if one fails.
        """
        cdk8s.Chart.to_json(self)
        return self.synthesize()[0]

    def synthesize(self) -> tuple[list[Body], list[str]]:
        """``to_json()`` without the validations (``validation_errors`` runs them once for a whole app),
        and the paths of the charts nested in this one."""
        tree, dependencies = self._tree()
        objects, nested = self._collect(tree)
        return in_apply_order(self._patched(objects), dependencies), nested

    def _tree(self) -> tuple[list[Construct], list[tuple[str, str]]]:
        """Every construct of the chart and the (dependent, dependency) paths among them.

        One ``DependencyGraph`` answers both the tree and whether any construct depends on another
        (then some vertex has a dependant: fewer roots than constructs); only then is each construct
        asked for its dependencies, a few round trips each.
        """
        try:
            graph = cdk8s.DependencyGraph(self.node)
        except RuntimeError as error:  # cdk8s refuses a cycle of node.add_dependency
            raise OrderError(f"chart {self.path}: {str(error).removeprefix('Error: ')}") from None
        tree = graph.topology()
        if len(graph.root.outbound) == len(tree):
            return tree, []
        inside = self.path + "/"
        dependencies = []
        for construct in tree:
            if construct is self:
                continue
            dependent = _path(construct)
            for dependency in construct.node.dependencies:
                path = _path(dependency)
                if path.startswith(inside):
                    dependencies.append((dependent, path))
        return tree, dependencies

    def _collect(self, tree: list[Construct]) -> tuple[list[tuple[Body, str]], list[str]]:
        nested = [c.node.path for c in tree if c is not self and isinstance(c, cdk8s.Chart)]
        theirs = tuple(path + "/" for path in nested)
        by_part: dict[str, list[Body]] = {}
        for body, by in self._bodies.values():
            by_part.setdefault(by, []).append(body)
        objects: list[tuple[Body, str]] = []
        for construct in tree:
            if isinstance(construct, ChartPart):  # ours: its path is known without a round trip
                objects.extend((body, construct.path) for body in by_part.pop(construct.path, ()))
            elif isinstance(construct, cdk8s.ApiObject):
                path = construct.node.path
                if not path.startswith(theirs):
                    objects.append((normalise(with_sync_wave(construct.to_json())), path))
        # Bodies added by no part of the tree (``add_manifest`` with another ``by``) come first.
        return [(body, by) for by, bodies in by_part.items() for body in bodies] + objects, nested

    def _patched(self, objects: list[tuple[Body, str]]) -> list[tuple[Body, str]]:
        seen: dict[tuple[str, str], str] = {}
        out = []
        for body, path in objects:
            key = (body["kind"], body["metadata"]["name"])
            if key in seen:
                raise DuplicateObject(_duplicate(key, seen[key], path))
            seen[key] = path
            patches = self._patches.get(key)
            out.append((cdk8s.JsonPatch.apply(body, *patches) if patches else body, path))
        missing = sorted(set(self._patches) - set(seen))
        if missing:
            kind, name = missing[0]
            raise UnknownObject(f"chart {self.path}: patch for {kind} {name}, which the chart does not emit")
        return out


class ChartPart(Construct):
    """One concern of an environment (the API, the edge, ...): a construct that emits Kubernetes objects.

    Inside a ``ManifestChart`` (or a part in one) it adds plain-dict bodies to
    that chart, one round trip for the whole chart. In any other scope -- an
    ordinary ``cdk8s.Chart`` -- each object becomes an ``ApiObject`` child of
    the part, so ``ApiObject.of``, ``add_json_patch`` and ``Testing.synth`` work
    as in any cdk8s library. ``patch`` works in both.
    """

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.path = f"{_path(scope)}/{id}"
        self.chart: ManifestChart | None = scope.chart if isinstance(scope, ManifestChart | ChartPart) else None

    def add_manifest(self, body: Body) -> None:
        if self.chart is not None:
            self.chart.add_manifest(body, by=self.path)
            return
        body = normalise(with_sync_wave(body))
        api_object = cdk8s.ApiObject(
            self, object_id(body), api_version=body["apiVersion"], kind=body["kind"], metadata=body["metadata"]
        )
        for key, value in body.items():
            if key not in _HEAD:
                api_object.add_json_patch(cdk8s.JsonPatch.add(f"/{key}", value))

    def patch(self, kind: str, name: str, *patches: cdk8s.JsonPatch) -> None:
        """Apply JSON patches to the object ``kind``/``name`` of this part, in any chart (in an
        ``EnvironmentChart``, where ``ApiObject.of(part)`` finds no ``ApiObject``, too)."""
        unknown = UnknownObject(f"{self.path}: patch for {kind} {name}, which the part does not emit")
        if self.chart is not None:
            _, by = self.chart._bodies.get((kind, name), (None, ""))
            if by != self.path and not by.startswith(f"{self.path}/"):
                raise unknown
            self.chart.patch(kind, name, *patches)
            return
        child = self.node.try_find_child(object_id({"kind": kind, "metadata": {"name": name}}))
        if not isinstance(child, cdk8s.ApiObject):
            raise unknown
        child.add_json_patch(*patches)


def validation_errors(chart: cdk8s.Chart) -> list[tuple[str, str]]:
    """Every failing ``node.add_validation`` of the chart's whole app, as (construct path, message).

    cdk8s's own ``Chart.toJson`` validates the app in node, one round trip; only when that fails is
    each construct asked for its errors and path.
    """
    try:
        cdk8s.Chart.to_json(chart)
    except RuntimeError as error:
        app = chart.node.root
        found = [(c.node.path, message) for c in app.node.find_all() for message in c.node.validate()]
        return found or [("", str(error))]
    return []


@lru_cache(maxsize=32)
def _app_of(scope: Construct) -> Construct:
    return scope if isinstance(scope, cdk8s.App) else cdk8s.App.of(scope)


@lru_cache(maxsize=32)
def _writes_api_objects_only(app: Construct) -> bool:
    """Whether ``App.synth`` writes a chart's ``ApiObject`` constructs itself instead of asking its ``toJson``
    (cdk8s 2.70 lib/app.js: ``FOLDER_PER_CHART_FILE_PER_RESOURCE`` calls ``chartToKube``)."""
    folders = cdk8s.YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE
    return isinstance(app, cdk8s.App) and app.yaml_output_type == folders


def _path(scope: Construct) -> str:
    path = getattr(scope, "path", None)
    return path if isinstance(path, str) else scope.node.path


def _duplicate(key: tuple[str, str], first: str, second: str) -> str:
    return f"two objects {key[0]} {key[1]}: one from {first}, one from {second}"
