"""Type aliases shared across brainstate's packages (``bst.typing``)."""

from ._src.typing import (
    ArrayLike as ArrayLike,
    DType as DType,
    DTypeLike as DTypeLike,
    Filter as Filter,
    Key as Key,
    PathParts as PathParts,
    PyTree as PyTree,
    SeedOrKey as SeedOrKey,
    Shape as Shape,
    Size as Size,
)

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
