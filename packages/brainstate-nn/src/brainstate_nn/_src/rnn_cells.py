"""Rate RNN cells: ``ValinaRNNCell``, ``GRUCell``, ``MGUCell``, ``LSTMCell``, ``URLSTMCell``.

Constructor signatures, equations and parameter layout follow brainstate 0.1: each cell
applies :class:`~brainstate_nn.Linear` layers to the concatenation ``[x, h]`` of the input and
the previous hidden value; the hidden values live in :class:`~brainstate_core.HiddenState`
objects made by ``init_state(batch_size=None)``.
"""

# ruff: noqa: B008

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from brainstate_core import HiddenState, ParamState, random

from . import init
from ._shapes import add_bias
from .linear import Linear
from .module import Module, ShapeError

__all__ = ["GRUCell", "LSTMCell", "MGUCell", "RNNCell", "URLSTMCell", "ValinaRNNCell"]

ArrayInit = Callable[..., Any] | Any


def _activation(activation: str | Callable[..., Any], cell: str) -> Callable[..., Any]:
    if callable(activation):
        return activation
    if isinstance(activation, str):
        from . import functional  # brainstate's activations; jax.nn's otherwise

        fn = getattr(functional, activation, None) or getattr(jax.nn, activation, None)
        if callable(fn):
            return fn
    raise ValueError(
        f"{cell}: activation must be a function or the name of one in brainstate_nn.functional "
        f"or jax.nn ('relu', 'tanh', ...), got {activation!r}"
    )


class RNNCell(Module):
    """Base class of the rate RNN cells: one time step per ``update(x)`` call.

    A cell has ``num_in`` inputs and ``num_out`` hidden units (``in_size == (num_in,)``,
    ``out_size == (num_out,)``). ``init_state(batch_size=None)`` creates its hidden
    States (shape ``(num_out,)`` or ``(batch_size, num_out)``) from ``state_init``;
    ``reset_state(batch_size=None)`` sets them back. ``update(x)`` takes ``x`` of shape
    ``(num_in,)`` or ``(batch_size, num_in)`` and returns the new output.
    """

    num_in: int
    num_out: int
    h: HiddenState  # made by init_state
    _hidden_names: tuple[str, ...] = ("h",)

    def _setup(self, num_in: int, num_out: int, state_init: ArrayInit, activation: Any) -> None:
        for what, n in (("num_in", num_in), ("num_out", num_out)):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 0:
                raise ShapeError(f"{self._label()}: {what} must be a positive int, got {n!r}")
        self.num_in = num_in = int(num_in)
        self.num_out = num_out = int(num_out)
        self.in_size = (num_in,)
        self.out_size = (num_out,)
        self._state_initializer = state_init
        self.activation = _activation(activation, self._label())

    def _initial(self, batch_size: int | None) -> Any:
        return init.param(self._state_initializer, (self.num_out,), batch_size)

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        """Create the hidden States, with a leading ``batch_size`` axis if given."""
        for name in self._hidden_names:
            setattr(self, name, HiddenState(self._initial(batch_size)))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        """Set the hidden States back to ``state_init`` (for ``batch_size`` samples)."""
        self._hidden()
        for name in self._hidden_names:
            getattr(self, name).value = self._initial(batch_size)

    def _hidden(self) -> list[HiddenState]:
        missing = [
            n for n in self._hidden_names if not isinstance(self.__dict__.get(n), HiddenState)
        ]
        if missing:
            raise ShapeError(
                f"{self._label()} has no hidden state yet: call `cell.init_state(batch_size)` "
                "(or `nn.init_all_states(model, batch_size)`) before running it."
            )
        return [self.__dict__[n] for n in self._hidden_names]

    def _concat_input(self, x: Any) -> tuple[Any, Any, list[Any]]:
        """``(x, concat([x, h]), hidden values)``, after checking ``x`` against the hidden
        state."""
        hidden = [s.value for s in self._hidden()]
        h = hidden[0]
        x = jnp.asarray(x)
        expected = (*jnp.shape(h)[:-1], self.num_in)
        if x.shape != expected:
            raise ShapeError(
                f"{self._label()} expects inputs of shape {expected} (batch axes of its hidden "
                f"state {tuple(jnp.shape(h))}, then num_in={self.num_in}), got shape "
                f"{x.shape}. Fixes: 1. reshape the input; 2. call `init_state(batch_size)` "
                "with the input's batch size."
            )
        return x, jnp.concatenate([x, h], axis=-1), hidden


class ValinaRNNCell(RNNCell):
    r"""The vanilla RNN cell: :math:`h_t = \phi(W [x_t, h_{t-1}] + b)`.

    Args:
        num_in: the number of inputs.
        num_out: the number of hidden units.
        state_init: the hidden state's initializer (or an array).
        w_init: the weight's initializer.
        b_init: the bias' initializer; None for no bias.
        activation: :math:`\phi`, a function or its name (``'relu'``, ``'tanh'``, ...).
        name: an optional name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> cell = nn.ValinaRNNCell(3, 4)
        >>> cell.init_state(batch_size=2)
        >>> cell(jnp.ones((2, 3))).shape
        (2, 4)
    """

    def __init__(
        self,
        num_in: int,
        num_out: int,
        state_init: ArrayInit = init.ZeroInit(),
        w_init: ArrayInit = init.XavierNormal(),
        b_init: ArrayInit | None = init.ZeroInit(),
        activation: str | Callable[..., Any] = "relu",
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._setup(num_in, num_out, state_init, activation)
        self.W = Linear(num_in + num_out, num_out, w_init=w_init, b_init=b_init)

    def update(self, x: Any) -> Any:
        _, xh, _ = self._concat_input(x)
        h = self.activation(self.W(xh))
        self.h.value = h
        return h


class GRUCell(RNNCell):
    r"""The gated recurrent unit (GRU) cell.

    .. math::

       [r_t, z_t] = \sigma(W_{rz} [x_t, h_{t-1}] + b_{rz}), \quad
       \tilde h_t = \phi(W_h [x_t, r_t \odot h_{t-1}] + b_h), \quad
       h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t

    Args:
        num_in: the number of inputs.
        num_out: the number of hidden units.
        w_init: the weights' initializer.
        b_init: the biases' initializer; None for no bias.
        state_init: the hidden state's initializer (or an array).
        activation: :math:`\phi`, a function or its name.
        name: an optional name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> cell = nn.GRUCell(3, 4)
        >>> cell.init_state()
        >>> cell(jnp.ones(3)).shape
        (4,)
    """

    def __init__(
        self,
        num_in: int,
        num_out: int,
        w_init: ArrayInit = init.Orthogonal(),
        b_init: ArrayInit | None = init.ZeroInit(),
        state_init: ArrayInit = init.ZeroInit(),
        activation: str | Callable[..., Any] = "tanh",
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._setup(num_in, num_out, state_init, activation)
        self.Wrz = Linear(num_in + num_out, num_out * 2, w_init=w_init, b_init=b_init)
        self.Wh = Linear(num_in + num_out, num_out, w_init=w_init, b_init=b_init)

    def update(self, x: Any) -> Any:
        x, xh, (old_h,) = self._concat_input(x)
        r, z = jnp.split(jax.nn.sigmoid(self.Wrz(xh)), 2, axis=-1)
        cand = self.activation(self.Wh(jnp.concatenate([x, r * old_h], axis=-1)))
        h = (1 - z) * old_h + z * cand
        self.h.value = h
        return h


class MGUCell(RNNCell):
    r"""The minimal gated unit (MGU) cell.

    .. math::

       f_t = \sigma(W_f [x_t, h_{t-1}] + b_f), \quad
       \tilde h_t = \phi(W_h [x_t, f_t \odot h_{t-1}] + b_h), \quad
       h_t = (1 - f_t) \odot h_{t-1} + f_t \odot \tilde h_t

    Args:
        num_in: the number of inputs.
        num_out: the number of hidden units.
        w_init: the weights' initializer.
        b_init: the biases' initializer; None for no bias.
        state_init: the hidden state's initializer (or an array).
        activation: :math:`\phi`, a function or its name.
        name: an optional name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> cell = nn.MGUCell(3, 4)
        >>> cell.init_state(5)
        >>> cell(jnp.ones((5, 3))).shape
        (5, 4)
    """

    def __init__(
        self,
        num_in: int,
        num_out: int,
        w_init: ArrayInit = init.Orthogonal(),
        b_init: ArrayInit | None = init.ZeroInit(),
        state_init: ArrayInit = init.ZeroInit(),
        activation: str | Callable[..., Any] = "tanh",
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._setup(num_in, num_out, state_init, activation)
        self.Wf = Linear(num_in + num_out, num_out, w_init=w_init, b_init=b_init)
        self.Wh = Linear(num_in + num_out, num_out, w_init=w_init, b_init=b_init)

    def update(self, x: Any) -> Any:
        x, xh, (old_h,) = self._concat_input(x)
        f = jax.nn.sigmoid(self.Wf(xh))
        cand = self.activation(self.Wh(jnp.concatenate([x, f * old_h], axis=-1)))
        h = (1 - f) * old_h + f * cand
        self.h.value = h
        return h


class LSTMCell(RNNCell):
    r"""The long short-term memory (LSTM) cell (Zaremba et al., 2014).

    .. math::

       [i_t, g_t, f_t, o_t] = W [x_t, h_{t-1}] + b, \quad
       c_t = \sigma(f_t + 1) \odot c_{t-1} + \sigma(i_t) \odot \phi(g_t), \quad
       h_t = \sigma(o_t) \odot \phi(c_t)

    The ``+ 1`` on the forget gate (Jozefowicz et al., 2015) makes the cell forget little
    at the start of training. Hidden States: ``h`` (the output) and ``c`` (the cell).

    Args:
        num_in: the number of inputs.
        num_out: the number of hidden units.
        w_init: the weight's initializer.
        b_init: the bias' initializer; None for no bias.
        state_init: the initializer of ``h`` and ``c`` (or an array).
        activation: :math:`\phi`, a function or its name.
        name: an optional name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> cell = nn.LSTMCell(3, 4)
        >>> cell.init_state(2)
        >>> cell(jnp.ones((2, 3))).shape, cell.c.value.shape
        ((2, 4), (2, 4))
    """

    c: HiddenState  # made by init_state
    _hidden_names = ("h", "c")

    def __init__(
        self,
        num_in: int,
        num_out: int,
        w_init: ArrayInit = init.XavierNormal(),
        b_init: ArrayInit | None = init.ZeroInit(),
        state_init: ArrayInit = init.ZeroInit(),
        activation: str | Callable[..., Any] = "tanh",
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._setup(num_in, num_out, state_init, activation)
        self.W = Linear(num_in + num_out, num_out * 4, w_init=w_init, b_init=b_init)

    def update(self, x: Any) -> Any:
        _, xh, (_, c) = self._concat_input(x)
        i, g, f, o = jnp.split(self.W(xh), 4, axis=-1)
        c = jax.nn.sigmoid(f + 1.0) * c + jax.nn.sigmoid(i) * self.activation(g)
        h = jax.nn.sigmoid(o) * self.activation(c)
        self.h.value = h
        self.c.value = c
        return h


class URLSTMCell(RNNCell):
    r"""The LSTM cell with uniform forget-gate initialization and a refine gate
    (UR-LSTM, Gu et al., 2020).

    .. math::

       [f_t, r_t, u_t, o_t] = W [x_t, h_{t-1}], \quad
       \bar f_t = \sigma(f_t + b_f), \quad \bar r_t = \sigma(r_t - b_f), \\
       g_t = 2 \bar r_t \bar f_t + (1 - 2 \bar r_t) \bar f_t^2, \quad
       c_t = g_t \odot c_{t-1} + (1 - g_t) \odot \phi(u_t), \quad
       h_t = \sigma(o_t) \odot \phi(c_t)

    ``W`` has no bias; the forget bias :math:`b_f` (a ParamState, ``self.bias``) is drawn
    as :math:`-\log(1/v - 1)` with :math:`v \sim U(1/n, 1 - 1/n)` from the default random
    generator. Hidden States: ``h`` and ``c``.

    Args:
        num_in: the number of inputs.
        num_out: the number of hidden units.
        w_init: the weight's initializer.
        state_init: the initializer of ``h`` and ``c`` (or an array).
        activation: :math:`\phi`, a function or its name.
        name: an optional name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> cell = nn.URLSTMCell(3, 4)
        >>> cell.init_state()
        >>> cell(jnp.ones(3)).shape
        (4,)
    """

    c: HiddenState  # made by init_state
    _hidden_names = ("h", "c")

    def __init__(
        self,
        num_in: int,
        num_out: int,
        w_init: ArrayInit = init.XavierNormal(),
        state_init: ArrayInit = init.ZeroInit(),
        activation: str | Callable[..., Any] = "tanh",
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._setup(num_in, num_out, state_init, activation)
        self.W = Linear(num_in + num_out, num_out * 4, w_init=w_init, b_init=None)
        self.bias = ParamState(self._forget_bias())

    def _forget_bias(self) -> Any:
        lo = 1.0 / self.num_out
        v = random.uniform(lo, 1.0 - lo, (self.num_out,)) if self.num_out > 1 else jnp.full(1, 0.5)
        return -jnp.log(1.0 / v - 1.0)

    def update(self, x: Any) -> Any:
        _, xh, (_, c) = self._concat_input(x)
        f, r, u, o = jnp.split(self.W(xh), 4, axis=-1)
        b = self.bias.value
        f_ = jax.nn.sigmoid(add_bias(f, b))
        r_ = jax.nn.sigmoid(add_bias(r, -b))
        g = 2 * r_ * f_ + (1 - 2 * r_) * f_**2
        c = g * c + (1 - g) * self.activation(u)
        h = jax.nn.sigmoid(o) * self.activation(c)
        self.h.value = h
        self.c.value = c
        return h
