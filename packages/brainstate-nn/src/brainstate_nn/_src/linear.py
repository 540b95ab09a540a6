"""Dense layers: :class:`Linear`, :class:`ScaledWSLinear`, :class:`SignedWLinear`, :class:`LoRA`.

Initializer defaults (``w_init=KaimingNormal()``) are shared instances; that is safe because an
initializer without its own ``seed`` holds no state (it draws from the default generator).
"""

# ruff: noqa: B008

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import brainunit as u
import jax.numpy as jnp

from brainstate_core import ParamState

from . import init
from ._shapes import add_bias, check_input
from .functional.normalization import weight_standardization
from .module import Module, ShapeError

__all__ = ["LoRA", "Linear", "ScaledWSLinear", "SignedWLinear"]

Size = int | Sequence[int]
ArrayInit = Callable[..., Any] | Any


def _sizes(layer: Module, in_size: Size, out_size: Size) -> tuple[int, int]:
    """Set ``layer.in_size``/``out_size``; return their last entries (the weight's shape)."""
    layer.in_size = in_size
    layer.out_size = out_size
    ins, outs = layer.in_size, layer.out_size
    if not ins or not outs:
        raise ShapeError(
            f"{layer._label()} needs non-empty in_size and out_size, got in_size={in_size!r}, "
            f"out_size={out_size!r}"
        )
    return ins[-1], outs[-1]


class Linear(Module):
    """A dense layer ``y = x @ (weight * w_mask) + bias``.

    The weight has shape ``(in_size[-1], out_size[-1])``; inputs have shape
    ``(..., *in_size)`` (any leading batch axes, or none). The parameters live in ONE
    :class:`~brainstate_core.ParamState`, ``self.weight``, holding the dict
    ``{'weight': W, 'bias': b}`` (no ``'bias'`` key when ``b_init`` is None).

    Args:
        in_size: the input size (an int or a shape without batch axes).
        out_size: the output size.
        w_init: the weight's initializer (or an array).
        b_init: the bias' initializer (or an array); None for no bias.
        w_mask: an optional fixed mask multiplied with the weight (array, initializer, or
            None), broadcasting against ``(in_size[-1], out_size[-1])``.
        name: an optional name.

    Raises:
        ShapeError: at call time, an input whose trailing axes are not ``in_size``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> layer = nn.Linear(3, 2)
        >>> layer(jnp.ones((5, 3))).shape, layer(jnp.ones(3)).shape
        ((5, 2), (2,))
        >>> sorted(layer.weight.value)
        ['bias', 'weight']
    """

    def __init__(
        self,
        in_size: Size,
        out_size: Size,
        w_init: ArrayInit = init.KaimingNormal(),
        b_init: ArrayInit | None = init.ZeroInit(),
        w_mask: ArrayInit | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        shape = _sizes(self, in_size, out_size)
        self.w_mask = init.param(w_mask, shape)
        params = {"weight": init.param(w_init, shape, allow_none=False)}
        if b_init is not None:
            params["bias"] = init.param(b_init, shape[1], allow_none=False)
        self.weight = ParamState(params)

    def update(self, x: Any) -> Any:
        check_input(self, x)
        params = self.weight.value
        w = params["weight"]
        if self.w_mask is not None:
            w = w * self.w_mask
        y = u.math.matmul(x, w)
        if "bias" in params:
            y = add_bias(y, params["bias"])
        return y


class ScaledWSLinear(Module):
    """A dense layer with scaled weight standardization (Brock et al., 2021).

    The weight is standardized per output unit at every call (see
    :func:`brainstate_nn.functional.weight_standardization`) and multiplied by a learnable
    ``gain`` (if ``ws_gain``). Parameters: one ParamState ``weight`` holding
    ``{'weight', 'bias'?, 'gain'?}``.

    Args:
        in_size: the input size.
        out_size: the output size.
        w_init: the weight's initializer.
        b_init: the bias' initializer; None for no bias.
        w_mask: an optional fixed mask of the weight, broadcasting against
            ``(in_size[-1], 1)``.
        ws_gain: whether to learn a gain per output unit.
        eps: the floor of ``var * fan_in`` in the standardization.
        name: an optional name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.ScaledWSLinear(4, 3)(jnp.ones((2, 4))).shape
        (2, 3)
    """

    def __init__(
        self,
        in_size: Size,
        out_size: Size,
        w_init: ArrayInit = init.KaimingNormal(),
        b_init: ArrayInit | None = init.ZeroInit(),
        w_mask: ArrayInit | None = None,
        ws_gain: bool = True,
        eps: float = 1e-4,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        shape = _sizes(self, in_size, out_size)
        self.w_mask = init.param(w_mask, (shape[0], 1))
        self.eps = eps
        params = {"weight": init.param(w_init, shape, allow_none=False)}
        if b_init is not None:
            params["bias"] = init.param(b_init, shape[1], allow_none=False)
        if ws_gain:
            params["gain"] = jnp.ones((1, shape[1]), dtype=jnp.result_type(params["weight"]))
        self.weight = ParamState(params)

    def update(self, x: Any) -> Any:
        check_input(self, x)
        params = self.weight.value
        w = weight_standardization(params["weight"], self.eps, params.get("gain"))
        if self.w_mask is not None:
            w = w * self.w_mask
        y = u.math.matmul(x, w)
        if "bias" in params:
            y = add_bias(y, params["bias"])
        return y


class SignedWLinear(Module):
    """A dense layer whose weights have fixed signs: ``y = x @ (|W| * w_sign)``.

    Useful for excitatory/inhibitory (Dale's law) connectivity: the learnable magnitude
    ``W`` (one ParamState ``weight`` holding the array) keeps its sign from ``w_sign``.

    Args:
        in_size: the input size.
        out_size: the output size.
        w_init: the weight's initializer.
        w_sign: the signs (array broadcasting against ``(in_size[-1], out_size[-1])``);
            None for all positive.
        name: an optional name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> layer = nn.SignedWLinear(2, 1, w_init=nn.init.Constant(-1.0),
        ...                          w_sign=jnp.array([[1.0], [-1.0]]))
        >>> layer(jnp.array([1.0, 2.0])).tolist()
        [-1.0]
    """

    def __init__(
        self,
        in_size: Size,
        out_size: Size,
        w_init: ArrayInit = init.KaimingNormal(),
        w_sign: Any = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        shape = _sizes(self, in_size, out_size)
        self.w_sign = w_sign
        self.weight = ParamState(init.param(w_init, shape, allow_none=False))

    def update(self, x: Any) -> Any:
        check_input(self, x)
        w = u.math.abs(self.weight.value)
        if self.w_sign is not None:
            w = w * self.w_sign
        return u.math.matmul(x, w)


class LoRA(Module):
    """A low-rank adapter: ``y = x @ A @ B (+ base_module(x))`` (Hu et al., 2021).

    ``A`` has shape ``(in_features, lora_rank)``, ``B`` ``(lora_rank, out_features)``; both
    live in one ParamState ``weight`` holding ``{'lora_a': A, 'lora_b': B}``. With a
    ``base_module`` (e.g. a frozen :class:`Linear`), its output is added.

    Args:
        in_features: the input size.
        lora_rank: the rank of the update.
        out_features: the output size.
        base_module: an optional module of the same input and output size.
        kernel_init: the initializer of ``A`` and ``B``.
        param_type: the State type of the parameters.
        name: an optional name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> lora = nn.LoRA(4, 2, 3, base_module=nn.Linear(4, 3))
        >>> lora(jnp.ones((5, 4))).shape
        (5, 3)
    """

    def __init__(
        self,
        in_features: int,
        lora_rank: int,
        out_features: int,
        *,
        base_module: Module | None = None,
        kernel_init: ArrayInit = init.LecunNormal(),
        param_type: type[ParamState] = ParamState,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.in_size = in_features
        self.out_size = out_features
        if base_module is not None and not callable(base_module):
            raise TypeError(f"LoRA base_module must be callable, got {base_module!r}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.lora_rank = int(lora_rank)
        self.base_module = base_module
        self.weight = param_type(
            {
                "lora_a": init.param(
                    kernel_init, (self.in_features, self.lora_rank), allow_none=False
                ),
                "lora_b": init.param(
                    kernel_init, (self.lora_rank, self.out_features), allow_none=False
                ),
            }
        )

    def update(self, x: Any) -> Any:
        check_input(self, x)
        params = self.weight.value
        y = u.math.matmul(u.math.matmul(x, params["lora_a"]), params["lora_b"])
        if self.base_module is not None:
            y = y + self.base_module(x)
        return y
