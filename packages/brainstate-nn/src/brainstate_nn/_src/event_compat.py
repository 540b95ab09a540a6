"""brainstate 0.1's event-driven layer names: ``EventFixedProb``, ``FixedNumConn``,
``EventFixedNumConn`` and ``EventLinear``, over :mod:`brainstate_event`'s layers.

They take 0.1's constructor arguments (``conn_num``/``conn_weight`` or ``prob``/``weight``;
weights as values or initializers) and are :class:`brainstate_event.FixedProb` and
:class:`brainstate_event.Linear` otherwise. New code can use those directly.
"""

from __future__ import annotations

import numbers
from typing import Any

import brainstate_event as be
from brainstate_core import ParamState

from .init import param

__all__ = ["EventFixedNumConn", "EventFixedProb", "EventLinear", "FixedNumConn"]


def _size(size: Any) -> int:
    return int(size[0]) if isinstance(size, (tuple, list)) else int(size)


class EventFixedNumConn(be.FixedProb):
    """Each presynaptic neuron projects to a fixed number of random postsynaptic ones.

    brainstate 0.1's ``FixedNumConn``/``EventFixedNumConn``/``EventFixedProb``: a
    :class:`brainstate_event.FixedProb` built from 0.1's arguments.

    Args:
        in_size: the number of presynaptic neurons.
        out_size: the number of postsynaptic neurons.
        conn_num: a float: the connection probability (``int(out_size * conn_num)``
            targets each); an int: the number of targets of each presynaptic neuron.
        conn_weight: one weight, ``[in_size, n_conn]`` weights, or an initializer called
            with that shape (a Quantity keeps its unit).
        efferent_target: ``'post'`` (fixed out-degree; the only kind supported).
        afferent_ratio: the fraction of presynaptic neurons that project (only 1).
        allow_multi_conn: whether a neuron may target the same neuron twice.
        seed: the seed of the connectivity.
        name: an optional name.
        conn_init: accepted for 0.1's code; the indices are drawn in one vectorized call.
        param_type: the State type of the weights (``ParamState``, as 0.1's default).
        prob: 0.1's earlier name for ``conn_num`` (a probability).
        weight: 0.1's earlier name for ``conn_weight``.
        float_as_event: float spikes count as events (nonzero -> 1).

    Raises:
        ValueError: ``efferent_target`` other than ``'post'``, ``afferent_ratio`` other than
            1, a ``param_type`` other than ``ParamState``, or the connectivity given twice
            (``conn_num`` and ``prob``) or not at all.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> conn = nn.FixedNumConn(100, 50, conn_num=5, conn_weight=0.5, seed=0)
        >>> conn.n_conn, float(conn(jnp.ones(100, bool)).sum())
        (5, 250.0)
    """

    def __init__(
        self,
        in_size: Any,
        out_size: Any,
        conn_num: float | int | None = None,
        conn_weight: Any = None,
        efferent_target: str = "post",
        afferent_ratio: float = 1.0,
        allow_multi_conn: bool = True,
        seed: int | None = None,
        name: str | None = None,
        conn_init: str = "vmap",
        param_type: type = ParamState,
        *,
        prob: float | None = None,
        weight: Any = None,
        float_as_event: bool = True,
    ) -> None:
        del conn_init
        if efferent_target != "post":
            raise ValueError(
                f"{type(self).__name__}: efferent_target={efferent_target!r} (a fixed in-degree) "
                "is not supported; only 'post' (each presynaptic neuron has conn_num targets)."
            )
        if afferent_ratio != 1:
            raise ValueError(
                f"{type(self).__name__}: afferent_ratio={afferent_ratio!r} is not supported; "
                "only 1 (every presynaptic neuron projects)."
            )
        if param_type is not ParamState:
            raise ValueError(
                f"{type(self).__name__}: param_type must be ParamState (the weights' State "
                f"type), got {param_type!r}."
            )
        if (conn_num is None) == (prob is None):
            raise ValueError(
                f"{type(self).__name__}: give the connectivity once, as conn_num (or 0.1's "
                f"earlier prob), got conn_num={conn_num!r}, prob={prob!r}."
            )
        if (conn_weight is None) == (weight is None):
            raise ValueError(
                f"{type(self).__name__}: give the weights once, as conn_weight (or 0.1's "
                f"earlier weight)."
            )
        n_pre, n_post = _size(in_size), _size(out_size)
        number: float | int = prob if conn_num is None else conn_num  # type: ignore[assignment]
        if isinstance(number, numbers.Integral) and not isinstance(number, bool):
            if not 0 <= int(number) <= n_post:
                raise ValueError(
                    f"{type(self).__name__}: conn_num={number} targets per neuron, but "
                    f"out_size is {n_post}."
                )
            # exactly `number` targets: int(n_post * p) must not round down to number - 1
            number = (int(number) + 0.5) / n_post if int(number) < n_post else 1.0
        p = float(number)
        given = conn_weight if weight is None else weight
        if callable(given):  # an initializer, for the [n_pre, n_conn] weights FixedProb keeps
            given = param(given, (n_pre, int(n_post * p)))
        super().__init__(
            n_pre,
            n_post,
            p,
            given,
            allow_multi_conn=allow_multi_conn,
            seed=seed,
            float_as_event=float_as_event,
            name=name,
        )


FixedNumConn = EventFixedNumConn
EventFixedProb = EventFixedNumConn


class EventLinear(be.Linear):
    """brainstate 0.1's ``EventLinear``: a dense layer driven by events (spikes).

    A :class:`brainstate_event.Linear` whose weight may also be an initializer (called with
    ``(in_size, out_size)``), as in 0.1.

    Args:
        in_size: the number of inputs.
        out_size: the number of outputs.
        weight: one weight, ``[in_size, out_size]`` weights, or an initializer.
        float_as_event: float inputs count as events (nonzero -> 1).
        block_size: accepted for 0.1's code (its GPU kernel's block size).
        name: an optional name.
        param_type: the weights' State type (only ``ParamState``).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> layer = nn.EventLinear(3, 2, nn.init.Constant(0.5))
        >>> layer(jnp.array([True, False, True])).tolist()
        [1.0, 1.0]
    """

    def __init__(
        self,
        in_size: Any,
        out_size: Any,
        weight: Any,
        float_as_event: bool = True,
        block_size: int = 64,
        name: str | None = None,
        param_type: type = ParamState,
    ) -> None:
        del block_size
        if param_type is not ParamState:
            raise ValueError(f"EventLinear: param_type must be ParamState, got {param_type!r}.")
        n_in, n_out = _size(in_size), _size(out_size)
        if callable(weight):
            weight = param(weight, (n_in, n_out))
        super().__init__(n_in, n_out, weight, float_as_event=float_as_event, name=name)
