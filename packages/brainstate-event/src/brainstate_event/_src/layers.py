"""Layers over the event-driven operators: ``CSRLinear`` (sparse) and ``Linear`` (dense).

Both are graph Nodes that hold their weights in a ``ParamState`` (so they train like any
other layer) and map spikes ``[..., in_size]`` to ``[..., out_size]``. The sparsity structure
of ``CSRLinear`` is constant: it is kept in an identity-hashed holder so that the layer's
GraphDef stays hashable.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from brainstate_core import ParamState
from brainstate_core.extend import ByIdentity
from brainstate_graph import Node

from .csr.common import acc_dtype, as_values, check_data_dtype, prepare_spikes, shape_error
from .csr.matrix import CSR
from .dense import event_matmul

__all__ = ["CSRLinear", "Linear"]


class CSRLinear(Node):
    """A sparse synaptic layer: ``spikes @ W`` with ``W`` a fixed CSR structure of weights.

    The values (a scalar for homogeneous weights, or one per connection) are a
    ``ParamState``; the structure (``indices``, ``indptr``) is constant. Only the rows of the
    active presynaptic neurons are touched.

    Args:
        in_size: The number of presynaptic neurons (rows).
        out_size: The number of postsynaptic neurons (columns).
        indices: ``[nnz]`` postsynaptic ids, row by row.
        indptr: ``[in_size + 1]`` row offsets into ``indices``.
        weight: A scalar (homogeneous) or ``[nnz]`` floats.
        float_as_event: Count non-zero float spikes as 1 (default, as for ``FixedProb``);
            ``False`` multiplies the weights by the spike values. The gradient with respect to
            float spikes is that of the linear map either way.
        backend: Kernel backend of every call (``None``: automatic).
        name: An optional name.

    Raises:
        EventShapeError: inconsistent structure or weights (bounds are checked here).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_event as be
        >>> w = be.CSR.fromdense(jnp.array([[0., 1., 0.], [2., 0., 3.]]))
        >>> layer = be.CSRLinear.fromcsr(w)
        >>> layer(jnp.array([True, True])).tolist()
        [2.0, 1.0, 3.0]
        >>> layer.weight.value.shape
        (3,)
    """

    def __init__(
        self,
        in_size: int,
        out_size: int,
        indices: Any,
        indptr: Any,
        weight: Any,
        *,
        float_as_event: bool = True,
        backend: str | None = None,
        name: str | None = None,
    ) -> None:
        csr = CSR((weight, indices, indptr), shape=(int(in_size), int(out_size)))
        self._init(csr, float_as_event, backend, name)

    @classmethod
    def fromcsr(
        cls,
        csr: CSR,
        *,
        float_as_event: bool = True,
        backend: str | None = None,
        name: str | None = None,
    ) -> CSRLinear:
        """The layer of a ``CSR`` matrix ``[in_size, out_size]`` (its data become the weight)."""
        if not isinstance(csr, CSR):
            raise TypeError(f"CSRLinear.fromcsr: expected a CSR matrix, got {type(csr).__name__}.")
        obj = cls.__new__(cls)
        obj._init(csr, float_as_event, backend, name)
        return obj

    def _init(self, csr: CSR, float_as_event: bool, backend: str | None, name: str | None):
        self.name = name
        self.in_size, self.out_size = csr.shape
        self.nnz = csr.nnz
        self.float_as_event = bool(float_as_event)
        self.backend = backend
        self._structure = ByIdentity((csr.indices, csr.indptr))
        self.weight = ParamState(csr.data)

    @property
    def indices(self) -> jax.Array:
        """The postsynaptic ids of the connections, row by row (``[nnz]``)."""
        return self._structure.obj[0]

    @property
    def indptr(self) -> jax.Array:
        """The row offsets into :attr:`indices` (``[in_size + 1]``)."""
        return self._structure.obj[1]

    @property
    def csr(self) -> CSR:
        """The current weights as a ``CSR`` matrix ``[in_size, out_size]``."""
        weight = self.weight.value
        weight = jnp.asarray(weight)
        if weight.shape not in ((), (1,), (self.nnz,)):
            raise shape_error(
                f"CSRLinear{'' if self.name is None else f' {self.name!r}'}: weight",
                f"a scalar, (1,) or ({self.nnz},)",
                weight.shape,
            )
        check_data_dtype(weight, "CSRLinear: weight")
        return CSR._make(weight, self.indices, self.indptr, (self.in_size, self.out_size))

    def __call__(self, spikes: Any) -> jax.Array:
        """``spikes [..., in_size] -> [..., out_size]``: the summed weights of active inputs."""
        return self.csr.rmatmul(spikes, float_as_event=self.float_as_event, backend=self.backend)


class Linear(Node):
    """An event-driven dense layer: ``spikes @ weight (+ bias)``, reading only the rows of
    active spikes.

    The weight gradient is event-driven too (see :func:`event_matmul`): training costs in
    proportion to the number of spikes, not to ``spikes.size * out_size``.

    Args:
        in_size: The number of presynaptic neurons.
        out_size: The number of postsynaptic neurons.
        weight: ``[in_size, out_size]`` floats, or a scalar (every pair connected with one
            weight).
        bias: ``None`` (no bias, the default), or ``[out_size]`` floats or a scalar added to
            every output; a trainable ``ParamState`` like the weight.
        float_as_event: Count non-zero float spikes as 1 (default); ``False`` multiplies by
            the spike values. The gradient with respect to float spikes is that of the linear
            map either way.
        backend: Kernel backend of every call (``None``: automatic).
        name: An optional name.

    Raises:
        EventShapeError: a weight of another shape or a non-floating dtype.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_event as be
        >>> layer = be.Linear(3, 2, jnp.arange(6.).reshape(3, 2))
        >>> layer(jnp.array([1., 0., 1.])).tolist()
        [4.0, 6.0]
        >>> be.Linear(3, 2, 0.5)(jnp.array([True, True, False])).tolist()
        [1.0, 1.0]
        >>> layer = be.Linear(3, 2, 0.5, bias=jnp.array([0.0, 1.0]))
        >>> layer(jnp.array([True, True, False])).tolist()
        [1.0, 2.0]
    """

    def __init__(
        self,
        in_size: int,
        out_size: int,
        weight: Any,
        *,
        bias: Any | None = None,
        float_as_event: bool = True,
        backend: str | None = None,
        name: str | None = None,
    ) -> None:
        self.name = name
        self.in_size, self.out_size = int(in_size), int(out_size)
        self.float_as_event = bool(float_as_event)
        self.backend = backend
        self.weight = ParamState(self._check(weight))
        self.bias = None if bias is None else ParamState(self._check_bias(bias))

    def _label(self, what: str) -> str:
        return f"Linear{'' if self.name is None else f' {self.name!r}'}: {what}"

    def _check(self, weight: Any) -> jax.Array:
        weight = jnp.asarray(weight)
        label = self._label("weight")
        check_data_dtype(weight, label)
        if weight.shape not in ((), (self.in_size, self.out_size)):
            raise shape_error(
                label, f"a scalar or shape ({self.in_size}, {self.out_size})", weight.shape
            )
        return weight

    def _check_bias(self, bias: Any) -> jax.Array:
        bias = jnp.asarray(bias)
        label = self._label("bias")
        check_data_dtype(bias, label)
        if bias.shape not in ((), (self.out_size,)):
            raise shape_error(label, f"a scalar or shape ({self.out_size},)", bias.shape)
        return bias

    def __call__(self, spikes: Any) -> jax.Array:
        """``spikes [..., in_size] -> [..., out_size]``."""
        out = self._project(spikes)
        if self.bias is None:
            return out
        bias = self._check_bias(self.bias.value)
        return out + jnp.broadcast_to(bias, out.shape).astype(out.dtype)

    def _project(self, spikes: Any) -> jax.Array:
        weight = self._check(self.weight.value)
        shape = np.shape(spikes)
        if not shape or shape[-1] != self.in_size:
            raise shape_error(self._label("spikes"), f"last dimension {self.in_size}", shape)
        if weight.ndim == 2:
            return event_matmul(
                spikes, weight, float_as_event=self.float_as_event, backend=self.backend
            )
        x = prepare_spikes(spikes, weight.dtype, self._label("spikes"))
        acc = acc_dtype(weight.dtype)
        xv = as_values(x, self.float_as_event, acc)  # events: the gradient goes straight through
        out = xv.sum(axis=-1, keepdims=True) * weight.astype(acc)
        return jnp.broadcast_to(out, (*x.shape[:-1], self.out_size)).astype(weight.dtype)
