"""Integrate-and-fire neurons: ``Neuron`` base, ``IF``, ``LIF``, ``LIFRef``, ``ALIF``.

Parameters follow brainstate 0.1 (names, defaults, units). A plain number is taken in the
parameter's default unit (potentials in mV, times in ms, resistances in ohm, currents in
mA); a Quantity of another dimension raises an error naming the parameter. Spikes are
``spk_fun(scaled V)``: a surrogate-gradient Heaviside step (forward 0/1, gradient the
surrogate), so every neuron is differentiable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import brainunit as u
import jax

from brainstate_core import HiddenState, ShortTermState, environ

from .dynamics import Dynamics
from .exp_euler import exp_euler_step
from .init import Constant, param
from .units import in_unit, magnitude, stamp_time, within_steps

__all__ = ["ALIF", "IF", "LIF", "LIFRef", "Neuron"]

_RESETS = ("soft", "hard")
_V_ZERO = Constant(0.0 * u.mV)
_ZERO = Constant(0.0)


def _default_spk_fun(name: str) -> Callable[..., Any]:
    from .. import surrogate

    return getattr(surrogate, name)()


def _state_value(
    initializer: Any, unit: u.Unit, shape: Any, batch_size: int | None, name: str = ""
) -> Any:
    """The initial value of a state in ``unit`` (a plain number is taken in it).

    Raises:
        brainunit.UnitMismatchError: the initializer gave another dimension (``name`` says
            which parameter of which model).
    """
    value = param(initializer, shape, batch_size, allow_scalar=False)
    if isinstance(value, u.Quantity):
        if value.dim != unit.dim:
            raise u.UnitMismatchError(
                f"{name or 'an initializer'} gave values in {value.unit}, but the state is "
                f"in {unit} (or another unit of the same dimension)"
            )
    elif not unit.is_unitless:
        value = u.Quantity(value, unit=unit)
    return value


def _initial_state(owner: Any, attr: str, unit: u.Unit, batch_size: int | None) -> Any:
    """The initial value from ``owner``'s initializer ``attr``, with errors naming both."""
    name = f"{owner._label()}: {attr}"
    return _state_value(getattr(owner, attr), unit, owner.varshape, batch_size, name)


class Neuron(Dynamics):
    """Base class of spiking neurons.

    Args:
        in_size: the population's shape.
        spk_fun: the spike function of the scaled membrane potential (a surrogate from
            ``brainstate_nn.surrogate``; default ``InvSquareGrad()``).
        spk_reset: ``'soft'`` (subtract the threshold: gradients flow through the reset)
            or ``'hard'`` (set to ``V_reset``; the reset is not differentiated).
        name: an optional name.
    """

    V_th: Any  # set by each model

    def __init__(
        self,
        in_size: Any,
        spk_fun: Callable[..., Any] | None = None,
        spk_reset: str = "soft",
        name: str | None = None,
    ) -> None:
        super().__init__(in_size, name=name)
        if spk_reset not in _RESETS:
            raise ValueError(
                f"{type(self).__name__}: spk_reset must be 'soft' or 'hard', got {spk_reset!r}"
            )
        self.spk_reset = spk_reset
        self.spk_fun = _default_spk_fun("InvSquareGrad") if spk_fun is None else spk_fun

    def _p(self, value: Any, unit: u.Unit, name: str) -> Any:
        return param(in_unit(value, unit, name, self._label()), self.varshape)

    def _shape(self, batch_size: int | None) -> Any:
        return self.varshape

    def get_spike(self, *args: Any, **kwargs: Any) -> Any:
        """The spikes (0/1 with a surrogate gradient) of the current (or given) state."""
        raise NotImplementedError

    def _reset_by(self, last_v: Any) -> Any:
        # soft: subtract (V_th - V_reset); hard: subtract (V - V_reset) so V becomes V_reset,
        # without differentiating through the reset
        return self.V_th if self.spk_reset == "soft" else jax.lax.stop_gradient(last_v)


class IF(Neuron):
    """Integrate-and-fire neuron: ``τ dV/dt = -V + R·I``, spike when ``V ≥ V_th``.

    Args:
        in_size: the population's shape.
        R: membrane resistance (ohm).
        tau: membrane time constant (ms).
        V_th: threshold (mV), positive.
        V_initializer: initial potential (an initializer or value, mV).
        spk_fun: spike function (default ``ReluGrad()``).
        spk_reset: ``'soft'`` or ``'hard'``.
        name: an optional name.
    """

    def __init__(
        self,
        in_size: Any,
        R: Any = 1.0 * u.ohm,
        tau: Any = 5.0 * u.ms,
        V_th: Any = 1.0 * u.mV,
        V_initializer: Any = _V_ZERO,
        spk_fun: Callable[..., Any] | None = None,
        spk_reset: str = "soft",
        name: str | None = None,
    ) -> None:
        super().__init__(in_size, spk_fun or _default_spk_fun("ReluGrad"), spk_reset, name=name)
        self.R = self._p(R, u.ohm, "R")
        self.tau = self._p(tau, u.ms, "tau")
        self.V_th = self._p(V_th, u.mV, "V_th")
        self.V_initializer = V_initializer

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.V = HiddenState(_initial_state(self, "V_initializer", u.mV, batch_size))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.V.value = _initial_state(self, "V_initializer", u.mV, batch_size)

    def get_spike(self, V: Any = None) -> Any:
        V = self.V.value if V is None else V
        return self.spk_fun(magnitude((V - self.V_th) / self.V_th))

    def update(self, x: Any = 0.0 * u.mA) -> Any:
        x = in_unit(x, u.mA, "x (input current)", self._label())
        last_v = self.V.value
        V = last_v - self._reset_by(last_v) * self.get_spike(last_v)
        V = exp_euler_step(lambda v: (-v + self.R * self.sum_current_inputs(x, v)) / self.tau, V)
        self.V.value = self.sum_delta_inputs(V)
        return self.get_spike()


class LIF(Neuron):
    """Leaky integrate-and-fire: ``τ dV/dt = -(V - V_rest) + R·I``, spike at ``V ≥ V_th``.

    After a spike ``V`` is reset by ``V_th - V_reset`` (soft) or to ``V_reset`` (hard).
    The update returns the spikes of the new potential; a spike emitted at step ``n``
    resets the potential at step ``n + 1``, as in brainstate.

    Args:
        in_size: the population's shape.
        R: membrane resistance (ohm).
        tau: membrane time constant (ms).
        V_th: threshold (mV).
        V_reset: reset potential (mV).
        V_rest: resting potential (mV).
        V_initializer: initial potential (an initializer or value, mV).
        spk_fun: spike function (default ``ReluGrad()``).
        spk_reset: ``'soft'`` or ``'hard'``.
        name: an optional name.

    Examples:
        >>> import brainunit as u
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> lif = nn.init_all_states(nn.LIF(2, tau=10. * u.ms, V_th=1. * u.mV))
        >>> with bsc.environ.context(dt=0.1 * u.ms):
        ...     spikes = [lif(20. * u.mA) for _ in range(10)]
        >>> [float(s[0]) for s in spikes].index(1.0)
        5
    """

    def __init__(
        self,
        in_size: Any,
        R: Any = 1.0 * u.ohm,
        tau: Any = 5.0 * u.ms,
        V_th: Any = 1.0 * u.mV,
        V_reset: Any = 0.0 * u.mV,
        V_rest: Any = 0.0 * u.mV,
        V_initializer: Any = _V_ZERO,
        spk_fun: Callable[..., Any] | None = None,
        spk_reset: str = "soft",
        name: str | None = None,
    ) -> None:
        super().__init__(in_size, spk_fun or _default_spk_fun("ReluGrad"), spk_reset, name=name)
        self.R = self._p(R, u.ohm, "R")
        self.tau = self._p(tau, u.ms, "tau")
        self.V_th = self._p(V_th, u.mV, "V_th")
        self.V_rest = self._p(V_rest, u.mV, "V_rest")
        self.V_reset = self._p(V_reset, u.mV, "V_reset")
        self.V_initializer = V_initializer

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.V = HiddenState(_initial_state(self, "V_initializer", u.mV, batch_size))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.V.value = _initial_state(self, "V_initializer", u.mV, batch_size)

    def get_spike(self, V: Any = None) -> Any:
        V = self.V.value if V is None else V
        return self.spk_fun(magnitude((V - self.V_th) / (self.V_th - self.V_reset)))

    def _drift(self, x: Any) -> Callable[[Any], Any]:
        return lambda v: (-v + self.V_rest + self.R * self.sum_current_inputs(x, v)) / self.tau

    def update(self, x: Any = 0.0 * u.mA) -> Any:
        x = in_unit(x, u.mA, "x (input current)", self._label())
        last_v = self.V.value
        V = last_v - (self._reset_by(last_v) - self.V_reset) * self.get_spike(last_v)
        V = exp_euler_step(self._drift(x), V)
        self.V.value = self.sum_delta_inputs(V)
        return self.get_spike()


class LIFRef(LIF):
    """LIF with an absolute refractory period ``tau_ref`` after each spike.

    During ``tau_ref`` after a spike the potential is held (at its reset value). Needs the
    current time ``t`` in ``environ`` (``environ.context(t=...)`` in the simulation loop).
    The period is counted in whole steps, ``floor(tau_ref / dt)`` of them, as Brian2 does
    (brainstate 0.1 compared float times, so a ``tau_ref`` that is not a multiple of ``dt``
    could last a step longer, and equal periods could differ by a step).

    Args:
        in_size: the population's shape.
        R: membrane resistance (ohm).
        tau: membrane time constant (ms).
        tau_ref: refractory period (ms).
        V_th: threshold (mV).
        V_reset: reset potential (mV).
        V_rest: resting potential (mV).
        V_initializer: initial potential (an initializer or value, mV).
        spk_fun: spike function (default ``ReluGrad()``).
        spk_reset: ``'soft'`` or ``'hard'``.
        name: an optional name.
    """

    def __init__(
        self,
        in_size: Any,
        R: Any = 1.0 * u.ohm,
        tau: Any = 5.0 * u.ms,
        tau_ref: Any = 5.0 * u.ms,
        V_th: Any = 1.0 * u.mV,
        V_reset: Any = 0.0 * u.mV,
        V_rest: Any = 0.0 * u.mV,
        V_initializer: Any = _V_ZERO,
        spk_fun: Callable[..., Any] | None = None,
        spk_reset: str = "soft",
        name: str | None = None,
    ) -> None:
        super().__init__(
            in_size, R, tau, V_th, V_reset, V_rest, V_initializer, spk_fun, spk_reset, name
        )
        self.tau_ref = self._p(tau_ref, u.ms, "tau_ref")

    def _never(self, batch_size: int | None) -> Any:
        return _state_value(Constant(-1e7 * u.ms), u.ms, self.varshape, batch_size)

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        super().init_state(batch_size)
        self.last_spike_time = ShortTermState(self._never(batch_size))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        super().reset_state(batch_size)
        self.last_spike_time.value = self._never(batch_size)

    def update(self, x: Any = 0.0 * u.mA) -> Any:
        x = in_unit(x, u.mA, "x (input current)", self._label())
        t = in_unit(environ.get("t", desc="the current time"), u.ms, "t", self._label())
        last_v = self.V.value
        last_v = last_v - (self._reset_by(last_v) - self.V_reset) * self.get_spike(last_v)
        V = exp_euler_step(self._drift(x), last_v)
        V = self.sum_delta_inputs(V)
        refractory = within_steps(t, self.last_spike_time.value, self.tau_ref)
        self.V.value = u.math.where(refractory, last_v, V)
        spiked = self.V.value >= self.V_th
        self.last_spike_time.value = jax.lax.stop_gradient(
            stamp_time(spiked, t, self.last_spike_time.value)
        )
        return self.get_spike()


class ALIF(Neuron):
    """Adaptive LIF: each spike raises the threshold by ``beta``, decaying with ``tau_a``.

    ``τ dV/dt = -(V - V_rest) + R·I``; ``τ_a da/dt = -a``, ``a ← a + 1`` at a spike; the
    effective threshold is ``V_th + beta·a``.

    Args:
        in_size: the population's shape.
        R: membrane resistance (ohm).
        tau: membrane time constant (ms).
        tau_a: adaptation time constant (ms).
        V_th: base threshold (mV).
        V_reset: reset potential (mV).
        V_rest: resting potential (mV).
        beta: threshold increment per unit of adaptation (mV).
        spk_fun: spike function (default ``ReluGrad()``).
        spk_reset: ``'soft'`` or ``'hard'``.
        V_initializer: initial potential (mV).
        a_initializer: initial adaptation (dimensionless).
        name: an optional name.
    """

    def __init__(
        self,
        in_size: Any,
        R: Any = 1.0 * u.ohm,
        tau: Any = 5.0 * u.ms,
        tau_a: Any = 100.0 * u.ms,
        V_th: Any = 1.0 * u.mV,
        V_reset: Any = 0.0 * u.mV,
        V_rest: Any = 0.0 * u.mV,
        beta: Any = 0.1 * u.mV,
        spk_fun: Callable[..., Any] | None = None,
        spk_reset: str = "soft",
        V_initializer: Any = _V_ZERO,
        a_initializer: Any = _ZERO,
        name: str | None = None,
    ) -> None:
        super().__init__(in_size, spk_fun or _default_spk_fun("ReluGrad"), spk_reset, name=name)
        self.R = self._p(R, u.ohm, "R")
        self.tau = self._p(tau, u.ms, "tau")
        self.tau_a = self._p(tau_a, u.ms, "tau_a")
        self.V_th = self._p(V_th, u.mV, "V_th")
        self.V_reset = self._p(V_reset, u.mV, "V_reset")
        self.V_rest = self._p(V_rest, u.mV, "V_rest")
        self.beta = self._p(beta, u.mV, "beta")
        self.V_initializer = V_initializer
        self.a_initializer = a_initializer

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.V = HiddenState(_initial_state(self, "V_initializer", u.mV, batch_size))
        self.a = HiddenState(_initial_state(self, "a_initializer", u.UNITLESS, batch_size))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.V.value = _initial_state(self, "V_initializer", u.mV, batch_size)
        self.a.value = _initial_state(self, "a_initializer", u.UNITLESS, batch_size)

    def get_spike(self, V: Any = None, a: Any = None) -> Any:
        V = self.V.value if V is None else V
        a = self.a.value if a is None else a
        return self.spk_fun(magnitude((V - self.V_th - self.beta * a) / (self.V_th - self.V_reset)))

    def update(self, x: Any = 0.0 * u.mA) -> Any:
        x = in_unit(x, u.mA, "x (input current)", self._label())
        last_v, last_a = self.V.value, self.a.value
        spk = self.get_spike(last_v, last_a)
        V = last_v - (self._reset_by(last_v) - self.V_reset) * spk
        a = last_a + spk
        V = exp_euler_step(
            lambda v: (-v + self.V_rest + self.R * self.sum_current_inputs(x, v)) / self.tau, V
        )
        a = exp_euler_step(lambda a: -a / self.tau_a, a)
        self.V.value = self.sum_delta_inputs(V)
        self.a.value = a
        return self.get_spike()
