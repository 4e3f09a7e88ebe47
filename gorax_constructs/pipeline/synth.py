"""Synthesizing the catalog into a staging folder: build the charts, collect and validate their
objects in memory, write them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cdk8s
from constructs import Construct

from ..configuration.model import EnvironmentConfig
from ..configuration.syncwaves import InvalidSyncWave
from ..extensions import EXTENSIONS, Extension
from ..parts.argocd import NAMESPACE, NAMESPACED_KINDS, ArgoCdApplications, Kind, group_kind
from ..parts.chart import EnvironmentChart
from ..parts.manifest import DuplicateObject, ManifestChart, UnknownObject, file_name, validation_errors
from ..parts.ordering import OrderError
from . import policies
from .apivalues import problems as api_values
from .catalog import PREVIEWS_FOLDER, Catalog
from .kustomize import ARGOCD_FOLDER, KUSTOMIZATION, kustomization
from .validation import document_errors
from .yaml_format import stringify

MANIFEST_SUFFIX = ".k8s.yaml"
EXPORT_FILE = f"app{MANIFEST_SUFFIX}"
"""The one file of an export (cdk8s's name for ``FILE_PER_APP``): ``cdk8s synth --stdout`` pipes every file of
its folder to stdout at once (cdk8s-cli 2.207.60 lib/cli/cmds/synth.js, ``createReadStream(f).pipe``), so the
chunks of several files interleave; one file is printed in order."""
Body = dict[str, Any]


class InvalidOutput(Exception):
    """Synthesized objects fail validation or a policy; nothing may be promoted."""


@dataclass(frozen=True)
class ChartOutput:
    """One chart's objects as written to its folder; ``env`` is None for the Argo CD folder."""

    folder: str
    objects: list[Body]
    env: EnvironmentConfig | None = None


def chart_problems(chart: ManifestChart, folder: str, env: EnvironmentConfig | None) -> tuple[list[Body], list[str]]:
    """The chart's objects and everything wrong with them, each problem naming its file (or construct).

    The objects are validated in memory, before they are written: parsing the
    written YAML back would cost more than the whole synth (docs/performance.md).
    """
    try:
        objects, nested = chart.synthesize()
    except (DuplicateObject, UnknownObject, OrderError, InvalidSyncWave) as error:
        return [], [f"{folder}: {error.args[0]}"]
    problems = [
        f"{folder}: chart {path} is nested in this chart; its objects are its own and the synth writes one folder "
        f"per environment, so they would be written nowhere: add its constructs to the chart {chart.path} itself "
        "(a constructs.Construct groups them)"
        for path in nested
    ]
    problems += [
        f"{folder}/{file_name(body)}{MANIFEST_SUFFIX}: {error}" for body in objects for error in document_errors(body)
    ]
    if not problems:  # the schema holds, so each object has the shape the API-value rules read
        problems += [
            f"{folder}/{file_name(body)}{MANIFEST_SUFFIX}: {error}" for body in objects for error in api_values(body)
        ]
    if env is not None and not problems:
        problems += [f"{folder}: {problem}" for problem in policies.problems(env, objects)]
    return objects, problems


class OutputTree:
    """The staging folder, rewritten file by file: after ``finish()`` it holds exactly what was written.

    An unchanged file is left alone: creating a file is the slowest step of a
    synth (docs/performance.md), so a synth that changes one preview creates
    only that preview's files, and the writes run
    on a few threads: they wait on the disk, not on the CPU (a cold 100-preview
    synth went from 3.4-4.1 s to 3.1-3.2 s in two interleaved A/Bs). A changed file is
    replaced by a new one, never rewritten in place: ``dist/`` hard-links the
    staging files (see ``promote``).
    """

    WRITERS = 4

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: set[Path] = set()
        self._writers = ThreadPoolExecutor(max_workers=self.WRITERS, thread_name_prefix="output")
        self._pending: list[Future[None]] = []

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        self.written.add(path)
        self._pending.append(self._writers.submit(_store, path, text.encode()))

    def write_objects(self, objects: list[Body], folder: str) -> None:
        """One file per object, named as ``App.synth()`` names them, plus the folder's kustomization.

        The YAML is written in Python (``yaml_format``): a round trip per object to node's YAML library
        cost far more (docs/performance.md).
        """
        names = []
        for body in objects:
            names.append(f"{file_name(body)}{MANIFEST_SUFFIX}")
            self.write(f"{folder}/{names[-1]}", stringify(body))
        self.write(f"{folder}/{KUSTOMIZATION}", kustomization(names))

    def finish(self) -> None:
        """Wait for the writes (re-raising the first failure), then delete everything under the root
        that this synth did not write."""
        self._writers.shutdown()
        for write in self._pending:
            write.result()
        for directory, folders, files in os.walk(self.root, topdown=False):
            for name in files:
                if (path := Path(directory, name)) not in self.written:
                    path.unlink()
            for name in folders:
                if not any(Path(directory, name).iterdir()):
                    Path(directory, name).rmdir()


def _store(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` unless it already holds exactly that; a changed file becomes a new inode."""
    try:
        if path.read_bytes() == data:
            return
        path.unlink()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


class Folder(Construct):
    """A construct that groups charts, as the output folders group them (``previews/``).

    Its ``path`` is known in Python: each preview chart asks for its scope's path, which
    would otherwise cost two round trips to node per preview.
    """

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.path = id


def synth_catalog(
    catalog: Catalog,
    outdir: Path,
    extensions: Mapping[str, tuple[Extension, ...]] = EXTENSIONS,
    *,
    export: bool = False,
) -> list[ChartOutput]:
    """Synthesize every environment and the Argo CD Applications into ``outdir``, each folder
    with its kustomization.yaml, and remove whatever else ``outdir`` held. With ``export``, one
    file instead (``EXPORT_FILE``): every folder's manifests, one after the other, each in apply order.

    ``extensions`` are called with the chart of the environment they are registered for.
    Returns every folder's objects, permanent environments first. Raises ``InvalidOutput``
    when any object fails validation or a policy, or when the app holds a chart that would be
    written nowhere.
    """
    unknown = sorted(set(extensions) - {env.name for env in (*catalog.permanent, *catalog.previews)})
    if unknown:
        raise InvalidOutput(f"extensions for environments that are not configured: {', '.join(unknown)}")
    # The construct tree mirrors the folders: app/<environment>, app/previews/<name>, app/argocd.
    app = cdk8s.App(outdir=str(outdir))
    previews = Folder(app, PREVIEWS_FOLDER)
    output = OutputTree(outdir)
    outputs: list[ChartOutput] = []
    problems: list[str] = []
    written: dict[str, ManifestChart] = {}

    def emit(chart: ManifestChart, folder: str, env: EnvironmentConfig | None) -> None:
        if env is not None:
            for extend in extensions.get(env.name, ()):
                extend(chart)
        objects, chart_problems_ = chart_problems(chart, folder, env)
        problems.extend(chart_problems_)
        if not export:
            output.write_objects(objects, folder)
        outputs.append(ChartOutput(folder, objects, env))
        written[folder] = chart

    for env in catalog.permanent:
        emit(EnvironmentChart(app, env), env.name, env)
    for env in catalog.previews:
        emit(EnvironmentChart(previews, env), f"{PREVIEWS_FOLDER}/{env.name}", env)
    # The AppProjects permit every kind any option emits (parts/argocd.py), and what extensions add.
    extra_kinds: dict[str, set[Kind]] = {}
    for chart_output in outputs:
        if chart_output.env is not None:
            emitted = {group_kind(body) for body in chart_output.objects} - {NAMESPACE, *NAMESPACED_KINDS}
            extra_kinds.setdefault(chart_output.env.argocd.project, set()).update(emitted)
    argocd = ManifestChart(app, ARGOCD_FOLDER)
    ArgoCdApplications(
        argocd,
        "applications",
        gitops=catalog.gitops,
        environments=catalog.permanent,
        previews=catalog.preview_target,
        extra_kinds=extra_kinds,
    )
    emit(argocd, ARGOCD_FOLDER, None)
    problems += unwritten_charts(app, previews, written)
    problems += [f"{_folder_of(path, written)}{path}: {message}" for path, message in validation_errors(argocd)]
    if export:
        output.write(EXPORT_FILE, "".join(f"---\n{stringify(body)}" for out in outputs for body in out.objects))
    output.finish()
    if problems:
        raise InvalidOutput("\n".join(problems))
    return outputs


def unwritten_charts(app: cdk8s.App, previews: Folder, written: Mapping[str, ManifestChart]) -> list[str]:
    """A problem for each construct at the app's top level (or in ``previews/``) that the synth does not
    write: an extension's ``cdk8s.Chart(app, ...)``, even one an environment's chart depends on, has no folder."""
    charts = set(map(id, written.values()))
    strays = [c for c in (*app.node.children, *previews.node.children) if c is not previews and id(c) not in charts]
    return [
        f"{c.node.path}: {'a chart' if isinstance(c, cdk8s.Chart) else 'a construct'} that no folder of dist/ holds "
        "(the synth writes one folder per environment and one for Argo CD): add its constructs to an environment's "
        "chart in gorax_constructs/extensions.py"
        for c in strays
    ]


def _folder_of(path: str, written: Mapping[str, ManifestChart]) -> str:
    """``<folder>: `` for the chart folder a construct path is in, or nothing."""
    folder = next((f for f in written if path == f or path.startswith(f"{f}/")), None)
    return f"{folder}: " if folder else ""
