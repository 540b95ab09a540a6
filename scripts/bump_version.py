"""Move every brainstate distribution to one new version, then relock.

Usage::

    python scripts/bump_version.py X.Y.Z [--root DIR] [--no-lock]

Rewrites, in each ``packages/*/pyproject.toml``, the ``[project] version`` and every requirement on
a sibling distribution (in ``dependencies``, ``optional-dependencies`` and ``dependency-groups``)
to ``<sibling>==X.Y.Z``, leaving the rest of the file byte for byte as it was. Then it runs
``uv lock`` (unless ``--no-lock``) and ``check_versions.py``. Nothing is written when any file
cannot be rewritten cleanly. Standard library only.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tomllib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import check_versions

# A final or pre-release PEP 440 version in canonical form: 1.2.3, 1.2.3rc1, 1.2.3.post1, 1.2.3.dev0
_N = r"(?:0|[1-9]\d*)"
VERSION = re.compile(rf"^{_N}\.{_N}\.{_N}(?:(?:a|b|rc){_N})?(?:\.post{_N})?(?:\.dev{_N})?$")

_TABLE = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_ARRAY_START = re.compile(r"^\s*(?P<key>\"[^\"]+\"|'[^']+'|[A-Za-z0-9_-]+)\s*=\s*\[")
_VERSION_LINE = re.compile(r'^(?P<head>\s*version\s*=\s*)(?P<q>["\'])(?P<value>[^"\']*)(?P=q)')
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'')


class BumpError(Exception):
    """A pyproject.toml that this script cannot rewrite safely."""


def _strings_outside_comments(line: str) -> list[re.Match[str]]:
    """The quoted strings of one TOML line, stopping at a comment."""
    found = []
    pos = 0
    while pos < len(line):
        if line[pos] == "#":
            break
        match = _STRING.match(line, pos)
        if match:
            found.append(match)
            pos = match.end()
        else:
            pos += 1
    return found


def _bracket_delta(line: str) -> int:
    """Net count of [ minus ] on a line, outside strings and comments."""
    depth = 0
    pos = 0
    while pos < len(line):
        ch = line[pos]
        if ch == "#":
            break
        match = _STRING.match(line, pos)
        if match:
            pos = match.end()
            continue
        depth += (ch == "[") - (ch == "]")
        pos += 1
    return depth


def rewrite(text: str, siblings: set[str], new_version: str) -> tuple[str, int, int]:
    """Return the rewritten text, the number of version lines and of sibling pins changed.

    A requirement is rewritten only inside a dependency array: ``dependencies`` of ``[project]``,
    any array of ``[project.optional-dependencies]`` or ``[dependency-groups]``.
    """
    lines = text.splitlines(keepends=True)
    table = ""
    in_array = False
    depth = 0
    versions = pins = 0
    out = []
    for line in lines:
        table_match = None if in_array else _TABLE.match(line)
        if table_match:
            # An array of tables ([[...]]) gets a name no rule below matches.
            name = table_match.group(2).strip()
            table = name if table_match.group(1) == "[" else f"[[{name}]]"
            out.append(line)
            continue
        if not in_array:
            if table == "project":
                version_match = _VERSION_LINE.match(line)
                if version_match:
                    q = version_match["q"]
                    line = (
                        f"{version_match['head']}{q}{new_version}{q}" + line[version_match.end() :]
                    )
                    versions += 1
            start = _ARRAY_START.match(line)
            if start:
                key = start["key"].strip("\"'")
                dependency_array = (
                    (table == "project" and key == "dependencies")
                    or table == "project.optional-dependencies"
                    or table == "dependency-groups"
                )
                if dependency_array:
                    in_array = True
                    depth = 0
        if in_array:
            new_line, changed = _rewrite_requirements(line, siblings, new_version)
            pins += changed
            line = new_line
            depth += _bracket_delta(line)
            if depth <= 0:
                in_array = False
        out.append(line)
    return "".join(out), versions, pins


def _rewrite_requirements(line: str, siblings: set[str], new_version: str) -> tuple[str, int]:
    changed = 0
    pieces = []
    last = 0
    for match in _strings_outside_comments(line):
        quote = match.group(0)[0]
        body = match.group(0)[1:-1]
        parts = check_versions.split_requirement(body)
        if parts is None or check_versions.normalize(parts[0]) not in siblings:
            continue
        name, extras, _spec, rest = parts
        if rest.startswith("@"):
            raise BumpError(f"{body!r} is a URL requirement on a sibling; pin it by version")
        marker = f" {rest}" if rest else ""
        new_body = f"{name}{extras}=={new_version}{marker}"
        if new_body != body:
            changed += 1
        pieces.append(line[last : match.start()])
        pieces.append(f"{quote}{new_body}{quote}")
        last = match.end()
    pieces.append(line[last:])
    return "".join(pieces), changed


def bump(root: pathlib.Path, new_version: str) -> list[tuple[pathlib.Path, int]]:
    """Rewrite every distribution under ``root``; returns (path, pins changed) per file."""
    paths = sorted((root / "packages").glob("*/pyproject.toml"))
    if not paths:
        raise BumpError(f"no packages/*/pyproject.toml under {root}")
    siblings = set()
    for path in paths:
        with path.open("rb") as f:
            siblings.add(check_versions.normalize(tomllib.load(f)["project"]["name"]))

    staged: list[tuple[pathlib.Path, str, int]] = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        new_text, versions, pins = rewrite(text, siblings, new_version)
        if versions != 1:
            raise BumpError(
                f'{path}: expected one literal `version = "..."` in [project], found {versions}'
            )
        # Re-read the result: it must be valid TOML that says what we meant.
        data = tomllib.loads(new_text)
        if data["project"]["version"] != new_version:
            raise BumpError(f"{path}: rewritten version reads {data['project']['version']!r}")
        staged.append((path, new_text, pins))

    for path, new_text, _ in staged:
        path.write_text(new_text, encoding="utf-8")
    return [(path, pins) for path, _, pins in staged]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("version", help="the new version, e.g. 0.2.0 or 0.2.0rc1")
    parser.add_argument("--root", type=pathlib.Path, default=check_versions.ROOT)
    parser.add_argument("--no-lock", action="store_true", help="do not run `uv lock` afterwards")
    args = parser.parse_args(argv)
    root = args.root.resolve()

    if not VERSION.match(args.version):
        print(
            f"bump_version: {args.version!r} is not a version like 1.2.3 "
            "(optionally with a1/b1/rc1, .postN or .devN)",
            file=sys.stderr,
        )
        return 2

    try:
        changed = bump(root, args.version)
    except (BumpError, KeyError, tomllib.TOMLDecodeError) as exc:
        print(f"bump_version: nothing written: {exc}", file=sys.stderr)
        return 1
    for path, pins in changed:
        print(f"bump_version: {path.relative_to(root)}: version {args.version}, {pins} pin(s)")

    if not args.no_lock:
        uv = shutil.which("uv")
        if uv is None:
            print("bump_version: `uv` not found; run `uv lock` yourself", file=sys.stderr)
            return 1
        result = subprocess.run([uv, "lock"], cwd=root, check=False)
        if result.returncode != 0:
            print("bump_version: `uv lock` failed", file=sys.stderr)
            return result.returncode
    return check_versions.main(["--root", str(root), *(["--no-lock"] if args.no_lock else [])])


if __name__ == "__main__":
    sys.exit(main())
