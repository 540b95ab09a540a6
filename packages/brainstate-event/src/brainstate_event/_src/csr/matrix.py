"""``CSR`` and ``CSC``: compressed sparse matrices as JAX pytrees, with event-driven products.

Both store ``(data, indices, indptr)`` and a static ``shape``. A ``CSR`` of shape ``(m, n)``
compresses rows (``indptr``: ``[m + 1]``, ``indices``: column ids); a ``CSC`` of shape
``(m, n)`` compresses columns (``indptr``: ``[n + 1]``, ``indices``: row ids). The storage of
``A`` as CSR is the storage of ``A.T`` as CSC, so ``.T`` converts between them without
copying, and both run on the same primitives (``csrmv``/``csrmm``).
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from brainstate_core.extend import is_tracer

from ..errors import EventShapeError
from .common import check_data_dtype, prepare_spikes, shape_error
from .primitives import csr_matmul
from .xla import csr_todense_xla, row_ids

__all__ = ["CSR", "CSC"]


def _is_concrete(*xs: Any) -> bool:
    return not any(is_tracer(x) for x in xs)


def _check_structure(indices, indptr, n_rows: int, n_cols: int, name: str) -> tuple:
    """Check dtypes, shapes and (for concrete arrays) bounds of the sparse structure."""
    indices = jnp.asarray(indices)
    indptr = jnp.asarray(indptr)
    if indices.ndim != 1 or not jnp.issubdtype(indices.dtype, jnp.integer):
        raise EventShapeError(
            f"{name}: indices must be a 1-D integer array, got {indices.dtype} with shape "
            f"{tuple(indices.shape)}."
        )
    if indptr.shape != (n_rows + 1,) or not jnp.issubdtype(indptr.dtype, jnp.integer):
        raise shape_error(
            f"{name}: indptr",
            f"an integer array of shape ({n_rows + 1},) (compressed dimension + 1)",
            indptr.shape,
        )
    nnz = indices.shape[0]
    if nnz >= 2**31:
        raise EventShapeError(f"{name}: at most 2**31 - 1 stored entries, got {nnz}.")
    if _is_concrete(indices, indptr):
        ip = np.asarray(indptr)
        ix = np.asarray(indices)
        if ip[0] != 0 or ip[-1] != nnz or np.any(np.diff(ip) < 0):
            drops = np.flatnonzero(np.diff(ip) < 0)
            where = (
                f", and it decreases at indptr[{drops[0]}]={ip[drops[0]]} > "
                f"indptr[{drops[0] + 1}]={ip[drops[0] + 1]}"
                if drops.size
                else ""
            )
            raise EventShapeError(
                f"{name}: indptr must start at 0, never decrease and end at nnz={nnz} "
                f"(len(indices)); got indptr[0]={ip[0]}, indptr[-1]={ip[-1]}{where}."
            )
        if nnz and (ix.min() < 0 or ix.max() >= n_cols):
            raise EventShapeError(
                f"{name}: indices must lie in [0, {n_cols}), got values in "
                f"[{ix.min()}, {ix.max()}]."
            )
    elif nnz:
        # Traced (built inside jit): the values cannot be checked, and the kernels read
        # memory at them. Clip into range, as FixedProb does, so that no backend reads or
        # writes outside its arrays: indptr within [0, nnz] and never decreasing.
        indices = jnp.clip(indices, 0, max(n_cols - 1, 0))
        indptr = jax.lax.cummax(jnp.clip(indptr, 0, nnz))
    return indices.astype(jnp.int32), indptr.astype(jnp.int32)


def _check_data(data, nnz: int, name: str) -> jax.Array:
    data = jnp.asarray(data)
    check_data_dtype(data, f"{name}: data")
    if data.shape not in ((), (1,), (nnz,)):
        raise shape_error(
            f"{name}: data",
            f"a scalar or shape (1,) (homogeneous) or ({nnz},) (one per stored entry)",
            data.shape,
        )
    return data


class _Compressed:
    """The shared implementation of CSR and CSC (``_flip``: CSC stores the transpose)."""

    __slots__ = ("data", "indices", "indptr", "shape")
    _flip = False
    data: jax.Array
    indices: jax.Array
    indptr: jax.Array
    shape: tuple[int, int]

    def __init__(self, args: tuple[Any, Any, Any], *, shape: tuple[int, int]) -> None:
        name = type(self).__name__
        try:
            data, indices, indptr = args
        except (TypeError, ValueError):
            raise EventShapeError(
                f"{name}: expected args=(data, indices, indptr), got {type(args).__name__}."
            ) from None
        dims = tuple(shape)
        if len(dims) != 2 or any(int(s) != s or s < 0 for s in dims):
            raise EventShapeError(f"{name}: shape must be two non-negative ints, got {dims}.")
        m, n = (int(s) for s in dims)
        n_rows, n_cols = (n, m) if self._flip else (m, n)
        indices, indptr = _check_structure(indices, indptr, n_rows, n_cols, name)
        data = _check_data(data, indices.shape[0], name)
        self.data, self.indices, self.indptr = data, indices, indptr
        self.shape = (m, n)

    @classmethod
    def _make(cls, data, indices, indptr, shape):
        obj = object.__new__(cls)
        obj.data, obj.indices, obj.indptr, obj.shape = data, indices, indptr, tuple(shape)
        return obj

    # -- pytree ---------------------------------------------------------------------------
    def tree_flatten(self):
        return (self.data, self.indices, self.indptr), self.shape

    @classmethod
    def tree_unflatten(cls, shape, children):
        data, indices, indptr = children
        return cls._make(data, indices, indptr, shape)

    # -- properties -----------------------------------------------------------------------
    @property
    def nnz(self) -> int:
        """The number of stored entries."""
        return int(self.indices.shape[0])

    @property
    def dtype(self) -> Any:
        """The dtype of the values (and of every product)."""
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return 2

    @property
    def is_homogeneous(self) -> bool:
        """Whether all stored entries share one value (``data`` is a scalar or ``[1]``)."""
        return self.data.size == 1

    @property
    def _storage_shape(self) -> tuple[int, int]:
        m, n = self.shape
        return (n, m) if self._flip else (m, n)

    def __repr__(self) -> str:
        kind = "homogeneous" if self.data.size == 1 else "heterogeneous"
        return (
            f"{type(self).__name__}(shape={self.shape}, nnz={self.nnz}, "
            f"dtype={self.data.dtype}, {kind})"
        )

    # -- conversions ----------------------------------------------------------------------
    def with_data(self, data: Any):
        """The same sparsity structure with new values.

        Args:
            data: A scalar or ``[1]`` (homogeneous) or one value per stored entry (``[nnz]``).

        Raises:
            EventShapeError: ``data`` has another shape or a non-floating dtype.
        """
        data = _check_data(data, self.nnz, f"{type(self).__name__}.with_data")
        return self._make(data, self.indices, self.indptr, self.shape)

    def todense(self) -> jax.Array:
        """The dense ``[m, n]`` array (duplicate entries are summed; differentiable in data)."""
        dense = csr_todense_xla(
            self.data.reshape(-1), self.indices, self.indptr, shape=self._storage_shape
        )
        return dense.T if self._flip else dense

    def _row_ids(self) -> jax.Array:
        return row_ids(self.indptr, self.nnz)

    # -- products -------------------------------------------------------------------------
    def _product(self, x: Any, *, left: bool, float_as_event: bool, backend: str | None):
        name = type(self).__name__
        m, n = self.shape
        what = f"{'x @ ' if left else ''}{name}{'' if left else ' @ x'}"
        x = prepare_spikes(x, self.data.dtype, f"{what}: x")
        # transpose=True is the storage's transpose: x @ CSR and CSC @ x.
        transpose = left != self._flip
        data = self.data.reshape(-1)
        call = dict(
            shape=self._storage_shape,
            transpose=transpose,
            float_as_event=float_as_event,
            backend=backend,
        )
        if x.ndim == 0:
            raise shape_error(f"{what}: x", "at least 1 dimension", x.shape)
        if left:
            # x [..., m] @ A -> [..., n]
            if x.shape[-1] != m:
                raise shape_error(
                    f"{what}: x",
                    f"last dimension {m} (the rows of the {m}x{n} matrix)",
                    x.shape,
                    "Did you mean the transposed matrix (.T)?",
                )
            if x.ndim == 1:
                return csr_matmul(data, self.indices, self.indptr, x, **call)
            lead = x.shape[:-1]
            cols = x.reshape(math.prod(lead), m).T  # [m, K]
            out = csr_matmul(data, self.indices, self.indptr, cols, **call)
            return out.T.reshape(*lead, n)
        # A @ x: x [n] or [..., n, k] -> [m] or [..., m, k]
        axis = 0 if x.ndim == 1 else x.ndim - 2
        if x.shape[axis] != n:
            raise shape_error(
                f"{what}: x",
                f"{'length' if x.ndim == 1 else 'dimension -2 of'} {n} (the columns of the "
                f"{m}x{n} matrix)",
                x.shape,
                "Did you mean the transposed matrix (.T)?",
            )
        if x.ndim <= 2:
            return csr_matmul(data, self.indices, self.indptr, x, **call)
        lead, k = x.shape[:-2], x.shape[-1]
        cols = jnp.moveaxis(x, -2, 0).reshape(n, math.prod(lead) * k)  # [n, (...) * k]
        out = csr_matmul(data, self.indices, self.indptr, cols, **call)
        return jnp.moveaxis(out.reshape(m, *lead, k), 0, -2)

    def matmul(self, x: Any, *, float_as_event: bool = False, backend: str | None = None):
        """``self @ x`` for a vector ``[n]`` or matrices ``[..., n, k]``.

        Args:
            x: Bool (events) or numeric values (cast to the matrix's dtype).
            float_as_event: Count non-zero floats as events (value 1).
            backend: Kernel backend for this call (``None``: automatic).

        Returns:
            ``[m]`` or ``[..., m, k]``, in the matrix's dtype.

        Raises:
            EventShapeError: ``x`` does not fit the matrix.
        """
        return self._product(x, left=False, float_as_event=float_as_event, backend=backend)

    def rmatmul(self, x: Any, *, float_as_event: bool = False, backend: str | None = None):
        """``x @ self`` for spikes ``[..., m]`` (leading batch dimensions allowed).

        Args:
            x: Bool (events) or numeric values (cast to the matrix's dtype).
            float_as_event: Count non-zero floats as events (value 1).
            backend: Kernel backend for this call (``None``: automatic).

        Returns:
            ``[..., n]``, in the matrix's dtype.

        Raises:
            EventShapeError: ``x`` does not fit the matrix.
        """
        return self._product(x, left=True, float_as_event=float_as_event, backend=backend)

    def __matmul__(self, x: Any):
        if isinstance(x, _Compressed):
            return NotImplemented
        return self.matmul(x)

    def __rmatmul__(self, x: Any):
        if isinstance(x, _Compressed):
            return NotImplemented
        return self.rmatmul(x)


@jax.tree_util.register_pytree_node_class
class CSR(_Compressed):
    """A compressed sparse row matrix (a JAX pytree) with event-driven products.

    ``spikes @ csr`` touches only the rows of the active (non-zero / ``True``) spikes;
    ``csr @ x`` gathers ``x`` along each row. Bool spikes count as events; float spikes count as
    values with ``@`` (numerically the matrix product) and as events with
    ``rmatmul(x, float_as_event=True)`` / ``matmul(...)``. Products are JAX primitives with
    JVP, transpose and batching rules: they compose with ``jit``, ``grad`` and ``vmap``.

    Args:
        args: ``(data, indices, indptr)``: ``data`` a scalar or ``[1]`` (homogeneous) or
            ``[nnz]`` floats; ``indices`` ``[nnz]`` column ids; ``indptr`` ``[m + 1]``.
        shape: ``(m, n)``.

    Raises:
        EventShapeError: inconsistent shapes, non-floating data, out-of-range indices or a
            malformed ``indptr`` (bounds are checked when the arrays are concrete; traced
            ones, from inside ``jit``, are clipped into range instead: indices to
            ``[0, n)``, ``indptr`` to ``[0, nnz]`` and made non-decreasing).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_event as be
        >>> w = be.CSR.fromdense(jnp.array([[0., 1., 0.], [2., 0., 3.]]))
        >>> w
        CSR(shape=(2, 3), nnz=3, dtype=float32, heterogeneous)
        >>> (jnp.array([True, False]) @ w).tolist()
        [0.0, 1.0, 0.0]
        >>> (w @ jnp.array([1., 1., 1.])).tolist()
        [1.0, 5.0]
        >>> w.T
        CSC(shape=(3, 2), nnz=3, dtype=float32, heterogeneous)
    """

    __slots__ = ()
    _flip = False

    @classmethod
    def fromdense(cls, dense: Any, *, nse: int | None = None) -> CSR:
        """The CSR matrix of the non-zero entries of a dense ``[m, n]`` array.

        Args:
            dense: A floating ``[m, n]`` array.
            nse: The number of entries to store; needed under ``jit`` (padding entries are
                explicit zeros in the last row). ``None``: the number of non-zeros.

        Raises:
            EventShapeError: ``dense`` is not 2-D floating, or ``nse`` is needed under jit.
        """
        indices, indptr, data, shape = _compress(dense, nse, "CSR.fromdense")
        return cls._make(data, indices, indptr, shape)

    @property
    def T(self) -> CSC:
        """The transpose as a ``CSC`` matrix (no copy)."""
        return self.transpose()

    def transpose(self) -> CSC:
        """The transpose as a ``CSC`` matrix sharing this matrix's arrays (no copy)."""
        m, n = self.shape
        return CSC._make(self.data, self.indices, self.indptr, (n, m))

    def tocsc(self) -> CSC:
        """The same matrix in CSC format (sorts the entries by column; works under jit)."""
        data, indices, indptr = _recompress(self, self.shape[1])
        return CSC._make(data, indices, indptr, self.shape)


@jax.tree_util.register_pytree_node_class
class CSC(_Compressed):
    """A compressed sparse column matrix (a JAX pytree) with event-driven products.

    The storage of a ``CSC`` of shape ``(m, n)`` is that of a ``CSR`` of its transpose
    (``indptr``: ``[n + 1]``, ``indices``: row ids), so ``csc @ spikes`` is the event-driven
    direction (only the columns of active spikes are touched) and ``spikes @ csc`` gathers.
    Same semantics and rules as :class:`CSR`.

    Args:
        args: ``(data, indices, indptr)``: ``data`` a scalar or ``[1]`` (homogeneous) or
            ``[nnz]``; ``indices`` ``[nnz]`` row ids; ``indptr`` ``[n + 1]``.
        shape: ``(m, n)``.

    Raises:
        EventShapeError: inconsistent shapes, non-floating data, out-of-range indices or a
            malformed ``indptr``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_event as be
        >>> w = be.CSC.fromdense(jnp.array([[0., 1., 0.], [2., 0., 3.]]))
        >>> (w @ jnp.array([False, True, True])).tolist()
        [1.0, 3.0]
        >>> bool((w.todense() == w.T.T.todense()).all())
        True
    """

    __slots__ = ()
    _flip = True

    @classmethod
    def fromdense(cls, dense: Any, *, nse: int | None = None) -> CSC:
        """The CSC matrix of the non-zero entries of a dense ``[m, n]`` array.

        Args:
            dense: A floating ``[m, n]`` array.
            nse: The number of entries to store; needed under ``jit``.

        Raises:
            EventShapeError: ``dense`` is not 2-D floating, or ``nse`` is needed under jit.
        """
        dense = jnp.asarray(dense)
        if dense.ndim != 2:
            raise shape_error("CSC.fromdense: dense", "a 2-D array", dense.shape)
        indices, indptr, data, _ = _compress(dense.T, nse, "CSC.fromdense")
        return cls._make(data, indices, indptr, dense.shape)

    @property
    def T(self) -> CSR:
        """The transpose as a ``CSR`` matrix (no copy)."""
        return self.transpose()

    def transpose(self) -> CSR:
        """The transpose as a ``CSR`` matrix sharing this matrix's arrays (no copy)."""
        m, n = self.shape
        return CSR._make(self.data, self.indices, self.indptr, (n, m))

    def tocsr(self) -> CSR:
        """The same matrix in CSR format (sorts the entries by row; works under jit)."""
        data, indices, indptr = _recompress(self, self.shape[0])
        return CSR._make(data, indices, indptr, self.shape)


def _compress(dense: Any, nse: int | None, name: str):
    """Row-compress a dense matrix: ``(indices, indptr, data, shape)``."""
    dense = jnp.asarray(dense)
    if dense.ndim != 2:
        raise shape_error(f"{name}: dense", "a 2-D array", dense.shape)
    check_data_dtype(dense, f"{name}: dense")
    m, n = dense.shape
    if nse is None:
        if not _is_concrete(dense):
            raise EventShapeError(
                f"{name}: under jit the number of stored entries must be static; pass nse=."
            )
        rows, cols = np.nonzero(np.asarray(dense))
        rows, cols = jnp.asarray(rows, jnp.int32), jnp.asarray(cols, jnp.int32)
        data = dense[rows, cols]
    else:
        if m == 0 and nse > 0:
            raise EventShapeError(f"{name}: nse={nse} entries do not fit an empty matrix.")
        rows, cols = jnp.nonzero(dense, size=nse, fill_value=(max(m - 1, 0), 0))
        valid = jnp.arange(nse) < jnp.count_nonzero(dense)
        rows, cols = rows.astype(jnp.int32), cols.astype(jnp.int32)
        data = jnp.where(valid, dense[rows, cols], 0)
    indptr = jnp.searchsorted(rows, jnp.arange(m + 1, dtype=jnp.int32), side="left")
    return cols, indptr.astype(jnp.int32), data, (m, n)


def _recompress(mat: _Compressed, n_minor: int):
    """The storage of the same matrix compressed along the other dimension."""
    rows = mat._row_ids()
    order = jnp.argsort(mat.indices, stable=True)
    indices = rows[order].astype(jnp.int32)
    data = mat.data if mat.data.size == 1 else mat.data[order]
    indptr = jnp.searchsorted(
        mat.indices[order], jnp.arange(n_minor + 1, dtype=jnp.int32), side="left"
    ).astype(jnp.int32)
    return data, indices, indptr
