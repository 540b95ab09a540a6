"""Synaptic outputs: conductance to current. ``COBA``, ``CUBA``, ``MgBlock``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import brainunit as u

from brainstate_core.mixin import BindCondData

from .module import Module
from .units import in_unit

__all__ = ["COBA", "CUBA", "MgBlock", "SynOut"]


class SynOut(Module, BindCondData):
    """Base class of synaptic outputs.

    The synapse's conductance of the current step is bound with :meth:`bind_cond`; calling
    the output with the postsynaptic potential gives the synaptic current. The bound value
    is per-step scratch data, not part of the model graph.
    """

    def __init__(self) -> None:
        super().__init__()
        self._conductance: Any = None

    def __graph_items__(self) -> Iterable[tuple[Any, Any]]:
        return ((k, v) for k, v in self.__dict__.items() if k != "_conductance")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._conductance is None:
            raise ValueError(
                f"{self._label()} has no conductance for this step; a synapse binds it with "
                "bind_cond(g) before the postsynaptic update (AlignPostProj does this)."
            )
        return self.update(self._conductance, *args, **kwargs)

    def update(self, conductance: Any, potential: Any = None) -> Any:
        raise NotImplementedError


class COBA(SynOut):
    r"""Conductance-based output: ``I = g (E - V)``.

    Args:
        E: reversal potential (mV; a plain number is in mV).
    """

    unit_hint = (
        "COBA gives g·(E - V) with E in mV (a plain E is taken in mV), so the synapse's "
        "conductance g must be a conductance to make a current: give the projection's "
        "weights in siemens, scaled with the neuron's R (what acts is R·g: with a plain "
        "R = 1, i.e. 1 ohm, brainstate 0.1's plain weight 0.6 is 0.6 * u.S). A unit-less g "
        "makes a voltage."
    )

    def __init__(self, E: Any) -> None:
        super().__init__()
        self.E = in_unit(E, u.mV, "E", "COBA")

    def update(self, conductance: Any, potential: Any = None) -> Any:
        return conductance * (self.E - potential)


class CUBA(SynOut):
    r"""Current-based output: ``I = g · scale``.

    Args:
        scale: the factor turning the synaptic variable into a current (default 1 V, so a
            conductance in siemens gives amperes).
    """

    def __init__(self, scale: Any = u.volt) -> None:
        super().__init__()
        self.scale = scale

    def update(self, conductance: Any, potential: Any = None) -> Any:
        return conductance * self.scale


class MgBlock(SynOut):
    r"""NMDA-style output with magnesium block: ``I = g (E - V) / (1 + [Mg] exp(-alpha V) / beta)``.

    Args:
        E: reversal potential (mV).
        cc_Mg: extracellular magnesium concentration (mM).
        alpha: voltage sensitivity (1/mV).
        beta: magnesium sensitivity (mM).
        V_offset: potential offset (mV).
    """

    unit_hint = COBA.unit_hint.replace("COBA", "MgBlock")

    def __init__(
        self,
        E: Any = 0.0 * u.mV,
        cc_Mg: Any = 1.2 * u.mM,
        alpha: Any = 0.062 / u.mV,
        beta: Any = 3.57 * u.mM,
        V_offset: Any = 0.0 * u.mV,
    ) -> None:
        super().__init__()
        self.E = in_unit(E, u.mV, "E", "MgBlock")
        self.cc_Mg = in_unit(cc_Mg, u.mM, "cc_Mg", "MgBlock")
        self.alpha = in_unit(alpha, u.mV**-1, "alpha", "MgBlock")
        self.beta = in_unit(beta, u.mM, "beta", "MgBlock")
        self.V_offset = in_unit(V_offset, u.mV, "V_offset", "MgBlock")

    def update(self, conductance: Any, potential: Any = None) -> Any:
        block = 1.0 + self.cc_Mg / self.beta * u.math.exp(-self.alpha * (potential - self.V_offset))
        return conductance * (self.E - potential) / block
