"""State-aware ``vmap``, and the machinery that ``pmap``/``map``/``vmap_new_states`` share.

How a call works: the States the function touches are found by tracing (the
``KnownStates``/``call_with_states`` protocol of ``brainstate_compile.extend``). A *plan*
gives each State its input axis (declared in ``in_states``/``StateAxes``: its axis; a
RandomState: per-lane keys on axis 0; otherwise shared) and, for the States returned, an
output axis (declared: its axis; undeclared and written: ``None``, after checking that
the written value is not batched). The pure function ``(args, state values) -> (out,
written values)`` goes through ``jax.vmap`` with those axes; the results are written back
only after the whole call succeeded.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any, NamedTuple, cast

import jax
import numpy as np

import brainstate_graph as graph
from brainstate_compile.extend import (
    KnownStates,
    call_with_states,
    check_no_state_in,
    run_discovering,
)
from brainstate_core import State, catch_new_states
from brainstate_core.extend import (
    StateTraceStack,
    is_recording,
    read_state_values,
    write_state_values,
)

from .batching import batch_probe, probe_available
from .errors import BatchAxisError
from .random_lanes import is_lane_rng, split_lanes
from .state_axes import Declared, StateAxes, is_graph_leaf, node_state_axes, parse_state_decl

__all__ = [
    "vmap",
    "MappedFunction",
    "prepare_args",
    "PreparedArgs",
    "check_axis_size",
    "map_creating_states",
]


def _name(f: Any) -> str:
    return getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or repr(f)


def check_axis_size(axis_size: Any, where: str) -> int | None:
    """``axis_size`` as an int (or None); a clear error for anything but a positive int."""
    if axis_size is None:
        return None
    if isinstance(axis_size, bool) or not isinstance(axis_size, (int, np.integer)):
        raise BatchAxisError(
            f"{where}: axis_size must be a positive int or None, got "
            f"{type(axis_size).__name__} {axis_size!r}."
        )
    if axis_size <= 0:
        raise BatchAxisError(f"{where}: axis_size must be a positive int, got {axis_size}.")
    return int(axis_size)


# -- arguments -------------------------------------------------------------------------------
class PreparedArgs(NamedTuple):
    """A call's arguments split into the arrays that go through the JAX transform and the
    objects passed by reference (graph Nodes, States, static arguments)."""

    dyn: list[Any]  # the array leaves given to the transform
    axes: list[Any]  # their in axes (int or None)
    donate: list[bool]  # whether each dyn leaf belongs to a donated argument
    rebuild: Callable[[Sequence[Any]], tuple[tuple, dict]]
    pairs: list[tuple[State, int | None]]  # States declared through Node/State arguments
    key: Hashable  # the structure and the by-reference objects, for caches
    positions: list[int]  # per dyn leaf: its positional argument (-1: a keyword argument)


class _Box:
    __slots__ = ("items",)

    def __init__(self, items: list) -> None:
        self.items = items


def _count(tree: Any) -> int:
    return len(jax.tree.leaves(tree, is_leaf=is_graph_leaf))


def _broadcast_spec(spec: Any, tree: Any, where: str, pos: int) -> list[Any]:
    """The in-axis spec of each leaf of ``tree`` (``spec`` is a prefix of ``tree``)."""
    if spec is None or isinstance(spec, (int, StateAxes)):
        return [spec] * _count(tree)
    try:
        boxed = jax.tree.map(
            lambda ax, sub: _Box([ax] * _count(sub)),
            spec,
            tree,
            is_leaf=lambda x: x is None or isinstance(x, StateAxes),
        )
    except ValueError as e:
        raise ValueError(
            f"{where}: in_axes[{pos}] = {spec!r} is not a prefix of the structure of "
            f"positional argument {pos}: {e}"
        ) from None
    boxes = jax.tree.leaves(boxed, is_leaf=lambda x: isinstance(x, _Box))
    return [a for b in boxes for a in b.items]


def prepare_args(
    args: tuple,
    kwargs: dict,
    in_axes: Any,
    where: str,
    static_argnums: tuple[int, ...] = (),
    donate_argnums: tuple[int, ...] = (),
) -> PreparedArgs:
    """Split ``(args, kwargs)`` by ``in_axes`` (keyword arguments are mapped on axis 0)."""
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    if isinstance(in_axes, tuple):
        if len(in_axes) != len(args):
            raise ValueError(
                f"{where}: in_axes has {len(in_axes)} entries but {len(args)} positional "
                "arguments were given; give one entry per positional argument (or one int)."
            )
        specs = list(in_axes)
    else:
        specs = [in_axes] * len(args)
    leaves, treedef = jax.tree.flatten((args, kwargs), is_leaf=is_graph_leaf)
    leaf_specs: list[Any] = []
    leaf_pos: list[int] = []
    for i, (a, spec) in enumerate(zip(args, specs)):
        n = _count(a)
        leaf_specs.extend([None] * n if i in static_argnums else _broadcast_spec(spec, a, where, i))
        leaf_pos.extend([i] * n)
    n_kw = len(leaves) - len(leaf_specs)
    leaf_specs.extend([0] * n_kw)
    leaf_pos.extend([-1] * n_kw)

    dyn, axes, donate, slots, pairs, key, positions = [], [], [], [], [], [], []
    for leaf, spec, pos in zip(leaves, leaf_specs, leaf_pos):
        if pos in static_argnums:
            slots.append((False, leaf))
            key.append(("static", leaf))
        elif is_graph_leaf(leaf):
            slots.append((False, leaf))
            key.append(("ref", id(leaf), spec))
            pairs.extend(node_state_axes(leaf, spec, where))
        elif isinstance(spec, StateAxes):
            raise BatchAxisError(
                f"{where}: in_axes gives {spec!r} for a {type(leaf).__name__} in positional "
                f"argument {pos}; StateAxes applies to graph Nodes (and States) only. Use an "
                "int or None for arrays."
            )
        else:
            slots.append((True, None))
            dyn.append(leaf)
            axes.append(spec)
            positions.append(pos)
            donate.append(pos in donate_argnums)
            key.append(("dyn",))

    def rebuild(values: Sequence[Any]) -> tuple[tuple, dict]:
        it = iter(values)
        full = [next(it) if is_dyn else obj for is_dyn, obj in slots]
        return jax.tree.unflatten(treedef, full)

    return PreparedArgs(dyn, axes, donate, rebuild, pairs, (treedef, tuple(key)), positions)


# -- the plan --------------------------------------------------------------------------------
class Plan(NamedTuple):
    states: list[State]
    in_axes: list[int | None]  # per State; lane RandomStates get 0 (their lane keys)
    rng: list[int]  # indices of the RandomStates given per-lane keys
    out_idx: list[int]  # indices of the States whose values the mapped call returns
    out_axes: list[int | None]  # their out axes
    checked: list[int]  # undeclared written States: their values must not be batched

    def signature(self) -> Hashable:
        return (
            len(self.states),
            tuple(self.in_axes),
            tuple(self.rng),
            tuple(self.out_idx),
            tuple(self.out_axes),
        )


def make_plan(states: list[State], written: list[bool], values: list[Any], decl: Declared) -> Plan:
    in_axes, rng, out_idx, out_axes, checked = [], [], [], [], []
    for i, s in enumerate(states):
        k = id(s)
        din, dout = decl.inp.get(k), decl.out.get(k)
        lane_rng = (
            din is None and dout is None and k not in decl.shared and is_lane_rng(s, values[i])
        )
        if din is not None:
            in_axes.append(din[1])
        elif lane_rng:
            in_axes.append(0)
            rng.append(i)
        else:
            in_axes.append(None)
        if dout is not None:
            out_idx.append(i)
            out_axes.append(dout[1])
        elif written[i] and not lane_rng:
            out_idx.append(i)
            out_axes.append(None if din is None else din[1])
            if din is None:
                checked.append(i)
    return Plan(states, in_axes, rng, out_idx, out_axes, checked)


def seed_known(known: KnownStates, states: list[State]) -> None:
    """Put declared States into ``known`` (they are inputs whether or not ``fn`` reads them)."""
    missing = [s for s in states if known.index(s) is None]
    if missing:
        rec = StateTraceStack(name="declared States")
        for s in missing:
            rec.record(s, False)
        known.absorb(rec.states, rec.been_written)


def batched_write_error(state: State, where: str) -> BatchAxisError:
    return BatchAxisError(
        f"{where} wrote a batched value (one that differs across the mapped axis) into "
        f"{state.describe()}, which is not declared as batched. Expected a value that is "
        "the same in every lane, since the State holds a single value. Fixes: "
        "1. declare it in out_states=..., e.g. `out_states={0: state}` (it is then written "
        "back with the batch axis at 0; add it to in_states=... as well when its value "
        "already carries that axis), or give its Node a StateAxes in in_axes; "
        "2. write a value that is the same in every lane (reduce it first, e.g. `.mean(0)` "
        "outside, or `jax.lax.pmean(x, axis_name)` inside). "
        "Every State keeps its value from before the call."
    )


def _lane_count(
    axis_size: int | None, a: PreparedArgs, plan: Plan, values: list[Any], where: str
) -> int:
    if axis_size is not None:
        return axis_size
    candidates = list(zip(a.dyn, a.axes)) + [
        (values[i], ax) for i, ax in enumerate(plan.in_axes) if ax is not None and i not in plan.rng
    ]
    for tree, ax in candidates:
        if ax is None:
            continue
        for leaf in jax.tree.leaves(tree):
            return int(np.shape(leaf)[ax])
    raise ValueError(
        f"{where} needs a mapped input, or axis_size=..., to know how many lanes there are "
        "(every in_axes entry is None and no State is declared in in_states)."
    )


def lane_size_problem(
    axis_size: int | None, a: PreparedArgs, plan: Plan, values: list[Any], where: str
) -> str | None:
    """What makes the mapped inputs disagree on the number of lanes (``None``: nothing).

    Names the arguments and States: JAX's own message speaks of the internal arguments of
    the pure function it maps."""
    sizes: list[tuple[str, int, int]] = []
    entries = [
        (f"argument {pos}" if pos >= 0 else "a keyword argument", leaf, ax)
        for leaf, ax, pos in zip(a.dyn, a.axes, a.positions)
        if ax is not None
    ]
    for i, ax in enumerate(plan.in_axes):
        if ax is not None and i not in plan.rng:
            label = plan.states[i].describe()
            entries += [(label, leaf, ax) for leaf in jax.tree.leaves(values[i])]
    for label, leaf, ax in entries:
        shape = tuple(np.shape(leaf))
        if not -len(shape) <= ax < len(shape):
            return (
                f"{where}: {label} is mapped over axis {ax}, but its value has shape {shape}, "
                f"which has no axis {ax}. Give it a batch axis, or map it with None."
            )
        sizes.append((label, shape[ax], ax % len(shape)))
    counts = {n for _, n, _ in sizes} | ({axis_size} if axis_size is not None else set())
    if len(counts) <= 1:
        return None
    detail = "; ".join(f"{label} has {n} along axis {ax}" for label, n, ax in sizes)
    if axis_size is not None:
        detail += f"; axis_size={axis_size}"
    return (
        f"{where}: the mapped inputs disagree on the number of lanes: {detail}. Every mapped "
        "argument and every State in in_states needs the same size along its mapped axis."
    )


# -- the mapped function ---------------------------------------------------------------------
class MappedFunction:
    """A function mapped over an axis with State handling (made by :func:`vmap`).

    Subclasses change :meth:`_run` (how the pure function is mapped) to make ``pmap``.
    """

    transform_name = "vmap"

    def __init__(
        self,
        fn: Callable[..., Any],
        in_axes: Any,
        out_axes: Any,
        in_states: Any,
        out_states: Any,
        axis_name: Any,
        axis_size: Any,
        static_argnums: tuple[int, ...] = (),
        donate_argnums: tuple[int, ...] = (),
        **transform_kwargs: Any,
    ) -> None:
        if not callable(fn):
            raise TypeError(
                f"{self.transform_name}: expected a function to map, got {type(fn).__name__}."
            )
        self.fn = fn
        self.where = f"{self.transform_name}({_name(fn)})"
        self.in_axes = in_axes
        self.out_axes = out_axes
        self.axis_name = axis_name
        self.axis_size = check_axis_size(axis_size, self.where)
        self.static_argnums = static_argnums
        self.donate_argnums = donate_argnums
        self.transform_kwargs = transform_kwargs
        decl = Declared()
        for s, ax in parse_state_decl(in_states, "in_states", self.where):
            decl.add(s, ax, inp=True, out=False, where=self.where)
        for s, ax in parse_state_decl(out_states, "out_states", self.where):
            decl.add(s, ax, inp=False, out=True, where=self.where)
        self._decl = decl
        self._known = KnownStates()
        functools.update_wrapper(self, fn, updated=())  # never copy fn.__dict__ over ours

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        a = prepare_args(
            args, kwargs, self.in_axes, self.where, self.static_argnums, self.donate_argnums
        )
        decl = self._decl.merged(a.pairs, self.where) if a.pairs else self._decl
        nested = is_recording()  # inside another transform: States may be local to it
        known = KnownStates() if nested else self._known
        seed_known(known, decl.states())

        def attempt() -> tuple[Any, Plan, list[Any], list[Any]]:
            states = list(known.states)
            values = read_state_values(states)
            plan = make_plan(states, list(known.written[: len(states)]), values, decl)
            new_keys = []
            if plan.rng:
                n = _lane_count(self.axis_size, a, plan, values, self.where)
                values = list(values)
                for i in plan.rng:
                    nxt, values[i] = split_lanes(values[i], n)
                    new_keys.append(nxt)
            mapped = [v for v, ax in zip(values, plan.in_axes) if ax is not None]
            shared = [v for v, ax in zip(values, plan.in_axes) if ax is None]
            try:
                out, new_vals = self._run(plan, a, mapped, shared, known, nested)
            except BatchAxisError:
                raise
            except ValueError as e:  # JAX's checks name the internal arguments and outputs
                if "got axis spec None but output was batched" in str(e):
                    raise BatchAxisError(
                        f"{self.where}: an output given out_axes=None (one value for all "
                        "lanes) differs from lane to lane. Give it an axis (e.g. out_axes=0), "
                        f"or make it the same for every lane (e.g. reduce it first). ({e})"
                    ) from e
                problem = lane_size_problem(self.axis_size, a, plan, values, self.where)
                if problem is None:
                    raise
                raise BatchAxisError(problem) from e
            return out, plan, new_vals, new_keys

        out, plan, new_vals, new_keys = run_discovering(known, attempt)
        targets = [plan.states[i] for i in plan.out_idx] + [plan.states[i] for i in plan.rng]
        write_state_values(targets, list(new_vals) + new_keys)
        return out

    def _pure(self, plan: Plan, a: PreparedArgs, known: KnownStates) -> Callable[..., Any]:
        """The pure function ``(dyn, mapped_values, shared_values) -> (out, written)``."""
        fn, where = self.fn, self.where

        def pure(dyn: list, mapped: list, shared: list) -> tuple[Any, list]:
            probe = batch_probe()
            args, kwargs = a.rebuild(dyn)
            it_m, it_s = iter(mapped), iter(shared)
            values = [next(it_m) if ax is not None else next(it_s) for ax in plan.in_axes]
            out, after = call_with_states(fn, args, kwargs, plan.states, values, known, where=where)
            check_no_state_in(out, where)
            if probe is not None:
                for i in plan.checked:
                    if any(probe(leaf) for leaf in jax.tree.leaves(after[i])):
                        raise batched_write_error(plan.states[i], where)
            return out, [after[i] for i in plan.out_idx]

        return pure

    def _in_axes(self, plan: Plan, a: PreparedArgs) -> tuple:
        return (list(a.axes), [ax for ax in plan.in_axes if ax is not None], None)

    def _run(
        self,
        plan: Plan,
        a: PreparedArgs,
        mapped: list,
        shared: list,
        known: KnownStates,
        nested: bool,
    ) -> tuple[Any, list]:
        mapped_fn = jax.vmap(
            self._pure(plan, a, known),
            in_axes=self._in_axes(plan, a),
            out_axes=(self.out_axes, list(plan.out_axes)),
            axis_name=self.axis_name,
            axis_size=self.axis_size,
            **self.transform_kwargs,
        )
        try:
            return mapped_fn(a.dyn, mapped, shared)
        except ValueError as e:  # pragma: no cover - only without the batch probe
            if plan.checked and not probe_available() and "out_axes" in str(e):
                raise batched_write_error(plan.states[plan.checked[0]], self.where) from e
            raise

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        return functools.partial(self, obj)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.where}>"


# -- States created inside the mapped function -----------------------------------------------
def map_creating_states(
    fn: Callable[..., Any],
    map_lane: Callable[[Callable[..., Any]], Callable[..., Any]],
    state_tag: str | None = None,
    by_reference: Callable[[Any], bool] | None = None,
    exclude: Callable[[State], bool] | None = None,
) -> Callable[..., Any]:
    """``fn`` mapped so that every State it creates comes out with the lane axis (axis 0).

    ``map_lane(lane)`` maps the per-lane function ``lane``, whose result is ``(out,
    new_values)``: ``fn``'s result with the objects returned by reference replaced by
    ``None``, and the values of the States ``fn`` created (mapped on axis 0). Afterwards each
    new State holds its batched value and the objects returned by reference are put back:
    a Node built inside is returned as it is, now holding batched States. With ``exclude``,
    ``new_values`` is a pair ``(values, excluded_values)``: the values of the new States
    ``exclude`` selects, to be mapped with out axis ``None`` (one value shared by all lanes),
    are not tagged and get no lane axis.

    Args:
        fn: The function to map.
        map_lane: Maps the per-lane function (a :class:`MappedFunction` around it).
        state_tag: A tag given to every new State.
        by_reference: Which result leaves are returned as they are, not mapped; given, every
            State ``fn`` creates gets the lane axis. Default: graph Nodes and the States
            ``fn`` created, and only the new States among those returned get the lane axis.
        exclude: Which new States stay unbatched (see above); only with ``by_reference``.

    Returns:
        The mapped function.
    """
    # What the latest trace of `lane` in this thread found (a discovery may trace it more
    # than once; the last trace is the one that ran). Per thread: two threads may call the
    # mapped function at once.
    box = threading.local()

    def lane(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        with catch_new_states(state_tag if exclude is None else None) as catcher:
            out = fn(*args, **kwargs)
        new = list(catcher.get_states())
        shared: list[State] = []
        if exclude is not None:
            shared = [s for s in new if exclude(s)]
            new = [s for s in new if not exclude(s)]
            if state_tag is not None:
                for s in new:
                    s.tag = state_tag
        leaves, treedef = jax.tree.flatten(out, is_leaf=is_graph_leaf)
        if by_reference is None:
            new_ids = {id(s) for s in new}
            refs = [x if _built_inside(x, new_ids) else None for x in leaves]
            # only what comes out gets the lane axis: a State local to the function (one
            # made inside a loop body, say) may hold a finished trace's value by now
            returned = {id(s) for r in refs if r is not None for s in _states_in(r)}
            new = [s for s in new if id(s) in returned]
        else:
            refs = [x if by_reference(x) else None for x in leaves]
        box.found = (new + shared, refs, treedef)
        mapped_leaves = [None if r is not None else x for x, r in zip(leaves, refs)]
        values: Any = [s.value for s in new]
        if exclude is not None:
            values = (values, [s.value for s in shared])
        return jax.tree.unflatten(treedef, mapped_leaves), values

    lane.__qualname__ = _name(fn)
    mapped = map_lane(lane)

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            out, values = mapped(*args, **kwargs)
            new, refs, treedef = box.found
        finally:  # also after a failure: keep nothing the call built alive
            box.__dict__.pop("found", None)
        if exclude is not None:
            values = [*values[0], *values[1]]
        for s, v in zip(new, values):
            s.restore_value(v)
        leaves = treedef.flatten_up_to(out)
        return jax.tree.unflatten(treedef, [x if r is None else r for x, r in zip(leaves, refs)])

    return call


def _states_in(obj: Any) -> list[State]:
    """A State itself, or the States of a graph Node."""
    return (
        [obj]
        if isinstance(obj, State)
        else list(cast(graph.FlattedDict, graph.states(obj)).values())
    )


def _built_inside(leaf: Any, new_ids: set[int]) -> bool:
    """A graph Node, or a State the mapped function created (a State from outside is not)."""
    return is_graph_leaf(leaf) and (not isinstance(leaf, State) or id(leaf) in new_ids)


def vmap(
    fn: Callable[..., Any] | None = None,
    in_axes: Any = 0,
    out_axes: Any = 0,
    axis_name: Hashable | None = None,
    axis_size: int | None = None,
    spmd_axis_name: Hashable | tuple[Hashable, ...] | None = None,
    *,
    in_states: Any = None,
    out_states: Any = None,
) -> Any:
    """Vectorise a function that reads and writes States, like ``jax.vmap``.

    The arguments are mapped as in ``jax.vmap``. States are handled as follows:

    - declared in ``in_states``: their value carries a batch axis (at the declared axis),
      which is mapped over; when written, they are written back batched on that axis;
    - declared in ``out_states``: written back batched on the declared axis (a value that
      was shared across lanes is broadcast);
    - graph Node arguments: all their States are mapped on the Node's ``in_axes`` entry
      (an int), shared (``None``), or per filter with a :class:`StateAxes`;
    - every other State is shared by all lanes: read freely; a write of a value that is the
      same in every lane is written back, a write of a batched value raises
      :class:`BatchAxisError` (and no State changes);
    - every :class:`brainstate_core.random.RandomState` that the function draws from (the
      default generator included) gives each lane its own key, so lanes draw different
      numbers; afterwards the generator holds a new key split off its old one;
    - States the function creates get the lane axis (axis 0): a graph Node built inside and
      returned comes out as one Node whose States are stacked over the lanes, as in
      brainstate 0.1 (``vmap(lambda key: Layer())(keys)``; :func:`vmap_new_states` does the
      same with no mapped input). Returning a State from outside stays an error.

    Usable as a decorator, with or without arguments.

    Args:
        fn: The function to vectorise.
        in_axes: As in ``jax.vmap``: an int, None, or a pytree prefix of the positional
            arguments; for a graph Node argument also a :class:`StateAxes`. Keyword
            arguments are mapped on axis 0.
        out_axes: As in ``jax.vmap``.
        axis_name: A name for the mapped axis, for collectives (``jax.lax.psum``, ...).
        axis_size: The number of lanes; needed only when nothing is mapped.
        spmd_axis_name: As in ``jax.vmap``.
        in_states: States whose values carry a batch axis: a State, a list/dict/pytree of
            States (e.g. ``brainstate_graph.states(model)``), or ``{axis: states}``.
        out_states: States written back with a batch axis, in the same forms.

    Returns:
        The vectorised function (or a decorator, when ``fn`` is omitted).

    Raises:
        BatchAxisError: a batched value written into an undeclared State, a State given two
            axes, a non-State in ``in_states``/``out_states``, or ``axis_size <= 0``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_augment as ba
        >>> import brainstate_core as bsc
        >>> w = bsc.State(jnp.ones(3))                  # shared by all lanes
        >>> h = bsc.State(jnp.zeros((4, 3)))            # one row per lane
        >>> @ba.vmap(in_states=h, out_states=h)
        ... def step(x):
        ...     h.value = h.value + w.value * x
        ...     return h.value.sum()
        >>> step(jnp.arange(4.0)).tolist()
        [0.0, 3.0, 6.0, 9.0]
        >>> h.value[:, 0].tolist()
        [0.0, 1.0, 2.0, 3.0]
        >>> noise = ba.vmap(lambda _: bsc.random.rand(), axis_size=3)(jnp.zeros(3))
        >>> len(set(noise.tolist()))                   # each lane draws its own number
        3
    """
    if fn is None:
        return functools.partial(
            vmap,
            in_axes=in_axes,
            out_axes=out_axes,
            axis_name=axis_name,
            axis_size=axis_size,
            spmd_axis_name=spmd_axis_name,
            in_states=in_states,
            out_states=out_states,
        )
    return map_creating_states(
        fn,
        lambda lane: MappedFunction(
            lane,
            in_axes,
            (out_axes, 0),
            in_states,
            out_states,
            axis_name,
            axis_size,
            spmd_axis_name=spmd_axis_name,
        ),
    )
