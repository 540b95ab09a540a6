"""Learning-rate schedulers (brainstate 0.1's set and semantics), usable inside ``jit``.

A scheduler is a graph Node whose counters live in :class:`OptimState` objects, so they
advance inside compiled code and are saved with checkpoints:

- ``scheduler()`` is the learning rate now: at epoch ``last_epoch + 1`` for epoch-based
  schedulers, at call ``last_call + 1`` for call-based ones;
- ``scheduler.step_epoch()`` (or ``scheduler.step()``) advances the epoch counter — call it
  once per epoch; ``scheduler.step_call()`` advances the call counter — optimizers call it
  after each ``update``;
- ``scheduler(i)`` is the closed form at step ``i``, which makes every scheduler an optax
  schedule: ``optax.adam(nn.optim.StepLR(0.1, step_size=10))``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from brainstate_core import State, environ
from brainstate_core.extend import is_tracer
from brainstate_graph import Node

from .base import OptimizerError, OptimState

__all__ = [
    "CallBasedLRScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "ExponentialDecayLR",
    "ExponentialLR",
    "InverseTimeDecayLR",
    "LearningRateScheduler",
    "MultiStepLR",
    "PiecewiseConstantLR",
    "PolynomialDecayLR",
    "StepLR",
    "make_schedule",
]


def _counter(value: int, name: str) -> OptimState:
    if not isinstance(value, (int, np.integer)) or value < -1:
        raise OptimizerError(f"{name} must be an int >= -1, got {value!r}")
    return OptimState(jnp.asarray(value, dtype=environ.ditype()))


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise OptimizerError(message)


def _count_passed(i: Any, marks: Any, strict: bool) -> Any:
    """How many of ``marks`` are below ``i`` (``<`` if strict, else ``<=``), elementwise."""
    i = jnp.asarray(i)
    marks = jnp.reshape(marks, (1,) * i.ndim + (-1,))
    below = marks < i[..., None] if strict else marks <= i[..., None]
    return jnp.sum(below, axis=-1)


class LearningRateScheduler(Node):
    """Base class of learning-rate schedulers counted in epochs.

    Args:
        lr: the initial (base) learning rate: a float, or a State holding it (read live).
        last_epoch: the index of the last finished epoch; ``-1`` starts at epoch 0.

    Attributes:
        last_epoch: an :class:`OptimState` holding the epoch counter.
    """

    def __init__(self, lr: float | State, last_epoch: int = -1) -> None:
        if isinstance(lr, State):
            self._lr = lr
        else:
            _check(jnp.ndim(lr) == 0, f"the learning rate must be a scalar, got {lr!r}")
            self._lr = OptimState(jnp.asarray(lr, dtype=environ.dftype()))
        self.last_epoch = _counter(last_epoch, "last_epoch")

    @property
    def lr(self) -> Any:
        """The base learning rate (settable; takes effect in compiled code too)."""
        return self._lr.value

    @lr.setter
    def lr(self, value: Any) -> None:
        if isinstance(value, State):
            value = value.value
        _check(jnp.ndim(value) == 0, f"the learning rate must be a scalar, got {value!r}")
        self._lr.value = jnp.asarray(value, dtype=jnp.result_type(self._lr.value))

    def step_epoch(self) -> None:
        """Advance the epoch counter by one (call once per epoch)."""
        self.last_epoch.value = self.last_epoch.value + 1

    def step(self) -> None:
        """Advance the epoch counter by one (the same as :meth:`step_epoch`)."""
        self.step_epoch()

    def step_call(self) -> None:
        """Advance the call counter (epoch-based schedulers have none: nothing happens)."""

    def current_step(self) -> Any:
        """The step the learning rate is taken at when none is given (next epoch)."""
        return self.last_epoch.value + 1

    def __call__(self, i: Any = None) -> Any:
        """The learning rate at step ``i`` (default: :meth:`current_step`)."""
        return self.rate(self.current_step() if i is None else i)

    def rate(self, i: Any) -> Any:
        """The closed form of the schedule at step ``i`` (subclasses implement it)."""
        raise NotImplementedError(f"{type(self).__name__} must implement rate()")


class CallBasedLRScheduler(LearningRateScheduler):
    """Base class of schedulers counted in calls (optimizer updates).

    Args:
        lr: the initial learning rate (a float or a State).
        last_epoch: the index of the last finished epoch.
        last_call: the index of the last call; ``-1`` starts at call 0.

    Attributes:
        last_call: an :class:`OptimState` holding the call counter.
    """

    def __init__(self, lr: float | State, last_epoch: int = -1, last_call: int = -1) -> None:
        super().__init__(lr=lr, last_epoch=last_epoch)
        self.last_call = _counter(last_call, "last_call")

    def step_call(self) -> None:
        """Advance the call counter by one (optimizers call it after each update)."""
        self.last_call.value = self.last_call.value + 1

    def current_step(self) -> Any:
        """The step the learning rate is taken at when none is given (next call)."""
        return self.last_call.value + 1


class ConstantLR(LearningRateScheduler):
    """A constant learning rate (what a float ``lr`` given to an optimizer becomes).

    Examples:
        >>> import brainstate_nn as nn
        >>> sch = nn.optim.ConstantLR(0.1)
        >>> float(sch()), float(sch(100))
        (0.10000000149011612, 0.10000000149011612)
    """

    def rate(self, i: Any) -> Any:
        return self.lr


class StepLR(LearningRateScheduler):
    """Decays the learning rate by ``gamma`` every ``step_size`` epochs.

    ``lr * gamma ** (epoch // step_size)``.

    Args:
        lr: the initial learning rate.
        step_size: the period of the decay, in epochs (>= 1).
        gamma: the multiplicative factor (in ``[0, 1]``).
        last_epoch: the index of the last finished epoch.

    Examples:
        >>> import brainstate_nn as nn
        >>> sch = nn.optim.StepLR(1.0, step_size=2, gamma=0.5)
        >>> [float(sch(i)) for i in range(5)]
        [1.0, 1.0, 0.5, 0.5, 0.25]
        >>> sch.step_epoch(); sch.step_epoch(); float(sch())
        0.5
    """

    def __init__(self, lr: float | State, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        super().__init__(lr=lr, last_epoch=last_epoch)
        _check(step_size >= 1, f"step_size must be >= 1, got {step_size!r}")
        _check(0.0 <= gamma <= 1.0, f"gamma must be in [0, 1], got {gamma!r}")
        self.step_size = step_size
        self.gamma = gamma

    def rate(self, i: Any) -> Any:
        return self.lr * self.gamma ** jnp.floor_divide(i, self.step_size)


class MultiStepLR(LearningRateScheduler):
    """Decays the learning rate by ``gamma`` at each milestone epoch.

    ``lr * gamma ** (number of milestones <= epoch)``.

    Args:
        lr: the initial learning rate.
        milestones: increasing epoch indices.
        gamma: the multiplicative factor (in ``[0, 1]``).
        last_epoch: the index of the last finished epoch.

    Examples:
        >>> import brainstate_nn as nn
        >>> sch = nn.optim.MultiStepLR(1.0, milestones=[2, 4], gamma=0.5)
        >>> [float(sch(i)) for i in range(6)]
        [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(
        self,
        lr: float | State,
        milestones: Sequence[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ):
        super().__init__(lr=lr, last_epoch=last_epoch)
        milestones = tuple(int(m) for m in milestones)
        _check(len(milestones) > 0, "milestones must be a non-empty sequence of epochs")
        _check(
            all(a < b for a, b in itertools.pairwise(milestones)),
            f"milestones must be strictly increasing, got {milestones}",
        )
        _check(0.0 <= gamma <= 1.0, f"gamma must be in [0, 1], got {gamma!r}")
        self.milestones = milestones
        self.gamma = gamma

    def rate(self, i: Any) -> Any:
        ms = jnp.asarray(self.milestones, dtype=environ.ditype())
        n = _count_passed(i, ms, strict=False)
        return self.lr * self.gamma**n


class CosineAnnealingLR(LearningRateScheduler):
    r"""Cosine annealing from ``lr`` to ``eta_min`` over ``T_max`` epochs (SGDR, no restarts).

    :math:`\eta_t = \eta_{min} + (\eta_{max} - \eta_{min})(1 + \cos(\pi t / T_{max})) / 2`.

    Args:
        lr: the initial learning rate (:math:`\eta_{max}`).
        T_max: the half period, in epochs (>= 1).
        eta_min: the minimum learning rate.
        last_epoch: the index of the last finished epoch.

    Examples:
        >>> import brainstate_nn as nn
        >>> sch = nn.optim.CosineAnnealingLR(1.0, T_max=4)
        >>> [round(float(sch(i)), 3) for i in range(5)]
        [1.0, 0.854, 0.5, 0.146, 0.0]
    """

    def __init__(self, lr: float | State, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        super().__init__(lr=lr, last_epoch=last_epoch)
        _check(T_max >= 1, f"T_max must be >= 1, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = eta_min

    def rate(self, i: Any) -> Any:
        cos = jnp.cos(jnp.pi * jnp.asarray(i, dtype=environ.dftype()) / self.T_max)
        return self.eta_min + (self.lr - self.eta_min) * (1 + cos) / 2


class CosineAnnealingWarmRestarts(CallBasedLRScheduler):
    r"""Cosine annealing with warm restarts (SGDR), counted in calls.

    The epoch is ``call // num_call_per_epoch``; the first period lasts ``T_0`` epochs and
    each next one ``T_mult`` times longer. Within a period,
    :math:`\eta = \eta_{min} + (\eta_{max} - \eta_{min})(1 + \cos(\pi T_{cur} / T_i)) / 2`.

    Args:
        lr: the initial learning rate.
        num_call_per_epoch: the number of calls (batches) per epoch.
        T_0: the length of the first period, in epochs (>= 1).
        T_mult: the growth factor of the periods (an int >= 1).
        eta_min: the minimum learning rate.
        last_epoch: the index of the last finished epoch.
        last_call: the index of the last call.

    Examples:
        >>> import brainstate_nn as nn
        >>> sch = nn.optim.CosineAnnealingWarmRestarts(1.0, num_call_per_epoch=1, T_0=2)
        >>> [round(float(sch(i)), 4) for i in range(5)]
        [1.0, 0.5, 1.0, 0.5, 1.0]
    """

    def __init__(
        self,
        lr: float | State,
        num_call_per_epoch: int,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
        last_call: int = -1,
    ):
        super().__init__(lr=lr, last_epoch=last_epoch, last_call=last_call)
        _check(isinstance(T_0, int) and T_0 >= 1, f"T_0 must be an int >= 1, got {T_0!r}")
        _check(
            isinstance(T_mult, int) and T_mult >= 1, f"T_mult must be an int >= 1, got {T_mult!r}"
        )
        _check(
            isinstance(num_call_per_epoch, int) and num_call_per_epoch >= 1,
            f"num_call_per_epoch must be an int >= 1, got {num_call_per_epoch!r}",
        )
        self.num_call_per_epoch = num_call_per_epoch
        self.T_0 = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min

    def current_epoch(self, i: Any = None) -> Any:
        """The epoch of call ``i`` (default: the next call)."""
        i = self.current_step() if i is None else i
        return jnp.floor_divide(i, self.num_call_per_epoch)

    def rate(self, i: Any) -> Any:
        epoch = self.current_epoch(i)
        ftype = environ.dftype()
        if self.T_mult == 1:
            t_cur = jnp.asarray(epoch % self.T_0, ftype)
            t_i = jnp.asarray(self.T_0, ftype)
        else:
            m, t0 = self.T_mult, self.T_0
            e = jnp.asarray(epoch, ftype)
            n = jnp.floor(jnp.log(e / t0 * (m - 1) + 1) / jnp.log(float(m)))

            # restart epochs of period n: t0 * (m**n - 1) / (m - 1); fix the float floor
            def start(k: Any) -> Any:
                return t0 * (m**k - 1) / (m - 1)

            n = n + (e >= start(n + 1)) - (e < start(n))
            t_cur = e - start(n)
            t_i = t0 * m**n
        return self.eta_min + (self.lr - self.eta_min) * (1 + jnp.cos(jnp.pi * t_cur / t_i)) / 2


class ExponentialLR(LearningRateScheduler):
    """Decays the learning rate by ``gamma`` every epoch: ``lr * gamma ** epoch``.

    Args:
        lr: the initial learning rate.
        gamma: the multiplicative factor (in ``[0, 1]``).
        last_epoch: the index of the last finished epoch.

    Examples:
        >>> import brainstate_nn as nn
        >>> sch = nn.optim.ExponentialLR(1.0, gamma=0.5)
        >>> [float(sch(i)) for i in range(3)]
        [1.0, 0.5, 0.25]
    """

    def __init__(self, lr: float | State, gamma: float, last_epoch: int = -1):
        super().__init__(lr=lr, last_epoch=last_epoch)
        _check(0.0 <= gamma <= 1.0, f"gamma must be in [0, 1], got {gamma!r}")
        self.gamma = gamma

    def rate(self, i: Any) -> Any:
        return self.lr * self.gamma ** jnp.asarray(i, dtype=environ.dftype())


class ExponentialDecayLR(CallBasedLRScheduler):
    """Exponential decay counted in calls: ``lr * decay_rate ** (call / decay_steps)``.

    Args:
        lr: the initial learning rate.
        decay_steps: the number of calls over which the rate is multiplied by
            ``decay_rate`` (> 0).
        decay_rate: the decay factor.
        staircase: decay in steps (``call // decay_steps``) instead of continuously.
        last_epoch: the index of the last finished epoch.
        last_call: the index of the last call.

    Examples:
        >>> import brainstate_nn as nn
        >>> sch = nn.optim.ExponentialDecayLR(1.0, decay_steps=2, decay_rate=0.25)
        >>> [float(sch(i)) for i in range(3)]
        [1.0, 0.5, 0.25]
    """

    def __init__(
        self,
        lr: float | State,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        last_epoch: int = -1,
        last_call: int = -1,
    ):
        super().__init__(lr=lr, last_epoch=last_epoch, last_call=last_call)
        _check(decay_steps > 0, f"decay_steps must be > 0, got {decay_steps!r}")
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase

    def _progress(self, i: Any) -> Any:
        p = jnp.asarray(i, dtype=environ.dftype()) / self.decay_steps
        return jnp.floor(p) if self.staircase else p

    def rate(self, i: Any) -> Any:
        return self.lr * self.decay_rate ** self._progress(i)


class InverseTimeDecayLR(ExponentialDecayLR):
    """Inverse-time decay counted in calls: ``lr / (1 + decay_rate * call / decay_steps)``.

    Args:
        lr: the initial learning rate.
        decay_steps: the time scale of the decay, in calls (> 0).
        decay_rate: the decay factor.
        staircase: decay in steps (``call // decay_steps``) instead of continuously.
        last_epoch: the index of the last finished epoch.
        last_call: the index of the last call.

    Examples:
        >>> import brainstate_nn as nn
        >>> sch = nn.optim.InverseTimeDecayLR(1.0, decay_steps=1, decay_rate=1.0)
        >>> [float(sch(i)) for i in range(3)]
        [1.0, 0.5, 0.3333333432674408]
    """

    def rate(self, i: Any) -> Any:
        return self.lr / (1 + self.decay_rate * self._progress(i))


class PolynomialDecayLR(CallBasedLRScheduler):
    """Polynomial decay from ``lr`` to ``final_lr`` over ``decay_steps`` calls, then constant.

    ``(lr - final_lr) * (1 - min(call, decay_steps) / decay_steps) ** power + final_lr``.

    Args:
        lr: the initial learning rate.
        decay_steps: the number of calls of the decay (> 0).
        final_lr: the learning rate at and after ``decay_steps``.
        power: the power of the polynomial.
        last_epoch: the index of the last finished epoch.
        last_call: the index of the last call.

    Examples:
        >>> import brainstate_nn as nn
        >>> sch = nn.optim.PolynomialDecayLR(1.0, decay_steps=4, final_lr=0.0)
        >>> [float(sch(i)) for i in range(6)]
        [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """

    def __init__(
        self,
        lr: float | State,
        decay_steps: int,
        final_lr: float,
        power: float = 1.0,
        last_epoch: int = -1,
        last_call: int = -1,
    ):
        super().__init__(lr=lr, last_epoch=last_epoch, last_call=last_call)
        _check(decay_steps > 0, f"decay_steps must be > 0, got {decay_steps!r}")
        self.decay_steps = decay_steps
        self.final_lr = final_lr
        self.power = power

    def rate(self, i: Any) -> Any:
        i = jnp.minimum(jnp.asarray(i, dtype=environ.dftype()), self.decay_steps)
        return (self.lr - self.final_lr) * (1 - i / self.decay_steps) ** self.power + self.final_lr


class PiecewiseConstantLR(CallBasedLRScheduler):
    """A learning rate constant between call boundaries.

    ``values[k]`` where ``k`` is the number of boundaries strictly below the call index
    (brainstate 0.1's convention: at a boundary the previous value still holds).

    Args:
        boundaries: increasing call indices (one fewer than ``values``).
        values: the learning rates.
        last_epoch: the index of the last finished epoch.
        last_call: the index of the last call.

    Examples:
        >>> import brainstate_nn as nn
        >>> sch = nn.optim.PiecewiseConstantLR(boundaries=[1, 3], values=[1.0, 0.5, 0.25])
        >>> [float(sch(i)) for i in range(5)]
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(
        self,
        boundaries: Sequence[int],
        values: Sequence[float],
        last_epoch: int = -1,
        last_call: int = -1,
    ):
        boundaries = tuple(int(b) for b in boundaries)
        values = tuple(float(v) for v in values)
        _check(
            len(boundaries) == len(values) - 1,
            f"PiecewiseConstantLR needs one value more than boundaries, got "
            f"{len(boundaries)} boundaries and {len(values)} values",
        )
        _check(
            all(a < b for a, b in itertools.pairwise(boundaries)),
            f"boundaries must be strictly increasing, got {boundaries}",
        )
        super().__init__(values[0], last_epoch=last_epoch, last_call=last_call)
        self.boundaries = boundaries
        self.values = values

    def rate(self, i: Any) -> Any:
        b = jnp.asarray(self.boundaries, dtype=environ.ditype())
        v = jnp.asarray(self.values, dtype=environ.dftype())
        return v[_count_passed(i, b, strict=True)]


def make_schedule(lr: Any) -> LearningRateScheduler:
    """A scheduler from what an optimizer's ``lr`` may be: a scheduler, a float or a State.

    Raises:
        OptimizerError: anything else, or a negative constant learning rate.
    """
    if isinstance(lr, LearningRateScheduler):
        return lr
    if isinstance(lr, State):
        return ConstantLR(lr)
    is_number = isinstance(lr, (int, float, np.number)) and not isinstance(lr, bool)
    if is_number or (isinstance(lr, (np.ndarray, jax.Array)) and jnp.ndim(lr) == 0):
        if not is_tracer(lr) and float(lr) < 0:
            raise OptimizerError(f"the learning rate must not be negative, got {lr!r}")
        return ConstantLR(lr)  # pyright: ignore[reportArgumentType]
    raise OptimizerError(
        f"lr must be a float, a scalar State or a LearningRateScheduler, got "
        f"{type(lr).__name__} {lr!r}"
    )
