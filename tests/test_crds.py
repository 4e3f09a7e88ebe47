"""The vendored upstream CRDs (crds/): unmodified, pinned, and the only ones validation uses."""

import hashlib

import pytest
import yaml

from gorax_constructs.pipeline.validation import CRD_DIR, CrdLoader, document_errors

from .conftest import REPO

SOURCES = CRD_DIR / "sources.yaml"


def crd_head(path):
    """A CRD file's document up to its ``spec.versions``: parsing the schemas would cost ~1.5 s for all 19 files."""
    head, found, _ = path.read_text().partition("\n  versions:\n")
    assert found, f"{path.name}: no spec.versions"
    return yaml.load(head.removeprefix("---\n"), Loader=CrdLoader)


def sources():
    return yaml.safe_load(SOURCES.read_text())


def test_validation_reads_the_crds_inside_the_repository():
    assert CRD_DIR == REPO / "crds"


def test_every_file_is_listed_once_with_its_upstream_url_release_and_sha256():
    listed = [entry["file"] for entry in sources()]
    assert sorted(listed) == sorted(set(listed)), "a file is listed twice"
    assert sorted(listed) == sorted(p.name for p in CRD_DIR.iterdir() if p != SOURCES)
    for entry in sources():
        assert entry["url"].startswith("https://raw.githubusercontent.com/"), entry["file"]
        assert entry["release"].split()[-1] in entry["url"], f"{entry['file']}: release and URL disagree"


@pytest.mark.parametrize("entry", sources(), ids=lambda entry: entry["file"])
def test_file_matches_its_recorded_sha256(entry):
    digest = hashlib.sha256((CRD_DIR / entry["file"]).read_bytes()).hexdigest()
    assert digest == entry["sha256"], f"{entry['file']} differs from the upstream file recorded in sources.yaml"


@pytest.mark.parametrize("entry", sources(), ids=lambda entry: entry["file"])
def test_file_is_named_after_its_group_and_plural(entry):
    """The validator finds a CRD by its file name, ``<group>_<plural>.yaml``, parsing only the object's group."""
    crd = crd_head(CRD_DIR / entry["file"])
    assert crd["kind"] == "CustomResourceDefinition"
    assert entry["file"] == f"{crd['spec']['group']}_{crd['spec']['names']['plural']}.yaml"
    assert entry["kind"].startswith(crd["spec"]["names"]["kind"] + " ")


def test_a_custom_resource_without_a_crd_is_an_error():
    """Validation is never silently off: an unknown custom resource kind cannot pass."""
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {}}
    (error,) = document_errors(widget)
    assert error.startswith(f"no served CRD for example.com/v1 Widget in {CRD_DIR}")
