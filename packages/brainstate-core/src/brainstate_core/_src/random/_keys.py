"""Seeds and keys: turning what a user passes into the raw ``uint32[2]`` key a RandomState holds.

A :class:`RandomState` holds its key in JAX's legacy *raw* form, a ``uint32[2]`` array for the
``threefry2x32`` generator, so that its value is a plain array that every transform can carry.
Users may pass an integer seed, a typed key (``jax.random.key(0)``) or a raw key
(``jax.random.PRNGKey(0)``); this module converts all of them and rejects anything else with a
:class:`~brainstate_core.RandomKeyError` that names the argument.

Integer seeds are converted with numpy, as ``[seed >> 32, seed & 0xFFFFFFFF]`` (which is what
``jax.random.PRNGKey(seed)`` gives), so that seeding does not start the JAX backend.
"""

from __future__ import annotations

import os
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import RandomKeyError
from ..jax_compat import is_tracer

__all__ = [
    "KEY_IMPL",
    "entropy_key",
    "seed_to_key",
    "to_raw_key",
    "to_typed_key",
]

KEY_IMPL = "threefry2x32"
"""The JAX generator whose raw keys a RandomState holds."""

_RAW_SHAPE = (2,)
_SEED_RANGE = 2**64


def entropy_key() -> np.ndarray:
    """A raw key from the operating system's entropy (numpy only: no JAX backend needed)."""
    return np.frombuffer(os.urandom(8), dtype=np.uint32).copy()


def seed_to_key(seed: int) -> np.ndarray:
    """The raw key of an integer seed in ``[0, 2**64)``, equal to ``jax.random.PRNGKey(seed)``."""
    return np.array([(seed >> 32) & 0xFFFFFFFF, seed & 0xFFFFFFFF], dtype=np.uint32)


def _what(value: Any) -> str:
    """A short description of ``value`` for error messages."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"a {type(value).__name__} of shape {tuple(value.shape)} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _expected(arg: str) -> str:
    return (
        f"`{arg}` must be an integer seed, a typed key (`jax.random.key(seed)`) or a raw "
        "uint32[2] key (`jax.random.PRNGKey(seed)`)"
    )


def _checked_seed(seed: int, arg: str) -> int:
    if not 0 <= seed < _SEED_RANGE:
        raise RandomKeyError(
            f"{_expected(arg)}; an integer seed must lie in [0, 2**64), but {seed} was given."
        )
    return seed


def to_raw_key(value: Any, arg: str) -> Any:
    """Convert a seed or key to a raw ``uint32[2]`` key.

    Args:
        value: An integer seed (Python or numpy integer, or a 0-d integer array, which may be
            traced), a typed key of the ``threefry2x32`` generator, or a raw ``uint32[2]`` key.
        arg: The argument's name, for error messages.

    Returns:
        A ``uint32[2]`` array: numpy for concrete integer seeds and numpy keys, a JAX array (or
        tracer) otherwise.

    Raises:
        RandomKeyError: ``value`` is none of the accepted forms.
    """
    if isinstance(value, (bool, np.bool_)):
        raise RandomKeyError(f"{_expected(arg)}; a bool ({value!r}) was given.")
    if isinstance(value, (int, np.integer)):
        return seed_to_key(_checked_seed(int(value), arg))
    if not isinstance(value, (jax.Array, np.ndarray)):
        hint = ""
        if isinstance(value, (list, tuple)):
            hint = " To pass a raw key, use `np.asarray(key, dtype=np.uint32)`."
        raise RandomKeyError(f"{_expected(arg)}; {_what(value)} was given.{hint}")
    dtype = value.dtype
    if jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key):
        if value.shape != ():
            raise RandomKeyError(
                f"{_expected(arg)}; a typed key array of shape {tuple(value.shape)} was given, "
                "but a single key (shape ()) is needed. Index or split it first."
            )
        impl = str(jax.random.key_impl(value))
        if impl != KEY_IMPL:
            raise RandomKeyError(
                f"{_expected(arg)}; a typed key of the {impl!r} generator was given, but "
                f"brainstate holds keys of the {KEY_IMPL!r} generator."
            )
        return jax.random.key_data(value)
    if value.shape == () and jnp.issubdtype(dtype, jnp.integer) and dtype != np.bool_:
        if is_tracer(value):
            return jax.random.key_data(jax.random.key(value, impl=KEY_IMPL))
        return seed_to_key(_checked_seed(int(value), arg))
    if value.shape == _RAW_SHAPE and dtype == np.uint32:
        return np.array(value) if isinstance(value, np.ndarray) else value
    raise RandomKeyError(f"{_expected(arg)}; {_what(value)} was given.")


def to_typed_key(value: Any, arg: str = "key") -> jax.Array:
    """Convert a seed or key (see :func:`to_raw_key`) to a typed ``threefry2x32`` key."""
    if (
        isinstance(value, jax.Array)
        and jax.dtypes.issubdtype(value.dtype, jax.dtypes.prng_key)
        and value.shape == ()
        and str(jax.random.key_impl(value)) == KEY_IMPL
    ):
        return value
    return jax.random.wrap_key_data(jnp.asarray(to_raw_key(value, arg)), impl=KEY_IMPL)
