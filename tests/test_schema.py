"""Every synthesized object is valid for Kubernetes 1.27 and the newest schema we have,
and every custom resource is valid against its upstream CRD."""

from gorax_constructs.pipeline.validation import builtin_errors, custom_resource_errors, is_builtin


def test_builtin_objects_validate_strictly(environment):
    builtins = [o for o in environment.objects if is_builtin(o)]
    assert builtins, "no built-in objects synthesized"
    errors = [f"{o['kind']}/{o['metadata']['name']}: {e}" for o in builtins for e in builtin_errors(o)]
    assert errors == []


def test_custom_resources_validate_against_crds(environment):
    custom = [o for o in environment.objects if not is_builtin(o)]
    assert custom, "every environment emits its monitors"
    errors = [f"{o['kind']}/{o['metadata']['name']}: {e}" for o in custom for e in custom_resource_errors(o)]
    assert errors == []


def test_validator_rejects_unknown_fields():
    """The schema check is strict: a misspelt field is an error, not silently dropped."""
    bad = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "x"}, "automountToken": False}
    assert any("automountToken" in e for e in builtin_errors(bad))


def test_crd_with_unquoted_value_tag_loads(tmp_path):
    """Upstream CRDs list ``=`` unquoted (AlertmanagerConfig's ``matchType``): YAML 1.1 reads that as
    its value tag, which the safe loader cannot construct. The CRD loader must read it as a string."""
    (tmp_path / "example.com_matchers.yaml").write_text(
        """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: example.com
  names: {kind: Matcher}
  versions:
    - name: v1
      served: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            apiVersion: {type: string}
            kind: {type: string}
            spec:
              type: object
              properties:
                matchType:
                  type: string
                  enum:
                    - '!='
                    - =
                    - =~
"""
    )
    doc = {"apiVersion": "example.com/v1", "kind": "Matcher", "metadata": {"name": "m"}}
    assert list(custom_resource_errors({**doc, "spec": {"matchType": "="}}, tmp_path)) == []
    assert any("~=" in e for e in custom_resource_errors({**doc, "spec": {"matchType": "~="}}, tmp_path))
