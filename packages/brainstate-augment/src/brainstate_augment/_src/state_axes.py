"""Which States a mapped function receives batched, and on which axis.

Two ways to say it: ``in_states=``/``out_states=`` (a State, a collection of States, or an
``{axis: states}`` dict), and :class:`StateAxes` in ``in_axes`` for a graph Node argument
(per-filter axes for the Node's States, like flax nnx's ``StateAxes``). Both end up as a
:class:`Declared` table: for each State, its axis on input and on output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import jax

import brainstate_graph as graph
from brainstate_core import State

from .errors import BatchAxisError

__all__ = ["StateAxes", "Declared", "parse_state_decl", "node_state_axes", "is_graph_leaf"]


def is_graph_leaf(x: Any) -> bool:
    """Whether ``x`` is an object passed to a mapped function by reference (Node or State)."""
    return isinstance(x, (graph.Node, State))


class StateAxes:
    """Per-filter batch axes for the States of a graph Node passed to ``vmap``/``pmap``.

    Put it in ``in_axes`` at the position of a :class:`brainstate_graph.Node` argument. Each
    State of the Node goes to the first filter that selects it (filters as in
    ``brainstate_graph.states``: State types, tags, ``OfType``, predicates, ...): with an
    int axis, the State's value is mapped on that axis on input and written back batched on
    it; with ``None``, it is shared by all lanes (its writes must not differ across lanes).
    States that no filter selects are treated as undeclared (shared).

    Args:
        axes: A mapping ``{filter: axis}`` or an iterable of ``(filter, axis)`` pairs, in
            priority order; ``axis`` is an int or ``None``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_augment as ba
        >>> import brainstate_core as bsc
        >>> import brainstate_graph as graph
        >>> class Cell(graph.Node):
        ...     def __init__(self):
        ...         self.w = bsc.ParamState(jnp.ones(2))
        ...         self.h = bsc.HiddenState(jnp.zeros((3, 2)))
        >>> cell = Cell()
        >>> axes = ba.StateAxes({bsc.ParamState: None, bsc.HiddenState: 0})
        >>> def step(c, x):
        ...     c.h.value = c.h.value + c.w.value * x
        ...     return c.h.value.sum()
        >>> ba.vmap(step, in_axes=(axes, 0))(cell, jnp.arange(3.0)).tolist()
        [0.0, 2.0, 4.0]
        >>> cell.h.value[:, 0].tolist()
        [0.0, 1.0, 2.0]
    """

    __slots__ = ("axes", "filters")

    def __init__(self, axes: Mapping[Any, int | None] | Iterable[tuple[Any, int | None]]) -> None:
        items = list(axes.items() if isinstance(axes, Mapping) else axes)
        for f, ax in items:
            if ax is not None and (not isinstance(ax, int) or isinstance(ax, bool)):
                raise BatchAxisError(
                    f"StateAxes: the axis for filter {f!r} must be an int or None, got {ax!r}."
                )
            graph.to_predicate(f)  # raises a clear TypeError for an invalid filter
        self.filters: tuple[Any, ...] = tuple(f for f, _ in items)
        self.axes: tuple[int | None, ...] = tuple(ax for _, ax in items)

    def items(self) -> list[tuple[Any, int | None]]:
        return list(zip(self.filters, self.axes))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StateAxes) and other.items() == self.items()

    def __hash__(self) -> int:
        return hash((self.filters, self.axes))

    def __repr__(self) -> str:
        inner = ", ".join(f"{getattr(f, '__name__', f)!r}: {a}" for f, a in self.items())
        return f"StateAxes({{{inner}}})"


class Declared:
    """For each declared State: its input axis and output axis (``None``: shared).

    ``inp``/``out`` map ``id(state)`` to ``(state, axis)``. A State in ``shared`` was
    declared with axis ``None``: it is never given per-lane random keys.
    """

    __slots__ = ("inp", "out", "shared")

    def __init__(self) -> None:
        self.inp: dict[int, tuple[State, int]] = {}
        self.out: dict[int, tuple[State, int]] = {}
        self.shared: dict[int, State] = {}

    def states(self) -> list[State]:
        seen: dict[int, State] = {}
        for table in (self.inp, self.out):
            for k, (s, _) in table.items():
                seen.setdefault(k, s)
        for k, s in self.shared.items():
            seen.setdefault(k, s)
        return list(seen.values())

    def is_empty(self) -> bool:
        return not (self.inp or self.out or self.shared)

    def add(self, state: State, axis: int | None, *, inp: bool, out: bool, where: str) -> None:
        if axis is None:
            if id(state) in self.inp or id(state) in self.out:
                raise _conflict(state, "None", self._axis_of(state), where)
            self.shared[id(state)] = state
            return
        if id(state) in self.shared:
            raise _conflict(state, axis, "None", where)
        old = self._axis_of(state)
        if old is not None and old != axis:
            raise _conflict(state, axis, old, where)
        if inp:
            self.inp[id(state)] = (state, axis)
        if out:
            self.out[id(state)] = (state, axis)

    def _axis_of(self, state: State) -> Any:
        got = self.inp.get(id(state)) or self.out.get(id(state))
        return None if got is None else got[1]

    def merged(self, pairs: list[tuple[State, int | None]], where: str) -> Declared:
        new = Declared()
        new.inp, new.out, new.shared = dict(self.inp), dict(self.out), dict(self.shared)
        for s, ax in pairs:
            new.add(s, ax, inp=True, out=True, where=where)
        return new


def _conflict(state: State, a: Any, b: Any, where: str, arg: str = "") -> BatchAxisError:
    source = arg or "in_states=, out_states= and StateAxes in in_axes"
    return BatchAxisError(
        f"{where}: {state.describe()} is given two batch axes, {b} and {a}, by {source}. "
        "A State has one batch axis: declare it with the same axis in every place."
    )


def _states_in(group: Any, arg: str, where: str) -> list[State]:
    out: list[State] = []
    for leaf in jax.tree.leaves(group, is_leaf=is_graph_leaf):
        if isinstance(leaf, State):
            out.append(leaf)
        elif isinstance(leaf, graph.Node):
            out.extend(graph.states(leaf).values())  # type: ignore[union-attr]
        else:
            raise BatchAxisError(
                f"{where}: {arg} must hold States (a State, a list/dict/pytree of States, "
                "a graph Node, the result of `brainstate_graph.states(...)`, or an "
                f"{{axis: states}} dict), but it contains {type(leaf).__name__} "
                f"{_short(leaf)}."
            )
    return out


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_axis_dict(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and not isinstance(value, (graph.FlattedDict, graph.NestedDict))
        and bool(value)
        and all(isinstance(k, int) and not isinstance(k, bool) for k in value)
    )


def parse_state_decl(value: Any, arg: str, where: str) -> list[tuple[State, int]]:
    """``(state, axis)`` pairs of an ``in_states``/``out_states`` argument.

    Raises:
        BatchAxisError: a non-State object inside, or one State given two axes.
    """
    if value is None:
        return []
    groups = value.items() if _is_axis_dict(value) else [(0, value)]
    pairs: list[tuple[State, int]] = []
    seen: dict[int, int] = {}
    for axis, group in groups:
        for s in _states_in(group, arg, where):
            old = seen.get(id(s))
            if old is not None and old != axis:
                raise _conflict(s, axis, old, where, arg)
            if old is None:
                seen[id(s)] = axis
                pairs.append((s, axis))
    return pairs


def node_state_axes(obj: Any, spec: Any, where: str) -> list[tuple[State, int | None]]:
    """``(state, axis)`` pairs for a Node (or State) argument with in_axes entry ``spec``."""
    if isinstance(obj, State):
        if isinstance(spec, StateAxes):
            for f, ax in spec.items():
                if graph.to_predicate(f)((), obj):
                    return [(obj, ax)]
            return []
        return [(obj, spec)]
    if not isinstance(spec, StateAxes):
        return [(s, spec) for s in graph.states(obj).values()]  # type: ignore[union-attr]
    if not spec.filters:
        return []
    found: Any = graph.states(obj, *spec.filters)
    groups = (found,) if len(spec.filters) == 1 else found
    pairs: list[tuple[State, int | None]] = []
    for group, ax in zip(groups, spec.axes):
        pairs.extend((s, ax) for s in group.values())
    return pairs
