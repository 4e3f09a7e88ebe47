"""Each routine change, made with the documented commands only, leaves the whole suite green.

One copy of the repository gets all of them (``tests/routine_changes.py``): an image bump of every
environment, a preview added and one removed, a new permanent environment by the docs' recipe, one
environment switched to Sealed Secrets and to KEDA queue-depth scaling, and the docs' extension example.
Then ``bin/gorax synth`` and the whole suite run in that copy.
"""

import os

import pytest
import yaml

from gorax_constructs.configuration.previews import PREVIEW_PROJECT
from gorax_constructs.environments import ENVIRONMENTS
from gorax_constructs.pipeline.validation import YAML_LOADER

from .routine_changes import BUMPED_TAG, NESTED, Plan

pytestmark = [
    # The whole suite a second time (~50 s of CPU after any change): `make test-slow`, which CI runs after `make test`.
    pytest.mark.slow,
    pytest.mark.scenario,
    pytest.mark.skipif(bool(os.environ.get(NESTED)), reason="the suite of the routine-change copy itself"),
]


def objects(folder):
    return [d for p in sorted(folder.glob("*.k8s.yaml")) for d in yaml.load_all(p.read_text(), Loader=YAML_LOADER) if d]


@pytest.fixture(scope="module")
def routine(end_to_end):
    chain = end_to_end["routine-changes"]
    return Plan.make(), chain, chain.result()


def test_every_documented_command_succeeds(routine):
    _, _, steps = routine
    for step in steps[:-1]:
        assert step.code == 0, f"{' '.join(step.command)}:\n{step.stdout}\n{step.stderr}"
        assert "Traceback" not in step.stderr


def test_the_whole_suite_is_green_after_all_of_them(routine):
    *_, suite = routine[2]
    summary = [line for line in suite.stdout.splitlines() if line.startswith(("FAILED", "ERROR", "E   "))]
    assert suite.code == 0, "the suite in the changed copy failed:\n" + "\n".join(summary[-40:]) + suite.stderr[-2000:]
    assert " passed" in suite.stdout.splitlines()[-1]


def test_each_change_reached_dist(routine):
    plan, chain, _ = routine
    dist = chain.project / "dist"
    images = {
        c["image"]
        for d in objects(dist / plan.extended)
        if d["kind"] == "Deployment"
        for c in d["spec"]["template"]["spec"]["containers"]
    }
    assert images and all(image.endswith(f":{BUMPED_TAG}") for image in images), images
    assert (dist / "previews" / plan.added_preview).is_dir()
    if plan.removed_preview:
        assert not (dist / "previews" / plan.removed_preview).exists()
    switched = {d["kind"] for d in objects(dist / plan.switched)}
    assert {"SealedSecret", "ScaledObject"} <= switched and "ExternalSecret" not in switched
    assert any(d["kind"] == "CronJob" for d in objects(dist / plan.extended))


def test_the_recipe_adds_its_folder_and_application_and_changes_only_what_it_says(routine):
    """What the recipe says `git status --short dist/` shows: new files; in dist/argocd/ changed only the
    kustomization and the permanent environments' AppProjects (a new destination and Namespace name). The
    previews' project admits a pattern, so neither a new environment nor a new preview changes it."""
    plan, chain, steps = routine
    synth = next(step for step in steps if step.command[:2] == ["bin/gorax", "synth"])
    before, after = chain.dist_before, synth.dist
    argocd_changed = {n for n in before if n.startswith("argocd/") and after.get(n) != before[n]}
    assert argocd_changed <= {"argocd/kustomization.yaml"} | {n for n in before if n.startswith("argocd/AppProject.")}
    if PREVIEW_PROJECT not in {env.argocd.project for env in ENVIRONMENTS}:
        assert f"argocd/AppProject.{PREVIEW_PROJECT}.k8s.yaml" not in argocd_changed
    assert f"argocd/Application.gorax-{plan.new_environment}.k8s.yaml" in after
    assert any(name.startswith(f"{plan.new_environment}/Deployment.") for name in after)
