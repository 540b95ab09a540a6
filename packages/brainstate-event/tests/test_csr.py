"""CSR/CSC matrices: construction, conversions, and every product against a dense reference."""

from __future__ import annotations

import contextlib
import importlib.util

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import brainstate_event as be

HAS_NUMBA = importlib.util.find_spec("numba") is not None
BACKENDS = ["xla", "numba", "pallas"] if HAS_NUMBA else ["xla", "pallas"]
DTYPES = ["float32", "float64", "bfloat16"]
TOL = {"float32": 1e-4, "float64": 1e-10, "bfloat16": 5e-2}


def x64(dtype):
    return jax.enable_x64(True) if dtype == "float64" else contextlib.nullcontext()


def random_dense(rng, m, n, density, homo):
    """Values are multiples of 1/4 in [0.5, 2] (exact in bfloat16), signs random."""
    mask = rng.random((m, n)) < density
    if homo:
        return mask * 0.5
    vals = rng.integers(2, 9, (m, n)) / 4 * rng.choice([-1, 1], (m, n))
    return mask * vals


def make(cls, dense, dtype, homo):
    """The CSR/CSC of ``dense`` built with numpy (no JAX compilation)."""
    stored = dense if cls is be.CSR else dense.T
    rows, cols = np.nonzero(stored)
    indptr = np.searchsorted(rows, np.arange(stored.shape[0] + 1))
    data = np.asarray(0.5) if homo else stored[rows, cols]
    return cls((jnp.asarray(data, dtype), cols, indptr), shape=dense.shape)


def spikes_of(rng, shape, rate, kind, dtype):
    """``(spikes, reference values)``: bool, or floats (multiples of 1/4) as events / values."""
    active = rng.random(shape) < rate
    if kind == "bool":
        return jnp.asarray(active), active.astype(np.float64)
    vals = active * rng.integers(2, 9, shape) / 4
    ref = (vals != 0).astype(np.float64) if kind == "float_event" else vals
    return jnp.asarray(vals, dtype), ref


def close(actual, expected, dtype, scale=1.0):
    actual = np.asarray(jnp.asarray(actual, jnp.float64 if dtype == "float64" else jnp.float32))
    tol = TOL[dtype] * max(1.0, scale)
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


cases = st.fixed_dictionaries(
    dict(
        m=st.integers(0, 12),
        n=st.integers(0, 12),
        k=st.integers(1, 4),
        density=st.sampled_from([0.0, 0.2, 0.6, 1.0]),
        rate=st.sampled_from([0.0, 0.1, 0.5, 1.0]),
        seed=st.integers(0, 2**16),
        cls=st.sampled_from([be.CSR, be.CSC]),
        homo=st.booleans(),
        kind=st.sampled_from(["bool", "float_event", "float_value"]),
    )
)


@pytest.mark.parametrize(
    "backend,dtype",
    [(b, d) for b in BACKENDS for d in DTYPES if not (b == "pallas" and d == "float64")],
)
@settings(max_examples=5)
@given(case=cases)
def test_products_match_dense(backend, dtype, case):
    """x @ A, A @ x, batched x @ A and A @ X against the dense matrix product, for CSR and
    CSC, homogeneous and heterogeneous data, bool / float-event / float-value spikes."""
    rng = np.random.default_rng(case["seed"])
    m, n, k = case["m"], case["n"], case["k"]
    cls, homo, kind = case["cls"], case["homo"], case["kind"]
    fae = kind == "float_event"
    with x64(dtype):
        dense = random_dense(rng, m, n, case["density"], homo)
        mat = make(cls, dense, dtype, homo)
        x, xr = spikes_of(rng, (m,), case["rate"], kind, dtype)
        xb, xbr = spikes_of(rng, (2, k, m), case["rate"], kind, dtype)
        y, yr = spikes_of(rng, (n,), case["rate"], kind, dtype)
        ym, ymr = spikes_of(rng, (n, k), case["rate"], kind, dtype)

        @jax.jit  # one compilation per example
        def products(mat, x, xb, y, ym):
            kw = dict(float_as_event=fae, backend=backend)
            return (
                mat.rmatmul(x, **kw),  # x @ A, a vector
                mat.rmatmul(xb, **kw),  # x @ A, a batch [2, k, m]
                mat.matmul(y, **kw),  # A @ y, a vector
                mat.matmul(ym, **kw),  # A @ Y, a matrix
            )

        outs = products(mat, x, xb, y, ym)
        scale = max(m, n, 1)
        for out, ref in zip(outs, (xr @ dense, xbr @ dense, dense @ yr, dense @ ymr)):
            close(out, ref, dtype, scale)


@pytest.mark.parametrize("backend", BACKENDS)
def test_operators_and_jit(backend):
    rng = np.random.default_rng(1)
    dense = random_dense(rng, 7, 5, 0.4, False)
    csr = be.CSR.fromdense(jnp.asarray(dense, jnp.float32))
    s = jnp.asarray(rng.random(7) < 0.5)
    with be.use_backend(backend):
        out = jax.jit(lambda c, s: s @ c)(csr, s)
        out_t = jax.jit(lambda c, v: c.T @ v)(csr, s)
    np.testing.assert_allclose(out, s @ dense, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out_t, dense.T @ np.asarray(s, float), rtol=1e-5, atol=1e-6)
    v = jnp.asarray(rng.standard_normal((3, 5)), jnp.float32)
    np.testing.assert_allclose(csr @ v.T, dense @ np.asarray(v).T, rtol=1e-5, atol=1e-5)
    # matmul semantics for stacked right-hand sides [b, n, k]
    v3 = jnp.asarray(rng.standard_normal((2, 5, 3)), jnp.float32)
    np.testing.assert_allclose(csr @ v3, dense @ np.asarray(v3), rtol=1e-5, atol=1e-5)


def test_float_spikes_are_values_with_matmul_operator():
    dense = np.array([[0.0, 1.0], [2.0, 0.0]], np.float32)
    csr = be.CSR.fromdense(dense)
    x = jnp.array([0.5, 3.0])
    assert (x @ csr).tolist() == [6.0, 0.5]
    assert csr.rmatmul(x, float_as_event=True).tolist() == [2.0, 1.0]


def test_fromdense_todense_transpose_roundtrip():
    rng = np.random.default_rng(2)
    dense = random_dense(rng, 6, 4, 0.5, False).astype(np.float32)
    dense[2] = 0  # an empty row
    csr = be.CSR.fromdense(dense)
    np.testing.assert_array_equal(csr.todense(), dense)
    assert isinstance(csr.T, be.CSC) and csr.T.shape == (4, 6)
    np.testing.assert_array_equal(csr.T.todense(), dense.T)
    np.testing.assert_array_equal(csr.T.T.todense(), dense)
    assert csr.T.data is csr.data  # no copy
    csc = csr.tocsc()
    assert isinstance(csc, be.CSC) and csc.shape == (6, 4)
    np.testing.assert_array_equal(csc.todense(), dense)
    np.testing.assert_array_equal(csc.tocsr().todense(), dense)
    np.testing.assert_array_equal(be.CSC.fromdense(dense).todense(), dense)
    # under jit with a static number of stored entries (explicit zeros pad the last row)
    padded = jax.jit(lambda d: be.CSR.fromdense(d, nse=csr.nnz + 3))(dense)
    assert padded.nnz == csr.nnz + 3
    np.testing.assert_array_equal(padded.todense(), dense)


def test_with_data_and_homogeneous():
    csr = be.CSR.fromdense(np.eye(3, dtype=np.float32))
    assert not csr.is_homogeneous
    homo = csr.with_data(2.0)
    assert homo.is_homogeneous and homo.nnz == 3
    np.testing.assert_array_equal(homo.todense(), 2 * np.eye(3))
    assert repr(homo) == "CSR(shape=(3, 3), nnz=3, dtype=float32, homogeneous)"
    hetero = csr.with_data(jnp.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(hetero.todense(), np.diag([1.0, 2.0, 3.0]))
    with pytest.raises(be.EventShapeError, match=r"with_data: data.*\(3,\).*got shape \(2,\)"):
        csr.with_data(jnp.ones(2))


def test_pytree_roundtrip():
    csr = be.CSR.fromdense(np.eye(3, dtype=np.float32))
    leaves, tree = jax.tree.flatten(csr)
    assert len(leaves) == 3
    back = jax.tree.unflatten(tree, leaves)
    assert type(back) is be.CSR and back.shape == (3, 3)
    doubled = jax.tree.map(lambda a: a * 2 if a.dtype == jnp.float32 else a, csr)
    np.testing.assert_array_equal(doubled.todense(), 2 * np.eye(3))


def test_empty_matrices():
    for shape in [(0, 3), (3, 0), (4, 5)]:
        csr = be.CSR.fromdense(np.zeros(shape, np.float32))
        assert csr.nnz == 0
        for backend in BACKENDS:
            out = csr.rmatmul(jnp.ones(shape[0], bool), backend=backend)
            np.testing.assert_array_equal(out, np.zeros(shape[1]))
            out = csr.matmul(jnp.ones((shape[1], 2)), backend=backend)
            np.testing.assert_array_equal(out, np.zeros((shape[0], 2)))


class TestErrors:
    def test_spikes_shape_mismatch_names_argument_and_shapes(self):
        csr = be.CSR.fromdense(np.ones((4, 3), np.float32))
        with pytest.raises(
            be.EventShapeError, match=r"x @ CSR: x: expected last dimension 4.*got shape \(3,\)"
        ):
            jnp.ones(3, bool) @ csr
        with pytest.raises(
            be.EventShapeError, match=r"CSR @ x: x: expected length 3.*got shape \(4,\)"
        ):
            csr @ jnp.ones(4)
        with pytest.raises(be.EventShapeError, match=r"dimension -2 of 3.*got shape \(4, 2\)"):
            csr @ jnp.ones((4, 2))
        with pytest.raises(be.EventShapeError, match="at least 1 dimension"):
            csr @ jnp.ones(())

    def test_bad_structure(self):
        with pytest.raises(
            be.EventShapeError, match=r"indptr: expected .*\(3,\).*got shape \(2,\)"
        ):
            be.CSR((jnp.ones(2), jnp.array([0, 1]), jnp.array([0, 2])), shape=(2, 2))
        with pytest.raises(be.EventShapeError, match=r"indices must lie in \[0, 2\)"):
            be.CSR((jnp.ones(2), jnp.array([0, 5]), jnp.array([0, 1, 2])), shape=(2, 2))
        with pytest.raises(be.EventShapeError, match=r"decreases at indptr\[1\]=2 > indptr\[2\]=1"):
            be.CSR((jnp.ones(2), jnp.array([0, 1]), jnp.array([0, 2, 1])), shape=(2, 2))
        with pytest.raises(be.EventShapeError, match=r"data: expected .*\(2,\).*got shape \(3,\)"):
            be.CSR((jnp.ones(3), jnp.array([0, 1]), jnp.array([0, 1, 2])), shape=(2, 2))
        with pytest.raises(be.EventShapeError, match="floating dtype"):
            be.CSR((jnp.ones(2, jnp.int32), jnp.array([0, 1]), jnp.array([0, 1, 2])), shape=(2, 2))
        with pytest.raises(be.EventShapeError, match="1-D integer"):
            be.CSR((jnp.ones(2), jnp.array([0.0, 1.0]), jnp.array([0, 1, 2])), shape=(2, 2))
        with pytest.raises(be.EventShapeError, match="two non-negative ints"):
            be.CSR((jnp.ones(2), jnp.array([0, 1]), jnp.array([0, 1, 2])), shape=(2,))
        with pytest.raises(be.EventShapeError, match="pass nse="):
            jax.jit(be.CSR.fromdense)(jnp.ones((2, 2)))

    @pytest.mark.parametrize("backend", ["xla", "numba"] if HAS_NUMBA else ["xla"])
    def test_a_structure_built_inside_jit_is_clipped_into_range(self, backend):
        # traced indices cannot be checked; the kernels must not read or write outside
        # their arrays (an index of 2e9 crashed the numba kernel), and backends agree
        data, x = jnp.ones(3), jnp.array([True, True])

        def product(indices, indptr):
            csr = be.CSR((data, indices, indptr), shape=(2, 3))
            return csr.rmatmul(x, backend=backend), csr.matmul(jnp.ones(3), backend=backend)

        out, out_t = jax.jit(product)(
            jnp.array([0, 2_000_000_000, -5], jnp.int32), jnp.array([0, 2, 3])
        )
        clipped = be.CSR((data, jnp.array([0, 2, 0]), jnp.array([0, 2, 3])), shape=(2, 3))
        np.testing.assert_allclose(out, x.astype(jnp.float32) @ clipped.todense())
        np.testing.assert_allclose(out_t, clipped.todense() @ jnp.ones(3))
        out, _ = jax.jit(product)(jnp.array([0, 2, 1], jnp.int32), jnp.array([0, 50, -7]))
        np.testing.assert_allclose(out, [1.0, 1.0, 1.0])  # indptr -> [0, 3, 3]

    def test_errors_are_brainstate_errors(self):
        from brainstate_core import BrainStateError

        assert issubclass(be.EventShapeError, BrainStateError)
        assert issubclass(be.EventGradientError, BrainStateError)

    def test_unknown_backend(self):
        csr = be.CSR.fromdense(np.ones((2, 2), np.float32))
        with pytest.raises(be.KernelBackendError):
            csr.rmatmul(jnp.ones(2, bool), backend="cuda-magic")
