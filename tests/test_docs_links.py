"""The documentation holds together in a clone: a short README from which every page is reachable, and
no link that resolves outside the repository (a clone has nothing beside it). Pure file reading."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from .test_runbook import anchors, relative_links

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DOCS = REPO / "docs"
DOCUMENTS = [README, *sorted(DOCS.glob("*.md"))]
README_MAX_LINES = 250  # issue 23: a README a newcomer reads in five minutes


def targets(document: Path) -> list[tuple[int, Path, str]]:
    """(line, resolved file, fragment) of every relative link of ``document``."""
    result = []
    for number, target in relative_links(document):
        parts = urlsplit(target)
        linked = (document.parent / unquote(parts.path)).resolve() if parts.path else document
        result.append((number, linked, unquote(parts.fragment)))
    return result


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(REPO)))
def test_every_relative_link_stays_in_the_repository_and_resolves(document):
    broken = []
    for number, linked, fragment in targets(document):
        if not linked.is_relative_to(REPO):
            broken.append(f"line {number}: {linked} is outside the repository")
        elif not linked.exists():
            broken.append(f"line {number}: {linked.relative_to(REPO)} does not exist")
        elif fragment and linked.suffix == ".md" and fragment not in anchors(linked):
            broken.append(f"line {number}: {linked.relative_to(REPO)} has no heading with anchor #{fragment}")
    assert not broken, f"{document.relative_to(REPO)}:\n" + "\n".join(broken)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(REPO)))
def test_no_document_points_at_the_reference_folder_beside_the_clone(document):
    """The reference folder beside the authors' clone exists on their machine only; say which upstream file a
    fact comes from."""
    hits = [
        f"line {number}: {line.strip()}"
        for number, line in enumerate(document.read_text().splitlines(), start=1)
        if re.search(r"(^|[\s(`'\"])(\.\./)+shared/|/work/shared", line)
    ]
    assert not hits, f"{document.relative_to(REPO)}:\n" + "\n".join(hits)


def test_the_readme_is_short():
    lines = len(README.read_text().splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail into a docs/ page"


def test_every_docs_page_is_reachable_from_the_readme():
    reached, queue = {README}, [README]
    while queue:
        for _, linked, _ in targets(queue.pop()):
            if linked.suffix == ".md" and linked.is_file() and linked not in reached:
                reached.add(linked)
                queue.append(linked)
    unreached = sorted(str(p.relative_to(REPO)) for p in DOCS.glob("*.md") if p not in reached)
    assert not unreached, f"not reachable by links from README.md: {unreached}"


def test_the_readme_links_every_common_task():
    tasks = DOCS / "common-tasks.md"
    linked = {fragment for _, path, fragment in targets(README) if path == tasks}
    missing = [anchor for anchor in anchors(tasks)[1:] if anchor not in linked]  # [0] is the page title
    assert not missing, f"README.md does not link these sections of docs/common-tasks.md: {missing}"
