"""``RandomState``: a State holding a JAX key, and the default generator ``DEFAULT``."""

from __future__ import annotations

import contextlib
import inspect
import operator
from collections.abc import Callable, Iterator
from typing import Any, Concatenate, ParamSpec, TypeVar

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import RandomKeyError
from ..jax_compat import Tracer, is_tracer, tracer_is_live
from ..state import LongTermState
from ..trace import running_traces
from ..typing import SeedOrKey
from ._basic import BasicMixin
from ._continuous import ContinuousMixin
from ._derived import DerivedMixin
from ._discrete import DiscreteMixin
from ._keys import KEY_IMPL, entropy_key, to_raw_key, to_typed_key
from ._multivariate import MultivariateMixin

__all__ = [
    "RandomState",
    "DEFAULT",
    "seed",
    "seed_context",
    "set_key",
    "get_key",
    "split_key",
    "split_keys",
    "default_rng",
    "clone_rng",
    "backup_key",
    "restore_key",
    "self_assign_multi_keys",
    "on_default",
]

P = ParamSpec("P")
R = TypeVar("R")


def _count(n: Any, arg: str = "n") -> int:
    try:
        count = operator.index(n)
    except TypeError:
        raise TypeError(f"`{arg}` must be an int, but {n!r} was given.") from None
    if count < 1:
        raise ValueError(f"`{arg}` must be a positive number of keys, but {count} was given.")
    return count


class RandomState(
    BasicMixin,
    ContinuousMixin,
    DerivedMixin,
    DiscreteMixin,
    MultivariateMixin,
    LongTermState,
):
    """A random number generator whose state is a JAX key held in a :class:`LongTermState`.

    Each draw splits the key: one half becomes the new key (written back through ``.value``,
    so that State-aware transforms such as ``bst.compile.jit`` thread it), the other is used
    for the draw. Every distribution is a pure function of that subkey (only ``jax.random``,
    ``jax.numpy`` and ``lax``; no host callbacks), so results are reproducible under ``jit``
    and ``vmap``. Pass ``key=`` to a distribution to draw with an explicit key instead: the
    generator is then neither read nor advanced.

    The value is a *raw* key: a ``uint32[2]`` array of the ``threefry2x32`` generator, equal
    to ``jax.random.key_data(jax.random.key(seed))``. Typed keys are accepted wherever a key
    is, and converted.

    Args:
        seed_or_key: An integer seed in ``[0, 2**64)``, a typed key (``jax.random.key``), a raw
            ``uint32[2]`` key, or None for a seed from the operating system's entropy.

    Raises:
        RandomKeyError: ``seed_or_key`` is none of these.

    Examples:
        >>> from brainstate_core import random
        >>> rng = random.RandomState(42)
        >>> rng.get_key().tolist()
        [0, 42]
        >>> a = rng.normal(size=3)
        >>> b = rng.normal(size=3)              # the key advanced: different numbers
        >>> bool((a != b).all())
        True
        >>> bool((random.RandomState(42).normal(size=3) == a).all())   # same seed, same numbers
        True
    """

    _backup: Any = None

    def __init__(self, seed_or_key: SeedOrKey | None = None) -> None:
        if seed_or_key is None:
            key = entropy_key()
        else:
            key = to_raw_key(seed_or_key, "seed_or_key")
        super().__init__(key)
        self._backup = None

    # -- seeding ------------------------------------------------------------------------
    def seed(self, seed_or_key: SeedOrKey | None = None) -> None:
        """Reset the key from a seed or key; None takes a fresh seed from the OS's entropy.

        Args:
            seed_or_key: An integer seed, a typed key, a raw ``uint32[2]`` key, or None.

        Raises:
            RandomKeyError: ``seed_or_key`` is none of these (the key is left unchanged).

        Examples:
            >>> from brainstate_core import random
            >>> rng = random.RandomState()
            >>> rng.seed(7)
            >>> rng.get_key().tolist()
            [0, 7]
        """
        key = entropy_key() if seed_or_key is None else to_raw_key(seed_or_key, "seed_or_key")
        self.value = key

    def set_key(self, key: SeedOrKey) -> None:
        """Set the key (a typed key, a raw ``uint32[2]`` key, or an integer seed).

        Raises:
            RandomKeyError: ``key`` is none of these (the key is left unchanged).

        Examples:
            >>> import jax
            >>> from brainstate_core import random
            >>> rng = random.RandomState(0)
            >>> rng.set_key(jax.random.key(3))
            >>> rng.get_key().tolist()
            [0, 3]
        """
        self.value = to_raw_key(key, "key")

    def get_key(self) -> Any:
        """The current raw ``uint32[2]`` key (the State's value)."""
        return self.value

    # -- splitting ----------------------------------------------------------------------
    def _current_key(self) -> jax.Array:
        value = self.value
        if getattr(value, "shape", None) != (2,):
            raise RandomKeyError(
                f"{self.describe()} holds keys of shape {getattr(value, 'shape', None)}, not a "
                "single uint32[2] key: it was given one key per batch element by "
                "`self_assign_multi_keys`. Draw from it inside the vmap that maps over those "
                "keys, or call `restore_key()` first."
            )
        return jax.random.wrap_key_data(jnp.asarray(value), impl=KEY_IMPL)

    def _draw_key(self, key: Any) -> jax.Array:
        if key is not None:
            return to_typed_key(key, "key")
        new, sub = jax.random.split(self._current_key())
        self.value = jax.random.key_data(new)
        return sub

    def split_key(self, n: int | None = None, backup: bool = False) -> jax.Array:
        """Advance the generator and return one new raw key, or ``n`` of them.

        Args:
            n: None for one key of shape ``(2,)``; an int for ``n`` keys, shape ``(n, 2)``.
            backup: Whether to save the current key first, for :meth:`restore_key`.

        Returns:
            Raw ``uint32`` keys, independent of each other and of the generator's next draws.

        Examples:
            >>> from brainstate_core import random
            >>> rng = random.RandomState(0)
            >>> rng.split_key().shape, rng.split_key(4).shape
            ((2,), (4, 2))
        """
        if n is not None:
            n = _count(n)
        if backup:
            self.backup_key()
        key = self._current_key()
        keys = jax.random.split(key, 2 if n is None else n + 1)
        self.value = jax.random.key_data(keys[0])
        return jax.random.key_data(keys[1] if n is None else keys[1:])

    def split_keys(self, n: int, backup: bool = False) -> jax.Array:
        """``n`` new raw keys, shape ``(n, 2)``; see :meth:`split_key`."""
        return self.split_key(_count(n), backup=backup)

    def clone(self) -> RandomState:
        """A new, independent RandomState seeded from a key split off this one.

        Examples:
            >>> from brainstate_core import random
            >>> rng = random.RandomState(0)
            >>> child = rng.clone()
            >>> bool((child.get_key() != rng.get_key()).any())
            True
        """
        return type(self)(self.split_key())

    # -- backups and batches of keys ----------------------------------------------------
    def backup_key(self) -> None:
        """Save the current key, to be put back by :meth:`restore_key`."""
        self._backup = self.value

    def restore_key(self) -> None:
        """Put back the key saved by :meth:`backup_key` (or a ``backup=True`` split).

        Raises:
            RandomKeyError: No key was saved.

        Examples:
            >>> from brainstate_core import random
            >>> rng = random.RandomState(0)
            >>> rng.backup_key()
            >>> _ = rng.random()
            >>> rng.restore_key()
            >>> rng.get_key().tolist()
            [0, 0]
        """
        if self._backup is None:
            raise RandomKeyError(
                f"restore_key() was called on {self.describe()}, which has no saved key. "
                "Call `backup_key()` (or `split_key(..., backup=True)`) first."
            )
        backup, self._backup = self._backup, None
        if isinstance(backup, Tracer) and not tracer_is_live(backup, running_traces()):
            raise RandomKeyError(
                f"restore_key() on {self.describe()}: its key was saved inside a transformed "
                "function (jit, a loop, vmap ...) that has finished, so the saved key no "
                "longer exists. Save and restore the key within the same function (the key "
                "is left as it is)."
            )
        self.value = backup

    def self_assign_multi_keys(self, n: int, backup: bool = True) -> None:
        """Replace the key by ``n`` keys, shape ``(n, 2)``, one per element of a batch.

        For vectorising transforms: mapped over axis 0, each batch element then draws with its
        own key. Call :meth:`restore_key` afterwards to go back to a single key.

        Args:
            n: The number of keys.
            backup: Whether to save the current key first (needed by :meth:`restore_key`).
        """
        n = _count(n)
        if backup:
            self.backup_key()
        keys = jax.random.split(self._current_key(), n)
        self.value = jax.random.key_data(keys)


DEFAULT = RandomState(entropy_key())
"""The default generator, used by the module-level functions. Seeded from the OS's entropy
with numpy at import (so importing does not start the JAX backend); reseed it with
:func:`seed`. It is never replaced, only mutated, so references to it stay valid."""
DEFAULT.name = "random.DEFAULT"
DEFAULT._source = None  # created by an import statement; its site would only mislead


def seed(seed_or_key: SeedOrKey | None = None) -> None:
    """Seed the default generator, and numpy's global generator as brainstate 0.1 did.

    As in brainstate 0.1, a seed also seeds numpy's global generator (``np.random.seed``),
    so that code mixing ``np.random`` and ``brainstate.random`` is reproducible from one
    call: an integer seed seeds numpy with itself (modulo ``2**32``, numpy's range), a raw
    ``uint32[2]`` key with both its words (a typed key with its key data). A
    seed traced inside a transformation, which numpy cannot read, leaves numpy alone. None
    draws brainstate's new key from numpy's global generator (0.1 did the same, so
    ``np.random.seed(s)`` followed by ``random.seed()`` is reproducible) and does not reseed
    numpy.

    Args:
        seed_or_key: An integer seed in ``[0, 2**64)``, a typed key, a raw ``uint32[2]`` key,
            or None.

    Raises:
        RandomKeyError: ``seed_or_key`` is none of these (nothing is seeded).

    Examples:
        >>> import numpy as np
        >>> from brainstate_core import random
        >>> random.seed(42)
        >>> a, x = random.rand(3), np.random.rand()
        >>> random.seed(42)
        >>> bool((random.rand(3) == a).all()), np.random.rand() == x
        (True, True)
    """
    if seed_or_key is None:
        DEFAULT.value = np.random.randint(0, 2**32, size=2, dtype=np.uint32)
        return
    key = to_raw_key(seed_or_key, "seed_or_key")
    DEFAULT.value = key
    if is_tracer(key):
        return
    if isinstance(seed_or_key, (int, np.integer)) or (
        np.ndim(seed_or_key) == 0
        and not jax.dtypes.issubdtype(seed_or_key.dtype, jax.dtypes.prng_key)
    ):
        # numpy takes seeds below 2**32 (0.1 passed larger ones on, and numpy raised)
        np.random.seed(int(seed_or_key) % 2**32)
    else:  # a key seeds numpy with all its words (an array seed), as np.random.seed(key)
        np.random.seed(np.asarray(key, np.uint32).ravel())


@contextlib.contextmanager
def seed_context(seed_or_key: SeedOrKey) -> Iterator[RandomState]:
    """Seed the default generator for the duration of a block, then restore its key.

    The previous key is restored when the block exits, also when it raises; so draws inside
    the block are reproducible and draws after it continue the outer stream unchanged.

    Args:
        seed_or_key: An integer seed, a typed key or a raw ``uint32[2]`` key.

    Yields:
        The default generator.

    Raises:
        RandomKeyError: ``seed_or_key`` is not a seed or key (nothing is changed).

    Examples:
        >>> from brainstate_core import random
        >>> with random.seed_context(42):
        ...     a = random.rand(2)
        >>> with random.seed_context(42):
        ...     b = random.rand(2)
        >>> bool((a == b).all())
        True
    """
    key = to_raw_key(seed_or_key, "seed_or_key")
    old = DEFAULT.value
    DEFAULT.value = key
    try:
        yield DEFAULT
    finally:
        DEFAULT.value = old


def set_key(seed_or_key: SeedOrKey | None = None, *, key: SeedOrKey | None = None) -> None:
    """Set the default generator's key (a typed key, raw ``uint32[2]`` key, or integer seed).

    Unlike :func:`seed`, numpy's global generator is left alone (as in brainstate 0.1).

    Args:
        seed_or_key: The key or seed (brainstate 0.1's name for the argument).
        key: The same, by the name :meth:`RandomState.set_key` uses; give one of the two.

    Raises:
        TypeError: Both or neither of ``seed_or_key`` and ``key`` were given.
        RandomKeyError: The key is none of these (the key is left unchanged).

    Examples:
        >>> import jax
        >>> from brainstate_core import random
        >>> random.set_key(jax.random.PRNGKey(1))
        >>> random.get_key().tolist()
        [0, 1]
    """
    if (seed_or_key is None) == (key is None):
        raise TypeError(
            "set_key() takes one key: give `seed_or_key` (or `key=`), "
            f"but {'both' if key is not None else 'neither'} were given."
        )
    given = seed_or_key if key is None else key
    assert given is not None
    DEFAULT.set_key(given)


def get_key() -> Any:
    """The default generator's current raw ``uint32[2]`` key."""
    return DEFAULT.get_key()


def split_key(n: int | None = None, backup: bool = False) -> jax.Array:
    """Advance the default generator and return one new raw key, or ``n`` of them.

    Args:
        n: None for one key of shape ``(2,)``; an int for ``n`` keys, shape ``(n, 2)``.
        backup: Whether to save the current key first, for :func:`restore_key`.

    Returns:
        Raw ``uint32`` keys, usable with any ``jax.random`` function or as ``key=``.

    Examples:
        >>> import jax
        >>> from brainstate_core import random
        >>> jax.random.normal(random.split_key(), (2,)).shape
        (2,)
    """
    return DEFAULT.split_key(n, backup=backup)


def split_keys(n: int, backup: bool = False) -> jax.Array:
    """``n`` new raw keys from the default generator, shape ``(n, 2)``; see :func:`split_key`."""
    return DEFAULT.split_keys(n, backup=backup)


def default_rng(seed_or_key: SeedOrKey | None = None) -> RandomState:
    """The default generator :data:`DEFAULT` for None, else a new :class:`RandomState`.

    This follows brainstate 0.1, not numpy: numpy's ``default_rng()`` makes a fresh
    generator, but brainstate 0.1 returned the global one, and code written for it seeds or
    draws through ``default_rng()`` expecting to act on the module-level stream
    (``default_rng().seed(0)`` seeds :func:`rand`). For an independent generator use
    :func:`clone_rng` or ``RandomState()``.

    Args:
        seed_or_key: None for :data:`DEFAULT` itself; an integer seed, a typed key or a raw
            ``uint32[2]`` key for a new generator seeded with it.

    Returns:
        :data:`DEFAULT`, or a new RandomState.

    Raises:
        RandomKeyError: ``seed_or_key`` is not a seed or key.

    Examples:
        >>> from brainstate_core import random
        >>> random.default_rng() is random.DEFAULT
        True
        >>> rng = random.default_rng(0)
        >>> rng is random.DEFAULT, rng.normal(size=2).shape
        (False, (2,))
    """
    if seed_or_key is None:
        return DEFAULT
    return RandomState(seed_or_key)


def clone_rng(seed_or_key: SeedOrKey | None = None) -> RandomState:
    """A new :class:`RandomState`: ``DEFAULT.clone()`` for None, else seeded by ``seed_or_key``.

    ``clone_rng()`` advances the default generator, so successive clones differ and a
    seeded program stays reproducible.
    """
    if seed_or_key is None:
        return DEFAULT.clone()
    return RandomState(seed_or_key)


def backup_key() -> None:
    """Save the default generator's key, to be put back by :func:`restore_key`."""
    DEFAULT.backup_key()


def restore_key() -> None:
    """Put back the default generator's key saved by :func:`backup_key`.

    Raises:
        RandomKeyError: No key was saved.
    """
    DEFAULT.restore_key()


def self_assign_multi_keys(n: int, backup: bool = True) -> None:
    """Give the default generator ``n`` keys, one per batch element; see
    :meth:`RandomState.self_assign_multi_keys`."""
    DEFAULT.self_assign_multi_keys(n, backup=backup)


def on_default(
    method: Callable[Concatenate[RandomState, P], R], order: tuple[str, ...] | None = None
) -> Callable[P, R]:
    """A module-level function that calls the RandomState ``method`` on :data:`DEFAULT`.

    It carries the method's name, docstring and signature (less ``self``). It is made here,
    not in the module that names it, so that doctest runs each docstring once, on the method.

    Args:
        method: The RandomState method.
        order: The function's positional parameters, where they are in another order than the
            method's (brainstate 0.1's ``randint`` function took ``key`` before ``dtype``, its
            method ``dtype`` before ``key``); the function then passes them by name.
    """
    signature = inspect.signature(method)
    params = list(signature.parameters.values())[1:]
    function: Callable[..., R]
    if order is None:

        def plain(*args: P.args, **kwargs: P.kwargs) -> R:
            return method(DEFAULT, *args, **kwargs)

        function = plain

    else:
        by_name = {p.name: p for p in params}
        assert sorted(order) == sorted(p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD)
        params = [by_name[name] for name in order] + [
            p for p in params if p.kind is not p.POSITIONAL_OR_KEYWORD
        ]

        call: Callable[..., R] = method

        def reordered(*args: Any, **kwargs: Any) -> R:
            if len(args) > len(order):
                raise TypeError(
                    f"{method.__name__}() takes at most {len(order)} positional arguments "
                    f"({', '.join(order)}), but {len(args)} were given."
                )
            for name, value in zip(order, args, strict=False):
                if name in kwargs:
                    raise TypeError(f"{method.__name__}() got multiple values for `{name}`.")
                kwargs[name] = value
            return call(DEFAULT, **kwargs)

        function = reordered

    function.__name__ = function.__qualname__ = method.__name__
    function.__doc__ = method.__doc__
    function.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    return function
