"""Type aliases shared across brainstate's packages."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, TypeAlias, TypeVar

import jax
import numpy as np

__all__ = [
    "ArrayLike",
    "DType",
    "DTypeLike",
    "Shape",
    "Size",
    "SeedOrKey",
    "PyTree",
    "Key",
    "PathParts",
    "Filter",
]

ArrayLike: TypeAlias = jax.typing.ArrayLike
"""Anything ``jnp.asarray`` accepts: arrays, numpy arrays, Python scalars."""

DType: TypeAlias = np.dtype
DTypeLike: TypeAlias = jax.typing.DTypeLike

Shape: TypeAlias = tuple[int, ...]
"""A concrete array shape."""

Size: TypeAlias = int | Sequence[int]
"""A size argument as numpy takes it: an int or a sequence of ints."""

SeedOrKey: TypeAlias = int | jax.Array | np.ndarray
"""An integer seed, a typed ``jax.random.key`` or a raw ``uint32[2]`` key."""

PyTree: TypeAlias = Any
"""Any JAX pytree."""

Key: TypeAlias = Hashable
"""One component of a path into a graph or nested dict (an attribute name or an index)."""

PathParts: TypeAlias = tuple[Key, ...]
"""A path into a graph or nested dict, e.g. ``('layers', 0, 'weight')``."""

T = TypeVar("T")

Filter: TypeAlias = Any
"""A State filter as graph functions take it: a type, a tag, a predicate, ``...``, ..."""
