"""Connection layers: :class:`AllToAll`, :class:`OneToOne`, :class:`SparseLinear`.

Initializer defaults are shared, stateless instances (they draw from the default generator).
"""

# ruff: noqa: B008

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import brainunit as u
import jax.numpy as jnp

from brainstate_core import ParamState
from brainstate_event import CSC, CSR

from . import init
from ._shapes import add_bias, check_input, lead_axes
from .module import Module, ShapeError

__all__ = ["AllToAll", "OneToOne", "SparseLinear"]

Size = int | Sequence[int]
ArrayInit = Callable[..., Any] | Any


class AllToAll(Module):
    """All-to-all synaptic connections: ``y = x @ W`` over the last axis.

    ``W`` (one :class:`~brainstate_core.ParamState` ``weight`` holding the array) is a
    ``(in_size[-1], out_size[-1])`` matrix, or a scalar: every pair connected with the same
    weight (``y = w * sum(x)`` for every output). With ``include_self=False`` the pairs
    ``(i, i)`` are not connected (the diagonal is zero). Weights may carry brainunit units.

    Args:
        in_size: the presynaptic size.
        out_size: the postsynaptic size; all but the last axis equal ``in_size``'s.
        w_init: the weight's initializer, an array, or a scalar.
        include_self: whether neuron ``i`` connects to neuron ``i``.
        name: an optional name.

    Raises:
        ShapeError: ``in_size`` and ``out_size`` differ before their last axis.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.AllToAll(3, 3, w_init=1.0, include_self=False)(jnp.array([1.0, 2.0, 3.0])).tolist()
        [5.0, 4.0, 3.0]
    """

    def __init__(
        self,
        in_size: Size,
        out_size: Size,
        w_init: ArrayInit = init.KaimingNormal(),
        include_self: bool = True,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.in_size = in_size
        self.out_size = out_size
        ins, outs = self.in_size or (), self.out_size or ()
        if not ins or not outs or ins[:-1] != outs[:-1]:
            raise ShapeError(
                f"{self._label()}: in_size and out_size must agree on all but their last axis, "
                f"got in_size={self.in_size}, out_size={self.out_size}"
            )
        self.include_self = include_self
        shape = (ins[-1], outs[-1])
        self.weight = ParamState(init.param(w_init, shape, allow_none=False))

    def update(self, x: Any) -> Any:
        check_input(self, x)
        w = self.weight.value
        n_in, n_out = self.in_size[-1], self.out_size[-1]  # type: ignore[index]
        if u.math.ndim(w) == 0:
            total = u.math.sum(x, axis=-1, keepdims=True)
            y = u.math.repeat(total, n_out, axis=-1) if n_out != 1 else total
            if not self.include_self:
                k = min(n_in, n_out)
                own = x[..., :k]
                if k < n_out:
                    zeros = u.math.zeros_like(x[..., :1])
                    own = u.math.concatenate([own] + [zeros] * (n_out - k), axis=-1)
                y = y - own
            return w * y
        if not self.include_self:
            w = w * (1 - jnp.eye(n_in, n_out, dtype=jnp.result_type(u.get_mantissa(w))))
        return u.math.matmul(x, w)


class OneToOne(Module):
    """One-to-one connections: ``y = x * w (+ b)`` element-wise, one weight per neuron.

    Parameters: one ParamState ``weight`` holding ``{'weight': w, 'bias': b}`` (no ``'bias'``
    without ``b_init``), both of shape ``in_size``.

    Args:
        in_size: the size (input and output).
        w_init: the weight's initializer (or array / scalar).
        b_init: the bias' initializer; None for no bias.
        name: an optional name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> layer = nn.OneToOne(3, w_init=nn.init.Constant(2.0))
        >>> layer(jnp.ones((4, 3))).shape
        (4, 3)
    """

    def __init__(
        self,
        in_size: Size,
        w_init: ArrayInit = init.Normal(),
        b_init: ArrayInit | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.in_size = in_size
        self.out_size = in_size
        shape = self.in_size or ()
        params = {"weight": init.param(w_init, shape, allow_none=False)}
        if b_init is not None:
            params["bias"] = init.param(b_init, shape, allow_none=False)
        self.weight = ParamState(params)

    def update(self, x: Any) -> Any:
        check_input(self, x)
        params = self.weight.value
        y = x * lead_axes(params["weight"], u.math.ndim(x))
        if "bias" in params:
            y = add_bias(y, params["bias"])
        return y


class SparseLinear(Module):
    """A linear layer with a fixed sparsity structure: ``y = x @ S (+ b)``.

    ``S`` is a :class:`brainstate_event.CSR` (or ``CSC``) matrix of shape ``(in, out)``; its
    stored values are learnable: one ParamState ``weight`` holds ``{'weight': S.data}``
    (plus ``'bias'`` of shape ``(out,)`` with ``b_init``). The product runs on
    brainstate-event's sparse kernels (boolean spikes take the event-driven path) and is
    differentiable with respect to the values.

    Args:
        spar_mat: the sparse matrix (its values are the initial weights).
        b_init: the bias' initializer; None for no bias.
        in_size: the input size (default: the matrix's rows).
        name: an optional name.

    Raises:
        TypeError: ``spar_mat`` is not a CSR/CSC matrix.
        ShapeError: ``in_size`` does not end with the matrix's rows.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_event as be
        >>> import brainstate_nn as nn
        >>> dense = jnp.array([[1.0, 0.0], [0.0, 2.0], [3.0, 0.0]])
        >>> layer = nn.SparseLinear(be.CSR.fromdense(dense))
        >>> layer(jnp.ones((5, 3))).shape
        (5, 2)
    """

    def __init__(
        self,
        spar_mat: CSR | CSC,
        b_init: ArrayInit | None = None,
        in_size: Size | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if not isinstance(spar_mat, (CSR, CSC)):
            raise TypeError(
                "SparseLinear needs a brainstate_event.CSR or CSC matrix, got "
                f"{type(spar_mat).__name__}"
            )
        n_in, n_out = spar_mat.shape
        self.in_size = n_in if in_size is None else in_size
        if self.in_size[-1] != n_in:  # type: ignore[index]
            raise ShapeError(
                f"{self._label()}: in_size={self.in_size} must end with the sparse matrix's "
                f"rows ({n_in}; the matrix has shape {spar_mat.shape})"
            )
        self.out_size = (*self.in_size[:-1], n_out)  # type: ignore[index]
        self.spar_mat = spar_mat
        params = {"weight": spar_mat.data}
        if b_init is not None:
            params["bias"] = init.param(b_init, n_out, allow_none=False)
        self.weight = ParamState(params)

    def update(self, x: Any) -> Any:
        check_input(self, x)
        params = self.weight.value
        y = x @ self.spar_mat.with_data(params["weight"])
        if "bias" in params:
            y = add_bias(y, params["bias"])
        return y
