"""``FixedProb``: a layer with fixed out-degree random connectivity and event-driven kernels."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from brainstate_core import ParamState
from brainstate_graph import Node

from .errors import EventShapeError
from .fixed_prob_ops import _matvec, _split_unit

__all__ = ["FixedProb", "fixed_prob_indices"]


def _as_size(size: Any, what: str) -> tuple[int, ...]:
    sizes = (size,) if isinstance(size, (int, np.integer)) else size
    if (
        not isinstance(sizes, (tuple, list))
        or not sizes
        or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 for n in sizes)
    ):
        raise EventShapeError(f"{what} must be a positive int or tuple of them, got {size!r}.")
    return tuple(int(n) for n in sizes)


def fixed_prob_indices(
    n_pre: int, n_post: int, n_conn: int, *, allow_multi_conn: bool = True, seed: int | None = None
) -> np.ndarray:
    """Random targets ``[n_pre, n_conn]`` (int32, each row sorted), reproducible from ``seed``.

    With ``allow_multi_conn=False`` no row repeats a target (needs ``n_conn <= n_post``).
    Every index is checked to lie in ``[0, n_post)``, so kernels can trust them.
    """
    rng = np.random.default_rng(seed)
    if n_conn == 0:
        return np.zeros((n_pre, 0), np.int32)
    if allow_multi_conn:
        idx = rng.integers(0, n_post, (n_pre, n_conn))
    elif n_conn > n_post:
        raise EventShapeError(
            f"allow_multi_conn=False needs n_conn <= n_post, got n_conn={n_conn} > "
            f"n_post={n_post}; raise out_size or lower prob."
        )
    elif 2 * n_conn > n_post:
        keys = rng.random((n_pre, n_post))
        idx = np.argpartition(keys, n_conn - 1, axis=1)[:, :n_conn]
    else:
        # Draw with replacement and redraw the rows that repeat a target (few when sparse).
        idx = rng.integers(0, n_post, (n_pre, n_conn))
        while True:
            srt = np.sort(idx, axis=1)
            bad = np.nonzero((srt[:, 1:] == srt[:, :-1]).any(axis=1))[0]
            if bad.size == 0:
                break
            idx[bad] = rng.integers(0, n_post, (bad.size, n_conn))
    idx = np.sort(idx, axis=1).astype(np.int32)
    if idx.size and (idx.min() < 0 or idx.max() >= n_post):  # pragma: no cover - invariant
        raise AssertionError("fixed_prob_indices built an out-of-range index")
    return idx


class FixedProb(Node):
    """Fixed out-degree connectivity: each presynaptic neuron targets ``n_conn`` random
    postsynaptic neurons, ``n_conn = int(out_size * prob)``.

    Calling the layer with presynaptic spikes returns, per postsynaptic neuron, the summed
    weights of the connections from active presynaptic neurons, using an event-driven kernel
    that only touches the rows of neurons that spiked (see :func:`fixed_prob_matvec`).
    It is differentiable with respect to the weight and to float spikes (as the linear map
    ``spikes @ W``); vmaps over spikes become one batched kernel call. The kernel backend
    follows :func:`get_backend` (set it with :func:`set_backend` / :func:`use_backend`).

    Args:
        in_size: Number of presynaptic neurons (an int, or a tuple whose last entry counts).
        out_size: Number of postsynaptic neurons (likewise).
        prob: Connection probability in ``[0, 1]``.
        weight: A scalar (homogeneous) or one weight per connection ``[n_pre, n_conn]``;
            held in the :class:`~brainstate_core.ParamState` ``self.weight``. May carry
            brainunit units.
        allow_multi_conn: Whether a presynaptic neuron may target a neuron more than once.
        seed: Seed of the numpy generator that draws the connectivity (None: fresh entropy).
        float_as_event: Float spikes count as events (nonzero -> 1); if False their values
            scale the weights. Boolean spikes are always events.
        name: Optional name of the layer.
        pre_range: ``(start, stop)``: only the presynaptic neurons ``start .. stop - 1`` of the
            ``in_size`` population project (``n_pre = stop - start``), e.g. the excitatory
            part of a network. The layer is still called with the spikes of the whole
            population and reads its rows in place: the same as a layer of ``stop - start``
            inputs called with ``spikes[..., start:stop]`` (with the same seed, the same
            connections), without the copy. None: all ``in_size`` neurons.

    Attributes:
        n_pre: Number of projecting presynaptic neurons (rows of ``indices``).
        n_conn: Targets per presynaptic neuron.
        indices: ``[n_pre, n_conn]`` int32 targets (each row sorted).
        weight: ``ParamState`` of the weights.

    Raises:
        EventShapeError: a bad size, probability, or weight shape (named in the message).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import brainstate_event as be
        >>> fp = be.FixedProb(100, 50, 0.1, 2.0, seed=0)
        >>> fp.n_conn, fp.indices.shape
        (5, (100, 5))
        >>> spikes = jnp.zeros(100, bool).at[3].set(True)
        >>> float(jax.jit(fp)(spikes).sum())
        10.0

        Neurons 80-99 of a population of 100 projecting, added to a decaying state:

        >>> inh = be.FixedProb(100, 50, 0.1, 2.0, seed=0, pre_range=(80, 100))
        >>> inh.n_pre
        20
        >>> g = jnp.ones(50)
        >>> g_next = inh.accumulate(spikes.at[90].set(True), g, beta=0.5)
        >>> float(g_next.sum())  # 0.5 * 50 + 2.0 * 5
        35.0
    """

    def __init__(
        self,
        in_size: Any,
        out_size: Any,
        prob: float,
        weight: Any,
        allow_multi_conn: bool = True,
        seed: int | None = None,
        float_as_event: bool = True,
        name: str | None = None,
        pre_range: tuple[int, int] | None = None,
    ):
        self.in_size = _as_size(in_size, "in_size")
        self.out_size = _as_size(out_size, "out_size")
        if not 0.0 <= float(prob) <= 1.0:
            raise EventShapeError(f"prob must lie in [0, 1], got {prob!r}.")
        self.name = name
        self.prob = float(prob)
        self.n_in = self.in_size[-1]
        if pre_range is None:
            self.pre_start: int | None = None
            self.n_pre = self.n_in
        else:
            start, stop = (int(v) for v in pre_range)
            if not 0 <= start < stop <= self.n_in:
                raise EventShapeError(
                    f"pre_range must be (start, stop) with 0 <= start < stop <= in_size="
                    f"{self.n_in}, got {pre_range!r}."
                )
            self.pre_start = start
            self.n_pre = stop - start
        self.n_post = self.out_size[-1]
        self.n_conn = int(self.n_post * self.prob)
        self.allow_multi_conn = bool(allow_multi_conn)
        self.seed = seed
        self.float_as_event = bool(float_as_event)
        self.indices = jnp.asarray(
            fixed_prob_indices(
                self.n_pre,
                self.n_post,
                self.n_conn,
                allow_multi_conn=self.allow_multi_conn,
                seed=seed,
            )
        )
        mantissa, unit = _split_unit(weight)
        shape = np.shape(mantissa)
        if shape not in ((), (1,), (self.n_pre, self.n_conn)):
            raise EventShapeError(
                f"weight must be a scalar or have shape [n_pre, n_conn]=({self.n_pre}, "
                f"{self.n_conn}), got shape {shape}."
            )
        if unit is None:
            weight = jnp.asarray(weight, dtype=_float_dtype(weight))
        self.weight = ParamState(weight)

    def _check_spikes(self, spikes: Any) -> None:
        shape = np.shape(spikes)
        if not shape or shape[-1] != self.n_in:
            raise EventShapeError(
                f"{type(self).__name__}: spikes must have shape [..., "
                f"{'n_pre' if self.pre_start is None else 'in_size'}={self.n_in}], "
                f"got shape {tuple(shape)}."
            )

    def __call__(self, spikes: Any) -> Any:
        """Summed weights per postsynaptic neuron: ``[..., in_size]`` -> ``[..., n_post]``.

        Raises:
            EventShapeError: ``spikes``' last dimension is not ``in_size``.
        """
        return self._product(spikes)

    def accumulate(self, spikes: Any, y: Any, beta: Any = 1.0) -> Any:
        """``beta * y + self(spikes)`` in one pass (BLAS ``gemv`` style), in ``y``'s unit.

        A decaying state and its synaptic increments (``g ← decay·g + spikes @ W``) cost one
        kernel call on CPU instead of a kernel call and an element-wise pass; other backends
        compute the same sum from :meth:`__call__`.

        Args:
            spikes: ``[..., in_size]`` spikes, as for :meth:`__call__`.
            y: ``[..., n_post]`` floats, or a brainunit Quantity of the weights' dimension
                (plain weights are then taken in ``y``'s unit).
            beta: Factor of ``y``: a scalar or one per postsynaptic neuron (``[n_post]``).

        Returns:
            ``beta * y + self(spikes)``, with ``y``'s shape, dtype and unit.

        Raises:
            EventShapeError: wrong shapes.
            brainunit.UnitMismatchError: weights with units and a plain or mismatched ``y``.
        """
        return self._product(spikes, y=y, beta=beta)

    def _product(self, spikes: Any, **accumulate: Any) -> Any:
        self._check_spikes(spikes)
        return _matvec(
            spikes,
            self.indices,
            self.weight.value,
            self.n_post,
            False,
            self.float_as_event,
            None,
            checked=True,
            pre_start=self.pre_start,
            **accumulate,
        )


def _float_dtype(x: Any):
    dtype = jnp.result_type(x)
    return dtype if jnp.issubdtype(dtype, jnp.floating) else jnp.result_type(float)
