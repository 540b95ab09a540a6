"""State-aware loops: ``scan``, ``for_loop``, ``while_loop``, ``bounded_while_loop``,
and their checkpointed (memory-saving) variants."""

from __future__ import annotations

import math
import threading
import types
import weakref
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from brainstate_core.extend import (
    StateTraceStack,
    is_recording,
    is_tracer,
    read_state_values,
    write_state_values,
)

from .carry import as_carry, check_carry
from .discovery import KnownStates, call_with_states, check_no_state_in, run_discovering
from .errors import check_read_only
from .jit import JittedFunction
from .progress_bar import ProgressBar, as_progress_bar
from .recorded_call import trace_key

__all__ = [
    "scan",
    "for_loop",
    "while_loop",
    "bounded_while_loop",
    "checkpointed_scan",
    "checkpointed_for_loop",
]

ScanImpl = Callable[..., tuple[Any, Any]]


def _name(f: Callable) -> str:
    return getattr(f, "__qualname__", None) or repr(f)


def _loop_length(xs: Any, length: int | None, where: str) -> int:
    leaves = jax.tree.leaves(xs)
    lengths = {int(jnp.shape(leaf)[0]) for leaf in leaves if jnp.ndim(leaf) > 0}
    if any(jnp.ndim(leaf) == 0 for leaf in leaves):
        raise ValueError(f"{where}: every array in xs needs a leading axis to loop over.")
    if len(lengths) > 1:
        raise ValueError(
            f"{where}: the arrays in xs have different leading lengths {sorted(lengths)}."
        )
    if length is not None:
        if lengths and lengths != {length}:
            raise ValueError(
                f"{where}: length={length} but xs have leading length {lengths.pop()}."
            )
        return int(length)
    if not lengths:
        raise ValueError(f"{where}: give `length=` when there are no xs to loop over.")
    return lengths.pop()


def _stateful_scan(
    f: Callable,
    init: Any,
    xs: Any,
    length: int | None,
    reverse: bool,
    unroll: int | bool,
    pbar: ProgressBar | bool | int | None,
    where: str,
    scan_impl: ScanImpl,
    cache: tuple[Callable, Callable[[Callable], Callable], Any] | None = None,
) -> tuple[Any, Any]:
    """Run a State-aware scan; at top level, through a compiled program cached per function.

    ``cache`` is ``(user_fn, body_factory, impl_key)``: called outside of any trace, the loop
    is compiled once per user function and loop configuration and reused by later calls
    (a loop built anew would otherwise recompile on every call).
    """
    if cache is not None and not is_recording():
        leaves = jax.tree.leaves((init, xs))
        if not any(is_tracer(leaf) for leaf in leaves):
            compiled = _top_level_loop(
                cache, length, reverse, unroll, pbar, where, scan_impl, (init, xs)
            )
            if compiled is not None:
                return compiled(init, xs)
    return _stateful_scan_traced(f, init, xs, length, reverse, unroll, pbar, where, scan_impl)


_TOP_LEVEL_LOOPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_TOP_LEVEL_LOCK = threading.Lock()


def _held(value: Any) -> Any:
    """A reference to ``value`` for a cache that must not keep objects alive when it can
    avoid it (numbers, strings and tuples cannot be weakly referenced)."""
    try:
        return weakref.ref(value)
    except TypeError:
        return value


def _attributes(obj: Any) -> tuple:
    return tuple((k, _held(v)) for k, v in (getattr(obj, "__dict__", None) or {}).items())


def _same_attributes(held: tuple, obj: Any) -> bool:
    now = getattr(obj, "__dict__", None) or {}
    if len(held) != len(now):
        return False
    for k, h in held:
        if k not in now:
            return False
        v = now[k]
        if (h() if isinstance(h, weakref.ref) else h) is not v:
            return False
    return True


def _top_level_loop(
    cache: tuple[Callable, Callable[[Callable], Callable], Any],
    length: int | None,
    reverse: bool,
    unroll: int | bool,
    pbar: ProgressBar | bool | int | None,
    where: str,
    scan_impl: ScanImpl,
    args: tuple,
) -> JittedFunction | None:
    user_fn, body_factory, impl_key = cache
    n = _loop_length(args[1], length, where)
    # `pbar=True`/`pbar=10` make a new bar per call: key those by value, so that repeated
    # calls reuse one program; a ProgressBar object is keyed by identity
    bar_key = ("bar", id(pbar)) if isinstance(pbar, ProgressBar) else ("arg", pbar)
    # A bound method is a new object on every access: its program is kept with its object,
    # and made again when the object's attributes hold other objects (the method may read
    # them as settings, as a traced method would be traced again for them)
    method = isinstance(user_fn, types.MethodType)
    owner: Any = user_fn.__self__ if method else user_fn
    func = user_fn.__func__ if method else None
    key = (body_factory, n, reverse, unroll, bar_key, impl_key, func)
    with _TOP_LEVEL_LOCK:
        try:
            per_fn = _TOP_LEVEL_LOOPS.setdefault(owner, {})
        except TypeError:  # not weak-referenceable: compile per call
            return None
        entry = per_fn.get(key)
        if entry is not None and (not method or _same_attributes(entry[0], owner)):
            return entry[1]
        bar = as_progress_bar(pbar)
        owner_ref = weakref.ref(owner)  # the cache must not keep the function alive

        def run(init: Any, xs: Any) -> tuple[Any, Any]:
            obj = owner_ref()
            if obj is None:  # pragma: no cover - the entry dies with its function
                raise RuntimeError(f"{where}: the loop body was garbage-collected")
            fn = types.MethodType(func, obj) if func is not None else obj
            return _stateful_scan_traced(
                body_factory(fn), init, xs, n, reverse, unroll, bar, where, scan_impl
            )

        run.__qualname__ = where
        compiled = JittedFunction(run)
        per_fn[key] = (_attributes(owner) if method else (), compiled)
    return compiled


def _stateful_scan_traced(
    f: Callable,
    init: Any,
    xs: Any,
    length: int | None,
    reverse: bool,
    unroll: int | bool,
    pbar: ProgressBar | bool | int | None,
    where: str,
    scan_impl: ScanImpl,
) -> tuple[Any, Any]:
    n = _loop_length(xs, length, where)
    bar = as_progress_bar(pbar)
    known = KnownStates()

    def attempt() -> tuple[Any, Any, list, list]:
        write_states, read_states = known.split()
        states = write_states + read_states
        n_w = len(write_states)
        carry0 = as_carry(read_state_values(write_states))
        read_vals = read_state_values(read_states)

        def body(carry: Any, x: Any) -> tuple[Any, Any]:
            user_carry, state_carry, *counter = carry
            out, after = call_with_states(
                f, (user_carry, x), {}, states, list(state_carry) + read_vals, known, where=where
            )
            check_no_state_in(out, where)
            if not (isinstance(out, tuple) and len(out) == 2):
                raise TypeError(
                    f"{where}: the scanned function must return a pair (carry, y), got "
                    f"{type(out).__name__}."
                )
            new_state_carry = check_carry(write_states, state_carry, after[:n_w], where)
            if bar is None:
                return (out[0], new_state_carry), out[1]
            (i,) = counter
            bar.step(i, n, carry=out[0], y=out[1])
            return (out[0], new_state_carry, i + 1), out[1]

        # the step counter exists for the progress bar only (each carry costs every step)
        counter0 = () if bar is None else (jnp.asarray(0, jnp.int32),)
        (carry, final, *_), ys = scan_impl(body, (init, carry0, *counter0), xs, n, reverse, unroll)
        return carry, ys, write_states, final

    carry, ys, write_states, final = run_discovering(known, attempt)
    write_state_values(write_states, final)
    return carry, ys


def _lax_scan(body, init, xs, length, reverse, unroll):
    return lax.scan(body, init, xs, length=length, reverse=reverse, unroll=unroll)


def scan(
    f: Callable[[Any, Any], tuple[Any, Any]],
    init: Any,
    xs: Any = None,
    length: int | None = None,
    reverse: bool = False,
    unroll: int | bool = 1,
    pbar: ProgressBar | bool | int | None = None,
) -> tuple[Any, Any]:
    """``jax.lax.scan`` over a function that may read and write States.

    States written by ``f`` are carried through the loop and hold their final values
    afterwards; States only read are closed over.

    Args:
        f: ``f(carry, x) -> (carry, y)``.
        init: The initial carry.
        xs: Pytree of arrays scanned along their leading axis (or None with ``length``).
        length: Number of steps (needed when ``xs`` is None).
        reverse: Scan from the end.
        unroll: Loop unrolling factor, as in ``jax.lax.scan``.
        pbar: A :class:`ProgressBar`, ``True``, or a report frequency.

    Returns:
        ``(final_carry, stacked_ys)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_compile as bc
        >>> import brainstate_core as bsc
        >>> acc = bsc.State(jnp.zeros(()))
        >>> def step(c, x):
        ...     acc.value += x
        ...     return c + 1, acc.value
        >>> c, ys = bc.scan(step, 0, jnp.arange(4.))
        >>> int(c), ys.tolist(), float(acc.value)
        (4, [0.0, 1.0, 3.0, 6.0], 6.0)
    """
    where = f"scan({_name(f)})"
    return _stateful_scan(
        f, init, xs, length, reverse, unroll, pbar, where, _lax_scan, (f, _same_body, None)
    )


def _same_body(f: Callable) -> Callable:
    return f


def _for_body(f: Callable) -> Callable:
    def body(carry: Any, x: Any) -> tuple[Any, Any]:
        return carry, f(*x)

    body.__qualname__ = _name(f)
    body.__brainstate_trace_key__ = (_for_body, trace_key(f))  # pyright: ignore[reportFunctionMemberAccess]
    return body


def for_loop(
    f: Callable[..., Any],
    *xs: Any,
    length: int | None = None,
    reverse: bool = False,
    unroll: int | bool = 1,
    pbar: ProgressBar | bool | int | None = None,
) -> Any:
    """Call ``f(*x_t)`` for each step ``t`` in one compiled loop; return the stacked outputs.

    Args:
        f: The loop body; it receives one slice of each of ``xs``.
        *xs: Arrays (pytrees) looped over along their leading axis.
        length: Number of steps, when ``xs`` is empty.
        reverse: Loop from the end.
        unroll: Loop unrolling factor.
        pbar: A :class:`ProgressBar`, ``True``, or a report frequency.

    Returns:
        The outputs of ``f`` stacked along a new leading axis.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_compile as bc
        >>> import brainstate_core as bsc
        >>> a = bsc.State(1.)
        >>> def add(i):
        ...     a.value += 1.
        >>> _ = bc.for_loop(add, jnp.arange(10))
        >>> print(a.value)
        11.0
    """
    where = f"for_loop({_name(f)})"
    _, ys = _stateful_scan(
        _for_body(f),
        None,
        xs,
        length,
        reverse,
        unroll,
        pbar,
        where,
        _lax_scan,
        (f, _for_body, None),
    )
    return ys


def _checkpointed_impl(base: int) -> ScanImpl:
    """A scan that keeps O(base * log_base(n)) carries for the backward pass."""

    def impl(body, init, xs, length, reverse, unroll):
        if reverse:
            xs = jax.tree.map(lambda a: jnp.flip(a, 0), xs)
        carry, ys = _nested(body, init, xs, length, unroll)
        if reverse:
            ys = jax.tree.map(lambda a: jnp.flip(a, 0), ys)
        return carry, ys

    def _nested(body, init, xs, length, unroll):
        if length <= base:
            return lax.scan(jax.checkpoint(body), init, xs, length=length, unroll=unroll)
        chunk = math.ceil(length / base)
        n_full = length // chunk
        main = n_full * chunk

        def outer(carry, x_chunk):
            return _nested(body, carry, x_chunk, chunk, unroll)

        xs_main = jax.tree.map(lambda a: a[:main].reshape((n_full, chunk, *a.shape[1:])), xs)
        carry, ys = lax.scan(jax.checkpoint(outer), init, xs_main, length=n_full)
        ys = jax.tree.map(lambda a: a.reshape((main, *a.shape[2:])), ys)
        if main < length:
            xs_rest = jax.tree.map(lambda a: a[main:], xs)
            carry, ys_rest = _nested(body, carry, xs_rest, length - main, unroll)
            ys = jax.tree.map(lambda a, b: jnp.concatenate([a, b]), ys, ys_rest)
        return carry, ys

    return impl


def checkpointed_scan(
    f: Callable[[Any, Any], tuple[Any, Any]],
    init: Any,
    xs: Any = None,
    length: int | None = None,
    reverse: bool = False,
    unroll: int | bool = 1,
    pbar: ProgressBar | bool | int | None = None,
    base: int = 16,
) -> tuple[Any, Any]:
    """:func:`scan` whose reverse-mode gradient needs O(base·log n) memory, not O(n).

    The loop is split into nested chunks of ``base`` steps; only the carries at chunk
    boundaries are stored and each chunk is recomputed during the backward pass. Values
    and gradients equal those of :func:`scan`.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import brainstate_compile as bc
        >>> import brainstate_core as bsc
        >>> def total(w, scan):
        ...     return scan(lambda c, x: (c * w + x, None), 0.0, jnp.ones(100))[0]
        >>> g_ckpt = jax.grad(total)(0.5, bc.checkpointed_scan)
        >>> g_plain = jax.grad(total)(0.5, jax.lax.scan)
        >>> bool(jnp.allclose(g_ckpt, g_plain))
        True
    """
    if base < 2:
        raise ValueError(f"checkpointed_scan: base must be >= 2, got {base}.")
    where = f"checkpointed_scan({_name(f)})"
    return _stateful_scan(
        f,
        init,
        xs,
        length,
        reverse,
        unroll,
        pbar,
        where,
        _checkpointed_impl(base),
        (f, _same_body, ("checkpointed", base)),
    )


def checkpointed_for_loop(
    f: Callable[..., Any],
    *xs: Any,
    length: int | None = None,
    reverse: bool = False,
    unroll: int | bool = 1,
    pbar: ProgressBar | bool | int | None = None,
    base: int = 16,
) -> Any:
    """:func:`for_loop` with O(base·log n) memory for reverse-mode gradients.

    See :func:`checkpointed_scan`.
    """
    if base < 2:
        raise ValueError(f"checkpointed_for_loop: base must be >= 2, got {base}.")
    where = f"checkpointed_for_loop({_name(f)})"
    _, ys = _stateful_scan(
        _for_body(f),
        None,
        xs,
        length,
        reverse,
        unroll,
        pbar,
        where,
        _checkpointed_impl(base),
        (f, _for_body, ("checkpointed", base)),
    )
    return ys


def while_loop(
    cond_fun: Callable[[Any], Any],
    body_fun: Callable[[Any], Any],
    init_val: Any,
) -> Any:
    """``jax.lax.while_loop`` over functions that may use States.

    ``body_fun`` may read and write States (written ones are carried); ``cond_fun`` may read
    States but not write them.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_compile as bc
        >>> import brainstate_core as bsc
        >>> c = bsc.State(0.)
        >>> def body(j):
        ...     c.value += 1.
        ...     return j + 1
        >>> int(bc.while_loop(lambda j: j < 5, body, 0)), float(c.value)
        (5, 5.0)
    """
    where_c = f"while_loop cond_fun ({_name(cond_fun)})"
    where_b = f"while_loop body_fun ({_name(body_fun)})"
    known = KnownStates()

    def attempt() -> tuple[Any, list, list]:
        write_states, read_states = known.split()
        states = write_states + read_states
        n_w = len(write_states)
        carry0 = as_carry(read_state_values(write_states))
        read_vals = read_state_values(read_states)

        def cond(carry: Any) -> Any:
            val, state_carry = carry
            out, _ = call_with_states(
                cond_fun,
                (val,),
                {},
                states,
                list(state_carry) + read_vals,
                known,
                where=where_c,
                allow_write=False,
            )
            return out

        def body(carry: Any) -> Any:
            val, state_carry = carry
            out, after = call_with_states(
                body_fun, (val,), {}, states, list(state_carry) + read_vals, known, where=where_b
            )
            check_no_state_in(out, where_b)
            return out, check_carry(write_states, state_carry, after[:n_w], where_b)

        val, final = lax.while_loop(cond, body, (init_val, carry0))
        return val, write_states, final

    val, write_states, final = run_discovering(known, attempt)
    write_state_values(write_states, final)
    return val


def bounded_while_loop(
    cond_fun: Callable[[Any], Any],
    body_fun: Callable[[Any], Any],
    init_val: Any,
    max_steps: int,
    base: int | None = None,
) -> Any:
    """A while loop of at most ``max_steps`` iterations that reverse-mode autodiff can cross.

    Runs as a fixed-length scan in which each step applies ``body_fun`` only while
    ``cond_fun`` holds, so the result equals that of :func:`while_loop` whenever the loop
    ends within ``max_steps`` (and stops after ``max_steps`` otherwise).

    Args:
        cond_fun: ``cond_fun(val) -> bool``; may read States, not write them.
        body_fun: ``body_fun(val) -> val``; may read and write States.
        init_val: The initial loop value.
        max_steps: The iteration bound.
        base: When given, use :func:`checkpointed_scan` with this base to save memory.

    Examples:
        >>> import jax
        >>> import brainstate_compile as bc
        >>> import brainstate_core as bsc
        >>> int(bc.bounded_while_loop(lambda i: i < 10, lambda i: i + 1, 0, max_steps=100))
        10
        >>> def doubled_until_10(x):
        ...     return bc.bounded_while_loop(lambda v: v < 10.0, lambda v: v * 2.0, x, 20)
        >>> float(jax.grad(doubled_until_10)(1.5))
        8.0
    """
    from .conditions import cond as stateful_cond

    if int(max_steps) < 0:
        raise ValueError(f"bounded_while_loop: max_steps must be >= 0, got {max_steps}.")
    where = f"bounded_while_loop cond_fun ({_name(cond_fun)})"

    def checked_cond(val: Any) -> Any:
        with StateTraceStack(name=where) as rec:
            pred = cond_fun(val)
        check_read_only(rec, where)
        return pred

    def step(val: Any, _: Any) -> tuple[Any, None]:
        return stateful_cond(checked_cond(val), body_fun, lambda v: v, val), None

    if base is None:
        val, _ = scan(step, init_val, None, length=int(max_steps))
    else:
        val, _ = checkpointed_scan(step, init_val, None, length=int(max_steps), base=base)
    return val
