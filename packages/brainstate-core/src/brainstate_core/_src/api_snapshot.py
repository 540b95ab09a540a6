"""A text snapshot of a package's public API, compared by each package's tests.

Changing a pinned interface then shows up as a diff of ``API.txt`` that a reviewer sees.
"""

from __future__ import annotations

import difflib
import enum
import inspect
import os
import pathlib
import re
import types
from typing import Any

__all__ = ["api_snapshot", "check_api_snapshot"]

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def api_snapshot(module: types.ModuleType) -> str:
    """Render the public API of ``module`` (its ``__all__``) as stable, sorted text.

    Each public name gets one line with its kind and call signature; a class also lists its
    public methods and properties; a public submodule in ``__all__`` is expanded with its
    own ``__all__``, prefixed by the submodule's name.

    Args:
        module: A module with an ``__all__``.

    Returns:
        The snapshot text, ending with a newline.

    Examples:
        >>> import brainstate_core
        >>> from brainstate_core.extend import api_snapshot
        >>> "class State(" in api_snapshot(brainstate_core)
        True
    """
    lines: list[str] = []
    _describe_module(module, "", lines)
    return "\n".join(lines) + "\n"


def _describe_module(module: types.ModuleType, prefix: str, lines: list[str]) -> None:
    names = getattr(module, "__all__", None)
    if names is None:
        raise TypeError(f"module {module.__name__} has no __all__; the public API is its __all__")
    for name in sorted(names):
        obj = getattr(module, name)
        qual = prefix + name
        if isinstance(obj, types.ModuleType):
            lines.append(f"module {qual}")
            if hasattr(obj, "__all__") and obj.__name__.startswith(module.__name__.split(".")[0]):
                _describe_module(obj, qual + ".", lines)
        elif isinstance(obj, type):
            lines.extend(_describe_class(qual, obj))
        elif callable(obj):
            lines.append(f"def {qual}{_signature(obj)}")
        else:
            lines.append(f"{qual}: {type(obj).__name__}")


def _describe_class(qual: str, cls: type) -> list[str]:
    bases = ", ".join(b.__name__ for b in cls.__bases__ if b is not object)
    out = [f"class {qual}({bases})"]
    if not issubclass(cls, enum.Enum):
        init = _signature(cls)
        if init != "(...)":
            out.append(f"  {qual}{init}")
    # members of the class itself and of private bases (mixins living in ``_src``), whose
    # methods are part of this class's public interface
    members: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass is cls or "._src" in getattr(klass, "__module__", ""):
            members.update(vars(klass))
    for attr in sorted(members):
        if attr.startswith("_"):
            continue
        member = members[attr]
        if isinstance(member, property):
            out.append(f"  property {qual}.{attr}")
        elif isinstance(member, (staticmethod, classmethod)):
            kind = "staticmethod" if isinstance(member, staticmethod) else "classmethod"
            out.append(f"  {kind} {qual}.{attr}{_signature(member.__func__)}")
        elif inspect.isfunction(member):
            out.append(f"  def {qual}.{attr}{_signature(member)}")
    return out


def _signature(obj: Any) -> str:
    try:
        text = str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(...)"
    return _ADDRESS.sub("", text)


def check_api_snapshot(module: types.ModuleType, snapshot_file: str | os.PathLike) -> None:
    """Raise ``AssertionError`` with a diff when ``module``'s API differs from the snapshot.

    Each package's test suite calls this with its checked-in ``API.txt``; after a deliberate
    interface change, regenerate the files with ``python scripts/update_api_snapshots.py``.
    """
    path = pathlib.Path(snapshot_file)
    expected = path.read_text() if path.exists() else ""
    live = api_snapshot(module)
    if live != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                live.splitlines(keepends=True),
                fromfile=f"{path} (checked in)",
                tofile=f"{module.__name__} (live)",
            )
        )
        raise AssertionError(
            f"The public API of {module.__name__} differs from {path}. If the change is "
            "deliberate, run `python scripts/update_api_snapshots.py` and commit the new "
            f"snapshot for review.\n{diff}"
        )
