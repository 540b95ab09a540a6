"""Check that every brainstate distribution shares one version and pins its siblings exactly.

The rules (DEVELOPERS.md): all distributions under ``packages/*/`` carry the same
``[project] version``, and every requirement on a sibling distribution, wherever it is declared
(``[project] dependencies``, ``[project.optional-dependencies]``, ``[dependency-groups]``), reads
``<sibling>==<that version>``. When ``uv.lock`` exists, its entries for the workspace members must
carry the same version too (a stale lock means ``uv lock`` was not run after a bump).

Usage::

    python scripts/check_versions.py [--root DIR]

Exits 0 when everything agrees, 1 with one line per disagreement otherwise. Standard library only.
"""

from __future__ import annotations

import argparse
import collections
import pathlib
import re
import sys
import tomllib
from dataclasses import dataclass, field

ROOT = pathlib.Path(__file__).resolve().parents[1]

# PEP 508: the distribution name, optional extras, then the version specifier up to a marker.
_REQUIREMENT = re.compile(
    r"""^\s*
    (?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)
    \s*(?P<extras>\[[^\]]*\])?
    \s*(?P<spec>[^;@]*?)
    \s*(?P<rest>[;@].*)?$""",
    re.VERBOSE,
)


def normalize(name: str) -> str:
    """The PEP 503 normalized form of a distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Distribution:
    """One ``packages/<dir>/pyproject.toml`` as far as versions are concerned."""

    path: pathlib.Path
    name: str
    version: str | None
    # (where, requirement string) for every declared requirement of the distribution.
    requirements: list[tuple[str, str]] = field(default_factory=list)


def split_requirement(text: str) -> tuple[str, str, str, str] | None:
    """Split a PEP 508 string into (name, extras, specifier, marker-or-url); None if unparsable."""
    match = _REQUIREMENT.match(text)
    if match is None:
        return None
    return (
        match["name"],
        match["extras"] or "",
        match["spec"].strip(),
        match["rest"] or "",
    )


def _requirements(data: dict) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    project = data.get("project", {})
    for req in project.get("dependencies", []):
        found.append(("[project] dependencies", req))
    for extra, reqs in project.get("optional-dependencies", {}).items():
        for req in reqs:
            found.append((f"[project.optional-dependencies] {extra}", req))
    for group, reqs in data.get("dependency-groups", {}).items():
        for req in reqs:
            if isinstance(req, str):  # {include-group = ...} tables name no distribution
                found.append((f"[dependency-groups] {group}", req))
    return found


def load_distributions(root: pathlib.Path) -> list[Distribution]:
    """Read every ``packages/*/pyproject.toml`` below ``root``."""
    dists = []
    for path in sorted((root / "packages").glob("*/pyproject.toml")):
        with path.open("rb") as f:
            data = tomllib.load(f)
        project = data.get("project", {})
        dists.append(
            Distribution(
                path=path,
                name=project.get("name", path.parent.name),
                version=project.get("version"),
                requirements=_requirements(data),
            )
        )
    return dists


def _rel(path: pathlib.Path, root: pathlib.Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def find_problems(root: pathlib.Path, check_lock: bool = True) -> tuple[list[str], str | None]:
    """All disagreements below ``root``, and the version most distributions agree on."""
    dists = load_distributions(root)
    problems: list[str] = []
    if not dists:
        return [f"{_rel(root / 'packages', root)}: no packages/*/pyproject.toml found"], None

    for dist in dists:
        if dist.version is None:
            problems.append(
                f"{_rel(dist.path, root)}: {dist.name} has no static [project] version "
                "(dynamic versions are not supported: the lockstep version is written literally)"
            )

    counts = collections.Counter(d.version for d in dists if d.version is not None)
    common = None
    if counts:
        ranked = counts.most_common()
        common = ranked[0][0]
        if len(ranked) > 1:
            tied = ranked[0][1] == ranked[1][1]
            summary = ", ".join(f"{v} ({n})" for v, n in ranked)
            problems.append(f"distributions disagree on the version: {summary}")
            for dist in dists:
                if dist.version is not None and (tied or dist.version != common):
                    expected = "" if tied else f", the others have {common}"
                    problems.append(
                        f"{_rel(dist.path, root)}: {dist.name} has version {dist.version}{expected}"
                    )

    versions = {normalize(d.name): d.version for d in dists}
    for dist in dists:
        for where, req in dist.requirements:
            parts = split_requirement(req)
            if parts is None:
                problems.append(f"{_rel(dist.path, root)}: {where}: cannot parse {req!r}")
                continue
            name, _extras, spec, rest = parts
            key = normalize(name)
            if key not in versions:
                continue  # a third-party requirement: floors are fine there
            target = versions[key]
            if rest.startswith("@"):
                problems.append(
                    f"{_rel(dist.path, root)}: {where}: {req!r} points at a URL; "
                    f"pin the sibling as '{name}=={target}'"
                )
            elif not re.fullmatch(r"==\s*[^,=<>!~*\s]+", spec):
                problems.append(
                    f"{_rel(dist.path, root)}: {where}: {req!r} must pin the sibling exactly "
                    f"as '{name}=={target}'"
                )
            elif spec[2:].strip() != target:
                problems.append(
                    f"{_rel(dist.path, root)}: {where}: {req!r} pins {name} "
                    f"{spec[2:].strip()}, but {name} has version {target}"
                )

    lock = root / "uv.lock"
    if check_lock and lock.exists():
        with lock.open("rb") as f:
            locked = tomllib.load(f)
        for package in locked.get("package", []):
            key = normalize(package.get("name", ""))
            source = package.get("source", {})
            is_member = "editable" in source or "virtual" in source
            if key in versions and is_member and package.get("version") != versions[key]:
                problems.append(
                    f"{_rel(lock, root)}: {package['name']} is locked at "
                    f"{package.get('version')}, but its pyproject.toml says {versions[key]} "
                    "(run `uv lock`)"
                )
    return problems, common


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--root", type=pathlib.Path, default=ROOT, help="workspace root (default: this repo)"
    )
    parser.add_argument("--no-lock", action="store_true", help="do not compare with uv.lock")
    args = parser.parse_args(argv)
    root = args.root.resolve()

    problems, common = find_problems(root, check_lock=not args.no_lock)
    if problems:
        print(f"check_versions: {len(problems)} problem(s) in {root}:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        print(
            "Fix: `python scripts/bump_version.py X.Y.Z` rewrites every version and sibling pin.",
            file=sys.stderr,
        )
        return 1
    n = len(load_distributions(root))
    print(f"check_versions: {n} distributions at version {common}; sibling pins agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
