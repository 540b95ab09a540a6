"""Multi-line, cycle-safe ``repr`` for States, graph Nodes and collections of them.

An object takes part by deriving from :class:`PrettyRepr` and yielding its ``(key, value)``
fields from ``__pretty_repr_items__``. The printer renders::

    TypeName(
      key=value,
      other=NestedType(
        ...
      )
    )

A value that is being printed further up the same chain (a cycle) prints as
``TypeName(...)``. Plain values use their own ``repr``, with continuation lines indented to
the field they belong to. Lists, tuples and dicts that contain pretty objects are rendered
element by element so that nested objects keep their layout.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from .jax_compat import is_deleted_array

__all__ = ["PrettyRepr", "pretty_repr", "format_value"]


class PrettyRepr:
    """Mixin that gives a class the multi-line brainstate ``repr``.

    Subclasses implement ``__pretty_repr_items__`` and may override
    ``__pretty_repr_name__``.

    Examples:
        >>> from brainstate_core.extend import PrettyRepr
        >>> class Point(PrettyRepr):
        ...     def __init__(self, x, y):
        ...         self.x, self.y = x, y
        ...     def __pretty_repr_items__(self):
        ...         return [("x", self.x), ("y", self.y)]
        >>> Point(1, 2)
        Point(
          x=1,
          y=2
        )
    """

    __slots__ = ()

    def __pretty_repr_name__(self) -> str:
        return type(self).__name__

    def __pretty_repr_items__(self) -> Iterable[tuple[Any, Any]]:
        return ()

    def __repr__(self) -> str:
        return pretty_repr(self)


class _Seen(threading.local):
    def __init__(self) -> None:
        self.ids: set[int] = set()


_SEEN = _Seen()


def pretty_repr(obj: Any, indent: int = 0) -> str:
    """Render ``obj`` in brainstate's multi-line style, starting at column ``indent``."""
    return format_value(obj, indent)


def format_value(value: Any, indent: int) -> str:
    """Render one value whose first line starts after ``key=`` at nesting level ``indent``.

    Continuation lines are indented by ``indent`` spaces. Used by pretty objects to format
    their fields, and by collections (``FlattedDict``, ``NestedDict``) to format entries.
    """
    if isinstance(value, PrettyRepr):
        return _format_pretty(value, indent)
    if isinstance(value, (list, tuple, dict)) and _contains_pretty(value, set()):
        return _format_container(value, indent)
    if is_deleted_array(value):  # its repr would raise
        array: Any = value
        return f"<deleted array {array.dtype}{list(array.shape)}>"
    text = repr(value)
    if "\n" in text:
        text = text.replace("\n", "\n" + " " * indent)
    return text


def _format_pretty(obj: PrettyRepr, indent: int) -> str:
    name = obj.__pretty_repr_name__()
    seen = _SEEN.ids
    key = id(obj)
    if key in seen:
        return f"{name}(...)"
    seen.add(key)
    try:
        items = list(obj.__pretty_repr_items__())
        if not items:
            return f"{name}()"
        pad = " " * (indent + 2)
        body = ",\n".join(f"{pad}{_format_key(k)}={format_value(v, indent + 2)}" for k, v in items)
        return f"{name}(\n{body}\n{' ' * indent})"
    finally:
        seen.discard(key)


def _format_key(key: Any) -> str:
    return key if isinstance(key, str) else repr(key)


def _format_container(value: list | tuple | dict, indent: int) -> str:
    seen = _SEEN.ids
    key = id(value)
    if key in seen:
        return (
            "[...]" if isinstance(value, list) else "{...}" if isinstance(value, dict) else "(...)"
        )
    seen.add(key)
    try:
        if isinstance(value, dict):
            inner = ", ".join(f"{k!r}: {format_value(v, indent)}" for k, v in value.items())
            return "{" + inner + "}"
        inner = ", ".join(format_value(v, indent) for v in value)
        if isinstance(value, list):
            return "[" + inner + "]"
        if len(value) == 1:
            inner += ","
        if type(value) is not tuple:  # namedtuple and friends keep their type name
            return f"{type(value).__name__}({inner})"
        return "(" + inner + ")"
    finally:
        seen.discard(key)


def _contains_pretty(value: Any, visited: set[int]) -> bool:
    if isinstance(value, PrettyRepr):
        return True
    if isinstance(value, (list, tuple, dict)):
        if id(value) in visited:
            return False
        visited.add(id(value))
        items = value.values() if isinstance(value, dict) else value
        return any(_contains_pretty(v, visited) for v in items)
    return False
