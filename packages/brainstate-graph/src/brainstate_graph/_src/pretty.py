"""Printing of graph collections, in the layout of brainstate's State reprs.

``FlattedDict`` prints one ``path: value`` entry per line; ``NestedDict`` prints nested
braces; the values use core's :func:`~brainstate_core.extend.format_value`, so a State's
continuation lines are indented under its entry::

    FlattedDict({
      ('w',): ParamState(
        value=Array([0., 0.], dtype=float32)
      )
    })

Rich display through treescope is used when treescope is installed (never required).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brainstate_core.extend import format_value

__all__ = ["format_flat", "format_nested", "treescope_repr"]


def format_flat(name: str, mapping: Mapping[Any, Any]) -> str:
    """``Name({\\n  key: value,\\n  ...\\n})`` with values formatted at indent 2."""
    if not mapping:
        return f"{name}({{}})"
    body = ",\n".join(f"  {key!r}: {format_value(v, 2)}" for key, v in mapping.items())
    return f"{name}({{\n{body}\n}})"


def format_nested(name: str, mapping: Mapping[Any, Any]) -> str:
    """``Name({\\n  key: {\\n    key: value\\n  }\\n})``: one brace level per nesting level."""
    return f"{name}({_format_level(mapping, 0)})"


def _format_level(mapping: Mapping[Any, Any], indent: int) -> str:
    if not mapping:
        return "{}"
    pad = " " * (indent + 2)
    lines = []
    for key, v in mapping.items():
        if isinstance(v, dict):
            text = _format_level(v, indent + 2)
        else:
            text = format_value(v, indent + 2)
        lines.append(f"{pad}{key!r}: {text}")
    return "{\n" + ",\n".join(lines) + "\n" + " " * indent + "}"


def treescope_repr(obj: Any, path: Any, subtree_renderer: Any) -> Any:
    """Render a Node for treescope as a constructor call of its printed attributes."""
    try:
        from treescope import repr_lib  # pyright: ignore[reportMissingImports]
    except ImportError:  # pragma: no cover - treescope calls this only when it is installed
        return NotImplemented
    return repr_lib.render_object_constructor(
        object_type=type(obj),
        attributes=dict(obj.__pretty_repr_items__()),
        path=path,
        subtree_renderer=subtree_renderer,
        roundtrippable=False,
    )
