"""State-aware ``jit``."""

from __future__ import annotations

import functools
import inspect
import os
import sys
import types
import warnings
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import jax

from brainstate_core.extend import (
    REBINDINGS,
    TRACE_CONTEXT,
    baked_keys,
    environ_epoch,
    environ_fingerprint,
    get_raw_values,
    read_state_values,
    record_environ_reads,
    set_raw_indexed,
)

from .discovery import KnownStates, Rediscover, call_with_states, check_no_state_in, run_discovering
from .errors import EnvironRecompileWarning, check_arguments, diagnose_failed_call
from .jaxpr_trace import inside_jax_trace
from .stateful_function import StatefulFunction, infer_static_args

__all__ = ["jit", "JittedFunction"]

_UNSET: Any = object()


# A function compiled for this many different values of the settings it reads is probably
# given a changing setting (e.g. `environ.context(t=float(t))` around each call).
_ENV_VARIANTS_BEFORE_WARNING = 8


def _warn_environ_recompiles(where: str, seen: set[tuple]) -> None:
    values: dict[str, set] = {}
    for env in seen:
        for key, fingerprint in env:
            values.setdefault(key, set()).add(fingerprint)
    changing = sorted(k for k, v in values.items() if len(v) > 1)
    warnings.warn_explicit(
        f"{where} has been compiled for {len(seen)} different values of the setting(s) "
        f"{changing}, which its code reads and which every compiled program bakes in. A "
        "setting that changes from call to call recompiles every time: pass the changing "
        "value as an argument, or run the loop itself compiled (`bst.compile.for_loop`), "
        "where `t`/`i` are traced.",
        EnvironRecompileWarning,
        *_user_frame(),
    )


def _user_frame() -> tuple[str, int]:
    """File and line of the innermost caller outside this package (for warnings)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(here):
        frame = frame.f_back
    if frame is None:  # pragma: no cover - always called from user code
        return "<unknown>", 0
    return frame.f_code.co_filename, frame.f_lineno


class _DisabledJitCall(Exception):
    """Raised by the traced function when ``jax.disable_jit`` made jax.jit call it eagerly."""


def _kw(kwargs: dict) -> tuple:
    # the jitted call's keyword arguments: left out when empty, so that every call of one
    # signature takes the same (cached) program
    return (kwargs,) if kwargs else ()


def _first_parameters(fun: Callable[..., Any]) -> list[str]:
    try:
        return list(inspect.signature(fun).parameters)
    except (TypeError, ValueError):
        return []


def _first_parameter_is_self(fun: Callable[..., Any]) -> bool:
    params = _first_parameters(fun)
    return bool(params) and params[0] == "self"


def _as_tuple(x: int | Iterable[int] | None) -> tuple[int, ...]:
    if x is None:
        return ()
    if isinstance(x, int):
        return (x,)
    return tuple(x)


def _after_self(nums: tuple[int, ...]) -> tuple[int, ...]:
    """Argument positions of a method, counted once ``self`` is bound."""
    return tuple(i - 1 for i in nums if i > 0)


def _method_of(fun: Callable[..., Any], instance: weakref.ref) -> Callable[..., Any]:
    """``fun`` with its first argument bound to the object ``instance`` refers to.

    It holds the object weakly, so that the per-instance compiled function kept by the
    decorator does not keep the object alive."""

    def method(*args: Any, **kwargs: Any) -> Any:
        return fun(instance(), *args, **kwargs)

    _present_as(method, fun, drop_first=True)
    return method


def _present_as(target: Any, fun: Callable[..., Any], drop_first: bool) -> None:
    """Give ``target`` the name, docstring and signature of ``fun`` (without its first
    parameter if ``drop_first``)."""
    for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
        if hasattr(fun, attr):
            setattr(target, attr, getattr(fun, attr))
    try:
        signature = inspect.signature(fun)
    except (TypeError, ValueError):
        return
    if drop_first:
        params = list(signature.parameters.values())[1:]
        signature = signature.replace(parameters=params)
    target.__signature__ = signature


def _drop_abstracted_axes(fun: Callable[..., Any], jit_kwargs: dict[str, Any]) -> None:
    """Accept brainstate 0.1's ``abstracted_axes=None`` (its default); refuse a value.

    ``jax.jit`` has no ``abstracted_axes`` any more (JAX removed its dynamic shapes), so
    ``None`` asks for nothing and is dropped, and any other value cannot be honoured.
    """
    axes = jit_kwargs.pop("abstracted_axes", None)
    if axes is not None:
        raise ValueError(
            f"jit({getattr(fun, '__qualname__', repr(fun))}): abstracted_axes must be None, got "
            f"{axes!r}: jax.jit no longer supports dynamic shapes (brainstate 0.1 passed it to "
            "jax.jit). Leave it out and let each input shape compile its own program, or pad "
            "the inputs to a few fixed shapes."
        )


class _CompiledMethod:
    # The function of ``obj.method`` for a jit-decorated method: ``obj``'s own compiled
    # function, which has ``obj`` bound already (weakly) and so is called without it. It
    # presents the decorated function's name, docstring and signature (``self`` included,
    # which the bound method drops); other attributes (``states``, ``lower``, ...) are the
    # compiled function's.

    def __init__(self, jitted: JittedFunction, fun: Callable[..., Any]) -> None:
        self.jitted = jitted
        self.__wrapped__ = fun
        _present_as(self, fun, drop_first=False)  # the bound method drops `self` itself

    def __call__(self, _obj: Any, *args: Any, **kwargs: Any) -> Any:
        return self.jitted(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.jitted, name)


class JittedFunction:
    """A jitted function that reads and writes States (made by :func:`jit`).

    Calls look like calls of ``fun``. Internally ``jax.jit`` compiles the pure function
    ``(state_values, args, kwargs) -> (out, written_state_values)``; the values of all States
    that ``fun`` touches are passed as arguments, so ``jax.jit``'s own cache keys on their
    shapes and dtypes and a State whose shape changed is never served a stale program.

    The values of the ``environ`` settings ``fun`` read while traced (``dt``, ``fit`` ...)
    are baked into the program; they travel as a static argument, so a changed setting
    compiles (or reuses) the program for its value. Settings read as tracers (``t``/``i``
    inside a compiled loop) are inputs, not keys.
    """

    def __init__(
        self,
        fun: Callable[..., Any],
        static_argnums: int | Sequence[int] | None = None,
        static_argnames: str | Iterable[str] | None = None,
        donate_argnums: int | Sequence[int] | None = None,
        **jit_kwargs: Any,
    ) -> None:
        _drop_abstracted_axes(fun, jit_kwargs)
        self.fun = fun
        self._options = (static_argnums, static_argnames, donate_argnums, dict(jit_kwargs))
        # A decorated method compiles per instance (see __get__): id(obj) -> (ref, jitted)
        self._instances: dict[int, tuple[weakref.ref, _CompiledMethod]] = {}
        self._known = KnownStates()
        where = f"jit({getattr(fun, '__qualname__', repr(fun))})"
        self._where = where
        statics, static_argnames = infer_static_args(fun, static_argnums, static_argnames)
        if any(i < 0 for i in statics):
            raise ValueError(
                f"{where}: static_argnums must be non-negative positions, got {statics}"
            )
        donated = _as_tuple(donate_argnums)
        # Without per-argument options, the arguments travel to jax.jit as one tuple and one
        # dict (a plain three-argument call: the cheapest); otherwise they are spread out so
        # that jax.jit's own static_argnums/donate_argnums/in_shardings apply to them.
        self._spread = bool(statics or static_argnames or donated) or (
            jit_kwargs.get("in_shardings") is not None
        )
        if jit_kwargs.get("in_shardings") is not None:
            shard = jit_kwargs["in_shardings"]
            if isinstance(shard, (list, tuple)):
                jit_kwargs["in_shardings"] = (None, *shard)
        if jit_kwargs.get("out_shardings") is not None:
            jit_kwargs["out_shardings"] = (jit_kwargs["out_shardings"], None)
        # The settings the function reads (`environ`) are baked into its programs: their
        # current values travel as one static argument, so jax.jit's cache keys on them.
        # A function that reads none is called without it (the cheapest call).
        if self._spread:  # (env, state_values, *args, **kwargs)
            jit_kwargs.update(
                static_argnums=(0, *(i + 2 for i in statics)),
                static_argnames=static_argnames,
                donate_argnums=tuple(i + 2 for i in donated),
            )
        self._jit_kwargs: dict[str, Any] = jit_kwargs
        self._env_keys: tuple[str, ...] = ()
        self._env_cache: tuple[Any, ...] = (None, None, ())
        self._env_seen: set[tuple] = set()
        self._env_warned = False
        self._keyed = self._spread
        self._jitted, self._call_jitted = self._make_jitted(self._known, self._keyed)
        self._recorded: tuple[KnownStates, Callable[..., Any]] | None = None
        functools.update_wrapper(self, fun, updated=())  # never copy fun.__dict__ over ours

    def _make_jitted(self, known: KnownStates, keyed: bool) -> tuple[Any, Callable[..., Any]]:
        """``jax.jit`` of the pure function over ``known``, and how to call it with
        ``(state_values, args[, kwargs])``; ``keyed`` adds the settings' key. (Leaving out
        empty keyword arguments saves jax.jit a pytree node on every call.)"""
        if self._spread:
            jitted = jax.jit(functools.partial(self._pure_spread, known), **self._jit_kwargs)
            return jitted, lambda values, args, kwargs=None: jitted(
                self._env_now(), values, *args, **(kwargs or {})
            )
        if keyed:
            jitted = jax.jit(
                functools.partial(self._pure, known), static_argnums=(3,), **self._jit_kwargs
            )
            return jitted, lambda values, args, kwargs=None: jitted(
                values, args, kwargs or None, self._env_now()
            )
        jitted = jax.jit(functools.partial(self._pure, known), **self._jit_kwargs)
        return jitted, jitted

    # The function jax.jit traces. `state_values` covers a prefix of the known States.
    def _pure(
        self,
        known: KnownStates,
        state_values: list[Any],
        args: tuple,
        kwargs: dict | None = None,
        env: tuple = (),
        /,
    ) -> Any:
        kwargs = kwargs or {}
        if jax.config.jax_disable_jit and not inside_jax_trace():  # pyright: ignore[reportAttributeAccessIssue]
            # jax.jit calls us directly under disable_jit; run the user's function instead
            raise _DisabledJitCall
        states = known.states[: len(state_values)]
        reads: dict[str, Any] = {}
        try:
            with record_environ_reads() as reads:
                out, after = call_with_states(
                    self.fun,
                    args,
                    kwargs,
                    states,
                    state_values,
                    known,
                    where=self._where,
                    traced_values=True,
                )
        finally:  # also when the State set grew: the next trace then keys on both at once
            keyed_on = {key for key, _ in env}  # what this very program is keyed on
            new_keys = [k for k in baked_keys(reads) if k not in keyed_on]
            if new_keys:
                self._env_keys = (
                    *self._env_keys,
                    *(k for k in new_keys if k not in self._env_keys),
                )
                if known is self._known and not self._keyed:  # from now on, key programs
                    self._keyed = True
                    self._jitted, self._call_jitted = self._make_jitted(known, True)
        if new_keys:  # this program was keyed without them: trace again with them
            raise Rediscover(known)
        known.traces.clear()  # discovery settled: recordings of the call are not needed
        check_no_state_in(out, self._where)
        return out, [after[i] for i in known.register_written(len(state_values))]

    def _pure_spread(
        self, known: KnownStates, env: tuple, state_values: list, /, *args: Any, **kwargs: Any
    ) -> Any:
        return self._pure(known, state_values, args, kwargs, env)

    def _env_now(self) -> tuple:
        """The key of the current values of the settings this function's traces read."""
        keys = self._env_keys
        if not keys:
            return ()
        token = environ_epoch()
        cached = self._env_cache
        if cached[0] == token and cached[1] is keys:
            return cached[2]
        env = environ_fingerprint(keys)
        self._env_cache = (token, keys, env)
        if env not in self._env_seen:
            self._env_seen.add(env)
            if len(self._env_seen) > _ENV_VARIANTS_BEFORE_WARNING and not self._env_warned:
                self._env_warned = True
                _warn_environ_recompiles(self._where, self._env_seen)
        return env

    # The hot path: every check that can move to trace time has moved there (disable_jit:
    # `_pure`; shapes and dtypes of the State values: jax.jit's own cache), so a call is one
    # read of the States' values, the jax.jit call and one write-back loop.
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if TRACE_CONTEXT.stack:  # nested in another transform: let it see our States
            return self._call_recorded(args, kwargs)
        known = self._known
        if known.rebindings != REBINDINGS[0]:  # a State was replaced somewhere: look again
            known = self._refind_states(args, kwargs)
        states = known.states
        try:
            if kwargs:
                out, new = self._call_jitted([s._value for s in states], args, kwargs)
            else:
                out, new = self._call_jitted([s._value for s in states], args)
        except Exception as e:
            return self._call_slow(e, args, kwargs)
        # Only `_value` is written; the tracer flag is left as it was. (Called inside a plain
        # `jax.jit`, which records nothing, the outputs are that trace's tracers: a State
        # written there leaks them like any State written inside a plain JAX transform.)
        for s, v in zip(known.write_states[(len(states), len(new))], new):
            s._value = v
        return out

    def _refind_states(self, args: tuple, kwargs: dict) -> KnownStates:
        """Trace again (without compiling) to find the States the function touches now.

        If they are all among the known ones, the compiled programs still read and write
        the right States and are kept. Otherwise (say ``init_all_states`` put new State
        objects on the model) the newly found set replaces the old, with new programs.
        """
        known = self._known
        now = REBINDINGS[0]
        if known.states and not jax.config.jax_disable_jit:  # pyright: ignore[reportAttributeAccessIssue]
            fresh = KnownStates()
            jitted, _ = self._make_jitted(fresh, True)

            def attempt() -> Any:
                return self._stage(jitted, "trace", fresh, True, args, kwargs)

            run_discovering(fresh, attempt)
            if any(known.index(s) is None for s in fresh.states):
                self._known = known = fresh
                self._jitted, self._call_jitted = self._make_jitted(fresh, self._keyed)
        known.rebindings = now
        return known

    def _call_slow(self, err: Exception, args: tuple, kwargs: dict) -> Any:
        try:
            return self._call_slow_inner(err, args, kwargs)
        finally:  # the recordings serve this discovery's retraces only
            self._known.traces.clear()

    def _call_slow_inner(self, err: Exception, args: tuple, kwargs: dict) -> Any:
        # The first calls find the States (Rediscover); disable_jit runs the function as
        # plain Python; any other failure gets diagnosed.
        known = self._known
        while True:
            if isinstance(err, _DisabledJitCall):
                return self.fun(*args, **kwargs)
            states = known.states
            if isinstance(err, Rediscover) and err.known is known:
                try:
                    out, new = self._call_jitted(get_raw_values(states), args, *_kw(kwargs))
                except Exception as e:
                    err = e
                    continue
                set_raw_indexed(states, known.write_index[(len(states), len(new))], new)
                return out
            diagnose_failed_call(err, states, self._where)
            if isinstance(err, TypeError):
                check_arguments(
                    args, kwargs, self._where, method=_first_parameter_is_self(self.fun)
                )
            raise err

    def _call_recorded(self, args: tuple, kwargs: dict) -> Any:
        # Traced inside another transform: the States found here may be local to the
        # enclosing trace and die with it, so they never enter the set used by top-level
        # calls. A set whose States were all created outside of any trace is kept for the
        # next traced call (`grad(jit(f))` traces `f` once), until a State is replaced.
        if jax.config.jax_disable_jit:  # pyright: ignore[reportAttributeAccessIssue]
            return self.fun(*args, **kwargs)
        cached = self._recorded
        if cached is not None and cached[0].rebindings == REBINDINGS[0]:
            known, call_jitted = cached
        else:
            known = KnownStates()
            _, call_jitted = self._make_jitted(known, True)

        def attempt() -> Any:
            states = known.states
            out, new = call_jitted(read_state_values(states), args, *_kw(kwargs))
            for i, v in zip(known.write_index[(len(states), len(new))], new):
                states[i].value = v
            return out

        out = run_discovering(known, attempt)
        self._recorded = (known, call_jitted) if known.persistent() else None
        return out

    # -- ahead-of-time API ----------------------------------------------------------------
    def lower(self, *args: Any, **kwargs: Any) -> Any:
        """Lower for the given arguments (States' current values included), like ``jax.jit``."""

        def attempt() -> Any:
            return self._ahead_of_time("lower", args, kwargs)

        return run_discovering(self._known, attempt)

    def trace(self, *args: Any, **kwargs: Any) -> Any:
        """Trace for the given arguments, like ``jax.jit(...).trace``."""

        def attempt() -> Any:
            return self._ahead_of_time("trace", args, kwargs)

        return run_discovering(self._known, attempt)

    def _ahead_of_time(self, method: str, args: tuple, kwargs: dict) -> Any:
        # Staged with the very arguments a call passes, so that calling the function
        # afterwards finds this trace and program in jax.jit's caches (no second compile).
        return self._stage(self._jitted, method, self._known, self._keyed, args, kwargs)

    def _stage(
        self, jitted: Any, method: str, known: KnownStates, keyed: bool, args: tuple, kwargs: dict
    ) -> Any:
        values = read_state_values(known.states)
        stage = getattr(jitted, method)
        if self._spread:
            return stage(self._env_now(), values, *args, **kwargs)
        if keyed:
            return stage(values, args, kwargs or None, self._env_now())
        return stage(values, args, *_kw(kwargs))

    def compile(self, *args: Any, **kwargs: Any) -> Any:
        """Lower and compile; returns JAX's ``Compiled`` object for the pure function.

        Calling that object runs the pure function without touching any State:
        ``compiled(state_values, args) -> (out, written_values)`` (``compiled(state_values,
        args, kwargs)`` when keyword arguments were given), with ``state_values`` the values
        of :attr:`states`; when static or donated arguments were given, the arguments are
        spread out instead: ``compiled(state_values, *args, **kwargs)``. Calling the
        function itself afterwards runs the program compiled here.
        """
        return self.lower(*args, **kwargs).compile()

    def clear_cache(self) -> None:
        """Forget the compiled programs and the discovered States."""
        self._jitted.clear_cache()  # pyright: ignore[reportAttributeAccessIssue]
        self.__dict__.pop("_stateful_fun", None)
        self._known.clear()
        self._recorded = None
        self._env_keys, self._env_cache, self._env_seen = (), (None, None, ()), set()
        self._keyed = self._spread
        self._jitted, self._call_jitted = self._make_jitted(self._known, self._keyed)
        for _, compiled in list(self._instances.values()):
            compiled.jitted.clear_cache()

    @property
    def states(self) -> list[Any]:
        """The States discovered so far, in first-access order."""
        return list(self._known.states)

    # -- brainstate 0.1's attributes ------------------------------------------------------
    @property
    def origin_fun(self) -> Callable[..., Any]:
        """The function given to :func:`jit` (brainstate 0.1's name; also ``__wrapped__``)."""
        return self.fun

    @property
    def jitted_fun(self) -> Any:
        """The ``jax.jit`` object of the pure function (brainstate 0.1's name).

        It is called as the program :meth:`compile` returns is, and touches no State.
        """
        return self._jitted

    @property
    def stateful_fun(self) -> StatefulFunction:
        """A :class:`StatefulFunction` of the same function and static arguments, to inspect
        its jaxpr and States (brainstate 0.1's attribute; made on first use).

        Examples:
            >>> import jax.numpy as jnp
            >>> import brainstate_compile as bc
            >>> import brainstate_core as bsc
            >>> s = bsc.State(jnp.zeros(2))
            >>> @bc.jit
            ... def f(x):
            ...     s.value += x
            >>> f.stateful_fun.get_write_states(1.0) == [s]
            True
        """
        sf = self.__dict__.get("_stateful_fun")
        if sf is None:
            static_argnums, static_argnames, _, _ = self._options
            sf = StatefulFunction(
                self.fun, static_argnums or (), static_argnames or (), name=self._where
            )
            self.__dict__["_stateful_fun"] = sf
        return sf

    def eval_shape(self, *args: Any, **kwargs: Any) -> Any:
        """The output's shapes and dtypes for these arguments, as ``jax.ShapeDtypeStruct``
        leaves, without compiling or running it; no State is changed.

        Examples:
            >>> import jax.numpy as jnp
            >>> import brainstate_compile as bc
            >>> f = bc.jit(lambda x: jnp.stack([x, x]))
            >>> f.eval_shape(jnp.ones(3))
            ShapeDtypeStruct(shape=(2, 3), dtype=float32)
        """
        return self.stateful_fun.get_out_shapes(*args, **kwargs)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        """Used as a method decorator: ``obj.method`` is a jitted function of its own.

        Each instance gets its own compiled function over the bound method, so that it
        reads and writes only that instance's States (``self`` needs no ``static_argnums``;
        a ``0`` there, as ``jax.jit`` would need, is accepted and dropped). It is made on
        the first access and forgotten with the instance. An object that cannot be
        weakly referenced is passed as argument 0 instead, as a plain function would be.
        """
        if obj is None:
            return self
        entry = self._instances.get(id(obj))
        if entry is not None and entry[0]() is obj:
            return types.MethodType(entry[1], obj)
        key = id(obj)
        instances = self._instances

        def forget(ref: weakref.ref) -> None:
            if instances.get(key, (None,))[0] is ref:
                del instances[key]

        try:
            ref = weakref.ref(obj, forget)
        except TypeError:
            return functools.partial(self, obj)
        static_argnums, static_argnames, donate_argnums, jit_kwargs = self._options
        nums, names = infer_static_args(self.fun, static_argnums, static_argnames)
        params = _first_parameters(self.fun)
        shardings = jit_kwargs.get("in_shardings")
        if isinstance(shardings, (list, tuple)):
            jit_kwargs = {**jit_kwargs, "in_shardings": tuple(shardings)[1:]}
        bound = JittedFunction(
            _method_of(self.fun, ref),
            static_argnums=_after_self(nums) or None,
            static_argnames=tuple(n for n in names if n not in params[:1]) or None,
            donate_argnums=_after_self(_as_tuple(donate_argnums)) or None,
            **jit_kwargs,
        )
        compiled = _CompiledMethod(bound, self.fun)
        instances[key] = (ref, compiled)
        # a bound method holds the instance for as long as it is used (``Model().run(x)``
        # included); the compiled function kept here holds it only weakly
        return types.MethodType(compiled, obj)

    def __repr__(self) -> str:
        return f"<JittedFunction {self._where}>"


def jit(
    fun: Callable[..., Any] | None = None,
    static_argnums: int | Sequence[int] | None = None,
    static_argnames: str | Iterable[str] | None = None,
    donate_argnums: int | Sequence[int] | None = None,
    **jit_kwargs: Any,
) -> Any:
    """Compile a function that reads and writes States, like ``jax.jit``.

    The States that ``fun`` uses are found by tracing (however they are reached: closure,
    attribute, global). Their values enter the compiled program as arguments and the values
    of the States it writes are written back after each call. Programs are also keyed on
    the ``environ`` settings ``fun`` read while traced (a new ``dt`` or ``fit`` compiles
    once for the new value). Usable as a decorator with or without arguments. Other keyword
    arguments (``in_shardings``, ``out_shardings``, ``keep_unused``, ``device``,
    ``backend``, ``inline``, ...) go to ``jax.jit``; ``abstracted_axes=None`` (brainstate
    0.1's default) is accepted and ignored, any other value raises ``ValueError`` (``jax.jit``
    no longer supports it).

    Args:
        fun: The function to compile.
        static_argnums: Positions of arguments treated as compile-time constants.
        static_argnames: Names of keyword arguments treated as compile-time constants.
        donate_argnums: Positions of arguments whose buffers may be reused.

    Returns:
        A :class:`JittedFunction` (or a decorator making one, when ``fun`` is omitted).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_compile as bc
        >>> import brainstate_core as bsc
        >>> counter = bsc.State(jnp.zeros(()))
        >>> @bc.jit
        ... def step(x):
        ...     counter.value += x
        ...     return counter.value * 2
        >>> float(step(1.0)), float(step(2.0)), float(counter.value)
        (2.0, 6.0, 3.0)
    """
    if fun is None:
        return functools.partial(
            jit,
            static_argnums=static_argnums,
            static_argnames=static_argnames,
            donate_argnums=donate_argnums,
            **jit_kwargs,
        )
    return JittedFunction(fun, static_argnums, static_argnames, donate_argnums, **jit_kwargs)
