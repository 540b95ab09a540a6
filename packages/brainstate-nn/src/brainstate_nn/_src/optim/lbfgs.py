"""``LBFGS``: limited-memory BFGS on optax, with the pure loss function its line search needs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import optax

from brainstate_graph import FlattedDict

from .base import OptimizerError
from .optimizers import LR, ScheduledOptimizer

__all__ = ["LBFGS", "stateless_value_fn"]


def stateless_value_fn(
    value_fn: Callable[[], Any], param_states: FlattedDict
) -> Callable[[FlattedDict], Any]:
    """A pure function of the weights' values from a loss that reads the weights' States.

    The returned function puts the given values into the States (without recording the
    writes), calls ``value_fn()`` and puts the previous values back. It is what optax's
    line searches call (inside ``jax.lax.while_loop``); ``value_fn`` must only read States.
    """
    states = list(param_states.items())

    def pure(params: FlattedDict) -> Any:
        old = [s.value for _, s in states]
        try:
            for key, s in states:
                s.restore_value(params[key])
            return value_fn()
        finally:
            for (_, s), v in zip(states, old):
                s.restore_value(v)

    return pure


class LBFGS(ScheduledOptimizer):
    """Limited-memory BFGS (``optax.lbfgs``), by default with a zoom line search.

    The line search evaluates the loss at trial weights, so :meth:`update` also takes the
    loss value at the current weights and the loss function itself.

    Args:
        lr: the learning rate; ``None`` (default) lets the line search choose the step.
        memory_size: the number of past updates kept for the Hessian approximation.
        scale_init_precond: scale the initial inverse Hessian as in Nocedal & Wright.
        linesearch: an optax line search (default ``optax.scale_by_zoom_linesearch(20)``),
            or ``None`` for none (then ``update`` needs only the gradients).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_augment as ba
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> w = bsc.ParamState(jnp.array([1.0, -2.0]))
        >>> opt = nn.optim.LBFGS().register_trainable_weights({("w",): w})
        >>> loss_fn = lambda: jnp.sum((w.value - 3.0) ** 2)
        >>> for _ in range(3):
        ...     grads, loss = ba.grad(loss_fn, opt.param_states, return_value=True)()
        ...     opt.update(grads, value=loss, value_fn=loss_fn)
        >>> [round(float(v), 4) for v in w.value]
        [3.0, 3.0]
    """

    _DEFAULT: Any = object()

    def __init__(
        self,
        lr: LR | None = None,
        memory_size: int = 10,
        scale_init_precond: bool = True,
        linesearch: Any = _DEFAULT,
    ) -> None:
        if memory_size < 1:
            raise OptimizerError(f"memory_size must be >= 1, got {memory_size!r}")
        if linesearch is LBFGS._DEFAULT:
            linesearch = optax.scale_by_zoom_linesearch(
                max_linesearch_steps=20, initial_guess_strategy="one"
            )
        self.memory_size = memory_size
        self.has_linesearch = linesearch is not None
        fixed_lr = lr is None
        super().__init__(
            1.0 if fixed_lr else lr,
            lambda lr_fn: optax.lbfgs(
                None if fixed_lr else lr_fn,
                memory_size=memory_size,
                scale_init_precond=scale_init_precond,
                linesearch=linesearch,
            ),
        )

    def update(  # type: ignore[override]
        self,
        grads: Mapping[Any, Any],
        value: Any = None,
        value_fn: Callable[[], Any] | None = None,
    ) -> None:
        """Update the registered weights, searching along the L-BFGS direction.

        Args:
            grads: the gradients keyed by the registered paths.
            value: the loss at the current weights (needed with a line search).
            value_fn: the loss as a function of no arguments that reads the registered
                States, e.g. the function given to ``grad`` with its arguments bound
                (needed with a line search; it must not write States).

        Raises:
            OptimizerError: as :meth:`OptaxOptimizer.update`, or ``value``/``value_fn``
                missing while a line search is used.
        """
        extra: dict[str, Any] = {}
        if self.has_linesearch:
            if value is None or value_fn is None:
                raise OptimizerError(
                    "LBFGS.update() with a line search needs the loss: pass "
                    "`update(grads, value=loss, value_fn=loss_fn)` (grad(..., "
                    "return_value=True) gives the loss), or build LBFGS(linesearch=None)."
                )
            matched = self._matched_grads(grads)
            extra = dict(
                value=value,
                grad=matched,
                value_fn=stateless_value_fn(value_fn, self.param_states),
            )
        self._apply(grads, **extra)
        self.lr.step_call()
