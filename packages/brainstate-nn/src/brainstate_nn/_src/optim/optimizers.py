"""Optimizers with brainstate 0.1's names and arguments, built on optax transforms.

Each class builds an optax ``GradientTransformation`` and trains the registered States
with it (see :class:`OptaxOptimizer`). The learning rate ``lr`` may be a float, a scalar
State or a :class:`LearningRateScheduler`; it is kept in ``optimizer.lr`` (a scheduler,
:class:`ConstantLR` for a float) and read at each update, so changing it — or stepping the
scheduler — takes effect in compiled code too. After each update the scheduler's call
counter advances (``lr.step_call()``).

``weight_decay`` (except for :class:`AdamW`, :class:`LARS` and :class:`Adan`, whose decay
is decoupled) adds ``weight_decay * w`` to the gradient before the update, as PyTorch's
``weight_decay`` does. (brainstate 0.1 multiplied the weights by ``1 - weight_decay``
after the update instead.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import optax

from brainstate_core import State

from .base import OptaxOptimizer, OptimizerError
from .schedulers import LearningRateScheduler, make_schedule

__all__ = [
    "ScheduledOptimizer",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adan",
    "LARS",
    "Momentum",
    "MomentumNesterov",
    "RMSProp",
]

LR = float | State | LearningRateScheduler


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise OptimizerError(message)


def _check_beta(name: str, value: float) -> None:
    _check(0.0 <= value < 1.0, f"{name} must be in [0, 1), got {value!r}")


def _check_decay(value: float | None) -> float:
    if value is None:
        return 0.0
    _check(value >= 0.0, f"weight_decay must be >= 0, got {value!r}")
    return float(value)


def _with_l2(weight_decay: float, tx: optax.GradientTransformation) -> Any:
    """``tx`` applied to ``grad + weight_decay * w`` (no-op for ``weight_decay == 0``)."""
    if not weight_decay:
        return tx
    return optax.chain(optax.add_decayed_weights(weight_decay), tx)


class ScheduledOptimizer(OptaxOptimizer):
    """An :class:`OptaxOptimizer` whose learning rate is a scheduler read at each update."""

    lr: LearningRateScheduler

    def __init__(self, lr: LR, build: Callable[[Any], optax.GradientTransformation]) -> None:
        sched = make_schedule(lr)
        super().__init__(build(self._current_lr))
        self.lr = sched

    def _current_lr(self, count: Any = None) -> Any:
        # an optax schedule that ignores optax's count: the scheduler keeps its own
        return self.lr()

    def update(self, grads: Mapping[Any, Any]) -> None:
        """Update the registered weights from their gradients, then step the scheduler.

        Args:
            grads: the gradients keyed by the registered paths (e.g. the result of
                ``brainstate_augment.grad(loss_fn, optimizer.param_states)()``).

        Raises:
            OptimizerError: no weights registered, paths that differ from the registered
                ones (all are listed), or a gradient of the wrong structure or shape (its
                path is named). No State is modified then.
        """
        self._apply(grads)
        self.lr.step_call()


class SGD(ScheduledOptimizer):
    r"""Stochastic gradient descent: :math:`w \leftarrow w - \eta\, g` (``optax.sgd``).

    Args:
        lr: the learning rate (a float, a scalar State or a scheduler).
        weight_decay: L2 penalty added to the gradient (``None`` or ``0``: none).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_augment as ba
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> w = bsc.ParamState(jnp.array([1.0, -2.0]))
        >>> opt = nn.optim.SGD(lr=0.25).register_trainable_weights({("w",): w})
        >>> opt.update(ba.grad(lambda: jnp.sum(w.value**2), opt.param_states)())
        >>> w.value.tolist()
        [0.5, -1.0]
    """

    def __init__(self, lr: LR, weight_decay: float | None = None) -> None:
        self.weight_decay = _check_decay(weight_decay)
        super().__init__(lr, lambda lr_fn: _with_l2(self.weight_decay, optax.sgd(lr_fn)))


class Momentum(ScheduledOptimizer):
    r"""SGD with heavy-ball momentum (``optax.sgd(momentum=...)``).

    :math:`v \leftarrow \mu v + g,\; w \leftarrow w - \eta v` (for a constant learning rate
    the same as brainstate 0.1's :math:`v \leftarrow \mu v - \eta g,\; w \leftarrow w + v`).

    Args:
        lr: the learning rate (a float, a scalar State or a scheduler).
        momentum: the momentum coefficient :math:`\mu`.
        weight_decay: L2 penalty added to the gradient.

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.optim.Momentum(lr=0.1, momentum=0.9).momentum
        0.9
    """

    def __init__(self, lr: LR, momentum: float = 0.9, weight_decay: float | None = None) -> None:
        _check_beta("momentum", momentum)
        self.momentum = momentum
        self.weight_decay = _check_decay(weight_decay)
        super().__init__(
            lr,
            lambda lr_fn: _with_l2(self.weight_decay, optax.sgd(lr_fn, momentum=momentum)),
        )


class MomentumNesterov(ScheduledOptimizer):
    r"""SGD with Nesterov momentum (``optax.sgd(momentum=..., nesterov=True)``).

    Args:
        lr: the learning rate (a float, a scalar State or a scheduler).
        weight_decay: L2 penalty added to the gradient.
        momentum: the momentum coefficient.

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.optim.MomentumNesterov(lr=0.1).momentum
        0.9
    """

    def __init__(self, lr: LR, weight_decay: float | None = None, momentum: float = 0.9) -> None:
        _check_beta("momentum", momentum)
        self.momentum = momentum
        self.weight_decay = _check_decay(weight_decay)
        super().__init__(
            lr,
            lambda lr_fn: _with_l2(
                self.weight_decay, optax.sgd(lr_fn, momentum=momentum, nesterov=True)
            ),
        )


class Adagrad(ScheduledOptimizer):
    r"""Adagrad (``optax.adagrad``).

    :math:`G \leftarrow G + g^2,\; w \leftarrow w - \eta g / \sqrt{G + \epsilon}`.

    Args:
        lr: the learning rate (a float, a scalar State or a scheduler).
        weight_decay: L2 penalty added to the gradient.
        epsilon: added to the accumulator under the square root.
        initial_accumulator_value: the initial value of :math:`G` (brainstate 0.1: 0).

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.optim.Adagrad(lr=0.1).epsilon
        1e-06
    """

    def __init__(
        self,
        lr: LR,
        weight_decay: float | None = None,
        epsilon: float = 1e-6,
        initial_accumulator_value: float = 0.0,
    ) -> None:
        _check(epsilon >= 0, f"epsilon must be >= 0, got {epsilon!r}")
        self.weight_decay = _check_decay(weight_decay)
        self.epsilon = epsilon
        self.initial_accumulator_value = initial_accumulator_value
        super().__init__(
            lr,
            lambda lr_fn: _with_l2(
                self.weight_decay,
                optax.adagrad(
                    lr_fn, initial_accumulator_value=initial_accumulator_value, eps=epsilon
                ),
            ),
        )


class Adadelta(ScheduledOptimizer):
    """Adadelta (``optax.adadelta``).

    Args:
        lr: the learning rate (a float, a scalar State or a scheduler). The paper uses no
            learning rate (1.0, the default here). brainstate 0.1 ignored ``lr`` (so it
            always behaved as 1.0) although its default was 0.01.
        weight_decay: L2 penalty added to the gradient.
        epsilon: numerical stability constant.
        rho: the decay rate of the running averages.

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.optim.Adadelta().rho
        0.95
    """

    def __init__(
        self,
        lr: LR = 1.0,
        weight_decay: float | None = None,
        epsilon: float = 1e-6,
        rho: float = 0.95,
    ) -> None:
        _check_beta("rho", rho)
        self.weight_decay = _check_decay(weight_decay)
        self.epsilon = epsilon
        self.rho = rho
        super().__init__(
            lr,
            lambda lr_fn: _with_l2(self.weight_decay, optax.adadelta(lr_fn, rho=rho, eps=epsilon)),
        )


class RMSProp(ScheduledOptimizer):
    r"""RMSProp (``optax.rmsprop``).

    :math:`c \leftarrow \rho c + (1-\rho) g^2,\; w \leftarrow w - \eta g / \sqrt{c + \epsilon}`.

    Args:
        lr: the learning rate (a float, a scalar State or a scheduler).
        weight_decay: L2 penalty added to the gradient.
        epsilon: added under the square root.
        rho: the decay rate of the running average of squared gradients.
        centered: divide by the variance instead of the second moment.
        momentum: optional momentum on the rescaled updates.

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.optim.RMSProp(lr=0.01).rho
        0.9
    """

    def __init__(
        self,
        lr: LR,
        weight_decay: float | None = None,
        epsilon: float = 1e-6,
        rho: float = 0.9,
        centered: bool = False,
        momentum: float | None = None,
    ) -> None:
        _check_beta("rho", rho)
        self.weight_decay = _check_decay(weight_decay)
        self.epsilon = epsilon
        self.rho = rho
        self.centered = centered
        self.momentum = momentum
        super().__init__(
            lr,
            lambda lr_fn: _with_l2(
                self.weight_decay,
                optax.rmsprop(
                    lr_fn,
                    decay=rho,
                    eps=epsilon,
                    eps_in_sqrt=True,
                    centered=centered,
                    momentum=momentum,
                ),
            ),
        )


class Adam(ScheduledOptimizer):
    """Adam (``optax.adam``).

    The bias corrections use the number of ``update`` calls (kept by optax in the optimizer
    state); brainstate 0.1's Adam used the scheduler's *epoch* counter instead, so its
    corrections were wrong whenever an epoch had more than one batch.

    Args:
        lr: the learning rate (a float, a scalar State or a scheduler).
        beta1: the decay rate of the first-moment estimate.
        beta2: the decay rate of the second-moment estimate.
        eps: added to the denominator.
        weight_decay: L2 penalty added to the gradient (for decoupled decay use
            :class:`AdamW`).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_augment as ba
        >>> import brainstate_compile as bc
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> w = bsc.ParamState(jnp.array([1.0, -2.0]))
        >>> opt = nn.optim.Adam(lr=0.1).register_trainable_weights({("w",): w})
        >>> @bc.jit
        ... def step():
        ...     grads, loss = ba.grad(lambda: jnp.sum(w.value**2), opt.param_states,
        ...                           return_value=True)()
        ...     opt.update(grads)
        ...     return loss
        >>> losses = [float(step()) for _ in range(3)]
        >>> losses[0] > losses[1] > losses[2]
        True
    """

    def __init__(
        self,
        lr: LR,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float | None = None,
    ) -> None:
        _check_beta("beta1", beta1)
        _check_beta("beta2", beta2)
        _check(eps >= 0, f"eps must be >= 0, got {eps!r}")
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.weight_decay = _check_decay(weight_decay)
        super().__init__(
            lr,
            lambda lr_fn: _with_l2(
                self.weight_decay, optax.adam(lr_fn, b1=beta1, b2=beta2, eps=eps)
            ),
        )


class AdamW(ScheduledOptimizer):
    r"""Adam with decoupled weight decay (``optax.adamw``).

    :math:`w \leftarrow w - \eta\,(\hat m / (\sqrt{\hat v} + \epsilon) + \lambda w)`: the
    decay is multiplied by the learning rate, as in PyTorch.

    Args:
        lr: the learning rate (a float, a scalar State or a scheduler).
        beta1: the decay rate of the first-moment estimate.
        beta2: the decay rate of the second-moment estimate.
        eps: added to the denominator.
        weight_decay: the decoupled weight-decay coefficient :math:`\lambda`.
        amsgrad: use the AMSGrad variant (the maximum of past second moments).
        mask: which weights to decay: a pytree of bools shaped like the weights (a
            ``FlattedDict`` keyed by path) or a function of the weights giving one.

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.optim.AdamW(lr=1e-3).weight_decay
        0.01
    """

    def __init__(
        self,
        lr: LR,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        mask: Any = None,
    ) -> None:
        _check_beta("beta1", beta1)
        _check_beta("beta2", beta2)
        _check(eps >= 0, f"eps must be >= 0, got {eps!r}")
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.weight_decay = _check_decay(weight_decay)
        self.amsgrad = amsgrad

        def build(lr_fn: Any) -> optax.GradientTransformation:
            if not amsgrad:
                return optax.adamw(
                    lr_fn, b1=beta1, b2=beta2, eps=eps, weight_decay=self.weight_decay, mask=mask
                )
            return optax.chain(
                optax.scale_by_amsgrad(b1=beta1, b2=beta2, eps=eps),
                optax.add_decayed_weights(self.weight_decay, mask),
                optax.scale_by_learning_rate(lr_fn),
            )

        super().__init__(lr, build)


class LARS(ScheduledOptimizer):
    """Layer-wise adaptive rate scaling (``optax.lars``).

    brainstate 0.1's LARS rejected any weight decay although its default was ``1e-4``, so
    it could not be constructed with its defaults; here the decay is applied.

    Args:
        lr: the learning rate (a float, a scalar State or a scheduler).
        momentum: the momentum coefficient.
        weight_decay: the weight-decay coefficient (added before the trust ratio).
        tc: the trust coefficient.
        eps: added to the denominator of the trust ratio.
        nesterov: use Nesterov momentum.

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.optim.LARS(lr=0.1).tc
        0.001
    """

    def __init__(
        self,
        lr: LR,
        momentum: float = 0.9,
        weight_decay: float = 1e-4,
        tc: float = 1e-3,
        eps: float = 1e-5,
        nesterov: bool = False,
    ) -> None:
        _check_beta("momentum", momentum)
        self.momentum, self.tc, self.eps = momentum, tc, eps
        self.weight_decay = _check_decay(weight_decay)
        super().__init__(
            lr,
            lambda lr_fn: optax.lars(
                lr_fn,
                weight_decay=self.weight_decay,
                trust_coefficient=tc,
                eps=eps,
                momentum=momentum,
                nesterov=nesterov,
            ),
        )


def _proximal_decay(weight_decay: float, lr_fn: Callable[[Any], Any]) -> Any:
    """Turn an update ``u`` into the proximal step ``(w + u) / (1 + lr * wd) - w``."""

    def init(params: Any) -> optax.EmptyState:
        return optax.EmptyState()

    def update(updates: Any, state: Any, params: Any = None) -> tuple[Any, Any]:
        if params is None:
            raise OptimizerError("Adan's proximal weight decay needs the weights")
        scale = 1 + lr_fn(None) * weight_decay
        new = jax.tree.map(lambda w, u: (w + u) / scale - w, params, updates)
        return new, state

    return optax.GradientTransformation(init, update)


class Adan(ScheduledOptimizer):
    r"""Adan, adaptive Nesterov momentum (``optax.scale_by_adan``).

    ``betas`` follow the paper and brainstate 0.1 (the weight of the new value, e.g.
    :math:`m \leftarrow (1-\beta_1) m + \beta_1 g`); optax's decay rates are
    ``1 - betas``. Bias corrections use the number of updates (brainstate 0.1 used the
    epoch counter).

    Args:
        lr: the learning rate (a float, a scalar State or a scheduler).
        betas: the three averaging coefficients :math:`(\beta_1, \beta_2, \beta_3)`.
        eps: added to the denominator.
        weight_decay: the decoupled weight-decay coefficient :math:`\lambda`.
        no_prox: ``False`` (default): the paper's proximal step
            :math:`w \leftarrow (w - \eta u) / (1 + \lambda\eta)`; ``True``: the AdamW-like
            :math:`w \leftarrow w - \eta (u + \lambda w)` (what ``optax.adan`` does).

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.optim.Adan().betas
        (0.02, 0.08, 0.01)
    """

    def __init__(
        self,
        lr: LR = 1e-3,
        betas: Sequence[float] = (0.02, 0.08, 0.01),
        eps: float = 1e-8,
        weight_decay: float = 0.02,
        no_prox: bool = False,
    ) -> None:
        betas = tuple(float(b) for b in betas)
        _check(len(betas) == 3, f"betas must hold three values, got {betas!r}")
        for k, b in enumerate(betas):
            _check_beta(f"betas[{k}]", b)
        _check(eps >= 0, f"eps must be >= 0, got {eps!r}")
        self.betas, self.eps, self.no_prox = betas, eps, no_prox
        self.weight_decay = _check_decay(weight_decay)

        def build(lr_fn: Any) -> optax.GradientTransformation:
            adan = optax.scale_by_adan(
                b1=1 - betas[0], b2=1 - betas[1], b3=1 - betas[2], eps=eps, eps_root=0.0
            )
            if no_prox or not self.weight_decay:
                return optax.chain(
                    adan,
                    optax.add_decayed_weights(self.weight_decay),
                    optax.scale_by_learning_rate(lr_fn),
                )
            return optax.chain(
                adan,
                optax.scale_by_learning_rate(lr_fn),
                _proximal_decay(self.weight_decay, lr_fn),
            )

        super().__init__(lr, build)
