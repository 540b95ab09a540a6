"""The :class:`Initializer` base, :func:`to_size`, and where initializers draw randomness."""

from __future__ import annotations

import inspect
from typing import Any

import brainunit as u

from brainstate_core import environ, random

from ..module import to_size

__all__ = ["Initializer", "to_size"]


class Initializer:
    """Base class of initializers: ``init(shape, dtype=None)`` returns an array.

    Subclasses implement ``__call__(shape, dtype=None)``. Random initializers draw from
    :data:`brainstate_core.random.DEFAULT` (so ``bsc.random.seed(...)`` makes them
    reproducible) unless they were given their own ``seed`` or ``rng``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> class Ones(nn.init.Initializer):
        ...     def __call__(self, shape, dtype=None):
        ...         return jnp.ones(nn.init.to_size(shape), dtype)
        >>> Ones()((2,)).tolist()
        [1.0, 1.0]
    """

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype)")

    def __repr__(self) -> str:
        """``Cls(arg=value, ...)`` listing the constructor arguments that differ from their
        defaults (one line, so that it reads well in signatures)."""
        try:
            params = list(inspect.signature(type(self).__init__).parameters.values())[1:]
        except (TypeError, ValueError):  # pragma: no cover - builtin-like __init__
            params = []
        shown = []
        for p in params:
            if p.name in ("seed", "rng") or not hasattr(self, p.name):
                continue
            value = getattr(self, p.name)
            if p.default is not inspect.Parameter.empty and _same(value, p.default):
                continue
            shown.append(f"{p.name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return bool(type(a) is type(b) and a == b)
    except Exception:  # arrays and other values without a plain truth value
        return False


class RandomInitializer(Initializer):
    """An initializer that draws random numbers (from its own generator or the default one)."""

    def __init__(self, seed: Any = None, rng: random.RandomState | None = None) -> None:
        if seed is not None and rng is not None:
            raise ValueError("give an initializer either seed= or rng=, not both")
        if rng is not None and not isinstance(rng, random.RandomState):
            raise TypeError(f"rng must be a brainstate RandomState, got {type(rng).__name__}")
        self._rng = random.RandomState(seed) if seed is not None else rng

    @property
    def rng(self) -> random.RandomState:
        """The generator drawn from: its own, or the default one at the time of the call."""
        return self._rng if self._rng is not None else random.DEFAULT


def float_dtype(dtype: Any) -> Any:
    """``dtype``, or the default float dtype of :mod:`brainstate_core.environ`."""
    return environ.dftype() if dtype is None else dtype


def with_unit(value: Any, unit: u.Unit) -> Any:
    """``value`` in ``unit``; a plain array when unitless."""
    return u.maybe_decimal(u.Quantity(value, unit=unit))
