"""Finding the States a function uses, by running it under a recorder.

Every brainstate transform builds a pure JAX function from user code that reads and
writes States. Which States the code touches, and which it writes, is only known once it
has run. So a transform keeps a :class:`KnownStates` set, traces with it, and when the
trace touches a State outside the set (or writes one the set thought read-only), the set
grows and the transform traces again. After the first call the set is complete and each
later trace succeeds at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import jax

from brainstate_core import State, StateTraceError
from brainstate_core.extend import (
    REBINDINGS,
    StateTraceStack,
    get_raw_values,
    read_state_values,
)

from .errors import check_read_only, diagnose_failed_call
from .jaxpr_trace import staging
from .recorded_call import (
    CallSignature,
    RecordedCall,
    call_signature,
    find_recorded,
    record_call,
    replay_call,
    running_with,
)

__all__ = [
    "KnownStates",
    "Rediscover",
    "call_with_states",
    "run_discovering",
    "check_no_state_in",
    "describe_states",
]

_MAX_DISCOVERY_ROUNDS = 64
_RECORDINGS_KEPT = 4


class Rediscover(Exception):
    """Raised inside a trace when the known set grew; the owning transform traces again."""

    def __init__(self, known: KnownStates) -> None:
        super().__init__("brainstate internal: the set of States grew; retracing")
        self.known = known


class KnownStates:
    """An ordered set of States with a written flag each; it only grows.

    Indices are stable: a State keeps its position once added, so pure functions traced
    against an older, shorter set stay valid for that prefix.
    """

    __slots__ = (
        "_index",
        "_lock",
        "rebindings",
        "states",
        "traces",
        "write_index",
        "write_states",
        "written",
    )

    def __init__(self) -> None:
        self.states: list[State] = []
        self.written: list[bool] = []
        # (number of States given, number written) -> indices of the written ones; see
        # `register_written`
        self.write_index: dict[tuple[int, int], tuple[int, ...]] = {}
        # the same, as the State objects themselves (the write-back loop of a hot call path)
        self.write_states: dict[tuple[int, int], tuple[State, ...]] = {}
        self._index: dict[int, int] = {}
        self._lock = threading.Lock()
        # function -> traces recorded while this set grew, replayed by the retraces that
        # follow (see `call_with_states`); emptied once discovery settles
        self.traces: dict[Any, list[RecordedCall]] = {}
        # `REBINDINGS[0]` when this set was last known to be what the function touches; a
        # State replaced on a graph node since then may have left it stale
        self.rebindings = REBINDINGS[0]

    def persistent(self) -> bool:
        """Whether every State here was created outside of any recorded trace (none can be
        local to a trace that has finished)."""
        return not any(s._owner for s in self.states)

    def register_written(self, n: int) -> tuple[int, ...]:
        """The indices below ``n`` flagged as written now; remembered under ``(n, count)``.

        A compiled program returns the new values of these States as a flat list. Written
        flags only ever turn on, so among the first ``n`` States the written set of a given
        size is unique: ``write_index[(n, len(values))]`` names the States of any program's
        output, whichever version of this set it was traced with.
        """
        written = self.written
        idx = tuple(i for i in range(n) if written[i])
        states = self.states
        self.write_states[(n, len(idx))] = tuple(states[i] for i in idx)
        self.write_index[(n, len(idx))] = idx
        return idx

    def __len__(self) -> int:
        return len(self.states)

    def index(self, state: State) -> int | None:
        return self._index.get(id(state))

    def absorb(self, touched: Sequence[State], touched_written: Sequence[bool]) -> bool:
        """Add States and their written flags; return whether anything changed."""
        changed = False
        with self._lock:
            states, written = list(self.states), list(self.written)
            for s, w in zip(touched, touched_written):
                i = self._index.get(id(s))
                if i is None:
                    self._index[id(s)] = len(states)
                    states.append(s)
                    written.append(w)
                    changed = True
                elif w and not written[i]:
                    written[i] = True
                    changed = True
            if changed:  # publish new lists: readers in other threads see old or new, whole
                self.states, self.written = states, written
        return changed

    def split(self) -> tuple[list[State], list[State]]:
        """``(written_states, read_only_states)``, each in first-access order."""
        w = [s for s, f in zip(self.states, self.written) if f]
        r = [s for s, f in zip(self.states, self.written) if not f]
        return w, r

    def clear(self) -> None:
        with self._lock:
            self.states, self.written, self._index = [], [], {}
            self.write_index, self.write_states = {}, {}
            self.traces = {}


def call_with_states(
    fun: Callable[..., Any],
    args: Sequence[Any],
    kwargs: dict[str, Any],
    states: Sequence[State],
    values: Sequence[Any],
    known: KnownStates,
    *,
    where: str,
    allow_write: bool = True,
    traced_values: bool = False,
) -> tuple[Any, list[Any]]:
    """Run ``fun(*args, **kwargs)`` with ``states[i]`` holding ``values[i]``.

    Returns the output and the values of ``states`` after the call. Every State is back to
    its value from before the call when this returns or raises.

    Inside a trace that stages a jaxpr out (``jit``, loop bodies, branches), the call is
    recorded as a jaxpr (see :mod:`.recorded_call`): when ``known`` grows, the trace that
    follows replays it instead of running ``fun`` again.
    Pass ``traced_values=True`` when the caller's traces get every State value as a
    tracer (``jax.jit``, ``make_jaxpr``), so that a State holding a Python number is
    recorded as the input it will be.

    Raises:
        Rediscover: ``fun`` touched a State outside ``states``, or wrote one that ``known``
            had as read-only; ``known`` has grown and the caller should trace again.
        StateTraceError: ``allow_write`` is False and ``fun`` wrote a State.
    """
    if not staging() or jax.config.jax_disable_jit:  # pyright: ignore[reportAttributeAccessIssue]
        # eager, or under a vmap/grad run eagerly: call the function as it is
        return _call_directly(fun, args, kwargs, states, values, known, where, allow_write)
    signature = call_signature(fun, args, kwargs, values)
    found = _find(known, signature, states, allow_write)
    if found is None:
        _SESSION.depth += 1
        try:
            rec = record_call(
                fun,
                args,
                kwargs,
                states,
                values,
                signature,
                where=where,
                allow_write=allow_write,
                traced_values=traced_values,
            )
        finally:
            _SESSION.depth -= 1
            if not _SESSION.depth:
                _SESSION.recorded.clear()
        _keep(known.traces, rec)
        if _SESSION.depth:
            _keep(_SESSION.recorded, rec)
        if known.absorb(rec.touched, rec.touched_written) or _touched_others(
            rec.touched, states
        ):  # the set grew; or another thread grew it first while this trace was given less
            raise Rediscover(known)
    else:
        rec, missing = found
        if missing:  # the call would find these States: let the transforms around see them
            read_state_values(missing)
        if known.absorb(rec.touched, rec.touched_written) or missing:
            raise Rediscover(known)
    return replay_call(rec, args, kwargs, states, values)


class _Session(threading.local):
    """Recordings made inside the outermost recording in progress in this thread.

    A transform nested in another is built anew each time the outer function is traced
    again; its recordings from the outer function's previous trace are found here.
    """

    def __init__(self) -> None:
        self.depth = 0
        self.recorded: dict[Any, list[RecordedCall]] = {}


_SESSION = _Session()


def _keep(store: dict[Any, list[RecordedCall]], rec: RecordedCall) -> None:
    kept = store.setdefault(rec.key, [])
    kept.append(rec)
    del kept[:-_RECORDINGS_KEPT]


def _find(
    known: KnownStates, signature: CallSignature, states: Sequence[State], allow_write: bool
) -> tuple[RecordedCall, list[State]] | None:
    for store in (known.traces, _SESSION.recorded):
        recorded = store.get(signature.key)
        if recorded:
            found = find_recorded(recorded, signature, states, allow_write)
            if found is not None:
                return found
    return None


def _call_directly(
    fun: Callable[..., Any],
    args: Sequence[Any],
    kwargs: dict[str, Any],
    states: Sequence[State],
    values: Sequence[Any],
    known: KnownStates,
    where: str,
    allow_write: bool,
) -> tuple[Any, list[Any]]:
    recorder = StateTraceStack(name=where)
    with running_with(states, values, recorder):
        out = fun(*args, **kwargs)
        if not allow_write:
            check_read_only(recorder, where)
        after = get_raw_values(states)
    if known.absorb(recorder.states, recorder.been_written) or _touched_others(
        recorder.states, states
    ):
        raise Rediscover(known)
    return out, after


def _touched_others(touched: Sequence[State], states: Sequence[State]) -> bool:
    given = {id(s) for s in states}
    return any(id(s) not in given for s in touched)


def run_discovering(known: KnownStates, attempt: Callable[[], Any]) -> Any:
    """Call ``attempt()`` until it no longer raises this ``known`` set's :class:`Rediscover`.

    A failure of the compiled program caused by :func:`jit_error_if` is re-raised as its
    :class:`JitError` (as :func:`jit` does), not as XLA's runtime error.
    """
    try:
        for _ in range(_MAX_DISCOVERY_ROUNDS):
            try:
                return attempt()
            except Rediscover as e:
                if e.known is not known:
                    raise
            except Exception as e:
                diagnose_failed_call(e, (), "")
                raise
    finally:  # the recordings serve this discovery's retraces only
        known.traces.clear()
    raise StateTraceError(  # pragma: no cover - a function would need to touch new States forever
        f"the set of States kept changing over {_MAX_DISCOVERY_ROUNDS} traces; a function "
        "must touch the same States each time it is traced with the same arguments."
    )


def check_no_state_in(tree: Any, where: str) -> None:
    """Raise a clear error when a State object is part of a transform's output."""
    for leaf in jax.tree.leaves(tree, is_leaf=lambda x: isinstance(x, State)):
        if isinstance(leaf, State):
            raise StateTraceError(
                f"{where} returned {leaf.describe()} as (part of) its output. A transformed "
                "function returns arrays; return `state.value` instead, and keep the State "
                "itself outside (its writes are carried automatically)."
            )


def describe_states(states: Sequence[State]) -> str:
    return ", ".join(s.describe() for s in states)
