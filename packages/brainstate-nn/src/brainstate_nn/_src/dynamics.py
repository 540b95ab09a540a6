"""``Dynamics``: a population whose state evolves in time; ``DynamicsGroup``; ``Projection``.

A Dynamics object (a neuron group, a synapse) receives inputs from projections through
*current inputs* (summed into its input current, possibly depending on its own state, e.g.
a conductance-based output) and *delta inputs* (added to its state after the integration
step), and can run other modules right before or after its own update (a synapse aligned
to it, a delay recording its state).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

import brainunit as u
import jax
import numpy as np

from brainstate_core import State
from brainstate_core.mixin import ParamDescriber
from brainstate_graph import FlattedDict, nodes

from .module import Module, to_shape

__all__ = [
    "Dynamics",
    "DynamicsGroup",
    "Prefetch",
    "PrefetchDelay",
    "PrefetchDelayAt",
    "Projection",
    "not_receive_update_output",
    "receive_update_input",
    "receive_update_output",
]

T = TypeVar("T")


def _label_key(key: str, label: str | None) -> str:
    return key if label is None else f"{label} // {key}"


def _batch_sizes(shapes: list[tuple[int, ...]], varshape: tuple[int, ...]) -> set[int]:
    """The leading sizes of the shapes that are ``(batch, *varshape)``."""
    n = len(varshape)
    return {
        shape[0] for shape in shapes if len(shape) == n + 1 and (not n or shape[1:] == varshape)
    }


def _note_batch_mismatch(dyn: Dynamics, args: Any, kwargs: Any, error: Exception) -> None:
    """Add a note to a shape error raised by ``dyn.update`` when ``dyn``'s States were made
    for another batch size than its inputs have (JAX's message names neither)."""
    if getattr(error, "_brainstate_batch_noted", False) or "shapes" not in str(error):
        return
    varshape = dyn.varshape
    found = cast(FlattedDict, dyn.states())
    own = [(path, st) for path, st in found.items() if not _nested(path)]
    state_shapes = {
        ".".join(map(str, path)): tuple(np.shape(leaf))
        for path, st in own
        for leaf in jax.tree.leaves(st.value)
    }
    input_shapes = [tuple(np.shape(x)) for x in jax.tree.leaves((args, kwargs))]
    held = _batch_sizes(list(state_shapes.values()), varshape)
    given = _batch_sizes(input_shapes, varshape)
    if not held or not given or held == given:
        return
    shown = ", ".join(f"{k}: {v}" for k, v in state_shapes.items())
    error.add_note(
        f"{dyn._label()} holds States of shape {shown} (population shape {varshape}) but "
        f"was called with inputs of shape {', '.join(map(str, input_shapes))}. If the batch "
        "size changed, give the States the new one first: "
        f"bst.nn.reset_all_states(model, batch_size={min(given)})."
    )
    error._brainstate_batch_noted = True  # type: ignore[attr-defined]


def _nested(path: tuple) -> bool:
    """Whether a States path runs through a child module (its own States are one level)."""
    return len(path) > 1


class Increment:
    """A projection's delta input ``comm(x)``, computed only where it is added to a state.

    ``comm`` has ``accumulate(x, y, beta)`` returning ``beta * y + comm(x)`` in one kernel
    call (``bst.event.FixedProb``). Adding the increment to a state ``y`` uses it
    (:meth:`Dynamics.sum_delta_inputs`), and a synapse whose decay over a step is a factor
    (``Expon``) folds the decay in as well (``Dynamics._fused_delta_input``): on CPU the
    whole conductance update is one kernel call instead of three passes. The sums are the
    same, up to float rounding.
    """

    __slots__ = ("comm", "x")

    def __init__(self, comm: Any, x: Any) -> None:
        self.comm = comm
        self.x = x

    def __repr__(self) -> str:
        return f"Increment({type(self.comm).__name__})"

    def value(self) -> Any:
        """``comm(x)``."""
        return self.comm(self.x)

    def added_to(self, y: Any, beta: Any = 1.0) -> Any:
        """``beta * y + comm(x)`` by ``comm.accumulate``; None where that does not apply
        (``y`` not a float array whose leading axes are those of ``x``, or ``beta`` neither a
        scalar nor one value per element of ``y``'s last axis)."""
        y_shape, x_shape = np.shape(y), np.shape(self.x)
        if not y_shape or not x_shape or y_shape[:-1] != x_shape[:-1]:
            return None
        if np.shape(beta) not in ((), y_shape[-1:]):
            return None
        if not np.issubdtype(np.dtype(u.math.get_dtype(y)), np.floating):
            return None
        return self.comm.accumulate(self.x, y, beta)


class Dynamics(Module):
    """A population of elements (neurons, synapses) with a state evolving in time.

    Args:
        in_size: the population's shape, e.g. ``100`` or ``(10, 10)``.
        name: an optional name.

    Attributes:
        varshape: the population's shape (the shape of its state variables, without the
            batch dimension).

    Inputs reach a Dynamics object in two ways:

    - ``add_current_input(key, fn_or_value)``: ``sum_current_inputs(init, *args)`` adds
      ``fn(*args)`` (e.g. a conductance-based output computing a current from the membrane
      potential) or the value (consumed once) to ``init``;
    - ``add_delta_input(key, fn_or_value)``: ``sum_delta_inputs(init)`` adds them to the
      state after integration (instantaneous jumps).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> class Leak(nn.Dynamics):
        ...     def init_state(self, batch_size=None):
        ...         self.x = bsc.HiddenState(jnp.zeros(self.varshape))
        ...     def update(self, inp=0.0):
        ...         self.x.value = 0.9 * self.x.value + self.sum_current_inputs(inp)
        ...         return self.x.value
        >>> pop = nn.init_all_states(Leak(3))
        >>> pop.add_current_input("drive", jnp.ones(3))
        >>> pop().tolist()
        [1.0, 1.0, 1.0]
    """

    def __init__(self, in_size: int | tuple[int, ...], name: str | None = None) -> None:
        super().__init__(name=name)
        if isinstance(in_size, (int, np.integer)):
            in_size = (int(in_size),)
        shape = to_shape(in_size, f"{type(self).__name__} in_size")
        if not shape:
            raise ValueError(
                f"{type(self).__name__} needs a non-empty in_size (an int or a tuple of ints), "
                f"got {in_size!r}"
            )
        self.in_size = shape
        self.out_size = shape
        self._current_inputs: dict[str, Any] | None = None
        self._delta_inputs: dict[str, Any] | None = None
        self._before_updates: dict[Hashable, Any] | None = None
        self._after_updates: dict[Hashable, Any] | None = None

    @property
    def varshape(self) -> tuple[int, ...]:
        """The shape of the state variables of one sample (no batch dimension)."""
        return self.in_size  # type: ignore[return-value]

    # -- inputs ---------------------------------------------------------------------------
    @property
    def current_inputs(self) -> dict[str, Any] | None:
        return self._current_inputs

    @property
    def delta_inputs(self) -> dict[str, Any] | None:
        return self._delta_inputs

    def _add_input(self, which: str, key: str, inp: Any, label: str | None) -> None:
        key = _label_key(key, label)
        inputs = getattr(self, which)
        if inputs is None:
            inputs = {}
            setattr(self, which, inputs)
        if key in inputs and inputs[key] is not inp:
            raise KeyError(
                f"input key {key!r} of {self._label()} is already used by "
                f"{inputs[key]!r}; choose another key"
            )
        inputs[key] = inp

    def add_current_input(self, key: str, inp: Callable[..., Any] | Any, label: str | None = None):
        """Register a current input: a function called by :meth:`sum_current_inputs`, or a
        value added once (then dropped)."""
        self._add_input("_current_inputs", key, inp, label)

    def add_delta_input(self, key: str, inp: Callable[..., Any] | Any, label: str | None = None):
        """Register a delta input: a function called by :meth:`sum_delta_inputs`, or a value
        added once (then dropped)."""
        self._add_input("_delta_inputs", key, inp, label)

    def get_input(self, key: str) -> Any:
        """The current or delta input registered under ``key``."""
        for inputs in (self._current_inputs, self._delta_inputs):
            if inputs is not None and key in inputs:
                return inputs[key]
        raise KeyError(f"{self._label()} has no current or delta input {key!r}")

    def _sum(
        self, inputs: dict[str, Any] | None, init: Any, label: str | None, args, kwargs
    ) -> Any:
        if not inputs:
            return init
        prefix = None if label is None else f"{label} // "
        for key in tuple(inputs):
            if prefix is not None and not key.startswith(prefix):
                continue
            inp = inputs[key]
            if callable(inp):
                value = inp(*args, **kwargs)
            else:
                value = inputs.pop(key)  # a value is consumed once, even if adding it fails
            init = self._add_input_value(init, value, key, getattr(inp, "unit_hint", ""))
        return init

    def _add_input_value(self, init: Any, value: Any, key: str, hint: str = "") -> Any:
        if isinstance(value, Increment):
            fused = self._fuse(value, key, init)
            if fused is not None:
                return fused
            value = value.value()
        # a plain number is in the unit of the variable it is added to
        if isinstance(init, u.Quantity) and not isinstance(value, u.Quantity):
            value = u.Quantity(value, unit=init.unit)
        try:
            return init + value
        except u.UnitMismatchError:
            raise u.UnitMismatchError(
                f"{self._label()}: input {key!r} is in {u.get_unit(value)}, which cannot be "
                f"added to the variable it drives (in {u.get_unit(init)}). "
                + (
                    hint
                    or "Give the input (e.g. a projection's weight) in units of that "
                    "dimension, or as a plain number."
                )
            ) from None

    def _fuse(self, increment: Increment, key: str, y: Any, beta: Any = 1.0) -> Any:
        try:
            return increment.added_to(y, beta)
        except u.UnitMismatchError as e:
            raise u.UnitMismatchError(
                f"{self._label()}: input {key!r} ({increment!r}) cannot be added to the "
                f"variable it drives (in {u.get_unit(y)}): {e} Give the input (e.g. a "
                "projection's weight) in units of that dimension, or as a plain number."
            ) from None

    def sum_current_inputs(self, init: Any, *args: Any, label: str | None = None, **kwargs: Any):
        """``init`` plus every current input (functions called with ``*args, **kwargs``)."""
        return self._sum(self._current_inputs, init, label, args, kwargs)

    def sum_delta_inputs(self, init: Any, *args: Any, label: str | None = None, **kwargs: Any):
        """``init`` plus every delta input (functions called with ``*args, **kwargs``)."""
        return self._sum(self._delta_inputs, init, label, args, kwargs)

    def _fused_delta_input(self, y: Any, beta: Any) -> Any:
        """``beta * y`` plus one pending :class:`Increment` delta input, in one kernel call.

        For a state decaying by the factor ``beta`` over the step: returns ``beta * y +
        increment`` and consumes that input, or None (nothing consumed) where no delta input
        can be fused. The other delta inputs are left for :meth:`sum_delta_inputs`.
        """
        inputs = self._delta_inputs
        if not inputs:
            return None
        for key, inp in inputs.items():
            if isinstance(inp, Increment):
                fused = self._fuse(inp, key, y, beta)
                if fused is not None:
                    del inputs[key]
                    return fused
        return None

    # -- modules run around the update ------------------------------------------------------
    @property
    def before_updates(self) -> dict[Hashable, Any] | None:
        return self._before_updates

    @property
    def after_updates(self) -> dict[Hashable, Any] | None:
        return self._after_updates

    def _add_before_update(self, key: Hashable, fun: Any) -> None:
        if self._before_updates is None:
            self._before_updates = {}
        if key in self._before_updates:
            raise KeyError(f"{key!r} is already registered in before_updates of {self._label()}")
        self._before_updates[key] = fun

    def _add_after_update(self, key: Hashable, fun: Any) -> None:
        if self._after_updates is None:
            self._after_updates = {}
        if key in self._after_updates:
            raise KeyError(f"{key!r} is already registered in after_updates of {self._label()}")
        self._after_updates[key] = fun

    def _has_before_update(self, key: Hashable) -> bool:
        return self._before_updates is not None and key in self._before_updates

    def _has_after_update(self, key: Hashable) -> bool:
        return self._after_updates is not None and key in self._after_updates

    def _get_before_update(self, key: Hashable) -> Any:
        if not self._has_before_update(key):
            raise KeyError(f"{key!r} is not registered in before_updates of {self._label()}")
        return self._before_updates[key]  # type: ignore[index]

    def _get_after_update(self, key: Hashable) -> Any:
        if not self._has_after_update(key):
            raise KeyError(f"{key!r} is not registered in after_updates of {self._label()}")
        return self._after_updates[key]  # type: ignore[index]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._before_updates:
            for fun in self._before_updates.values():
                if getattr(fun, "_receive_update_input", False):
                    fun(*args, **kwargs)
                else:
                    fun()
        try:
            out = self.update(*args, **kwargs)
        except (TypeError, ValueError) as e:
            _note_batch_mismatch(self, args, kwargs, e)
            raise
        if self._after_updates:
            for fun in self._after_updates.values():
                if getattr(fun, "_not_receive_update_output", False):
                    fun()
                else:
                    fun(out)
        return out

    # -- access to this population's variables ---------------------------------------------
    def prefetch(self, item: str) -> Prefetch:
        """A reference to this population's variable ``item`` (``.delay.at(t)`` for delays)."""
        return Prefetch(self, item)

    def prefetch_delay(self, item: str, delay_time: Any, *indices: Any) -> PrefetchDelayAt:
        """``prefetch(item).delay.at(delay_time, *indices)`` (brainstate 0.1's shorthand)."""
        return self.prefetch(item).delay.at(delay_time, *indices)

    def align_pre(self, dyn: Any) -> Any:
        """Run ``dyn`` (or build it from a description, once per description) after this
        population's update, fed with its output; returns the instance. A description
        without ``in_size`` is built with this population's ``varshape``."""
        if isinstance(dyn, Dynamics):
            self._add_after_update(dyn.name or id(dyn), dyn)
            return dyn
        if isinstance(dyn, ParamDescriber):
            key = dyn.identifier
            if not self._has_after_update(key):
                sized = "in_size" in dyn.kwargs or dyn.args
                # a description without a size gets this population's (as in brainstate 0.1)
                self._add_after_update(key, dyn() if sized else dyn(in_size=self.varshape))
            return self._get_after_update(key)
        raise TypeError(
            f"align_pre expects a Dynamics or a description (Cls.desc(...)), got {dyn!r}"
        )

    def __pretty_repr_items__(self):
        for key, value in super().__pretty_repr_items__():
            yield key, value
        for key in ("_before_updates", "_after_updates", "_current_inputs", "_delta_inputs"):
            value = self.__dict__.get(key)
            if value:
                yield key[1:], value


class Projection(Module):
    """Base class of projections (synaptic connections between populations).

    A projection's ``update`` moves activity from a source to a target (usually by
    registering inputs on a :class:`Dynamics` target). :class:`DynamicsGroup` updates its
    projections before its populations. A projection that only groups other projections
    (its direct children) needs no ``update`` of its own: by default it calls each child
    with its arguments, as in brainstate 0.1.

    Raises:
        NotImplementedError: ``update`` of a projection that neither defines it nor holds
            child modules.
    """

    def update(self, *args: Any, **kwargs: Any) -> Any:
        # only projections: a population it refers to is updated by its group, not here
        found = cast(FlattedDict, nodes(self, Projection, allowed_hierarchy=(1, 1)))
        if not found:
            raise NotImplementedError(
                f"{type(self).__name__} must implement update() (or hold the projections it "
                "groups as attributes, which update() then calls in turn)."
            )
        for child in found.values():
            child(*args, **kwargs)


class DynamicsGroup(Module):
    """A network of modules: ``update()`` runs projections, then dynamics, then the rest.

    Args:
        *children_as_tuple: modules, in order.
        **children_as_dict: named modules.

    Examples:
        >>> import brainstate_nn as nn
        >>> order = []
        >>> class Pop(nn.Dynamics):
        ...     def update(self):
        ...         order.append("pop")
        >>> class Proj(nn.Projection):
        ...     def update(self):
        ...         order.append("proj")
        >>> nn.DynamicsGroup(Pop(2), Proj(), b=Pop(3)).update()
        >>> order
        ['proj', 'pop', 'pop']
    """

    def __init__(self, *children_as_tuple: Any, **children_as_dict: Any) -> None:
        super().__init__()
        self.layers_tuple = tuple(children_as_tuple)
        self.layers_dict = dict(children_as_dict)

    def _children(self) -> list[Any]:
        # every direct sub-module: the constructor's arguments and attributes set by a subclass
        return list(cast(FlattedDict, nodes(self, Module, allowed_hierarchy=(1, 1))).values())

    def update(self, *args: Any, **kwargs: Any) -> None:
        children = self._children()
        for child in children:
            if isinstance(child, Projection):
                child()
        for child in children:
            if isinstance(child, Dynamics):
                child()
        for child in children:
            if not isinstance(child, (Projection, Dynamics)) and callable(child):
                child()


# -- references to a population's variable ------------------------------------------------
def delay_key(item: str) -> str:
    return f"{item}-delay"


class Prefetch(Module):
    """A reference to ``module.<item>``; calling it gives the current value."""

    def __init__(self, module: Module, item: str) -> None:
        super().__init__()
        self.module = module
        self.item = item

    def _target(self) -> Any:
        if not hasattr(self.module, self.item):
            raise AttributeError(f"{self.module._label()} has no attribute {self.item!r}")
        return getattr(self.module, self.item)

    @property
    def delay(self) -> PrefetchDelay:
        """Delayed access: ``prefetch('V').delay.at(2 * u.ms)``."""
        return PrefetchDelay(self.module, self.item)

    def update(self, *args: Any, **kwargs: Any) -> Any:
        target = self._target()
        return target.value if isinstance(target, State) else target


class PrefetchDelay(Module):
    """``prefetch(item).delay``; ``.at(time)`` gives a delayed reference."""

    def __init__(self, module: Module, item: str) -> None:
        super().__init__()
        self.module = module
        self.item = item

    def at(self, time: Any, *indices: Any) -> PrefetchDelayAt:
        """The value ``time`` ago (at ``indices`` of it, if given)."""
        return PrefetchDelayAt(self.module, self.item, time, *indices)


class PrefetchDelayAt(Module):
    """The value of ``module.<item>`` ``time`` ago (a :class:`StateWithDelay` records it),
    at ``indices`` of it if given."""

    def __init__(self, module: Module, item: str, time: Any, *indices: Any) -> None:
        super().__init__()
        from .delay import StateWithDelay

        if not isinstance(module, Dynamics):
            raise TypeError(f"delayed access needs a Dynamics module, got {module!r}")
        self.module = module
        self.item = item
        self.time = time
        key = delay_key(item)
        if not module._has_after_update(key):
            module._add_after_update(key, not_receive_update_output(StateWithDelay(module, item)))
        self.state_delay = module._get_after_update(key)
        self.entry = f"prefetch-{id(self)}"
        self.state_delay.register_entry(self.entry, time, *indices)

    def update(self, *args: Any, **kwargs: Any) -> Any:
        return self.state_delay.at(self.entry)


# -- flags for modules run around an update -------------------------------------------------
def receive_update_output(obj: T) -> T:
    """Mark an after-update module to receive the update's output (the default)."""
    obj._not_receive_update_output = False  # type: ignore[attr-defined]
    return obj


def not_receive_update_output(obj: T) -> T:
    """Mark an after-update module to be called without arguments."""
    obj._not_receive_update_output = True  # type: ignore[attr-defined]
    return obj


def receive_update_input(obj: T) -> T:
    """Mark a before-update module to receive the update's arguments."""
    obj._receive_update_input = True  # type: ignore[attr-defined]
    return obj
