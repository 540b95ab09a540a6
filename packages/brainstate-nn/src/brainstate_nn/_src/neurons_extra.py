"""More spiking neurons: ``Izhikevich``, ``AdEx`` (adaptive exponential IF) and ``HH``.

None of these was in brainstate 0.1; their parameter names and defaults follow BrainPy
(``Izhikevich``, ``AdExIF``, ``HH``), which is what users of BrainPy and Brian2 expect.
They follow the conventions of :mod:`.neurons`: a plain number is taken in the parameter's
documented default unit, a Quantity of another dimension raises an error naming the
parameter, states are created by ``init_state(batch_size)``, and spikes are
``spk_fun(scaled V)`` (a surrogate-gradient Heaviside step). All variables are integrated
with the exponential Euler method (:func:`exp_euler_step`), each with the others held at
their values at the start of the step.
"""

# ruff: noqa: B008

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import brainunit as u
import jax
import jax.numpy as jnp

from brainstate_core import HiddenState, ShortTermState

from .exp_euler import exp_euler_step
from .init import Constant, ZeroInit
from .neurons import Neuron, _default_spk_fun, _initial_state, _state_value
from .units import in_unit, magnitude

__all__ = ["HH", "AdEx", "Izhikevich"]

_PER_MS = cast(u.Unit, u.ms**-1)
_CURRENT_DENSITY = cast(u.Unit, u.uA / u.cm2)
_CONDUCTANCE_DENSITY = cast(u.Unit, u.msiemens / u.cm2)
_CAPACITANCE_DENSITY = cast(u.Unit, u.uF / u.cm2)


def _capped(V: Any, V_th: Any) -> Any:
    # the spike's peak: a potential that ran past the threshold within the step is capped
    # there (AdEx's exponential and Izhikevich's quadratic can otherwise overflow); the
    # spike is still detected (V == V_th counts as a spike) and reset at the next step
    return u.math.minimum(V, V_th)


class Izhikevich(Neuron):
    r"""Izhikevich (2003) neuron: quadratic membrane with a linear recovery variable.

    .. math::

        \frac{dV}{dt} &= \big(0.04\,V^2/\mathrm{mV} + 5\,V + 140\,\mathrm{mV} - u
            + R\,I\big) / \mathrm{ms} \\
        \frac{du}{dt} &= a\,(b\,V - u)

    When ``V ≥ V_th`` (the spike peak, 30 mV) a spike is emitted and, at the next step,
    ``V ← c`` and ``u ← u + d``. The defaults give the *regular spiking* cortical cell
    (``a = 0.02/ms, b = 0.2, c = -65 mV, d = 8 mV``); e.g. ``a = 0.1/ms, d = 2 mV`` gives
    fast spiking, ``c = -50 mV, d = 2 mV`` chattering, ``c = -55 mV, d = 4 mV`` intrinsic
    bursting. A potential that passes ``V_th`` within a step is capped at ``V_th``.

    Args:
        in_size: the population's shape.
        a: time scale of the recovery variable (1/ms).
        b: sensitivity of the recovery variable to ``V`` (dimensionless).
        c: after-spike reset potential (mV).
        d: after-spike increment of the recovery variable (mV).
        V_th: spike peak / threshold (mV).
        R: membrane resistance (ohm); the input current ``I`` is in mA, so ``R·I`` in mV.
        V_initializer: initial potential (mV; default -65 mV).
        u_initializer: initial recovery variable (mV); None (default) gives ``b·V₀``.
        spk_fun: spike function of ``(V - V_th)/(V_th - c)`` (default ``ReluGrad()``).
        spk_reset: ``'hard'`` (default: the model's reset ``V ← c``, not differentiated) or
            ``'soft'`` (subtract ``V_th - c``: the same value since ``V`` is capped at
            ``V_th``, but gradients flow through the reset).
        name: an optional name.

    Examples:
        >>> import brainunit as u
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> import brainstate_compile as bc
        >>> neu = nn.init_all_states(nn.Izhikevich(1))
        >>> with bsc.environ.context(dt=0.1 * u.ms):  # 100 ms of regular spiking
        ...     spikes = bc.for_loop(lambda i: neu(10. * u.mA), u.math.arange(1000))
        >>> [round(float(t), 1) for t in (u.math.where(spikes[:, 0])[0] + 1) * 0.1]
        [3.2, 26.4, 71.3]
    """

    def __init__(
        self,
        in_size: Any,
        a: Any = 0.02 / u.ms,
        b: Any = 0.2,
        c: Any = -65.0 * u.mV,
        d: Any = 8.0 * u.mV,
        V_th: Any = 30.0 * u.mV,
        R: Any = 1.0 * u.ohm,
        V_initializer: Any = Constant(-65.0 * u.mV),
        u_initializer: Any = None,
        spk_fun: Callable[..., Any] | None = None,
        spk_reset: str = "hard",
        name: str | None = None,
    ) -> None:
        super().__init__(in_size, spk_fun or _default_spk_fun("ReluGrad"), spk_reset, name=name)
        self.a = self._p(a, _PER_MS, "a")
        self.b = self._p(b, u.UNITLESS, "b")
        self.c = self._p(c, u.mV, "c")
        self.d = self._p(d, u.mV, "d")
        self.V_th = self._p(V_th, u.mV, "V_th")
        self.R = self._p(R, u.ohm, "R")
        self.V_initializer = V_initializer
        self.u_initializer = u_initializer

    def _initial(self, batch_size: int | None) -> tuple[Any, Any]:
        V = _initial_state(self, "V_initializer", u.mV, batch_size)
        if self.u_initializer is None:
            return V, self.b * V
        return V, _initial_state(self, "u_initializer", u.mV, batch_size)

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        V, u0 = self._initial(batch_size)
        self.V = HiddenState(V)
        self.u = HiddenState(u0)

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.V.value, self.u.value = self._initial(batch_size)

    def get_spike(self, V: Any = None) -> Any:
        V = self.V.value if V is None else V
        return self.spk_fun(magnitude((V - self.V_th) / (self.V_th - self.c)))

    def update(self, x: Any = 0.0 * u.mA) -> Any:
        x = in_unit(x, u.mA, "x (input current)", self._label())
        last_v, last_u = self.V.value, self.u.value
        spk = self.get_spike(last_v)
        V = last_v - (self._reset_by(last_v) - self.c) * spk
        rec = last_u + self.d * spk

        def dv(v: Any) -> Any:
            drive = self.R * self.sum_current_inputs(x, v)
            return (0.04 * v * v / u.mV + 5.0 * v + 140.0 * u.mV - rec + drive) / u.ms

        V_new = exp_euler_step(dv, V)
        self.u.value = exp_euler_step(lambda r: self.a * (self.b * V - r), rec)
        self.V.value = _capped(self.sum_delta_inputs(V_new), self.V_th)
        return self.get_spike()


class AdEx(Neuron):
    r"""Adaptive exponential integrate-and-fire neuron (Brette & Gerstner, 2005).

    .. math::

        \tau \frac{dV}{dt} &= -(V - V_\mathrm{rest})
            + \Delta_T\, e^{(V - V_T)/\Delta_T} - R\,w + R\,I \\
        \tau_w \frac{dw}{dt} &= a\,(V - V_\mathrm{rest}) - w

    When ``V ≥ V_th`` (the numerical cut-off of the exponential upswing) a spike is
    emitted and, at the next step, ``V ← V_reset`` and ``w ← w + b``. Parameter names,
    order and defaults are BrainPy's ``AdExIF``; with ``R`` in ohm and currents in mA,
    the adaptation current ``w`` is in mA, ``a`` in siemens and ``b`` in mA (BrainPy's
    dimensionless ``a = 1, b = 1, R = 1``). The default initial potential is ``V_rest``
    (BrainPy starts at 0 mV). A potential that passes ``V_th`` within a step is capped at
    ``V_th``.

    Args:
        in_size: the population's shape.
        V_rest: resting potential (mV).
        V_reset: reset potential (mV).
        V_th: spike cut-off (mV).
        V_T: threshold of the exponential term (mV).
        delta_T: slope factor (mV).
        a: subthreshold adaptation conductance (S).
        b: spike-triggered adaptation increment (mA).
        tau: membrane time constant (ms).
        tau_w: adaptation time constant (ms).
        R: membrane resistance (ohm).
        V_initializer: initial potential (mV; default -65 mV).
        w_initializer: initial adaptation current (mA; default 0).
        spk_fun: spike function of ``(V - V_th)/(V_th - V_reset)`` (default ``ReluGrad()``).
        spk_reset: ``'hard'`` (default, the model's reset) or ``'soft'`` (subtract
            ``V_th - V_reset``, differentiable).
        name: an optional name.

    Examples:
        >>> import brainunit as u
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> import brainstate_compile as bc
        >>> neu = nn.init_all_states(nn.AdEx(2))
        >>> drive = u.math.asarray([10., 20.]) * u.mA
        >>> with bsc.environ.context(dt=0.1 * u.ms):  # 100 ms
        ...     spikes = bc.for_loop(lambda i: neu(drive), u.math.arange(1000))
        >>> spikes.sum(axis=0).tolist()
        [4.0, 8.0]
    """

    def __init__(
        self,
        in_size: Any,
        V_rest: Any = -65.0 * u.mV,
        V_reset: Any = -68.0 * u.mV,
        V_th: Any = -30.0 * u.mV,
        V_T: Any = -59.9 * u.mV,
        delta_T: Any = 3.48 * u.mV,
        a: Any = 1.0 * u.siemens,
        b: Any = 1.0 * u.mA,
        tau: Any = 10.0 * u.ms,
        tau_w: Any = 30.0 * u.ms,
        R: Any = 1.0 * u.ohm,
        V_initializer: Any = Constant(-65.0 * u.mV),
        w_initializer: Any = ZeroInit(unit=u.mA),
        spk_fun: Callable[..., Any] | None = None,
        spk_reset: str = "hard",
        name: str | None = None,
    ) -> None:
        super().__init__(in_size, spk_fun or _default_spk_fun("ReluGrad"), spk_reset, name=name)
        self.V_rest = self._p(V_rest, u.mV, "V_rest")
        self.V_reset = self._p(V_reset, u.mV, "V_reset")
        self.V_th = self._p(V_th, u.mV, "V_th")
        self.V_T = self._p(V_T, u.mV, "V_T")
        self.delta_T = self._p(delta_T, u.mV, "delta_T")
        self.a = self._p(a, u.siemens, "a")
        self.b = self._p(b, u.mA, "b")
        self.tau = self._p(tau, u.ms, "tau")
        self.tau_w = self._p(tau_w, u.ms, "tau_w")
        self.R = self._p(R, u.ohm, "R")
        self.V_initializer = V_initializer
        self.w_initializer = w_initializer

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.V = HiddenState(_initial_state(self, "V_initializer", u.mV, batch_size))
        self.w = HiddenState(_initial_state(self, "w_initializer", u.mA, batch_size))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.V.value = _initial_state(self, "V_initializer", u.mV, batch_size)
        self.w.value = _initial_state(self, "w_initializer", u.mA, batch_size)

    def get_spike(self, V: Any = None) -> Any:
        V = self.V.value if V is None else V
        return self.spk_fun(magnitude((V - self.V_th) / (self.V_th - self.V_reset)))

    def update(self, x: Any = 0.0 * u.mA) -> Any:
        x = in_unit(x, u.mA, "x (input current)", self._label())
        last_v, last_w = self.V.value, self.w.value
        spk = self.get_spike(last_v)
        V = last_v - (self._reset_by(last_v) - self.V_reset) * spk
        w = last_w + self.b * spk

        def dv(v: Any) -> Any:
            spike_term = self.delta_T * u.math.exp((v - self.V_T) / self.delta_T)
            drive = self.R * (self.sum_current_inputs(x, v) - w)
            return (-(v - self.V_rest) + spike_term + drive) / self.tau

        V_new = exp_euler_step(dv, V)
        self.w.value = exp_euler_step(lambda r: (self.a * (V - self.V_rest) - r) / self.tau_w, w)
        self.V.value = _capped(self.sum_delta_inputs(V_new), self.V_th)
        return self.get_spike()


def _hh_rates(V: Any) -> tuple[Any, ...]:
    """The classic squid-axon rate functions (1/ms) of the potential in mV."""
    v = magnitude(V / u.mV)
    exprel, exp = u.math.exprel, u.math.exp
    # 0.1 (v+40) / (1 - exp(-(v+40)/10)) written without the removable singularity
    am = 1.0 / exprel(-(v + 40.0) / 10.0)
    bm = 4.0 * exp(-(v + 65.0) / 18.0)
    ah = 0.07 * exp(-(v + 65.0) / 20.0)
    bh = 1.0 / (1.0 + exp(-(v + 35.0) / 10.0))
    an = 0.1 / exprel(-(v + 55.0) / 10.0)  # 0.01 (v+55) / (1 - exp(-(v+55)/10))
    bn = 0.125 * exp(-(v + 65.0) / 80.0)
    return tuple(r / u.ms for r in (am, bm, ah, bh, an, bn))


def _steady(alpha: Any, beta: Any) -> Any:
    return magnitude(alpha / (alpha + beta))


class HH(Neuron):
    r"""Hodgkin-Huxley (1952) neuron with the classic squid-axon channels.

    .. math::

        C \frac{dV}{dt} &= -\bar g_\mathrm{Na} m^3 h (V - E_\mathrm{Na})
            - \bar g_\mathrm{K} n^4 (V - E_\mathrm{K}) - g_L (V - E_L) + I \\
        \frac{dx}{dt} &= \alpha_x(V) (1 - x) - \beta_x(V)\, x, \qquad x \in \{m, h, n\}

    with (``V`` in mV, rates in 1/ms) ``alpha_m = 0.1 (V+40)/(1 - e^{-(V+40)/10})``,
    ``beta_m = 4 e^{-(V+65)/18}``, ``alpha_h = 0.07 e^{-(V+65)/20}``,
    ``beta_h = 1/(1 + e^{-(V+35)/10})``, ``alpha_n = 0.01 (V+55)/(1 - e^{-(V+55)/10})``,
    ``beta_n = 0.125 e^{-(V+65)/80}``. The resting potential is about -65 mV. Quantities are
    per membrane area: conductances in mS/cm², ``C`` in µF/cm², the input ``I`` in
    µA/cm². Each step first advances the gates with the potential at the start of the
    step, then ``V`` with the new gates, each by the exponential Euler method (exact for
    one variable with the others fixed); this staggered order is much more accurate than
    a simultaneous update (spike times within about 0.01 ms of a fine RK4 solution at
    ``dt = 0.01 ms``, 0.05 ms at ``dt = 0.05 ms``). A spike is an upward crossing of
    ``V_th``: ``V ≥ V_th`` now and ``V < V_th`` at the previous step (no reset).

    ``gL`` defaults to the classic 0.3 mS/cm², which puts the resting potential at
    -65 mV with ``EL = -54.387 mV``; BrainPy's ``HH`` default of 0.03 mS/cm² does not
    (its rest is near -70.7 mV with this ``EL``).

    Args:
        in_size: the population's shape.
        ENa: sodium reversal potential (mV).
        gNa: maximal sodium conductance (mS/cm²).
        EK: potassium reversal potential (mV).
        gK: maximal potassium conductance (mS/cm²).
        EL: leak reversal potential (mV).
        gL: leak conductance (mS/cm²).
        V_th: spike-detection threshold (mV).
        C: membrane capacitance (µF/cm²).
        V_initializer: initial potential (mV; default -65 mV).
        m_initializer: initial ``m``; None (default) gives its steady state at ``V₀``.
        h_initializer: initial ``h``; None gives its steady state at ``V₀``.
        n_initializer: initial ``n``; None gives its steady state at ``V₀``.
        spk_fun: spike function of ``(V - V_th)/(V_th - EL)``, multiplied by the
            (not differentiated) indicator that ``V`` was below ``V_th`` one step before
            (default ``ReluGrad()``).
        name: an optional name.

    Examples:
        >>> import brainunit as u
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> import brainstate_compile as bc
        >>> neu = nn.init_all_states(nn.HH(1))
        >>> with bsc.environ.context(dt=0.01 * u.ms):  # 20 ms
        ...     spikes = bc.for_loop(lambda i: neu(10. * u.uA / u.cm2), u.math.arange(2000))
        >>> [round(float(t), 2) for t in (u.math.where(spikes[:, 0])[0] + 1) * 0.01]
        [1.97, 16.93]
    """

    def __init__(
        self,
        in_size: Any,
        ENa: Any = 50.0 * u.mV,
        gNa: Any = 120.0 * _CONDUCTANCE_DENSITY,
        EK: Any = -77.0 * u.mV,
        gK: Any = 36.0 * _CONDUCTANCE_DENSITY,
        EL: Any = -54.387 * u.mV,
        gL: Any = 0.3 * _CONDUCTANCE_DENSITY,
        V_th: Any = 20.0 * u.mV,
        C: Any = 1.0 * _CAPACITANCE_DENSITY,
        V_initializer: Any = Constant(-65.0 * u.mV),
        m_initializer: Any = None,
        h_initializer: Any = None,
        n_initializer: Any = None,
        spk_fun: Callable[..., Any] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(in_size, spk_fun or _default_spk_fun("ReluGrad"), "hard", name=name)
        self.ENa = self._p(ENa, u.mV, "ENa")
        self.gNa = self._p(gNa, _CONDUCTANCE_DENSITY, "gNa")
        self.EK = self._p(EK, u.mV, "EK")
        self.gK = self._p(gK, _CONDUCTANCE_DENSITY, "gK")
        self.EL = self._p(EL, u.mV, "EL")
        self.gL = self._p(gL, _CONDUCTANCE_DENSITY, "gL")
        self.V_th = self._p(V_th, u.mV, "V_th")
        self.C = self._p(C, _CAPACITANCE_DENSITY, "C")
        self.V_initializer = V_initializer
        self.m_initializer = m_initializer
        self.h_initializer = h_initializer
        self.n_initializer = n_initializer

    def _initial(self, batch_size: int | None) -> tuple[Any, ...]:
        V = _initial_state(self, "V_initializer", u.mV, batch_size)
        am, bm, ah, bh, an, bn = _hh_rates(V)
        gates = []
        for init, alpha, beta in (
            (self.m_initializer, am, bm),
            (self.h_initializer, ah, bh),
            (self.n_initializer, an, bn),
        ):
            if init is None:
                gates.append(_steady(alpha, beta))
            else:
                gates.append(_state_value(init, u.UNITLESS, self.varshape, batch_size))
        spike = u.math.zeros_like(magnitude(V / u.mV))
        return (V, *gates, spike)

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        V, m, h, n, spike = self._initial(batch_size)
        self.V = HiddenState(V)
        self.m = HiddenState(m)
        self.h = HiddenState(h)
        self.n = HiddenState(n)
        self.spike = ShortTermState(spike)

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        V, m, h, n, spike = self._initial(batch_size)
        self.V.value, self.m.value, self.h.value, self.n.value = V, m, h, n
        self.spike.value = spike

    def get_spike(self, V: Any = None, V_last: Any = None) -> Any:
        """The spikes of the last step, or of the upward crossing from ``V_last`` to ``V``."""
        if V is None and V_last is None:
            return self.spike.value
        if V is None or V_last is None:
            raise ValueError(f"{self._label()}.get_spike needs both V and V_last, or neither")
        crossed = jax.lax.stop_gradient(jnp.where(V_last < self.V_th, 1.0, 0.0))
        scaled = magnitude((V - self.V_th) / (self.V_th - self.EL))
        return self.spk_fun(scaled) * crossed

    def update(self, x: Any = 0.0 * _CURRENT_DENSITY) -> Any:
        x = in_unit(x, _CURRENT_DENSITY, "x (input current density)", self._label())
        last_v = self.V.value
        am, bm, ah, bh, an, bn = _hh_rates(last_v)
        # staggered: the gates step with the old potential, then V with the new gates
        # (first order like the simultaneous update, but with a far smaller error constant)
        m = exp_euler_step(lambda g: am * (1.0 - g) - bm * g, self.m.value)
        h = exp_euler_step(lambda g: ah * (1.0 - g) - bh * g, self.h.value)
        n = exp_euler_step(lambda g: an * (1.0 - g) - bn * g, self.n.value)

        def dv(v: Any) -> Any:
            i_na = self.gNa * m**3 * h * (v - self.ENa)
            i_k = self.gK * n**4 * (v - self.EK)
            i_leak = self.gL * (v - self.EL)
            return (self.sum_current_inputs(x, v) - i_na - i_k - i_leak) / self.C

        V = self.sum_delta_inputs(exp_euler_step(dv, last_v))
        self.m.value, self.h.value, self.n.value, self.V.value = m, h, n, V
        self.spike.value = self.get_spike(V, last_v)
        return self.spike.value
