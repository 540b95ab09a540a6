"""``OptimState``, ``OptimizerError``, the ``Optimizer`` base and ``OptaxOptimizer``.

An optimizer keeps the States it trains in ``param_states`` (a ``FlattedDict`` keyed by
path, as :func:`brainstate_graph.states` gives them) and its own state (moments, step
counts) in :class:`OptimState` objects, so a whole training step — gradient and update —
compiles with :func:`brainstate_compile.jit`: the States are found by tracing and written
back after each call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import optax

from brainstate_core import BrainStateError, LongTermState, State
from brainstate_graph import FlattedDict, NestedDict, Node

__all__ = ["OptaxOptimizer", "OptimState", "Optimizer", "OptimizerError"]


class OptimizerError(BrainStateError, ValueError):
    """An optimizer or learning-rate scheduler was given something it cannot use.

    Usual causes and fixes:

    1. ``update(grads)`` got gradients whose paths differ from the registered weights
       (the message lists the missing and the unexpected paths): take the gradients with
       respect to the same collection that was registered, e.g.
       ``grad(loss_fn, optimizer.param_states)``;
    2. a gradient whose shape or structure differs from its weight's (the message names
       the path);
    3. ``register_trainable_weights`` got something that is not a State (pass
       ``model.states(ParamState)``, not the values) or the same State twice;
    4. ``update`` before ``register_trainable_weights``;
    5. an invalid hyper-parameter (negative learning rate, decay outside its range, ...).

    Nothing is modified when this error is raised.
    """


class OptimState(LongTermState):
    """A State holding optimizer state: moments, step counts, learning-rate counters.

    A :class:`brainstate_core.LongTermState`, so it is saved with checkpoints and filtered
    apart from parameters: ``graph.states(optimizer, OptimState)``.
    """


def _path(key: Any) -> str:
    return repr(key)


def _as_flat_mapping(collection: Any, what: str, nested_ok: bool = False) -> list[tuple[Any, Any]]:
    if nested_ok and isinstance(collection, NestedDict):
        collection = collection.to_flat()
    if not isinstance(collection, Mapping):
        raise OptimizerError(
            f"{what} must be a dict or FlattedDict keyed by path (e.g. "
            f"`model.states(ParamState)`), got {type(collection).__name__}"
        )
    return list(collection.items())


def _one_of(param_states: Any, train_states: Any, states: Any) -> Any:
    given = [x for x in (param_states, train_states, states) if x is not None]
    if len(given) > 1:
        raise OptimizerError(
            "register_trainable_weights: give the States once (param_states, or brainstate "
            "0.1's train_states/states), not under two names."
        )
    return given[0] if given else None


class Optimizer(Node):
    """Base class of optimizers: trains the States registered with it.

    Subclasses implement :meth:`update`. The registered States are kept in
    ``param_states``, a ``FlattedDict`` from path to State; optimizer state lives in
    :class:`OptimState` objects held as attributes, so that the optimizer is a graph Node
    whose States are found by transforms and checkpoints.

    Attributes:
        param_states: the registered weights, ``{path: State}``.
    """

    param_states: FlattedDict

    def __init__(self) -> None:
        self.param_states = FlattedDict()

    def register_trainable_weights(
        self,
        param_states: Mapping[Any, State] | None = None,
        *,
        train_states: Mapping[Any, State] | None = None,
        states: Mapping[Any, State] | None = None,
    ) -> Optimizer:
        """Register the States to train, keyed by path.

        Args:
            param_states: a ``FlattedDict`` (``model.states(ParamState)``), ``NestedDict``
                or ``dict`` from path to State; None registers nothing.
            train_states: brainstate 0.1's name for ``param_states`` (some optimizers).
            states: brainstate 0.1's name for ``param_states`` (SGD).

        Returns:
            The optimizer itself (so calls chain).

        Raises:
            OptimizerError: a value is not a State, a State is given twice, or a path is
                already registered with another State; or the States are given under two
                names. Nothing is registered then.
        """
        param_states = _one_of(param_states, train_states, states)
        if param_states is None:
            return self
        items = _as_flat_mapping(
            param_states, "register_trainable_weights(param_states)", nested_ok=True
        )
        seen = {id(s): k for k, s in self.param_states.items()}
        new: list[tuple[Any, State]] = []
        for key, state in items:
            if not isinstance(state, State):
                raise OptimizerError(
                    f"register_trainable_weights: the entry at {_path(key)} is a "
                    f"{type(state).__name__}, not a State. Pass the States themselves (e.g. "
                    "`model.states(ParamState)`), not their values."
                )
            if id(state) in seen:
                if seen[id(state)] == key:
                    continue  # registered again under the same path: nothing to do
                raise OptimizerError(
                    f"register_trainable_weights: {state.describe()} is given at "
                    f"{_path(key)} but is already registered at {_path(seen[id(state)])}; "
                    "list each State once."
                )
            if key in self.param_states:
                raise OptimizerError(
                    f"register_trainable_weights: the path {_path(key)} is already "
                    "registered with another State; use distinct paths."
                )
            seen[id(state)] = key
            new.append((key, state))
        for key, state in new:
            self.param_states[key] = state
        self._on_register(new)
        return self

    def _on_register(self, new: list[tuple[Any, State]]) -> None:
        """Called after new weights were registered (subclasses create their state)."""

    def update(self, grads: Mapping[Any, Any]) -> None:
        """Update the registered weights from their gradients (keyed by the same paths)."""
        raise NotImplementedError(f"{type(self).__name__} must implement update()")

    # -- checks shared by subclasses ------------------------------------------------------
    def _matched_grads(self, grads: Any) -> FlattedDict:
        """The gradients in registration order, checked against the registered weights."""
        if not self.param_states:
            raise OptimizerError(
                f"{type(self).__name__}.update() was called before any weight was "
                "registered; call `register_trainable_weights(model.states(ParamState))` "
                "first."
            )
        items = dict(_as_flat_mapping(grads, f"{type(self).__name__}.update(grads)"))
        expected = self.param_states
        if len(items) != len(expected) or any(k not in items for k in expected):
            missing = [k for k in expected if k not in items]
            unexpected = [k for k in items if k not in expected]
            parts = []
            if missing:
                parts.append("missing gradients for " + ", ".join(map(_path, missing)))
            if unexpected:
                parts.append(
                    "unexpected gradients for "
                    + ", ".join(map(_path, unexpected))
                    + " (not registered)"
                )
            raise OptimizerError(
                f"{type(self).__name__}.update(): the gradients' paths do not match the "
                f"registered weights: {'; '.join(parts)}. Take the gradients with respect to "
                "the registered collection (e.g. `grad(loss_fn, optimizer.param_states)`), "
                "or register the other weights with `register_trainable_weights`."
            )
        out = FlattedDict()
        for key, state in expected.items():
            g = items[key]
            _check_like(key, state.value, g, type(self).__name__)
            out[key] = g
        return out

    def _param_values(self) -> FlattedDict:
        return FlattedDict((k, s.value) for k, s in self.param_states.items())


def _check_like(key: Any, param: Any, grad: Any, owner: str) -> None:
    p_leaves, p_def = jax.tree.flatten(param)
    g_leaves, g_def = jax.tree.flatten(grad)
    if p_def != g_def:
        raise OptimizerError(
            f"{owner}.update(): the gradient for {_path(key)} has tree structure {g_def}, "
            f"but the weight has {p_def}."
        )
    for i, (p, g) in enumerate(zip(p_leaves, g_leaves)):
        if jnp.shape(p) != jnp.shape(g):
            where = _path(key) if len(p_leaves) == 1 else f"{_path(key)} (leaf {i})"
            raise OptimizerError(
                f"{owner}.update(): the gradient for {where} has shape {jnp.shape(g)}, "
                f"but the weight has shape {jnp.shape(p)}."
            )


class OptaxOptimizer(Optimizer):
    """Trains registered States with an optax gradient transformation.

    The weights are handed to optax as a ``FlattedDict`` of their values in registration
    order (so optax masks and ``jax.tree`` paths see the same path keys), and optax's state
    is kept in one :class:`OptimState`, ``opt_state``. A training step that computes
    gradients with :func:`brainstate_augment.grad` and calls :meth:`update` compiles as a
    whole with :func:`brainstate_compile.jit`.

    Args:
        tx: an ``optax.GradientTransformation``.

    Attributes:
        tx: the optax transformation.
        opt_state: the optax state (``None`` until weights are registered).

    Raises:
        OptimizerError: ``tx`` is not an optax ``GradientTransformation``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import optax
        >>> import brainstate_augment as ba
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> w = bsc.ParamState(jnp.array([1.0, -2.0]))
        >>> opt = nn.optim.OptaxOptimizer(optax.sgd(0.1))
        >>> opt = opt.register_trainable_weights({("w",): w})
        >>> loss = lambda: jnp.sum(w.value**2)
        >>> opt.update(ba.grad(loss, opt.param_states)())
        >>> w.value.tolist()
        [0.800000011920929, -1.600000023841858]
    """

    tx: optax.GradientTransformation
    opt_state: OptimState | None

    def __init__(self, tx: optax.GradientTransformation) -> None:
        if not isinstance(tx, optax.GradientTransformation):
            raise OptimizerError(
                f"OptaxOptimizer(tx): tx must be an optax.GradientTransformation (e.g. "
                f"`optax.adam(1e-3)`), got {type(tx).__name__}"
            )
        super().__init__()
        self.tx = tx
        self.opt_state = None

    def _on_register(self, new: list[tuple[Any, State]]) -> None:
        # optax's state covers all weights at once: (re)initialise it over all of them.
        state = self.tx.init(self._param_values())
        if self.opt_state is None:
            self.opt_state = OptimState(state)
        else:
            self.opt_state.value = state

    def register_trainable_weights(
        self,
        param_states: Mapping[Any, State] | None = None,
        *,
        train_states: Mapping[Any, State] | None = None,
        states: Mapping[Any, State] | None = None,
    ) -> OptaxOptimizer:
        """Register the States to train, keyed by path, and initialise optax's state.

        Calling it again adds weights and restarts the optimizer state of all of them
        (optax's state is one pytree over all weights).

        Args:
            param_states: a ``FlattedDict`` (``model.states(ParamState)``), ``NestedDict``
                or ``dict`` from path to State; None registers nothing.
            train_states: brainstate 0.1's name for ``param_states``.
            states: brainstate 0.1's name for ``param_states``.

        Returns:
            The optimizer itself.

        Raises:
            OptimizerError: a value is not a State, a State is given twice, or a path is
                already registered with another State. Nothing is registered then.
        """
        super().register_trainable_weights(param_states, train_states=train_states, states=states)
        return self

    def _apply(self, grads: Any, **extra_args: Any) -> None:
        grads = self._matched_grads(grads)
        if self.opt_state is None:  # pragma: no cover - registration always sets it
            raise OptimizerError("register_trainable_weights must be called before update")
        params = self._param_values()
        updates, new_state = self.tx.update(grads, self.opt_state.value, params, **extra_args)
        new_params: Any = optax.apply_updates(params, updates)
        # everything is computed: now write (nothing is modified if anything above raised)
        self.opt_state.value = new_state
        for key, state in self.param_states.items():
            state.value = new_params[key]

    def update(self, grads: Mapping[Any, Any]) -> None:
        """Update the registered weights with optax from their gradients.

        Args:
            grads: the gradients keyed by the registered paths, e.g. the result of
                ``brainstate_augment.grad(loss_fn, optimizer.param_states)()`` (a
                ``FlattedDict`` or ``dict``, in any order).

        Raises:
            OptimizerError: no weights registered, paths that differ from the registered
                ones (all missing and unexpected paths are listed), or a gradient whose
                structure or shape differs from its weight's (the path is named). No State
                is modified then.
        """
        self._apply(grads)
