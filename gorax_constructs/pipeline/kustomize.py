"""The ``kustomization.yaml`` written into every output folder."""

from __future__ import annotations

from .yaml_format import stringify

ARGOCD_FOLDER = "argocd"
KUSTOMIZATION = "kustomization.yaml"


def kustomization(resources: list[str]) -> str:
    """The ``kustomization.yaml`` of an output folder, listing its manifests.

    It keeps the guide's habits working on the rendered output
    (``kubectl diff -k dist/production``) and lets GitOps engines detect the
    folder type without configuration.
    """
    document = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(resources),
    }
    return stringify(document)
