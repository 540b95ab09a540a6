"""Synapse dynamics: ``Expon``, ``DualExpon``, ``Alpha``, ``AMPA``, ``GABAa``, ``STP``, ``STD``.

A synapse is a :class:`Dynamics` whose state is a conductance (or a resource fraction for
short-term plasticity). Align-post synapses (``Expon``, ``DualExpon``, ``Alpha``) have the
shape of the postsynaptic population and receive the summed presynaptic events as delta
inputs, so one synapse object serves every connection onto a population
(see :class:`AlignPostProj`).
"""

from __future__ import annotations

from typing import Any

import brainunit as u
import numpy as np

from brainstate_core import HiddenState, ShortTermState, environ
from brainstate_core.mixin import AlignPost

from .dynamics import Dynamics
from .exp_euler import _exprel, exp_euler_step
from .init import Constant, ZeroInit, param
from .units import in_unit, magnitude, stamp_time, time_step, within_steps

__all__ = [
    "AMPA",
    "STD",
    "STP",
    "Alpha",
    "AlignPost",
    "DualExpon",
    "Expon",
    "GABAa",
    "ShortTermPlasticity",
    "Synapse",
]


def _value(init: Any, shape: Any, batch_size: int | None) -> Any:
    return param(init, shape, batch_size, allow_scalar=False)


class Synapse(Dynamics):
    """Base class of synapse dynamics."""

    def _p(self, value: Any, unit: u.Unit, name: str) -> Any:
        return param(in_unit(value, unit, name, self._label()), self.varshape)


class Expon(Synapse, AlignPost):
    r"""Exponential synapse: ``dg/dt = -g/τ``; each event adds its weight to ``g``.

    Args:
        in_size: the population's shape.
        name: an optional name.
        tau: decay time constant (ms).
        g_initializer: initial conductance (default zeros in mS).

    Examples:
        >>> import brainunit as u, jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> syn = nn.init_all_states(nn.Expon(1, tau=10. * u.ms))
        >>> syn.add_delta_input("spike", jnp.ones(1) * u.mS)
        >>> with bsc.environ.context(dt=1. * u.ms):
        ...     g0 = syn()
        ...     g1 = syn()
        >>> round(float(g1[0].to_decimal(u.mS)), 4)
        0.9048
    """

    def __init__(
        self,
        in_size: Any,
        name: str | None = None,
        tau: Any = 8.0 * u.ms,
        g_initializer: Any = None,
    ) -> None:
        super().__init__(in_size, name=name)
        self.tau = self._p(tau, u.ms, "tau")
        self.g_initializer = ZeroInit(unit=u.mS) if g_initializer is None else g_initializer

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.g = HiddenState(_value(self.g_initializer, self.varshape, batch_size))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.g.value = _value(self.g_initializer, self.varshape, batch_size)

    def _decay(self) -> Any:
        """The factor ``g`` decays by over one step: ``1 + z·φ(z)``, ``z = -dt/τ``, which is
        exactly :func:`exp_euler_step`'s step of ``dg/dt = -g/τ``."""
        z = magnitude(-time_step(environ.get_dt()) / self.tau)
        return 1.0 + z * _exprel(z)

    def update(self, x: Any = None) -> Any:
        g = None
        if not self.current_inputs:
            # a projection's increment that can add itself into g does the decay as well
            g = self._fused_delta_input(self.g.value, self._decay())
        if g is None:
            g = exp_euler_step(lambda g: self.sum_current_inputs(-g) / self.tau, self.g.value)
        g = self.sum_delta_inputs(g)
        if x is not None:
            g = g + x
        self.g.value = g
        return g


class DualExpon(Synapse, AlignPost):
    r"""Difference of exponentials, normalized so that one event peaks at its weight.

    ``g = A (g_d - g_r)``, ``dg_r/dt = -g_r/τ_r``, ``dg_d/dt = -g_d/τ_d``; an event of
    weight ``w`` adds ``w`` to both. By default ``A = 1/(e^{-t_p/τ_d} - e^{-t_p/τ_r})``
    with the peak time ``t_p = τ_r τ_d ln(τ_d/τ_r)/(τ_d - τ_r)``, so that one event peaks
    at its weight, in the weight's unit.

    Differs from brainstate 0.1, where ``g`` was ``A (τ_d - τ_r)/(τ_r τ_d) (g_d - g_r)``:
    that factor gave ``g`` a unit of conductance per time (a COBA output then failed on
    units) and a peak of about 0.9 per unit weight. A given ``A`` here is the whole factor.

    Args:
        in_size: the population's shape.
        name: an optional name.
        tau_decay: decay time constant (ms), larger than ``tau_rise``.
        tau_rise: rise time constant (ms).
        A: the factor of ``g_d - g_r`` (default: the peak normalization above).
        g_initializer: initial values of both components (default zeros in mS).
        normalize: with ``A`` not given, normalize the peak (default) or use ``A = 1``.

    Raises:
        ValueError: equal time constants with the peak normalization.
    """

    def __init__(
        self,
        in_size: Any,
        name: str | None = None,
        tau_decay: Any = 10.0 * u.ms,
        tau_rise: Any = 1.0 * u.ms,
        A: Any = None,
        g_initializer: Any = None,
        normalize: bool = True,
    ) -> None:
        super().__init__(in_size, name=name)
        self.tau_rise = self._p(tau_rise, u.ms, "tau_rise")
        self.tau_decay = self._p(tau_decay, u.ms, "tau_decay")
        if A is not None:
            self.a = param(in_unit(A, u.get_unit(1.0), "A", self._label()), self.varshape)
        elif normalize:
            tr, td = self.tau_rise, self.tau_decay
            if bool(np.any(np.asarray(u.get_mantissa(td - tr)) == 0)):
                raise ValueError(
                    f"{self._label()}: tau_rise and tau_decay must differ to normalize the "
                    f"peak (both are {tr}); the difference of two equal exponentials is zero. "
                    "Use Alpha for equal time constants."
                )
            t_peak = tr * td * u.math.log(td / tr) / (td - tr)
            self.a = 1.0 / (u.math.exp(-t_peak / td) - u.math.exp(-t_peak / tr))
        else:
            self.a = 1.0
        self.g_initializer = ZeroInit(unit=u.mS) if g_initializer is None else g_initializer

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.g_rise = HiddenState(_value(self.g_initializer, self.varshape, batch_size))
        self.g_decay = HiddenState(_value(self.g_initializer, self.varshape, batch_size))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.g_rise.value = _value(self.g_initializer, self.varshape, batch_size)
        self.g_decay.value = _value(self.g_initializer, self.varshape, batch_size)

    @property
    def g(self) -> Any:
        return self.a * (self.g_decay.value - self.g_rise.value)

    def update(self, x: Any = None) -> Any:
        rise = exp_euler_step(lambda g: -g / self.tau_rise, self.g_rise.value)
        decay = exp_euler_step(lambda g: -g / self.tau_decay, self.g_decay.value)
        inc = self.sum_delta_inputs(0.0 * u.get_unit(rise))
        if x is not None:
            inc = inc + x
        self.g_rise.value = rise + inc
        self.g_decay.value = decay + inc
        return self.g


class Alpha(Synapse, AlignPost):
    r"""Alpha-function synapse: one event of weight ``w`` gives ``w·(t/τ)·e^{1 - t/τ}``.

    ``dh/dt = -h/τ``, ``dg/dt = (e·h - g)/τ``; an event adds its weight to ``h``; the
    conductance peaks at ``w`` at ``t = τ``. brainstate 0.1 integrated ``dg/dt = (h - g)/τ``,
    so its peak was ``w/e`` (0.37 w), not the ``w`` of the formula it documented.

    Args:
        in_size: the population's shape.
        name: an optional name.
        tau: time constant (ms).
        g_initializer: initial values (default zeros in mS).
    """

    def __init__(
        self,
        in_size: Any,
        name: str | None = None,
        tau: Any = 8.0 * u.ms,
        g_initializer: Any = None,
    ) -> None:
        super().__init__(in_size, name=name)
        self.tau = self._p(tau, u.ms, "tau")
        self.g_initializer = ZeroInit(unit=u.mS) if g_initializer is None else g_initializer

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.g = HiddenState(_value(self.g_initializer, self.varshape, batch_size))
        self.h = HiddenState(_value(self.g_initializer, self.varshape, batch_size))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.g.value = _value(self.g_initializer, self.varshape, batch_size)
        self.h.value = _value(self.g_initializer, self.varshape, batch_size)

    def update(self, x: Any = None) -> Any:
        # exact two-step solution over dt of the linear system (h, g)
        dt = time_step(environ.get_dt())
        decay = u.math.exp(-dt / self.tau)
        h, g = self.h.value, self.g.value
        g = decay * (g + u.math.e * h * dt / self.tau)
        h = decay * h
        inc = self.sum_delta_inputs(0.0 * u.get_unit(h))
        if x is not None:
            inc = inc + x
        self.h.value = h + inc
        self.g.value = g
        return g


class AMPA(Synapse):
    r"""Kinetic AMPA receptor: ``dg/dt = alpha [T] (1 - g) - beta g`` (Destexhe et al. 1994).

    A presynaptic spike releases transmitter of concentration ``T`` for ``T_dur``. ``g`` is
    the open fraction times a maximal conductance of 1 mS, so it is in mS and feeds a
    ``COBA`` output through plain weights (as in brainstate 0.1.5 and later); a unit-less
    ``g_initializer`` gives the bare fraction. Needs ``environ`` ``t``.

    Args:
        in_size: the presynaptic population's shape.
        name: an optional name.
        alpha: binding rate (1/(ms·mM)).
        beta: unbinding rate (1/ms).
        T: transmitter concentration during release (mM).
        T_dur: release duration (ms).
        g_initializer: initial ``g`` (default zero, in mS).
    """

    def __init__(
        self,
        in_size: Any,
        name: str | None = None,
        alpha: Any = 0.98 / (u.ms * u.mM),
        beta: Any = 0.18 / u.ms,
        T: Any = 0.5 * u.mM,
        T_dur: Any = 0.5 * u.ms,
        g_initializer: Any = None,
    ) -> None:
        super().__init__(in_size, name=name)
        self.alpha = self._p(alpha, (u.ms * u.mM) ** -1, "alpha")
        self.beta = self._p(beta, u.ms**-1, "beta")
        self.T = self._p(T, u.mM, "T")
        self.T_duration = self._p(T_dur, u.ms, "T_dur")
        self.g_initializer = ZeroInit(unit=u.mS) if g_initializer is None else g_initializer

    def _never(self, batch_size: int | None) -> Any:
        return _value(Constant(-1e7 * u.ms), self.varshape, batch_size)

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.g = HiddenState(_value(self.g_initializer, self.varshape, batch_size))
        self.spike_arrival_time = ShortTermState(self._never(batch_size))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.g.value = _value(self.g_initializer, self.varshape, batch_size)
        self.spike_arrival_time.value = self._never(batch_size)

    def dg(self, g: Any, t: Any, TT: Any) -> Any:
        return self.alpha * TT * (1 * u.get_unit(g) - g) - self.beta * g

    def update(self, pre_spike: Any) -> Any:
        t = in_unit(environ.get("t", desc="the current time"), u.ms, "t", self._label())
        arrival = stamp_time(pre_spike, t, self.spike_arrival_time.value)
        self.spike_arrival_time.value = arrival
        TT = within_steps(t, arrival, self.T_duration) * self.T
        self.g.value = exp_euler_step(self.dg, self.g.value, t, TT)
        return self.g.value


class GABAa(AMPA):
    r"""Kinetic GABA_A receptor: the AMPA scheme with GABA_A rates (Destexhe et al. 1994).

    Args:
        in_size: the presynaptic population's shape.
        name: an optional name.
        alpha: binding rate (1/(ms·mM)).
        beta: unbinding rate (1/ms).
        T: transmitter concentration during release (mM).
        T_dur: release duration (ms).
        g_initializer: initial ``g`` (default zero, in mS).
    """

    def __init__(
        self,
        in_size: Any,
        name: str | None = None,
        alpha: Any = 0.53 / (u.ms * u.mM),
        beta: Any = 0.18 / u.ms,
        T: Any = 1.0 * u.mM,
        T_dur: Any = 1.0 * u.ms,
        g_initializer: Any = None,
    ) -> None:
        super().__init__(in_size, name, alpha, beta, T, T_dur, g_initializer)


class ShortTermPlasticity(Synapse):
    """Base class of short-term plasticity models (:class:`STP`, :class:`STD`)."""


class STP(ShortTermPlasticity):
    r"""Tsodyks-Markram short-term plasticity (facilitation and depression).

    As in Tsodyks, Pawelzik & Markram (1998) and brainstate 0.1: between spikes
    ``du/dt = -u/τ_f`` and ``dx/dt = (1 - x)/τ_d``; at a spike the utilization jumps to
    ``u⁺ = u + U(1 - u)``, the fraction ``u⁺ x`` of the resources is released and
    ``x⁺ = x - u⁺ x``. ``u`` starts at ``U``, ``x`` at 1.

    ``update(pre_spike)`` returns the released fraction ``u⁺ x · pre_spike`` (zero where
    there is no spike): the spikes weighted by their efficacy, ready for ``comm``.
    brainstate 0.1 returned ``u⁺ x⁺`` (the resources left after the release, so a strongly
    facilitated synapse appeared weaker); brainstate 0.1.0 also integrated
    ``du/dt = U - u/τ_f``.

    Args:
        in_size: the presynaptic population's shape.
        name: an optional name.
        U: utilization increment (the release probability of a rested synapse).
        tau_f: facilitation time constant (ms).
        tau_d: depression (recovery) time constant (ms).
    """

    def __init__(
        self,
        in_size: Any,
        name: str | None = None,
        U: Any = 0.15,
        tau_f: Any = 1500.0 * u.ms,
        tau_d: Any = 200.0 * u.ms,
    ) -> None:
        super().__init__(in_size, name=name)
        self.tau_f = self._p(tau_f, u.ms, "tau_f")
        self.tau_d = self._p(tau_d, u.ms, "tau_d")
        self.U = self._p(U, u.UNITLESS, "U")

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.x = HiddenState(_value(Constant(1.0), self.varshape, batch_size))
        self.u = HiddenState(_value(Constant(self.U), self.varshape, batch_size))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.x.value = _value(Constant(1.0), self.varshape, batch_size)
        self.u.value = _value(Constant(self.U), self.varshape, batch_size)

    def update(self, pre_spike: Any) -> Any:
        uu = exp_euler_step(lambda v: -v / self.tau_f, self.u.value)
        x = exp_euler_step(lambda v: (1 - v) / self.tau_d, self.x.value)
        uu = uu + pre_spike * self.U * (1 - uu)
        released = uu * x * pre_spike
        self.u.value = uu
        self.x.value = x - released
        return released


class STD(ShortTermPlasticity):
    r"""Short-term depression: ``dx/dt = (1 - x)/τ``; a spike uses ``U·x`` of the resources.

    ``update(pre_spike)`` returns ``x · pre_spike`` with ``x`` the resources left after the
    step (as brainstate 0.1): the spikes weighted by the depressed efficacy, zero where
    there is no spike.

    Args:
        in_size: the presynaptic population's shape.
        name: an optional name.
        tau: recovery time constant (ms).
        U: fraction of resources used per spike.
    """

    def __init__(
        self,
        in_size: Any,
        name: str | None = None,
        tau: Any = 200.0 * u.ms,
        U: Any = 0.07,
    ) -> None:
        super().__init__(in_size, name=name)
        self.tau = self._p(tau, u.ms, "tau")
        self.U = self._p(U, u.UNITLESS, "U")

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.x = HiddenState(_value(Constant(1.0), self.varshape, batch_size))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.x.value = _value(Constant(1.0), self.varshape, batch_size)

    def update(self, pre_spike: Any) -> Any:
        x = exp_euler_step(lambda v: (1 - v) / self.tau, self.x.value)
        self.x.value = x - pre_spike * self.U * x
        return self.x.value * pre_spike
