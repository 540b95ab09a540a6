"""One traced call of a function over States, kept as a jaxpr that later traces replay.

A transform learns which States its function touches by tracing it; when the set grew, it
traces again with the States as inputs or carries. Run naively, that second trace runs the
user's Python code again, and a loop inside a loop inside a ``jit`` runs its body 2, 4,
8 ... times. Instead, the first trace records the call as a jaxpr in which every State the
function touched is an input (a State first read deep inside the function becomes an input
at that moment), and the retrace replays the jaxpr: the user's code runs once per level.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax

from brainstate_core import State, StateTraceError
from brainstate_core.extend import (
    StateTraceStack,
    baked_keys,
    environ_fingerprint,
    get_raw_values,
    record_environ_reads,
    report_environ_reads,
    tracer_is_live,
)

from .jaxpr_trace import Tracer, replay, trace_growing

__all__ = ["RecordedCall", "record_call", "find_recorded", "replay_call"]


class _Static:
    """A leaf the jaxpr does not carry (a Python number, a string ...): compared by value."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Static) or type(other.value) is not type(self.value):
            return False
        if other.value is self.value:
            return True
        try:
            return bool(other.value == self.value)
        except Exception:  # arrays and other objects without a plain truth value
            return False

    __hash__ = None  # type: ignore[assignment]


def _is_dynamic(leaf: Any) -> bool:
    return isinstance(leaf, (Tracer, jax.Array))


def _signature(value: Any) -> tuple[Any, tuple[Any, ...]]:
    leaves, tree = jax.tree.flatten(value)
    return tree, tuple(jax.typeof(x) if _is_dynamic(x) else _Static(x) for x in leaves)


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


class RecordedCall(NamedTuple):
    fun: Callable[..., Any]
    allow_write: bool
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
    *,
    where: str,
    allow_write: bool,
) -> RecordedCall:
    """Trace ``fun(*args, **kwargs)`` with ``states[i]`` holding ``values[i]`` into a jaxpr.

    Every State the call touches is an input of the jaxpr; every State is back to its value
    from before when this returns or raises.

    Raises:
        StateTraceError: ``allow_write`` is False and ``fun`` wrote a State.
    """
    arg_layout = _Layout.of((tuple(args), kwargs))
    value_layouts = [_Layout.of(v) for v in values]
    in_avals = [jax.typeof(x) for x in _dynamic_leaves((tuple(args), kwargs))]
    in_avals += [jax.typeof(x) for v in values for x in _dynamic_leaves(v)]
    given = {id(s) for s in states}
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
            found_signatures.append(_signature(state._value))
            leaves, tree = jax.tree.flatten(state._value)
            return jax.tree.unflatten(
                tree, [add_input(jax.typeof(x)) if _is_dynamic(x) else x for x in leaves]
            )

        saved = get_raw_values(states)
        for s, v in zip(states, given_values):
            s.restore_value(v)
        recorder = StateTraceStack(new_arg=new_arg, name=where)
        try:
            with recorder:
                out = fun(*call_args, **call_kwargs)
            if not allow_write:
                written = recorder.get_write_states()
                if written:
                    raise StateTraceError(
                        f"{where} may read States but not write them; it wrote "
                        f"{', '.join(s.describe() for s in written)}. Move the write into the "
                        "loop body."
                    )
            after = get_raw_values([*states, *found])
        finally:
            recorder.recover_original_values()
            for s, v in zip(states, saved):
                s.restore_value(v)
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
        fun=fun,
        allow_write=allow_write,
        args_signature=_signature((tuple(args), kwargs)),
        states=(*states, *found),
        state_signatures=(*(_signature(v) for v in values), *found_signatures),
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
    fun: Callable[..., Any],
    args: Sequence[Any],
    kwargs: dict[str, Any],
    states: Sequence[State],
    values: Sequence[Any],
    allow_write: bool,
) -> RecordedCall | None:
    """A recorded call that this call may replay: same function, argument types, States
    (those it used, among those given now, with the same types), settings, and no tracer
    it closed over has died since."""
    if not recorded:
        return None
    position = {id(s): i for i, s in enumerate(states)}
    args_signature = _signature((tuple(args), kwargs))
    for rec in recorded:
        if rec.fun is not fun or rec.allow_write != allow_write:
            continue
        if rec.args_signature != args_signature:
            continue
        if any(id(s) not in position for s in rec.states):
            continue
        if any(
            sig != _signature(values[position[id(s)]])
            for s, sig in zip(rec.states, rec.state_signatures)
        ):
            continue
        if any(isinstance(c, Tracer) and not tracer_is_live(c) for c in rec.consts):
            continue
        if environ_fingerprint(baked_keys(rec.reads)) != rec.env:
            continue
        return rec
    return None


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
