"""Make public objects report their public home instead of their ``_src`` module."""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["set_public_module"]


def set_public_module(namespace: Mapping[str, Any], names: Iterable[str], module: str) -> None:
    """Set ``__module__`` of the classes and functions listed in ``names`` to ``module``.

    Only objects defined inside ``module``'s own ``_src`` tree are touched, so names that a
    package re-exports from elsewhere keep their true home. Reprs, docs and pickles then
    show ``brainstate_core.State`` rather than ``brainstate_core._src.state.State``.
    """
    prefix = module.split(".")[0] + "._src"
    for name in names:
        obj = namespace.get(name)
        if isinstance(obj, (type, types.FunctionType)) and getattr(
            obj, "__module__", ""
        ).startswith(prefix):
            try:
                obj.__module__ = module
            except (AttributeError, TypeError):  # pragma: no cover - builtin-like objects
                pass
