"""``StatefulFunction``: a function over States as a closed jaxpr, and ``make_jaxpr``."""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, NamedTuple, cast

import jax
from jax.extend.core import ClosedJaxpr, jaxpr_as_fun

from brainstate_core import State
from brainstate_core.extend import (
    REBINDINGS,
    baked_keys,
    environ_fingerprint,
    is_recording,
    read_state_values,
    record_environ_reads,
    write_state_values,
)

from .discovery import KnownStates, call_with_states, check_no_state_in, run_discovering

__all__ = ["StatefulFunction", "make_jaxpr", "infer_static_args"]


def infer_static_args(
    fun: Callable[..., Any],
    static_argnums: int | Sequence[int] | None,
    static_argnames: str | Iterable[str] | None,
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Complete ``static_argnums``/``static_argnames`` from ``fun``'s signature, as ``jax.jit``.

    When only one of the two is given, the positional-or-keyword parameters it names are
    added to the other, so a static argument stays static whether it is passed by position
    or by keyword.
    """
    if static_argnums is None or isinstance(static_argnums, int):
        nums = () if static_argnums is None else (static_argnums,)
    else:
        nums = tuple(static_argnums)
    if static_argnames is None or isinstance(static_argnames, str):
        names = () if static_argnames is None else (static_argnames,)
    else:
        names = tuple(static_argnames)
    if bool(nums) == bool(names):  # neither given, or both given: nothing to infer (as JAX)
        return nums, names
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):  # builtins and other objects without a signature
        return nums, names
    pairs = [(i, p.name) for i, p in enumerate(params) if p.kind is p.POSITIONAL_OR_KEYWORD]
    if nums:
        return nums, tuple(name for i, name in pairs if i in nums)
    return tuple(i for i, name in pairs if name in names), names


class _Trace(NamedTuple):
    jaxpr: ClosedJaxpr
    states: tuple[State, ...]
    written: tuple[bool, ...]
    state_avals: tuple[Any, ...]
    out_shapes: Any
    out_tree: Any
    env_keys: tuple[str, ...]  # the settings the trace baked in, and their values' key
    env: tuple


class _CacheKey(tuple):
    """The key of one trace, from :meth:`StatefulFunction.get_arg_cache_key` (brainstate
    0.1's way to name a trace for the getters)."""

    __slots__ = ()


def _avals(values: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(jax.typeof(leaf) for leaf in jax.tree.leaves(values))


class StatefulFunction:
    """A function that reads and writes States, traced into a closed jaxpr per signature.

    The jaxpr's inputs are the dynamic arguments followed by the values of every State the
    function touches; its outputs are the function's result followed by the new values of
    the States it writes. Traces are cached by the static arguments, the shapes/dtypes of
    the dynamic arguments and the shapes/dtypes of the States' values, so a State whose
    shape changed is retraced rather than served a stale program; and by the values of the
    ``environ`` settings the trace read (``dt``, ``fit`` ...), which it baked in.

    Args:
        fun: The function.
        static_argnums: Positions of arguments that are compile-time constants (hashable).
        static_argnames: Names of keyword arguments that are compile-time constants.
        name: Label used in error messages.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_compile as bc
        >>> import brainstate_core as bsc
        >>> a = bsc.State(jnp.ones(2))
        >>> def f(x):
        ...     a.value = a.value * x
        ...     return a.value.sum()
        >>> sf = bc.StatefulFunction(f)
        >>> jaxpr = sf.get_jaxpr(2.0)
        >>> sf.get_write_states(2.0) == [a]
        True
        >>> float(sf(3.0)), a.value.tolist()
        (6.0, [3.0, 3.0])
    """

    def __init__(
        self,
        fun: Callable[..., Any],
        static_argnums: int | Sequence[int] = (),
        static_argnames: str | Iterable[str] = (),
        name: str | None = None,
    ) -> None:
        self.fun = fun
        self.static_argnums, self.static_argnames = infer_static_args(
            fun, static_argnums, static_argnames
        )
        self.name = name or getattr(fun, "__qualname__", None) or repr(fun)
        if any(i < 0 for i in self.static_argnums):
            raise ValueError(
                f"StatefulFunction({self.name}): static_argnums must be non-negative "
                f"positions, got {self.static_argnums}"
            )
        self._known = KnownStates()
        self._cache: dict[Hashable, _Trace] = {}
        self._lock = threading.Lock()
        # the latest top-level trace's key, and whether it was made with arguments
        self._last: tuple[Hashable, bool] | None = None

    # -- splitting arguments ----------------------------------------------------------------
    def _split(self, args: tuple, kwargs: dict) -> tuple[tuple, dict, Hashable]:
        static_pos = {i: args[i] for i in self.static_argnums if i < len(args)}
        static_kw = {k: kwargs[k] for k in self.static_argnames if k in kwargs}
        dyn_args = tuple(a for i, a in enumerate(args) if i not in static_pos)
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in static_kw}
        try:
            key_static = (tuple(sorted(static_pos.items())), tuple(sorted(static_kw.items())))
            hash(key_static)
        except TypeError as e:
            raise TypeError(
                f"{self.name}: static arguments must be hashable; got {static_pos or static_kw}."
            ) from e
        leaves, tree = jax.tree.flatten((dyn_args, dyn_kwargs))
        key = (key_static, tree, tuple(jax.typeof(leaf) for leaf in leaves))
        return dyn_args, dyn_kwargs, key

    def _rebuild(self, dyn_args: tuple, static_pos: dict) -> tuple:
        args, it = [], iter(dyn_args)
        for i in range(len(dyn_args) + len(static_pos)):
            args.append(static_pos[i] if i in static_pos else next(it))
        return tuple(args)

    # -- tracing ----------------------------------------------------------------------------
    def _trace(self, args: tuple, kwargs: dict) -> _Trace:
        dyn_args, dyn_kwargs, key = self._split(args, kwargs)
        # Inside another transform the function may touch States local to that trace, which
        # die with it: such traces get a fresh State set and are not cached.
        nested = is_recording()
        if not nested:
            if self._known.rebindings != REBINDINGS[0]:  # a State was replaced: look again
                self.clear_cache()
            self._last = (key, bool(args or kwargs))
            entry = self._cache.get(key)
            if (
                entry is not None
                and _avals([s._value for s in entry.states]) == entry.state_avals
                and environ_fingerprint(entry.env_keys) == entry.env
            ):
                return entry
        static_pos = {i: args[i] for i in self.static_argnums if i < len(args)}
        static_kw = {k: kwargs[k] for k in self.static_argnames if k in kwargs}
        known = KnownStates() if nested else self._known
        where = f"StatefulFunction({self.name})"

        def attempt() -> _Trace:
            states = tuple(known.states)
            flags: list[tuple[bool, ...]] = []  # the written flags this trace's outputs follow

            def pure(values: list, d_args: tuple, d_kwargs: dict) -> tuple[Any, list]:
                full = self._rebuild(d_args, static_pos)
                out, after = call_with_states(
                    self.fun,
                    full,
                    {**d_kwargs, **static_kw},
                    states,
                    values,
                    known,
                    where=where,
                    traced_values=True,
                )
                check_no_state_in(out, where)
                flags.append(tuple(known.written[: len(states)]))
                return out, [v for v, w in zip(after, flags[-1]) if w]

            values = read_state_values(states)
            with record_environ_reads() as reads:
                jaxpr, shapes = jax.make_jaxpr(pure, return_shape=True)(
                    values, dyn_args, dyn_kwargs
                )
            written = flags[-1]
            env_keys = tuple(baked_keys(reads))
            return _Trace(
                jaxpr,
                states,
                written,
                _avals(values),
                shapes[0],
                jax.tree.structure(shapes[0]),
                env_keys,
                environ_fingerprint(env_keys),
            )

        entry = run_discovering(known, attempt)
        if not nested:
            with self._lock:
                self._cache[key] = entry
        return entry

    def _entry(self, args: tuple, kwargs: dict) -> _Trace:
        """The trace a getter asks for: by the call's arguments (traced when not cached), by
        a key from :meth:`get_arg_cache_key`, or, given nothing, the latest trace made with
        arguments (as brainstate 0.1's ``sf.make_jaxpr(x); sf.get_jaxpr()``)."""
        if not kwargs:
            if len(args) == 1 and isinstance(args[0], _CacheKey):
                return self._cached(args[0])
            if not args and self._last is not None and self._last[1]:
                return self._cached(self._last[0])
        return self._trace(args, kwargs)

    def _cached(self, key: Hashable) -> _Trace:
        entry = self._cache.get(key)
        if entry is None or self._known.rebindings != REBINDINGS[0]:
            raise ValueError(
                f"StatefulFunction({self.name}): no trace is cached for "
                f"{'that cache key' if isinstance(key, _CacheKey) else 'the latest arguments'}"
                " (never traced, or the cache was emptied by clear_cache() or because a "
                "State was replaced). Call make_jaxpr(*args, **kwargs) with the arguments "
                "first, or give the arguments to the getter itself."
            )
        return entry

    def get_arg_cache_key(self, *args: Any, **kwargs: Any) -> Hashable:
        """The key naming the trace for these arguments, for the getters (brainstate 0.1).

        It keys on the static arguments' values and the dynamic ones' shapes and dtypes.

        Examples:
            >>> import jax.numpy as jnp
            >>> import brainstate_compile as bc
            >>> import brainstate_core as bsc
            >>> a = bsc.State(jnp.ones(2))
            >>> def f(x):
            ...     a.value = a.value * x
            >>> sf = bc.StatefulFunction(f).make_jaxpr(2.0)
            >>> sf.get_write_states(sf.get_arg_cache_key(2.0)) == [a]
            True
        """
        return _CacheKey(cast(tuple, self._split(args, kwargs)[2]))

    def make_jaxpr(self, *args: Any, **kwargs: Any) -> StatefulFunction:
        """Trace for these arguments (if not cached); returns ``self`` for chaining.

        Afterwards the getters called without arguments (``sf.get_jaxpr()``) describe this
        trace, as in brainstate 0.1.
        """
        self._trace(args, kwargs)
        return self

    def get_jaxpr(self, *args: Any, **kwargs: Any) -> ClosedJaxpr:
        """The closed jaxpr ``(state_values, dyn_args, dyn_kwargs) -> (out, written_values)``.

        Like every getter, it takes the call's arguments (tracing if needed), a key from
        :meth:`get_arg_cache_key`, or nothing: the latest trace made with arguments.

        Raises:
            ValueError: a key (or nothing) was given and that trace is not cached.

        Examples:
            >>> import jax.numpy as jnp
            >>> import brainstate_compile as bc
            >>> import brainstate_core as bsc
            >>> a = bsc.State(jnp.ones(2))
            >>> def f(x):
            ...     a.value = a.value * x
            ...     return a.value.sum()
            >>> sf = bc.StatefulFunction(f)
            >>> sf.make_jaxpr(2.0).get_jaxpr() is sf.get_jaxpr(2.0)
            True
            >>> sf.get_states() == [a]
            True
        """
        return self._entry(args, kwargs).jaxpr

    def get_states(self, *args: Any, **kwargs: Any) -> list[State]:
        """Every State the function touches, in first-access order (arguments as
        :meth:`get_jaxpr`)."""
        return list(self._entry(args, kwargs).states)

    def get_write_states(self, *args: Any, **kwargs: Any) -> list[State]:
        """The States the function writes (arguments as :meth:`get_jaxpr`)."""
        t = self._entry(args, kwargs)
        return [s for s, w in zip(t.states, t.written) if w]

    def get_read_states(self, *args: Any, **kwargs: Any) -> list[State]:
        """The States the function reads and does not write (arguments as
        :meth:`get_jaxpr`)."""
        t = self._entry(args, kwargs)
        return [s for s, w in zip(t.states, t.written) if not w]

    def get_out_shapes(self, *args: Any, **kwargs: Any) -> Any:
        """The output's shapes and dtypes, as ``jax.ShapeDtypeStruct`` leaves (arguments as
        :meth:`get_jaxpr`)."""
        return self._entry(args, kwargs).out_shapes

    def compile_function_and_get_states(self, *args: Any, **kwargs: Any) -> list[State]:
        """Trace for these arguments (if not cached) and return every State the function
        touches: brainstate 0.1's name for ``get_states(*args, **kwargs)``.

        Examples:
            >>> import jax.numpy as jnp
            >>> import brainstate_compile as bc
            >>> import brainstate_core as bsc
            >>> a = bsc.State(jnp.ones(2))
            >>> sf = bc.StatefulFunction(lambda x: a.value * x)
            >>> sf.compile_function_and_get_states(2.0) == [a]
            True
        """
        return list(self._trace(args, kwargs).states)

    def jaxpr_call_auto(self, *args: Any, **kwargs: Any) -> Any:
        """Run the traced program with the States' values and write results back (brainstate
        0.1's name for calling the function).

        Examples:
            >>> import jax.numpy as jnp
            >>> import brainstate_compile as bc
            >>> import brainstate_core as bsc
            >>> a = bsc.State(jnp.ones(2))
            >>> def f(x):
            ...     a.value = a.value * x
            ...     return a.value.sum()
            >>> float(bc.StatefulFunction(f).jaxpr_call_auto(3.0)), a.value.tolist()
            (6.0, [3.0, 3.0])
        """
        return self(*args, **kwargs)

    def jaxpr_call(
        self, state_values: Sequence[Any], *args: Any, **kwargs: Any
    ) -> tuple[list, Any]:
        """Evaluate the traced program on explicit State values (no State is touched).

        Returns:
            ``(new_values, out)``: the values of all States (written ones updated), and the
            function's output.
        """
        t = self._trace(args, kwargs)
        dyn_args, dyn_kwargs, _ = self._split(args, kwargs)
        flat_in = jax.tree.leaves((list(state_values), dyn_args, dyn_kwargs))
        flat_out = jaxpr_as_fun(t.jaxpr)(*flat_in)
        n_out = t.out_tree.num_leaves
        out = jax.tree.unflatten(t.out_tree, flat_out[:n_out])
        written_vals = jax.tree.unflatten(
            jax.tree.structure([v for v, w in zip(state_values, t.written) if w]),
            flat_out[n_out:],
        )
        new_values, it = [], iter(written_vals)
        for v, w in zip(state_values, t.written):
            new_values.append(next(it) if w else v)
        return new_values, out

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the traced program with the States' current values and write results back."""
        t = self._trace(args, kwargs)
        new_values, out = self.jaxpr_call(read_state_values(t.states), *args, **kwargs)
        written = [(s, v) for s, v, w in zip(t.states, new_values, t.written) if w]
        write_state_values([s for s, _ in written], [v for _, v in written])
        return out

    def clear_cache(self) -> None:
        """Forget every trace and the States found."""
        with self._lock:
            self._cache.clear()
            self._known = KnownStates()

    def __repr__(self) -> str:
        return f"StatefulFunction({self.name}, cached_traces={len(self._cache)})"


def make_jaxpr(
    fun: Callable[..., Any],
    static_argnums: int | Sequence[int] = (),
    static_argnames: str | Iterable[str] = (),
    return_shape: bool = False,
) -> Callable[..., Any]:
    """Like ``jax.make_jaxpr``, for functions that use States.

    Returns:
        A function that, called with the arguments, returns ``(jaxpr, states)`` (and the
        output shapes when ``return_shape=True``): the closed jaxpr over
        ``(state_values, dyn_args, dyn_kwargs)`` and the States in input order.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_compile as bc
        >>> import brainstate_core as bsc
        >>> s = bsc.State(jnp.zeros(3))
        >>> def f(x):
        ...     s.value += x
        ...     return s.value
        >>> jaxpr, states = bc.make_jaxpr(f)(1.0)
        >>> states == [s]
        True
    """
    sf = StatefulFunction(fun, static_argnums, static_argnames)

    @functools.wraps(fun)
    def make(*args: Any, **kwargs: Any) -> Any:
        t = sf._trace(args, kwargs)
        if return_shape:
            return t.jaxpr, list(t.states), t.out_shapes
        return t.jaxpr, list(t.states)

    return make
