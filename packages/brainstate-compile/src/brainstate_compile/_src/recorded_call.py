"""One traced call of a function over States, kept as a jaxpr that later traces replay.

A transform learns which States its function touches by tracing it; when the set grew, it
traces again with the States as inputs or carries. Run naively, that second trace runs the
user's Python code again, and a loop inside a loop inside a ``jit`` runs its body 2, 4,
8 ... times. Instead, the first trace records the call as a jaxpr in which every State the
function touched is an input (a State first read deep inside the function becomes an input
at that moment), and the retrace replays the jaxpr: the user's code runs once per level.
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import jax
import numpy as np

from brainstate_core import State
from brainstate_core.extend import (
    ByIdentity,
    StateTraceStack,
    baked_keys,
    environ_fingerprint,
    get_raw_values,
    record_environ_reads,
    report_environ_reads,
    tracer_is_live,
)

from .errors import check_read_only
from .jaxpr_trace import Tracer, replay, trace_growing

__all__ = [
    "CallSignature",
    "RecordedCall",
    "call_signature",
    "find_recorded",
    "record_call",
    "replay_call",
    "running_with",
    "trace_key",
]


_BY_VALUE = (bool, int, float, complex, str, bytes, type(None))


class _Static:
    """A leaf the jaxpr does not carry: a concrete array or any other Python object.

    Python numbers and strings compare by type and value; everything else (arrays
    included: one may be mutated in place) only as the very same object.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Static):
            return False
        a, b = self.value, other.value
        if a is b:
            return True
        return type(a) is type(b) and type(a) in _BY_VALUE and a == b

    __hash__ = None  # type: ignore[assignment]


def _is_dynamic(leaf: Any) -> bool:
    # only tracers: a concrete array stays concrete for the function, as it would be when
    # called directly (``int(state.value)`` on a read-only State keeps working)
    return isinstance(leaf, Tracer)


_TRACEABLE = (Tracer, jax.Array, np.ndarray, np.generic, bool, int, float, complex)


def _is_traceable(leaf: Any) -> bool:
    """Whether ``jax.jit`` would turn ``leaf`` into a tracer (Python numbers included)."""
    return isinstance(leaf, _TRACEABLE)


def _signature(
    value: Any, dynamic: Callable[[Any], bool] = _is_dynamic
) -> tuple[Any, tuple[Any, ...]]:
    leaves, tree = jax.tree.flatten(value)
    return tree, tuple(jax.typeof(x) if dynamic(x) else _Static(x) for x in leaves)


def _dynamic_leaves(value: Any) -> list[Any]:
    return [x for x in jax.tree.leaves(value) if _is_dynamic(x)]


class _Layout(NamedTuple):
    """Where a pytree's dynamic leaves go: static leaves stay, dynamic ones are filled in."""

    tree: Any
    static: tuple[Any, ...]  # the leaf itself, or _FILL for one the jaxpr carries

    @classmethod
    def of(cls, value: Any) -> _Layout:
        leaves, tree = jax.tree.flatten(value)
        return cls(tree, tuple(_FILL if _is_dynamic(x) else x for x in leaves))

    def fill(self, dynamic: Any) -> Any:
        return jax.tree.unflatten(
            self.tree, [next(dynamic) if x is _FILL else x for x in self.static]
        )


_FILL = object()


def trace_key(fun: Callable[..., Any]) -> Any:
    """What identifies ``fun`` across traces.

    A Python function: its code, globals, and the very objects it closed over and has as
    defaults (so the same ``lambda`` written inside a traced function matches itself on the
    next trace, unless it closed over something new, such as a tracer). A bound method: its
    function, its object and the objects the object's attributes hold (a method traced
    with ``self.mode = "a"`` is not reused after ``self.mode = "b"``). A transform's wrapper
    built per call: the key it declares in ``__brainstate_trace_key__``. Any other callable:
    the object itself.
    """
    declared = getattr(fun, "__brainstate_trace_key__", None)
    if declared is not None:
        return declared
    if isinstance(fun, types.MethodType):
        owner = fun.__self__
        attrs = getattr(owner, "__dict__", None) or {}
        return (
            types.MethodType,
            trace_key(fun.__func__),
            ByIdentity(owner),
            tuple((k, ByIdentity(v)) for k, v in attrs.items()),
        )
    if isinstance(fun, types.FunctionType):
        # a closure defined inside a traced function is a new object on each trace; what
        # it does is fixed by its code, globals, closed-over objects and defaults
        return (
            fun.__code__,
            ByIdentity(fun.__globals__),
            tuple(ByIdentity(_cell_contents(c)) for c in fun.__closure__ or ()),
            tuple(ByIdentity(d) for d in fun.__defaults__ or ()),
            tuple((k, ByIdentity(v)) for k, v in (fun.__kwdefaults__ or {}).items()),
        )
    return ByIdentity(fun)


_EMPTY_CELL = object()


def _cell_contents(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # a cell not yet assigned
        return _EMPTY_CELL


@contextlib.contextmanager
def running_with(
    states: Sequence[State], values: Sequence[Any], recorder: StateTraceStack
) -> Iterator[None]:
    """Inside the block, ``states[i]`` holds ``values[i]`` and ``recorder`` records; after
    it (also on an exception), every State holds what it held before."""
    saved = get_raw_values(states)
    for s, v in zip(states, values):
        s.restore_value(v)
    try:
        with recorder:
            yield
    finally:
        recorder.recover_original_values()
        for s, v in zip(states, saved):
            s.restore_value(v)


class CallSignature(NamedTuple):
    """What a recording is matched on, computed once per call."""

    key: Any  # `trace_key` of the function
    args: Any  # the signature of ``(args, kwargs)``
    values: tuple[Any, ...]  # the signatures of the given States' values


def call_signature(
    fun: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any], values: Sequence[Any]
) -> CallSignature:
    return CallSignature(
        trace_key(fun), _signature((tuple(args), kwargs)), tuple(_signature(v) for v in values)
    )


class RecordedCall(NamedTuple):
    key: Any  # `trace_key` of the function
    fun: Callable[..., Any]
    allow_write: bool
    traced_values: bool
    args_signature: Any
    states: tuple[State, ...]  # the jaxpr's State inputs: those given, then those found
    state_signatures: tuple[Any, ...]
    touched: tuple[State, ...]  # what the call touched, in first-access order
    touched_written: tuple[bool, ...]
    jaxpr: Any
    consts: list[Any]
    out_layout: _Layout
    after_layouts: tuple[_Layout, ...]  # per entry of `states`
    reads: dict[str, Any]  # the environ settings the call read
    env: tuple  # the fingerprint of those it baked in

    # `KnownStates.absorb` reads these two
    @property
    def been_written(self) -> tuple[bool, ...]:
        return self.touched_written


def record_call(
    fun: Callable[..., Any],
    args: Sequence[Any],
    kwargs: dict[str, Any],
    states: Sequence[State],
    values: Sequence[Any],
    signature: CallSignature,
    *,
    where: str,
    allow_write: bool,
    traced_values: bool = False,
) -> RecordedCall:
    """Trace ``fun(*args, **kwargs)`` with ``states[i]`` holding ``values[i]`` into a jaxpr.

    Every State the call touches is an input of the jaxpr; every State is back to its value
    from before when this returns or raises. A State found during the call enters with its
    current value: its arrays as inputs, other leaves (Python numbers, strings) as they are;
    with ``traced_values`` (the caller passes every State value through ``jax.jit`` or
    ``make_jaxpr``, which trace Python numbers too), Python numbers and NumPy arrays enter
    as inputs as well, as the caller's next trace will see them.

    Raises:
        StateTraceError: ``allow_write`` is False and ``fun`` wrote a State.
    """
    arg_layout = _Layout.of((tuple(args), kwargs))
    value_layouts = [_Layout.of(v) for v in values]
    in_avals = [jax.typeof(x) for x in _dynamic_leaves((tuple(args), kwargs))]
    in_avals += [jax.typeof(x) for v in values for x in _dynamic_leaves(v)]
    given = {id(s) for s in states}
    dynamic = _is_traceable if traced_values else _is_dynamic
    found: list[State] = []
    found_signatures: list[Any] = []
    box: dict[str, Any] = {}

    def body(add_input: Callable[[Any], Any], *inputs: Any) -> list[Any]:
        it = iter(inputs)
        call_args, call_kwargs = arg_layout.fill(it)
        given_values = [layout.fill(it) for layout in value_layouts]

        def new_arg(state: State) -> Any:  # a State first touched: make it an input
            if id(state) in given:
                return state._value
            found.append(state)
            found_signatures.append(_signature(state._value, dynamic))
            leaves, tree = jax.tree.flatten(state._value)
            return jax.tree.unflatten(
                tree, [add_input(jax.typeof(x)) if dynamic(x) else x for x in leaves]
            )

        recorder = StateTraceStack(new_arg=new_arg, name=where)
        with running_with(states, given_values, recorder):
            out = fun(*call_args, **call_kwargs)
            if not allow_write:
                check_read_only(recorder, where)
            after = get_raw_values([*states, *found])
        box.update(
            recorder=recorder,
            out=_Layout.of(out),
            after=tuple(_Layout.of(v) for v in after),
        )
        return _dynamic_leaves(out) + _dynamic_leaves(after)

    with record_environ_reads() as reads:
        jaxpr, consts = trace_growing(body, in_avals, where)
    recorder = box["recorder"]
    return RecordedCall(
        key=signature.key,
        fun=fun,
        allow_write=allow_write,
        traced_values=traced_values,
        args_signature=signature.args,
        states=(*states, *found),
        state_signatures=(*signature.values, *found_signatures),
        touched=tuple(recorder.states),
        touched_written=tuple(recorder.been_written),
        jaxpr=jaxpr,
        consts=consts,
        out_layout=box["out"],
        after_layouts=box["after"],
        reads=dict(reads),
        env=environ_fingerprint(baked_keys(reads)),
    )


def find_recorded(
    recorded: Sequence[RecordedCall],
    signature: CallSignature,
    states: Sequence[State],
    allow_write: bool,
) -> tuple[RecordedCall, list[State]] | None:
    """A recording of this call's function that this call may stand for, and the States
    running the call would find.

    It matches when its arguments have the same types, it ran under the same settings, no
    tracer it closed over has died since, and each State it used either is given now with a
    value of the same type, or is not given and holds a value of the type the recording
    found it with (running the call would find that State again: the returned list).
    """
    position = {id(s): i for i, s in enumerate(states)}
    for rec in recorded:
        if rec.allow_write != allow_write or rec.args_signature != signature.args:
            continue
        dynamic = _is_traceable if rec.traced_values else _is_dynamic
        missing = []
        touched: set[int] | None = None
        for s, sig in zip(rec.states, rec.state_signatures):
            i = position.get(id(s))
            if i is not None:
                if sig != signature.values[i]:
                    break
                continue
            if touched is None:
                touched = {id(t) for t in rec.touched}
            if id(s) not in touched:
                # given to the recorded call but never used: this call, not given it, would
                # not find it either, so the recording cannot stand for it
                break
            if sig != _signature(s._value, dynamic) or not _all_live(s._value):
                break
            missing.append(s)
        else:
            if not _all_live(rec.consts):
                continue
            if environ_fingerprint(baked_keys(rec.reads)) != rec.env:
                continue
            return rec, missing
    return None


def _all_live(tree: Any) -> bool:
    return all(tracer_is_live(x) for x in jax.tree.leaves(tree) if isinstance(x, Tracer))


def replay_call(
    rec: RecordedCall,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    states: Sequence[State],
    values: Sequence[Any],
) -> tuple[Any, list[Any]]:
    """``(out, values after)`` of the recorded call, evaluated on these arguments and values."""
    position = {id(s): i for i, s in enumerate(states)}
    inputs = _dynamic_leaves((tuple(args), kwargs))
    for s in rec.states:
        inputs += _dynamic_leaves(values[position[id(s)]])
    it = iter(replay(rec.jaxpr, rec.consts, inputs))
    out = rec.out_layout.fill(it)
    after = list(values)
    for s, layout in zip(rec.states, rec.after_layouts):
        after[position[id(s)]] = layout.fill(it)
    report_environ_reads(rec.reads)
    return out, after
