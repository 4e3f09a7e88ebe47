"""Every synthesized object is valid for Kubernetes 1.27 and the newest schema we have,
and every custom resource is valid against its upstream CRD."""

import pytest

from gorax_constructs.validation import builtin_errors, crd_dir, custom_resource_errors, is_builtin


def test_builtin_objects_validate_strictly(environment):
    builtins = [o for o in environment.objects if is_builtin(o)]
    assert builtins, "no built-in objects synthesized"
    errors = [f"{o['kind']}/{o['metadata']['name']}: {e}" for o in builtins for e in builtin_errors(o)]
    assert errors == []


def test_custom_resources_validate_against_crds(environment):
    custom = [o for o in environment.objects if not is_builtin(o)]
    if not custom:
        pytest.skip(f"{environment.env.name} emits no custom resources")
    folder = crd_dir()
    if folder is None:
        pytest.skip("no CRD folder: set GORAX_CRD_DIR to ../shared/crds to validate custom resources")
    errors = [f"{o['kind']}/{o['metadata']['name']}: {e}" for o in custom for e in custom_resource_errors(o, folder)]
    assert errors == []


def test_validator_rejects_unknown_fields():
    """The schema check is strict: a misspelt field is an error, not silently dropped."""
    bad = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "x"}, "automountToken": False}
    assert any("automountToken" in e for e in builtin_errors(bad))
