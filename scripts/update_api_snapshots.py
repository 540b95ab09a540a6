"""Regenerate every distribution's ``API.txt`` from its live ``__all__``.

Run after a deliberate change of a public interface, then review and commit the diff:

    uv run python scripts/update_api_snapshots.py
"""

from __future__ import annotations

import importlib
import pathlib

from brainstate_core.extend import api_snapshot

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main() -> None:
    for pyproject in sorted((ROOT / "packages").glob("*/pyproject.toml")):
        package_dir = pyproject.parent
        module_name = package_dir.name.replace("-", "_")
        module = importlib.import_module(module_name)
        target = package_dir / "API.txt"
        text = api_snapshot(module)
        changed = not target.exists() or target.read_text() != text
        target.write_text(text)
        print(f"{'updated' if changed else 'unchanged':9s} {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
