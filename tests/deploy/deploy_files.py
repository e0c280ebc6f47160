"""Readers for the deployment files, as Docker reads them: the compose file with its ``${VAR}``s filled
in, ``.env.example``, the Dockerfile's instructions and the pins of ``constraints.txt``.

No Docker engine is needed; ``compose-spec.json`` beside this file is the Compose Specification's JSON
schema (compose-spec/compose-spec, schema/compose-spec.json at a08f8d5, Apache-2.0).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
CONSTRAINTS = ROOT / "constraints.txt"
COMPOSE_SCHEMA = Path(__file__).with_name("compose-spec.json")

# $$ (a literal $), ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, $NAME
_REFERENCE = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
_ASSIGNMENT = re.compile(r"^\s*(?P<comment>#\s*)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")


class MissingVariable(KeyError):
    """A ``${NAME:?error}`` whose variable is unset or empty: compose refuses to start."""


def raw_compose() -> dict[str, Any]:
    """The compose file as YAML, anchors and ``<<`` merges resolved, variables untouched."""
    return yaml.safe_load(COMPOSE_FILE.read_text())


def strings(node: Any) -> Iterator[str]:
    """Every string value in a YAML tree (mapping keys are not interpolated by compose)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def references(text: str) -> Iterator[tuple[str, str | None]]:
    """The variables a string reads, each with its operator (``:-``, ``:?``, ... or None)."""
    for match in _REFERENCE.finditer(text):
        if not match["escaped"]:
            yield match["braced"] or match["bare"], match["op"]


def variables_read(compose: dict[str, Any]) -> dict[str, set[str | None]]:
    """Every variable the compose file reads, with the operators it is read with."""
    found: dict[str, set[str | None]] = {}
    for text in strings(compose):
        for name, op in references(text):
            found.setdefault(name, set()).add(op)
    return found


def interpolate(node: Any, env: Mapping[str, str]) -> Any:
    """The YAML tree with variables replaced as compose replaces them."""
    if isinstance(node, str):
        return _REFERENCE.sub(lambda match: _substitute(match, env), node)
    if isinstance(node, Mapping):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(item, env) for item in node]
    return node


def _substitute(match: re.Match[str], env: Mapping[str, str]) -> str:
    if match["escaped"]:
        return "$"
    name = match["braced"] or match["bare"]
    op, arg = match["op"], match["arg"] or ""
    value = env.get(name)
    present = value is not None and (value != "" or not (op or "").startswith(":"))
    if op in (":-", "-"):
        return value if present else arg
    if op in (":?", "?"):
        if not present:
            raise MissingVariable(f"{name}: {arg}")
        return value
    if op in (":+", "+"):
        return arg if present else ""
    return value or ""


def env_example() -> dict[str, str | None]:
    """Each variable ``.env.example`` documents: its value, or None when only a commented-out ``# NAME=``."""
    documented: dict[str, str | None] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = _ASSIGNMENT.match(line)
        if not match:
            continue
        name = match["name"]
        if match["comment"]:
            documented.setdefault(name, None)
        else:
            documented[name] = match["value"].strip().strip("'\"")
    return documented


def example_env(secret: str = "test-only-secret") -> dict[str, str]:
    """The variables of a fresh ``cp .env.example .env`` with the commented-out secrets filled in."""
    return {name: secret if value is None else value for name, value in env_example().items()}


def compose(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The compose file as ``docker compose`` sees it with ``env`` (default: the example's) as ``.env``."""
    return interpolate(raw_compose(), example_env() if env is None else env)


def write_env_file(path: Path, env: Mapping[str, str]) -> Path:
    path.write_text("".join(f"{name}={value}\n" for name, value in env.items()))
    return path


def short_volume(spec: str) -> tuple[str, str]:
    """(source, target) of a short-syntax volume ``SOURCE:TARGET[:MODE]``."""
    source, target, *_ = spec.split(":")
    return source, target


def is_bind(source: str) -> bool:
    return source.startswith((".", "/", "~"))


def environment(service: Mapping[str, Any]) -> dict[str, str | None]:
    """A service's ``environment`` as a dict, whichever of the two syntaxes it uses; None for a variable without a
    value (``NAME:`` or ``- NAME``), which compose passes through from the shell or ``.env``."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return {name: value[0] if value else None for name, *value in (item.split("=", 1) for item in env)}
    return {key: None if value is None else str(value) for key, value in env.items()}


def container_environment(service: Mapping[str, Any], dot_env: Mapping[str, str]) -> dict[str, str]:
    """What a container of ``service`` gets, as compose v2 starts it with ``dot_env`` as ``.env`` (and an empty
    shell): a variable without a value takes ``.env``'s, and is left out when ``.env`` lacks it."""
    return {name: dot_env[name] if value is None else value for name, value in environment(service).items()
            if value is not None or name in dot_env}


def command_text(service: Mapping[str, Any]) -> str:
    command = service.get("command") or ""
    return command if isinstance(command, str) else " ".join(command)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of each Dockerfile instruction, continuation lines joined."""
    instructions, pending = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        pending += " " + stripped.removesuffix("\\").strip()
        if not stripped.endswith("\\"):
            keyword, _, arguments = pending.strip().partition(" ")
            instructions.append((keyword.upper(), " ".join(arguments.split())))
            pending = ""
    return instructions


def copy_sources(arguments: str) -> list[str]:
    """The sources of a ``COPY [--flag ...] SRC... DEST``, without trailing slashes."""
    words = [word for word in arguments.split() if not word.startswith("--")]
    return [source.rstrip("/") for source in words[:-1]]


def pins() -> dict[NormalizedName, Version]:
    """constraints.txt as {normalised name: pinned version}."""
    pinned = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pinned[canonicalize_name(name)] = Version(version.strip())
    return pinned


def runtime_requirements(project: str = "clickstream-elt") -> list[tuple[str, Requirement]]:
    """Every requirement ``pip install .`` resolves, transitively, as (who requires it, requirement).

    Read from the installed distributions' metadata (the venv that ``make setup`` pins to
    constraints.txt); the test extra is left out, as the image installs none.
    """
    found: list[tuple[str, Requirement]] = []
    seen: set[tuple[NormalizedName, frozenset[str]]] = set()
    queue: list[tuple[str, frozenset[str]]] = [(project, frozenset())]
    while queue:
        name, extras = queue.pop()
        key = (canonicalize_name(name), extras)
        if key in seen:
            continue
        seen.add(key)
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError as missing:
            raise AssertionError(f"{name} is required but not installed: run `make setup`") from missing
        for text in requires:
            requirement = Requirement(text)
            wanted = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if requirement.marker and not any(requirement.marker.evaluate(env) for env in wanted):
                continue
            found.append((name, requirement))
            queue.append((requirement.name, frozenset(requirement.extras)))
    return found


def conn_json(value: str) -> dict[str, Any]:
    """An ``AIRFLOW_CONN_*`` value in Airflow's JSON form."""
    return json.loads(value)
