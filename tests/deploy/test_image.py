"""The Dockerfile: the official Airflow image of the pinned version, plus the project installed with
constraints.txt, so that the image runs the versions the tests ran (checked without building it)."""

from __future__ import annotations

import re
import tomllib

from deploy_files import (
    DOCKERIGNORE,
    ROOT,
    copy_sources,
    dockerfile_instructions,
    pins,
    runtime_requirements,
)
from packaging.utils import canonicalize_name


def pinned_airflow() -> str:
    return str(pins()[canonicalize_name("apache-airflow")])


def test_base_image_is_the_official_airflow_image_of_the_pinned_version_and_python():
    requires_python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    python = re.search(r">=\s*(\d+\.\d+)", requires_python)[1]
    bases = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "FROM"]
    assert len(bases) == 1
    assert re.fullmatch(rf"apache/airflow:(slim-)?{re.escape(pinned_airflow())}-python{re.escape(python)}", bases[0])


def test_the_project_is_installed_with_constraints_txt_as_the_airflow_user():
    instructions = dockerfile_instructions()
    installs = [i for i, (keyword, arguments) in enumerate(instructions)
                if keyword == "RUN" and "pip install" in arguments]
    assert len(installs) == 1
    arguments = instructions[installs[0]][1]
    assert re.search(r"(--constraint|-c) constraints\.txt\b", arguments)
    assert re.search(r"(--editable|-e) \.(\s|$)", arguments)
    assert '"apache-airflow==${AIRFLOW_VERSION}"' in arguments
    users = [arguments for keyword, arguments in instructions[: installs[0]] if keyword == "USER"]
    assert users[-1:] == ["airflow"]


def test_the_image_copies_the_project_before_installing_it():
    copied = [source for keyword, arguments in dockerfile_instructions() if keyword == "COPY"
              for source in copy_sources(arguments)]
    assert {"pyproject.toml", "constraints.txt", "README.md", "include", "sql"} <= set(copied)


def test_everything_the_dockerfile_copies_exists():
    copied = [source for keyword, arguments in dockerfile_instructions() if keyword == "COPY"
              for source in copy_sources(arguments)]
    assert [source for source in copied if not (ROOT / source).exists()] == []


def test_the_build_context_is_only_what_the_dockerfile_copies():
    lines = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = {source for keyword, arguments in dockerfile_instructions() if keyword == "COPY"
              for source in copy_sources(arguments)}
    assert lines[0] == "*"
    assert allowed == copied


def test_constraints_pin_every_package_the_project_needs_at_a_version_its_dependents_accept():
    pinned = pins()
    unpinned, rejected = set(), []
    for dependent, requirement in runtime_requirements():
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            unpinned.add(requirement.name)
        elif not requirement.specifier.contains(version, prereleases=True):
            rejected.append(f"{dependent} needs {requirement}, constraints.txt pins {version}")
    assert sorted(unpinned) == []
    assert rejected == []


def _pdf_packages_of_the_makefile() -> list[str]:
    return re.search(r"^PDF_PACKAGES := (.+)$", (ROOT / "Makefile").read_text(), re.M)[1].split()


def test_the_image_installs_the_pdf_renderers_libraries_as_root_unless_the_base_has_them():
    instructions = dockerfile_instructions()
    (index,) = [i for i, (keyword, arguments) in enumerate(instructions)
                if keyword == "RUN" and "apt-get install" in arguments]
    arguments = instructions[index][1]
    listed = re.search(r"for package in ([^;]+); do", arguments)[1].split()
    assert listed == _pdf_packages_of_the_makefile()
    assert "dpkg-query" in arguments and 'if [ -n "$missing" ]' in arguments  # skipped when all are there
    assert [arguments for keyword, arguments in instructions[:index] if keyword == "USER"][-1:] == ["root"]


def test_the_ci_base_image_has_the_pdf_renderers_libraries_so_the_image_needs_no_package_index():
    packages = re.search(r"^PACKAGES=(\S+)$", (ROOT / ".ci" / "docker" / "images").read_text(), re.M)[1].split(",")
    assert set(_pdf_packages_of_the_makefile()) <= set(packages)
