"""States over several devices: a State-aware ``shard_map``, and sharded State layouts.

Two ways to run a model SPMD over a :class:`jax.sharding.Mesh`:

1. Lay out the model's States with :func:`shard_states` (each value is ``jax.device_put``
   with a ``NamedSharding``, which is also kept in the State's metadata) and compile the
   simulation with ``brainstate_compile.jit``/``for_loop``: XLA partitions the program
   by the input shardings. :func:`constrain_states` re-applies the shardings inside a
   traced step (``jax.lax.with_sharding_constraint``) so that written States keep them.
2. Write per-device code with :func:`shard_map`: States come in as per-device blocks,
   by the specs of ``state_specs=`` or the sharding attached by :func:`shard_states`
   (replicated otherwise), and written States go out the same way.

Beyond one host: call ``jax.distributed.initialize()`` in every process first; the
mesh then spans the devices of all hosts (``jax.devices()``) and the code above is
unchanged (each process runs the same program). brainstate adds no layer of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

import brainstate_graph as graph
from brainstate_compile.extend import (
    KnownStates,
    Rediscover,
    call_with_states,
    check_no_state_in,
    run_discovering,
)
from brainstate_core import State
from brainstate_core.extend import (
    StateTraceStack,
    is_recording,
    read_state_values,
    write_state_values,
)

from .batching import varying_axes
from .errors import BatchAxisError
from .random_lanes import is_lane_rng, split_lanes
from .state_axes import _states_in, is_graph_leaf
from .vmap import seed_known

__all__ = ["shard_map", "shard_states", "constrain_states", "state_sharding"]

_P = PartitionSpec


def _name(f: Any) -> str:
    return getattr(f, "__qualname__", None) or repr(f)


def state_sharding(state: State) -> Any:
    """The sharding attached to ``state`` by :func:`shard_states` (or ``None``).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import brainstate_augment as ba
        >>> import brainstate_core as bsc
        >>> s = bsc.State(jnp.zeros(4))
        >>> ba.state_sharding(s) is None
        True
    """
    return state.metadata.get("sharding")


def _attach(state: State, value: Any, sharding: Any) -> None:
    # `update_from_ref` is the public way to change a State's metadata (and value)
    state.update_from_ref(state.to_state_ref().replace(value=value, sharding=sharding))


def _rule_spec(rules: Any, path: tuple, state: State, where: str) -> Any:
    if rules is None or isinstance(rules, PartitionSpec):
        return rules or _P()
    if callable(rules) and not isinstance(rules, type):
        return rules(state)
    items: Any = rules.items() if isinstance(rules, Mapping) else rules
    for flt, spec in items:
        if graph.to_predicate(flt)(path, state):
            return spec
    return _P()


def _collect(target: Any, where: str) -> list[tuple[tuple, State]]:
    if isinstance(target, graph.Node):
        return list(graph.states(target).items())  # type: ignore[union-attr]
    if isinstance(target, graph.FlattedDict):
        return list(target.items())
    return [((), s) for s in _states_in(target, "the States to shard", where)]


def shard_states(target: Any, mesh: Mesh, rules: Any = None) -> list[State]:
    """Lay out States over ``mesh``: ``jax.device_put`` each value with a ``NamedSharding``.

    The sharding is also kept in each State's metadata (see :func:`state_sharding`), where
    :func:`shard_map` and :func:`constrain_states` find it.

    Args:
        target: A State, a graph Node (all its States), or a collection of States.
        mesh: The device mesh.
        rules: The ``PartitionSpec`` of each State: one spec for all (default ``P()``:
            replicated), a function ``state -> spec``, or ``{filter: spec}`` / a list of
            ``(filter, spec)`` pairs with ``brainstate_graph`` filters (State types, tags,
            ``PathContains``, ...), first match wins, replicated when none matches.

    Returns:
        The States, in order.

    Raises:
        BatchAxisError: a spec has more entries than a State's value has dimensions, or
            does not divide its shape (the message names the State; no State changes).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from jax.sharding import PartitionSpec as P
        >>> import brainstate_augment as ba
        >>> import brainstate_core as bsc
        >>> mesh = jax.make_mesh((1,), ("x",))
        >>> v = bsc.HiddenState(jnp.zeros(8))
        >>> _ = ba.shard_states(v, mesh, {bsc.HiddenState: P("x")})
        >>> ba.state_sharding(v).spec
        P('x',)
    """
    where = "shard_states"
    plan = []
    for path, s in _collect(target, where):
        spec = _rule_spec(rules, path, s, where)
        sharding = NamedSharding(mesh, spec)
        for leaf in jax.tree.leaves(s.value):
            shape = np.shape(leaf)
            if len(spec) > len(shape):
                raise BatchAxisError(
                    f"{where}: {s.describe()} has a value of shape {shape}, but its spec "
                    f"{spec} names {len(spec)} dimensions. Give it a spec with at most "
                    f"{len(shape)} entries."
                )
            try:
                sharding.shard_shape(shape)
            except ValueError as e:
                raise BatchAxisError(f"{where}: {s.describe()} cannot take {spec}: {e}") from None
        plan.append((s, sharding))
    placed = [jax.device_put(s.value, sh) for s, sh in plan]  # nothing written before here
    for (s, sh), v in zip(plan, placed):
        _attach(s, v, sh)
    return [s for s, _ in plan]


def constrain_states(target: Any) -> None:
    """Give each State its attached sharding again (set by :func:`shard_states`).

    Inside a traced function (``brainstate_compile.jit``, a ``for_loop`` body) this applies
    ``jax.lax.with_sharding_constraint`` to the States' values, so that the States the step
    writes keep their layout; outside, it ``jax.device_put``\\ s the values. States without
    an attached sharding are left alone.

    Args:
        target: A State, a graph Node, or a collection of States.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from jax.sharding import PartitionSpec as P
        >>> import brainstate_augment as ba
        >>> import brainstate_compile as bc
        >>> import brainstate_core as bsc
        >>> v = bsc.State(jnp.zeros(4))
        >>> _ = ba.shard_states(v, jax.make_mesh((1,), ("x",)), P("x"))
        >>> @bc.jit
        ... def step():
        ...     v.value = v.value + 1.0
        ...     ba.constrain_states(v)
        >>> step(); v.value.tolist()
        [1.0, 1.0, 1.0, 1.0]
    """
    for _, s in _collect(target, "constrain_states"):
        sh = state_sharding(s)
        if sh is None:
            continue
        if is_recording():
            s.value = jax.tree.map(functools.partial(_constrain, sharding=sh), s.value)
        else:
            s.value = jax.device_put(s.value, sh)


def _constrain(x: Any, sharding: Any) -> Any:
    mesh = getattr(sharding, "mesh", None)
    types = getattr(mesh, "axis_types", ())
    if any(str(t).endswith("Explicit") for t in types):  # explicit axes: types carry it
        return jax.sharding.reshard(x, sharding)
    return jax.lax.with_sharding_constraint(x, sharding)


def _state_spec_table(state_specs: Any, where: str) -> tuple[dict[int, Any], list[State]]:
    table: dict[int, Any] = {}
    order: list[State] = []
    if state_specs is None:
        return table, order
    if not isinstance(state_specs, Mapping):
        raise BatchAxisError(
            f"{where}: state_specs must be a dict {{PartitionSpec: states}}, got "
            f"{type(state_specs).__name__}."
        )
    for spec, group in state_specs.items():
        if not isinstance(spec, PartitionSpec):
            raise BatchAxisError(
                f"{where}: the keys of state_specs must be PartitionSpecs, got {spec!r}."
            )
        for s in _states_in(group, "state_specs", where):
            old = table.get(id(s))
            if old is not None and old != spec:
                raise BatchAxisError(
                    f"{where}: {s.describe()} is given two specs, {old} and {spec}, by "
                    "state_specs. Give each State one spec."
                )
            if old is None:
                order.append(s)
            table[id(s)] = spec
    return table, order


def _call_discovering(
    fn: Callable[..., Any],
    args: tuple,
    states: list[State],
    values: list[Any],
    known: KnownStates,
    where: str,
) -> tuple[Any, list]:
    """``call_with_states``; but when ``fn`` fails after touching States it was not given
    (which hold their whole, unsharded value, so shapes may not fit), learn them and trace
    again instead of reporting the failure."""
    probe = StateTraceStack(name=where)
    try:
        with probe:
            return call_with_states(fn, args, {}, states, values, known, where=where)
    except Rediscover:
        raise
    except Exception:
        given = {id(s) for s in states}
        grew = known.absorb(probe.states, probe.been_written)
        if grew or any(id(s) not in given for s in probe.states):
            raise Rediscover(known) from None
        raise


def _place(tree: Any, specs: Any, mesh: Mesh) -> Any:
    """``tree`` put on ``mesh`` by ``specs`` (a PartitionSpec prefix of ``tree``)."""
    try:
        return jax.tree.map(
            lambda spec, sub: jax.device_put(sub, NamedSharding(mesh, spec)),
            specs,
            tree,
            is_leaf=lambda x: isinstance(x, PartitionSpec),
        )
    except (ValueError, TypeError):  # let jax.shard_map report a spec that does not fit
        return tree


def _ref_or_none(x: Any) -> bool:
    return x is None or is_graph_leaf(x)


def _spec_axes(spec: Any) -> set:
    names: set = set()
    for entry in spec:
        if entry is None:
            continue
        names.update(entry if isinstance(entry, tuple) else (entry,))
    return names


class ShardMappedFunction:
    """A per-device function over a mesh with State handling (made by :func:`shard_map`)."""

    def __init__(
        self,
        fn: Callable[..., Any],
        mesh: Any,
        in_specs: Any,
        out_specs: Any,
        state_specs: Any,
        axis_names: Any,
        check_vma: bool,
    ) -> None:
        self.fn = fn
        self.where = f"shard_map({_name(fn)})"
        self.mesh = mesh
        self.in_specs = in_specs
        self.out_specs = out_specs
        self.axis_names = frozenset(axis_names)
        self.check_vma = check_vma
        self._specs, self._spec_states = _state_spec_table(state_specs, self.where)
        self._known = KnownStates()
        self._cache: dict[Any, Callable[..., Any]] = {}
        functools.update_wrapper(self, fn, updated=())  # never copy fn.__dict__ over ours

    def _mesh(self) -> Any:
        mesh = self.mesh
        if mesh is None:
            mesh = jax.sharding.get_abstract_mesh()
            if not mesh.axis_names:
                raise ValueError(
                    f"{self.where}: no mesh given and none set with `jax.set_mesh`; pass "
                    "mesh=jax.make_mesh(...)."
                )
        return mesh

    def _spec_of(self, state: State, mesh: Any) -> Any:
        spec = self._specs.get(id(state))
        if spec is not None:
            return spec
        sh = state_sharding(state)
        if isinstance(sh, NamedSharding) and _spec_axes(sh.spec) <= set(mesh.axis_names):
            return sh.spec
        return _P()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise TypeError(
                f"{self.where}: pass arguments positionally (in_specs match positional "
                "arguments), got keyword arguments " + ", ".join(kwargs) + "."
            )
        mesh = self._mesh()
        manual = tuple(n for n in mesh.axis_names if not self.axis_names or n in self.axis_names)
        lane_shape = tuple(mesh.shape[n] for n in manual)
        # Nodes and States are passed by reference: None stands for them in the arguments
        # that go through jax.shard_map (None is also a leaf here, so positions match)
        leaves, treedef = jax.tree.flatten(args, is_leaf=_ref_or_none)
        refs = [leaf if is_graph_leaf(leaf) else None for leaf in leaves]
        dyn_args = jax.tree.unflatten(
            treedef, [None if r is not None else x for r, x in zip(refs, leaves)]
        )
        nested = is_recording()
        known = KnownStates() if nested else self._known
        seed_known(known, self._spec_states)

        def attempt() -> tuple[Any, list, list, list]:
            states = list(known.states)
            written = list(known.written[: len(states)])
            values = read_state_values(states)
            rng = [
                i
                for i, s in enumerate(states)
                if id(s) not in self._specs
                and state_sharding(s) is None
                and is_lane_rng(s, values[i])
            ]
            specs = [self._spec_of(s, mesh) for s in states]
            new_keys, lanes = [], []
            for i in rng:
                nxt, keys = split_lanes(values[i], int(np.prod(lane_shape, dtype=int)))
                new_keys.append(nxt)
                lanes.append(keys.reshape((*lane_shape, 2)))
            out_idx = [i for i, w in enumerate(written) if w and i not in rng]
            key = (
                len(states),
                tuple(out_idx),
                tuple(rng),
                tuple(specs),
                treedef,
                tuple(id(r) for r in refs),
            )
            mapped = None if nested else self._cache.get(key)
            if mapped is None:
                mapped = self._build(states, out_idx, rng, specs, refs, treedef, manual, known)
                if not nested:
                    self._cache[key] = mapped
            if not nested and isinstance(self.mesh, Mesh):
                # at top level, lay the inputs out by their specs (an explicit-axes mesh
                # requires it, and it saves a reshard inside the program otherwise)
                args_in = _place(dyn_args, self.in_specs, self.mesh)
                values = [_place(v, sp, self.mesh) for v, sp in zip(values, specs)]
                lanes = [_place(k, _P(*manual), self.mesh) for k in lanes]
            else:
                args_in = dyn_args
            out, new_vals = mapped(args_in, values, lanes)
            return out, [states[i] for i in out_idx] + [states[i] for i in rng], new_vals, new_keys

        out, targets, new_vals, new_keys = run_discovering(known, attempt)
        write_state_values(targets, list(new_vals) + new_keys)
        return out

    def _build(
        self,
        states: list[State],
        out_idx: list[int],
        rng: list[int],
        specs: list[Any],
        refs: list[Any],
        treedef: Any,
        manual: tuple,
        known: KnownStates,
    ) -> Callable[..., Any]:
        fn, where, check_vma = self.fn, self.where, self.check_vma

        def pure(dyn: Any, state_vals: list, lane_keys: list) -> Any:
            flat = jax.tree.leaves(dyn, is_leaf=_ref_or_none)
            full = [r if r is not None else x for r, x in zip(refs, flat)]
            call_args = jax.tree.unflatten(treedef, full)
            vals = list(state_vals)
            for i, k in zip(rng, lane_keys):
                vals[i] = k.reshape((2,))
            out, after = _call_discovering(fn, call_args, states, vals, known, where)
            check_no_state_in(out, where)
            if check_vma:
                for i in out_idx:
                    allowed = _spec_axes(specs[i])
                    for leaf in jax.tree.leaves(after[i]):
                        extra = varying_axes(leaf) - allowed
                        if extra:
                            raise _varying_write_error(states[i], specs[i], extra, where)
            return out, [after[i] for i in out_idx]

        mapped = jax.shard_map(
            pure,
            mesh=self.mesh,
            in_specs=(self.in_specs, specs, [_P(*manual)] * len(rng)),
            out_specs=(self.out_specs, [specs[i] for i in out_idx]),
            axis_names=self.axis_names,
            check_vma=check_vma,
        )
        # jit: inputs are resharded to in_specs as needed, and the program is compiled once
        return jax.jit(mapped)

    def __repr__(self) -> str:
        return f"<ShardMappedFunction {self.where}>"


def _varying_write_error(state: State, spec: Any, extra: frozenset, where: str) -> BatchAxisError:
    return BatchAxisError(
        f"{where} wrote a value that differs across mesh axes {sorted(extra)} into "
        f"{state.describe()}, whose spec is {spec} (so it must be the same on those axes). "
        "Fixes: 1. give it a spec that shards it over those axes, in state_specs= (e.g. "
        f"`state_specs={{P({sorted(extra)[0]!r}): state}}`) or with `shard_states`; "
        "2. write a value that is the same on every device (e.g. `jax.lax.psum`/`pmean` "
        "over those axes). Every State keeps its value from before the call."
    )


def shard_map(
    f: Callable[..., Any] | None = None,
    mesh: Any = None,
    in_specs: Any = None,
    out_specs: Any = None,
    *,
    state_specs: Mapping[PartitionSpec, Any] | None = None,
    axis_names: Any = frozenset(),
    check_vma: bool = True,
) -> Any:
    """Per-device code over a mesh, for functions that read and write States.

    Like ``jax.shard_map``: ``f`` sees per-device blocks of its arguments (by ``in_specs``)
    and returns blocks assembled by ``out_specs``. The States that ``f`` uses come in as
    blocks too, by their spec: given in ``state_specs``, or attached by
    :func:`shard_states`, else ``P()`` (replicated); written States go out with the same
    spec. Every RandomState that ``f`` draws from (without a spec) gives each device its
    own key. Usable as a decorator with keyword arguments.

    Args:
        f: The per-device function.
        mesh: The ``jax.sharding.Mesh`` (default: the mesh set with ``jax.set_mesh``).
        in_specs: ``PartitionSpec``\\ s of the positional arguments (a prefix of them).
        out_specs: ``PartitionSpec``\\ s of the output (a prefix of it).
        state_specs: ``{PartitionSpec: states}``: the specs of States (a State, a
            collection of States, or a graph Node each).
        axis_names: The mesh axes that are manual inside ``f`` (default: all).
        check_vma: As in ``jax.shard_map``; it also lets brainstate check that a State
            written with ``P()`` gets a value that is the same on every device.

    Returns:
        The mapped function (or a decorator, when ``f`` is omitted).

    Raises:
        BatchAxisError: a State written with a value that varies over mesh axes its spec
            does not shard it over (the message names the State; no State changes).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from jax.sharding import PartitionSpec as P
        >>> import brainstate_augment as ba
        >>> import brainstate_core as bsc
        >>> mesh = jax.make_mesh((1,), ("x",))
        >>> v = bsc.State(jnp.zeros(4))
        >>> @ba.shard_map(mesh=mesh, in_specs=P("x"), out_specs=P("x"), state_specs={P("x"): v})
        ... def step(x):
        ...     v.value = v.value + x
        ...     return v.value * 2
        >>> step(jnp.arange(4.0)).tolist(), v.value.tolist()
        ([0.0, 2.0, 4.0, 6.0], [0.0, 1.0, 2.0, 3.0])
    """
    if f is None:
        return functools.partial(
            shard_map,
            mesh=mesh,
            in_specs=in_specs,
            out_specs=out_specs,
            state_specs=state_specs,
            axis_names=axis_names,
            check_vma=check_vma,
        )
    if in_specs is None or out_specs is None:
        raise TypeError(
            f"shard_map({_name(f)}): give in_specs= and out_specs= (PartitionSpecs of the "
            "positional arguments and of the output)."
        )
    return ShardMappedFunction(f, mesh, in_specs, out_specs, state_specs, axis_names, check_vma)
