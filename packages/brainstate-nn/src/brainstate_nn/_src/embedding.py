"""The :class:`Embedding` lookup table."""

# ruff: noqa: B008

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from brainstate_core import ParamState
from brainstate_core.extend import is_tracer

from . import init
from .module import Module, ShapeError

__all__ = ["Embedding"]


class Embedding(Module):
    """A lookup table: integer indices of shape ``s`` give embeddings of shape
    ``(*s, embedding_size)``.

    The table (``num_embeddings, embedding_size``) is one ParamState ``weight``.

    Args:
        num_embeddings: the number of entries (``>= 0``).
        embedding_size: the size of each embedding (``>= 0``).
        embedding_init: the table's initializer (or an array).
        name: an optional name.

    Raises:
        ValueError: a negative size.
        ShapeError: at call time, non-integer indices, or (for concrete indices) indices out
            of ``[0, num_embeddings)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> emb = nn.Embedding(10, 4)
        >>> emb(jnp.array([[1, 2], [3, 4]])).shape
        (2, 2, 4)
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_size: int,
        embedding_init: Callable[..., Any] | Any = init.LecunUniform(),
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if num_embeddings < 0:
            raise ValueError(f"num_embeddings must not be negative, got {num_embeddings}")
        if embedding_size < 0:
            raise ValueError(f"embedding_size must not be negative, got {embedding_size}")
        self.num_embeddings = int(num_embeddings)
        self.embedding_size = int(embedding_size)
        self.out_size = (self.embedding_size,)
        shape = (self.num_embeddings, self.embedding_size)
        self.weight = ParamState(init.param(embedding_init, shape, allow_none=False))

    def update(self, indices: Any) -> jax.Array:
        indices = jnp.asarray(indices) if not is_tracer(indices) else indices
        if not jnp.issubdtype(indices.dtype, jnp.integer):
            raise ShapeError(f"{self._label()} expects integer indices, got dtype {indices.dtype}")
        if not is_tracer(indices) and indices.size:
            lo, hi = int(np.min(indices)), int(np.max(indices))
            if lo < 0 or hi >= self.num_embeddings:
                raise ShapeError(
                    f"{self._label()} has {self.num_embeddings} entries; indices must lie in "
                    f"[0, {self.num_embeddings}), got values in [{lo}, {hi}]"
                )
        return self.weight.value[indices]
