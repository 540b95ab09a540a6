"""scripts/check_versions.py and scripts/bump_version.py, run on a temporary workspace copy."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
PYPROJECTS = sorted((ROOT / "packages").glob("*/pyproject.toml"))


def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPTS / script), *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def workspace(tmp_path: pathlib.Path) -> pathlib.Path:
    """A copy of every packages/*/pyproject.toml and the lock file."""
    for path in PYPROJECTS:
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True)
        shutil.copy(path, target)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copy(ROOT / "uv.lock", tmp_path / "uv.lock")
    return tmp_path


def edit(path: pathlib.Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def version_of(path: pathlib.Path) -> str:
    with path.open("rb") as f:
        return tomllib.load(f)["project"]["version"]


def test_repository_is_consistent():
    result = run("check_versions.py")
    assert result.returncode == 0, result.stderr
    assert f"{len(PYPROJECTS)} distributions" in result.stdout


def test_version_disagreement_names_the_file(workspace):
    graph = workspace / "packages/brainstate-graph/pyproject.toml"
    old = version_of(graph)
    edit(graph, f'version = "{old}"', 'version = "9.9.9"')
    result = run("check_versions.py", "--root", str(workspace))
    assert result.returncode == 1
    assert "packages/brainstate-graph/pyproject.toml: brainstate-graph has version 9.9.9" in (
        result.stderr
    )
    # Every sibling pinning the old graph version is reported too.
    assert "'brainstate-graph==" in result.stderr


@pytest.mark.parametrize(
    "pin",
    ["brainstate-core>=0.0.1", "brainstate-core", "brainstate_core~=0.1", "brainstate-core==0.0.9"],
)
def test_inexact_or_wrong_sibling_pin_is_reported(workspace, pin):
    graph = workspace / "packages/brainstate-graph/pyproject.toml"
    edit(graph, f'"brainstate-core=={version_of(graph)}"', f'"{pin}"')
    result = run("check_versions.py", "--root", str(workspace), "--no-lock")
    assert result.returncode == 1
    assert f"packages/brainstate-graph/pyproject.toml: [project] dependencies: {pin!r}" in (
        result.stderr
    )


def test_bump_rewrites_only_versions_and_pins(workspace):
    before = {p: p.read_text() for p in workspace.glob("packages/*/pyproject.toml")}
    old = version_of(next(iter(before)))
    result = run("bump_version.py", "3.4.5rc1", "--root", str(workspace), "--no-lock")
    assert result.returncode == 0, result.stderr
    for path, text in before.items():
        new = path.read_text()
        assert version_of(path) == "3.4.5rc1"
        # The only change is the version string, in the version line and in the pins.
        assert new.replace("3.4.5rc1", old) == text
        deps = tomllib.loads(new)["project"]["dependencies"]
        for dep in deps:
            if dep.startswith("brainstate"):
                assert dep.endswith("==3.4.5rc1")
    # The lock still says the old version: the check notices until `uv lock` runs.
    stale = run("check_versions.py", "--root", str(workspace))
    assert stale.returncode == 1
    assert "run `uv lock`" in stale.stderr


def test_bump_repairs_an_inexact_pin(workspace):
    graph = workspace / "packages/brainstate-graph/pyproject.toml"
    inexact = "\"brainstate_core>=0.0.1; python_version >= '3.11'\""
    edit(graph, f'"brainstate-core=={version_of(graph)}"', inexact)
    result = run("bump_version.py", "2.0.0", "--root", str(workspace), "--no-lock")
    assert result.returncode == 0, result.stderr
    with graph.open("rb") as f:
        deps = tomllib.load(f)["project"]["dependencies"]
    assert "brainstate_core==2.0.0 ; python_version >= '3.11'" in deps


@pytest.mark.parametrize("bad", ["1.2", "v1.2.3", "1.2.3-beta", "01.2.3", "1.2.3 ", ""])
def test_bump_rejects_malformed_versions(workspace, bad):
    before = {p: p.read_text() for p in workspace.glob("packages/*/pyproject.toml")}
    result = run("bump_version.py", bad, "--root", str(workspace), "--no-lock")
    assert result.returncode == 2
    assert "is not a version" in result.stderr
    assert {p: p.read_text() for p in before} == before
