"""The image each permanent environment runs, from one data file that releases edit.

``images.yaml`` at the repository root (or the file named by ``GORAX_IMAGES_FILE``)
holds, per environment and component, a ``tag``, a ``digest`` or both;
``bin/gorax image set`` changes it, the way ``previews.yaml`` is changed by
``bin/gorax previews``. ``environments.py`` reads it
(``image=IMAGES.of("production").api``); the image repositories stay in the
code. The file holds data only: whether a tag is allowed (production and
staging refuse mutable ones) is decided by the configuration's own rules when
the environment is built, so the file accepts exactly what the code accepts.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from .datafile import compose, construct, line, mapping_get, read
from .errors import REPOSITORY, FileError, brief, shown
from .image import IMAGE_DIGEST, IMAGE_TAG, Image
from .model import EnvironmentConfig

IMAGES_FILE_VARIABLE = "GORAX_IMAGES_FILE"
DEFAULT_IMAGES_FILE = REPOSITORY / "images.yaml"
COMPONENTS = ("api", "worker")
IMAGE_KEYS = ("tag", "digest")
IMAGE_VALUES = {
    "tag": (IMAGE_TAG, "an image tag of letters, digits, '_', '.', '-' (at most 128)"),
    "digest": (IMAGE_DIGEST, "'sha256:' followed by 64 lowercase hex digits"),
}
SET_COMMAND = "bin/gorax image set"


@dataclass(frozen=True)
class EnvironmentImages:
    """One environment's images."""

    api: Image
    worker: Image


def images_file() -> Path:
    configured = os.environ.get(IMAGES_FILE_VARIABLE)
    return Path(configured) if configured else DEFAULT_IMAGES_FILE


def parse_images(text: str, source: str) -> dict[str, tuple[int, dict[str, dict[str, str]]]]:
    """environment -> (line, component -> {tag?, digest?}); a malformed file is a ``FileError`` naming the line."""
    root = compose(text, source)
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise FileError(f"{source}, line {line(root)}: expected a mapping of environment names")
    entries: dict[str, tuple[int, dict[str, dict[str, str]]]] = {}
    for env_node, components_node in root.value:
        env = construct(env_node)
        where = f"{source}, line {line(env_node)}, environment {brief(env)}"
        if not isinstance(env, str) or env in entries:
            reason = "is listed twice" if env in entries else "is not a name"
            raise FileError(f"{source}, line {line(env_node)}: environment {brief(env)} {reason}")
        if not isinstance(components_node, yaml.MappingNode):
            raise FileError(f"{where}: expected the components {', '.join(COMPONENTS)}, each with a tag or digest")
        components: dict[str, dict[str, str]] = {}
        for component_node, image_node in components_node.value:
            component = construct(component_node)
            at = f"{source}, line {line(component_node)}, environment {brief(env)}"
            if component not in COMPONENTS or component in components:
                raise FileError(f"{at}: {_unknown('component', component, COMPONENTS, components)}")
            at += f", {component}"
            if not isinstance(image_node, yaml.MappingNode):
                raise FileError(f"{at}: expected 'tag:' and/or 'digest:'")
            image: dict[str, str] = {}
            for key_node, value_node in image_node.value:
                key, value = construct(key_node), construct(value_node)
                if key not in IMAGE_KEYS or key in image:
                    raise FileError(f"{at}: {_unknown('key', key, IMAGE_KEYS, image)}")
                if not isinstance(value, str):
                    raise FileError(f'{at}: {key} = {brief(value)} is not allowed: a string (quote it: {key}: "...")')
                pattern, allowed = IMAGE_VALUES[key]
                if not pattern.fullmatch(value):
                    here = f"{source}, line {line(value_node)}, environment {brief(env)}, {component}"
                    raise FileError(f"{here}: {key} = {brief(value)} is not allowed: {allowed}")
                image[key] = value
            components[component] = image
        missing = [c for c in COMPONENTS if c not in components]
        if missing:
            raise FileError(f"{where}: missing {' and '.join(missing)}")
        entries[env] = (line(env_node), components)
    return entries


def _unknown(what: str, name: object, allowed: tuple[str, ...], seen: Mapping[str, object]) -> str:
    if name in seen:
        return f"the {what} '{name}' is given twice"
    closest = difflib.get_close_matches(str(name), allowed, n=1)
    hint = f"did you mean '{closest[0]}'? " if closest else ""
    return f"unknown {what} {brief(name)}; {hint}allowed: {', '.join(allowed)}"


class Images:
    """The images file, read once at import of ``environments.py``."""

    def __init__(self, path: Path, repositories: Mapping[str, str]) -> None:
        self.source = shown(path)
        self.repositories = dict(repositories)
        self.entries = parse_images(read(path), self.source) if path.exists() else {}

    def of(self, environment: str) -> EnvironmentImages:
        """The images ``environment`` runs; a ``FileError`` saying how to add them when the file has none."""
        if environment not in self.entries:
            raise FileError(
                f"{self.source}: no images for environment '{environment}'; add them with "
                f"{SET_COMMAND} {environment} --tag TAG (the release image both components run)",
                environment,
            )
        _, components = self.entries[environment]
        return EnvironmentImages(
            **{name: Image(repository=self.repositories[name], **components[name]) for name in COMPONENTS}
        )

    def check(self, environments: tuple[EnvironmentConfig, ...]) -> None:
        """Every entry is a permanent environment, and that environment runs the images the file names."""
        by_name = {env.name: env for env in environments}
        for name, (entry_line, _) in self.entries.items():
            env = by_name.get(name)
            if env is None:
                raise FileError(
                    f"{self.source}, line {entry_line}: '{name}' is not a permanent environment "
                    f"(environments.py defines {', '.join(by_name)})",
                    name,
                )
            images = self.of(name)
            for component in COMPONENTS:
                running, listed = getattr(env, component).image, getattr(images, component)
                if running != listed:
                    raise FileError(
                        f"{self.source}, line {entry_line}: environment '{name}' runs {running.reference}, not the "
                        f"{component} image listed here ({listed.reference}): in environments.py, build it with "
                        f'{component}=replace(..., image=IMAGES.of("{name}").{component})',
                        name,
                    )


def load_images(repositories: Mapping[str, str], path: Path | None = None) -> Images:
    """The images file (``images.yaml`` or ``$GORAX_IMAGES_FILE``); the repositories of the components."""
    return Images(path or images_file(), repositories)


def entry_line(environment: str, component: str, path: Path | None = None) -> str | None:
    """``images.yaml, line N``: where the file sets ``environment``'s ``component`` image, if it does."""
    path = path or images_file()
    try:
        root = compose(read(path), shown(path)) if path.is_file() else None
    except FileError:
        return None
    pair = mapping_get(root, environment) if root is not None else None
    found = mapping_get(pair[1], component) if pair else None
    return f"{shown(path)}, line {line(found[0])}" if found else None
