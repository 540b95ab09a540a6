"""Recording State access: the protocol every brainstate transform rests on.

Each thread keeps a stack of recorders (:class:`StateTraceStack`). Reading or writing
``State.value`` notifies every active recorder that was pushed *after* the State was
created, outermost first. So a recorder sees every State that its function touches,
however the State is reached (closure, attribute, global, container), while States created
inside the recorded function stay local to it: neither that recorder nor the ones around it
see them.

A recorder keeps the States in first-access order, which of them were written, and their
values from before the first access, so that it can restore them. A transform may pass
``new_arg``: on a State's first access the recorder swaps the State's value for
``new_arg(state)`` (typically a fresh trace input).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .errors import StateTraceError
from .jax_compat import current_trace

if TYPE_CHECKING:
    from .state import State

__all__ = [
    "StateTraceStack",
    "active_recorders",
    "current_recorder_id",
    "REBINDINGS",
    "note_rebinding",
]

_ids = itertools.count(1)


class _TraceContext(threading.local):
    def __init__(self) -> None:
        self.stack: list[StateTraceStack] = []


TRACE_CONTEXT = _TraceContext()
"""This thread's active recorders: ``TRACE_CONTEXT.stack`` is non-empty exactly while some
transform records State accesses (the cheapest such test, for hot call paths)."""


REBINDINGS = [0]
"""How many times a State or a node holding States was replaced on a graph node outside of
any recorded trace (``REBINDINGS[0]``; graph nodes call :func:`note_rebinding`). Compiled
functions remember the count at which they found their States; when it has moved, they look
again before serving a program that may read States which are no longer in the model."""


def note_rebinding() -> None:
    """Count a replaced State or node (ignored inside recorded traces, whose new States are
    local to them)."""
    if not TRACE_CONTEXT.stack:
        REBINDINGS[0] += 1


def running_traces() -> Iterator[Any]:
    """The JAX traces the active recorders started under (lazily, innermost last): the
    traces still running, also where a transform (``pmap``, ``shard_map``) traces its body
    apart from them."""
    return (r.jax_trace for r in TRACE_CONTEXT.stack)


def active_recorders() -> tuple[StateTraceStack, ...]:
    """The recorders active in this thread, outermost first."""
    return tuple(TRACE_CONTEXT.stack)


def current_recorder_id() -> int:
    """The id of the innermost active recorder, or 0 outside of any recorder."""
    stack = TRACE_CONTEXT.stack
    return stack[-1].id if stack else 0


class StateTraceStack:
    """Records which States a piece of code reads and writes.

    Use it as a context manager. While active, every access to the ``value`` of a State
    created before the recorder was pushed is recorded.

    Args:
        new_arg: Optional hook called as ``new_arg(state)`` on a State's first access; its
            result replaces the State's value (and is restored on ``recover``).
        name: Optional label for error messages.

    Examples:
        >>> import jax.numpy as jnp
        >>> from brainstate_core import State
        >>> from brainstate_core.extend import StateTraceStack
        >>> a, b = State(jnp.zeros(2)), State(jnp.ones(2))
        >>> with StateTraceStack() as trace:
        ...     b.value = a.value + 1
        >>> [s is a for s in trace.get_read_states()], [s is b for s in trace.get_write_states()]
        ([True], [True])
    """

    __slots__ = (
        "_index",
        "been_written",
        "id",
        "jax_trace",
        "name",
        "new_arg",
        "original_values",
        "states",
    )

    def __init__(
        self,
        new_arg: Callable[[State], Any] | None = None,
        name: str | None = None,
    ) -> None:
        self.id = next(_ids)
        self.name = name
        self.new_arg = new_arg
        self.states: list[State] = []
        self.been_written: list[bool] = []
        self.original_values: list[tuple[Any, bool]] = []
        self._index: dict[int, int] = {}

    # -- context management -------------------------------------------------------------
    def __enter__(self) -> StateTraceStack:
        self.jax_trace = current_trace()  # the JAX trace this recorder runs under
        TRACE_CONTEXT.stack.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        stack = TRACE_CONTEXT.stack
        if not stack or stack[-1] is not self:
            raise StateTraceError(
                f"StateTraceStack {self.name or self.id} was exited while it was not the "
                "innermost active recorder; recorders must be exited in reverse order of "
                "entry (use them as `with` blocks)."
            )
        stack.pop()

    # -- recording (called by State) ------------------------------------------------------
    def record(self, state: State, write: bool) -> None:
        """Note an access to ``state``; on its first access keep its value and apply ``new_arg``."""
        i = self._index.get(id(state))
        if i is None:
            self._index[id(state)] = len(self.states)
            self.states.append(state)
            self.been_written.append(write)
            self.original_values.append((state._value, state._may_hold_tracer))
            if self.new_arg is not None:
                new = self.new_arg(state)
                state._value = new
                state._may_hold_tracer = True
        elif write:
            self.been_written[i] = True

    def read_its_value(self, state: State) -> None:
        self.record(state, False)

    def write_its_value(self, state: State) -> None:
        self.record(state, True)

    def __contains__(self, state: object) -> bool:
        return id(state) in self._index

    def __len__(self) -> int:
        return len(self.states)

    def __iter__(self) -> Iterator[State]:
        return iter(self.states)

    # -- queries ------------------------------------------------------------------------
    def get_states(self) -> list[State]:
        """All recorded States, in first-access order."""
        return list(self.states)

    def get_write_states(self) -> list[State]:
        """The recorded States that were written, in first-access order."""
        return [s for s, w in zip(self.states, self.been_written) if w]

    def get_read_states(self) -> list[State]:
        """The recorded States that were only read, in first-access order."""
        return [s for s, w in zip(self.states, self.been_written) if not w]

    def get_state_values(self, separate: bool = False) -> Any:
        """The current values of the recorded States.

        Returns one list in first-access order, or, with ``separate=True``, a pair
        ``(write_values, read_values)``.
        """
        if not separate:
            return [s._value for s in self.states]
        writes, reads = [], []
        for s, w in zip(self.states, self.been_written):
            (writes if w else reads).append(s._value)
        return writes, reads

    def get_original_values(self) -> list[Any]:
        """The values the recorded States held before their first access."""
        return [v for v, _ in self.original_values]

    # -- restoring ----------------------------------------------------------------------
    def recover_original_values(self) -> None:
        """Put every recorded State back to the value it held before its first access."""
        for state, (value, flag) in zip(self.states, self.original_values):
            state._value = value
            state._may_hold_tracer = flag

    recovery_original_values = recover_original_values  # brainstate 0.1 spelling

    def merge(self, *others: StateTraceStack) -> StateTraceStack:
        """A new recorder holding the union of this one and ``others`` (first seen wins)."""
        out = StateTraceStack(name=self.name)
        for trace in (self, *others):
            for s, w, orig in zip(trace.states, trace.been_written, trace.original_values):
                i = out._index.get(id(s))
                if i is None:
                    out._index[id(s)] = len(out.states)
                    out.states.append(s)
                    out.been_written.append(w)
                    out.original_values.append(orig)
                elif w:
                    out.been_written[i] = True
        return out

    def __repr__(self) -> str:
        n_w = sum(self.been_written)
        return (
            f"StateTraceStack(id={self.id}, states={len(self.states)}, "
            f"written={n_w}, read={len(self.states) - n_w})"
        )


def notify(state: State, write: bool, stack: Sequence[StateTraceStack]) -> None:
    """Tell the recorders that may see ``state`` about one access, outermost first.

    Recorders that were already active when ``state`` was created (the common prefix of
    the current stack and the stack at creation) do not see it: it is local to them.
    """
    created = state._owner
    start = 0
    if created:
        n = min(len(created), len(stack))
        while start < n and stack[start].id == created[start]:
            start += 1
    for i in range(start, len(stack)):
        stack[i].record(state, write)


def creation_owner() -> tuple[int, ...]:
    """The ids of the recorders active now: stored by a State created at this moment."""
    stack = TRACE_CONTEXT.stack
    return tuple(r.id for r in stack) if stack else ()
