"""Leaky readouts for spiking networks: ``LeakyRateReadout`` and ``LeakySpikeReadout``.

Constructors follow brainstate 0.1. Both hold their weights in a
:class:`~brainstate_core.ParamState` (``self.weight``, shape ``(in, out)``) and integrate
``x @ weight`` with a leak of time constant ``tau`` by the exponential Euler method.
"""

# ruff: noqa: B008

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import brainunit as u
import jax
import numpy as np

from brainstate_core import HiddenState, ParamState, environ

from .exp_euler import exp_euler_step
from .init import KaimingNormal, ZeroInit, param
from .module import Module, to_shape
from .neurons import Neuron, _default_spk_fun, _initial_state
from .units import in_unit, magnitude, time_step

__all__ = ["LeakyRateReadout", "LeakySpikeReadout"]


def _size(size: Any, what: str) -> tuple[int, ...]:
    if isinstance(size, (int, np.integer)):
        size = (int(size),)
    shape = to_shape(size, what)
    if not shape:
        raise ValueError(f"{what} must be a non-empty size, got {size!r}")
    return shape


class LeakyRateReadout(Module):
    r"""A leaky rate readout: ``r ← e^{-dt/τ} r + x @ W``.

    The discrete form of ``τ dr/dt = -r`` between steps plus the instantaneous input
    ``x @ W`` at each step (as in brainstate and e-prop's readouts). The decay factor is
    computed from ``environ`` ``dt`` at each call (brainstate 0.1 fixed it at
    construction), and ``tau`` has the shape of the output (brainstate 0.1 gave it the
    input's shape, which failed when they differed).

    Args:
        in_size: the input size (the last axis of ``x``).
        out_size: the number of readout units.
        tau: the time constant (ms if a plain number).
        w_init: the weight's initializer (or an array) of shape ``(in, out)``.
        name: an optional name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainunit as u
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> ro = nn.init_all_states(nn.LeakyRateReadout(3, 2, tau=10. * u.ms,
        ...                                             w_init=nn.init.Constant(1.)))
        >>> with bsc.environ.context(dt=1. * u.ms):
        ...     r1 = ro(jnp.ones(3))
        ...     r2 = ro(jnp.zeros(3))
        >>> r1.tolist(), round(float(r2[0]), 4)  # 3 * exp(-0.1)
        ([3.0, 3.0], 2.7145)
    """

    def __init__(
        self,
        in_size: Any,
        out_size: Any,
        tau: Any = 5.0 * u.ms,
        w_init: Callable[..., Any] | Any = KaimingNormal(),
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        in_shape = _size(in_size, f"{type(self).__name__} in_size")
        self._shape = _size(out_size, f"{type(self).__name__} out_size")
        self.in_size, self.out_size = in_shape, self._shape
        self.tau = param(in_unit(tau, u.ms, "tau", self._label()), self._shape)
        self.weight = ParamState(param(w_init, (in_shape[-1], self._shape[-1])))

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.r = HiddenState(param(ZeroInit(), self._shape, batch_size, allow_scalar=False))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.r.value = param(ZeroInit(), self._shape, batch_size, allow_scalar=False)

    @property
    def decay(self) -> Any:
        """``exp(-dt/tau)`` for the current ``environ`` ``dt``."""
        return u.math.exp(-magnitude(time_step(environ.get_dt()) / self.tau))

    def update(self, x: Any) -> Any:
        self.r.value = self.decay * self.r.value + x @ self.weight.value
        return self.r.value


class LeakySpikeReadout(Neuron):
    r"""A spiking readout: an integrate-and-fire layer fed through its own weights.

    ``τ dV/dt = -V + x @ W`` (``W`` in mV, so ``x @ W`` is a potential), integrated by
    the exponential Euler method with the input held over the step; a spike
    ``spk_fun((V - V_th)/V_th)`` resets ``V`` by ``V_th`` (soft) or to 0 (hard) at the
    next step. As in brainstate 0.1 the layer has ``in_size`` neurons and a square
    weight ``(in_size[-1], in_size[-1])``.

    Args:
        in_size: the layer's shape (and its input's).
        tau: the membrane time constant (ms if a plain number).
        V_th: the threshold (mV if a plain number).
        w_init: the weight's initializer (or an array), in mV.
        V_initializer: the initial potential (default 0 mV).
        spk_fun: the spike function (default ``ReluGrad()``).
        spk_reset: ``'soft'`` or ``'hard'``.
        name: an optional name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainunit as u
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> ro = nn.init_all_states(nn.LeakySpikeReadout(
        ...     2, tau=5. * u.ms, V_th=1. * u.mV, w_init=nn.init.Constant(2. * u.mV)))
        >>> with bsc.environ.context(dt=1. * u.ms):
        ...     spikes = [ro(jnp.ones(2)).tolist() for _ in range(3)]
        >>> spikes  # V: 4(1 - e^{-0.2}) = 0.73 mV, then 1.32 mV
        [[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    """

    def __init__(
        self,
        in_size: Any,
        tau: Any = 5.0 * u.ms,
        V_th: Any = 1.0 * u.mV,
        w_init: Callable[..., Any] | Any = KaimingNormal(unit=u.mV),
        V_initializer: Any = ZeroInit(unit=u.mV),
        spk_fun: Callable[..., Any] | None = None,
        spk_reset: str = "soft",
        name: str | None = None,
    ) -> None:
        super().__init__(in_size, spk_fun or _default_spk_fun("ReluGrad"), spk_reset, name=name)
        self.tau = self._p(tau, u.ms, "tau")
        self.V_th = self._p(V_th, u.mV, "V_th")
        self.V_initializer = V_initializer
        self.weight = ParamState(param(w_init, (self.varshape[-1], self.varshape[-1])))

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.V = HiddenState(_initial_state(self, "V_initializer", u.mV, batch_size))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self.V.value = _initial_state(self, "V_initializer", u.mV, batch_size)

    @property
    def spike(self) -> Any:
        """The spikes of the current potential."""
        return self.get_spike(self.V.value)

    def get_spike(self, V: Any = None) -> Any:
        V = self.V.value if V is None else V
        return self.spk_fun(magnitude((V - self.V_th) / self.V_th))

    def update(self, spk: Any) -> Any:
        last_v = self.V.value
        reset = self.V_th if self.spk_reset == "soft" else jax.lax.stop_gradient(last_v)
        V = last_v - reset * self.get_spike(last_v)
        x = in_unit(spk @ self.weight.value, u.mV, "spk @ weight", self._label())
        V = exp_euler_step(lambda v: (-v + self.sum_current_inputs(x, v)) / self.tau, V)
        self.V.value = self.sum_delta_inputs(V)
        return self.get_spike()
