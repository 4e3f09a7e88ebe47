"""The alerts' runbook links land on a section, and the docs' relative links resolve.

Every alert's ``runbook_url`` is ``.../blob/<branch>/docs/runbook.md#<alert name lowercased>``;
GitHub derives a heading's anchor from its text, so the link works only while
``docs/runbook.md`` has exactly one heading with that anchor. Pure file reading: no synth.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from gorax_constructs.environments import GITOPS
from gorax_constructs.parts.alerts import ALERTS

REPO = Path(__file__).resolve().parents[1]
RUNBOOK = REPO / "docs" / "runbook.md"
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$")
# github-slugger keeps letters, digits, '_', '-' and spaces; everything else goes.
NOT_SLUG = re.compile(r"[^\w\- ]")


def prose_lines(path: Path) -> list[str]:
    """The document's lines outside fenced code blocks (fences become empty lines)."""
    lines, fence = [], None
    for line in path.read_text().splitlines():
        match = FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
            lines.append("")
        elif fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            lines.append("")
        else:
            lines.append(line)
    return lines


def heading_text(markdown: str) -> str:
    """What GitHub renders of a heading: code spans, links and emphasis reduced to their text."""
    text = INLINE_CODE.sub(lambda m: m.group(2), markdown)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    return text.replace("*", "")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading (github-slugger, without the duplicate suffix)."""
    return NOT_SLUG.sub("", heading_text(heading).strip().lower()).replace(" ", "-")


def anchors(path: Path) -> list[str]:
    """Every heading anchor of a document in order; repeats get GitHub's ``-1``, ``-2`` suffixes."""
    seen: dict[str, int] = {}
    result = []
    for line in prose_lines(path):
        match = HEADING.match(line)
        if not match:
            continue
        base = candidate = slug(match.group(2))
        while candidate in seen:
            seen[base] += 1
            candidate = f"{base}-{seen[base]}"
        seen.setdefault(candidate, 0)
        result.append(candidate)
    return result


def relative_links(path: Path) -> list[tuple[int, str]]:
    """(line number, target) of every link that is not absolute (no scheme, no host)."""
    links = []
    for number, line in enumerate(prose_lines(path), start=1):
        text = INLINE_CODE.sub("", line)
        targets = [m.group(1) for m in INLINE_LINK.finditer(text)]
        definition = REFERENCE_DEFINITION.match(text)
        if definition:
            targets.append(definition.group(1))
        for target in targets:
            parts = urlsplit(target)
            if not parts.scheme and not parts.netloc:
                links.append((number, target))
    return links


def test_the_helpers_slug_like_github():
    assert slug("HighWorkflowFailureRate") == "highworkflowfailurerate"
    assert slug("Consuming `dist/` from Flux") == "consuming-dist-from-flux"
    assert slug("Wiring the External Secrets store (staging, production)") == (
        "wiring-the-external-secrets-store-staging-production"
    )
    assert slug("Running and re-running a migration") == "running-and-re-running-a-migration"


@pytest.mark.parametrize("alert", ALERTS, ids=lambda alert: alert.name)
def test_each_alert_has_exactly_one_runbook_section(alert):
    fragment = urlsplit(alert.runbook_url).fragment
    assert fragment, f"{alert.name}: runbook_url {alert.runbook_url} has no #fragment"
    matches = [anchor for anchor in anchors(RUNBOOK) if anchor == fragment]
    assert len(matches) == 1, (
        f"{alert.name}: docs/runbook.md needs exactly one heading whose GitHub anchor is #{fragment} "
        f"(a heading '## {alert.name}'), found {len(matches)}"
    )


@pytest.mark.parametrize("alert", ALERTS, ids=lambda alert: alert.name)
def test_each_runbook_url_points_at_this_repositorys_runbook(alert):
    parts = urlsplit(alert.runbook_url)
    repository = re.fullmatch(r"https://github\.com/([^/]+/[^/]+?)(?:\.git)?", GITOPS.repo_url)
    assert repository, f"GITOPS.repo_url is not a GitHub repository: {GITOPS.repo_url}"
    match = re.fullmatch(r"/([^/]+/[^/]+)/blob/[^/]+/(.+)", parts.path)
    assert parts.scheme == "https" and parts.netloc == "github.com" and match, alert.runbook_url
    assert match.group(1) == repository.group(1), f"{alert.runbook_url} is not in {repository.group(1)}"
    assert match.group(2) == "docs/runbook.md", alert.runbook_url
    assert (REPO / match.group(2)).is_file()


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(REPO)))
def test_relative_links_resolve(document):
    broken = []
    for number, target in relative_links(document):
        parts = urlsplit(target)
        linked = (document.parent / unquote(parts.path)).resolve() if parts.path else document
        if not linked.exists():
            broken.append(f"line {number}: {target} (no such file)")
        elif parts.fragment and linked.suffix == ".md" and unquote(parts.fragment) not in anchors(linked):
            broken.append(f"line {number}: {target} (no heading with anchor #{parts.fragment})")
    assert not broken, f"{document.relative_to(REPO)}: broken links:\n" + "\n".join(broken)
