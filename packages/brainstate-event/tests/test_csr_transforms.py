"""CSR/CSC products under grad, vmap and jit: rules against dense references, errors."""

from __future__ import annotations

import importlib.util

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from jax.interpreters import ad

import brainstate_event as be
from brainstate_event._src.csr.primitives import csr_matmul

HAS_NUMBA = importlib.util.find_spec("numba") is not None
BACKENDS = ["xla", "numba", "pallas"] if HAS_NUMBA else ["xla", "pallas"]


def make(rng, m, n, density, homo):
    dense = (rng.random((m, n)) < density) * rng.uniform(0.5, 2.0, (m, n))
    if homo:
        dense = (dense != 0) * 0.75
    rows, cols = np.nonzero(dense)
    indptr = np.searchsorted(rows, np.arange(m + 1))
    data = np.asarray(0.75) if homo else dense[rows, cols]
    return be.CSR((jnp.asarray(data, jnp.float32), cols, indptr), shape=(m, n)), dense


def dense_of(csr, data):
    return csr.with_data(data).todense()


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=4)
@given(
    m=st.integers(1, 9),
    n=st.integers(1, 9),
    homo=st.booleans(),
    left=st.booleans(),
    fae=st.booleans(),
    batch=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_gradients_match_dense(backend, m, n, homo, left, fae, batch, seed):
    """d/d data and d/d float spikes of a loss of x @ A (or A @ x) equal the dense ones."""
    rng = np.random.default_rng(seed)
    csr, _ = make(rng, m, n, 0.5, homo)
    size = m if left else n
    shape = (3, size) if batch else (size,)
    x = jnp.asarray((rng.random(shape) < 0.5) * rng.uniform(0.5, 2.0, shape), jnp.float32)
    ct = jnp.asarray(rng.standard_normal((3, n if left else m) if batch else (n if left else m)))

    def ours(data, x):
        mat = csr.with_data(data)
        out = mat.rmatmul(x, float_as_event=fae, backend=backend) if left else None
        if not left:
            out = mat.matmul(x.T if batch else x, float_as_event=fae, backend=backend)
            out = out.T if batch else out
        return jnp.sum(out * ct) + 0.1 * jnp.sum(out**2)

    def ref(data, x):
        d = dense_of(csr, data)
        # float_as_event: the forward sees events, the gradient is the linear map's
        xv = x + jax.lax.stop_gradient((x != 0).astype(x.dtype) - x) if fae else x
        out = xv @ d if left else (d @ xv.T).T if batch else d @ xv
        return jnp.sum(out * ct) + 0.1 * jnp.sum(out**2)

    g = jax.jit(jax.grad(ours, argnums=(0, 1)))(csr.data, x)
    r = jax.jit(jax.grad(ref, argnums=(0, 1)))(csr.data, x)
    for a, b in zip(g, r):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    # forward-mode agrees too
    t = (jnp.ones_like(csr.data), jnp.ones_like(x))
    _, jv = jax.jit(lambda p, t: jax.jvp(ours, p, t))((csr.data, x), t)
    _, jr = jax.jit(lambda p, t: jax.jvp(ref, p, t))((csr.data, x), t)
    np.testing.assert_allclose(jv, jr, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("homo", [False, True])
def test_grad_bool_spikes_data_only(backend, homo):
    rng = np.random.default_rng(0)
    csr, _ = make(rng, 8, 6, 0.5, homo)
    s = jnp.asarray(rng.random(8) < 0.5)
    g = jax.grad(lambda d: jnp.sum(csr.with_data(d).rmatmul(s, backend=backend) ** 2))(csr.data)
    r = jax.grad(lambda d: jnp.sum((s @ dense_of(csr, d)) ** 2))(csr.data)
    assert g.shape == csr.data.shape
    np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=4)
@given(m=st.integers(0, 8), n=st.integers(0, 8), seed=st.integers(0, 2**16), left=st.booleans())
def test_vmap_equals_loop(backend, m, n, seed, left):
    rng = np.random.default_rng(seed)
    csr, _ = make(rng, m, n, 0.5, False)
    size = m if left else n
    xs = jnp.asarray(rng.random((4, size)) < 0.5)
    f = (
        (lambda x: csr.rmatmul(x, backend=backend))
        if left
        else (lambda x: csr.matmul(x, backend=backend))
    )
    batched = jax.vmap(f)(xs)
    looped = jnp.stack([f(x) for x in xs])
    np.testing.assert_allclose(batched, looped, rtol=1e-6, atol=1e-6)
    # vmap over a non-leading axis and nested vmap
    np.testing.assert_allclose(jax.vmap(f, in_axes=1)(xs.T), looped, rtol=1e-6, atol=1e-6)
    nested = jax.vmap(jax.vmap(f))(xs.reshape(2, 2, size))
    np.testing.assert_allclose(nested.reshape(4, -1), looped, rtol=1e-6, atol=1e-6)


def test_vmap_is_one_batched_kernel_call():
    csr = be.CSR.fromdense(np.eye(4, dtype=np.float32))
    jaxpr = jax.make_jaxpr(jax.vmap(lambda s: s @ csr))(jnp.ones((16, 4), bool))
    names = [e.primitive.name for e in jaxpr.jaxpr.eqns]
    assert names.count("csrmm") == 1 and "csrmv" not in names
    jaxpr = jax.make_jaxpr(jax.vmap(jax.vmap(lambda s: s @ csr)))(jnp.ones((2, 8, 4), bool))
    assert [e.primitive.name for e in jaxpr.jaxpr.eqns].count("csrmm") == 1


def test_vmap_over_data_and_matrices():
    rng = np.random.default_rng(3)
    csr, _ = make(rng, 5, 4, 0.6, False)
    datas = jnp.asarray(rng.standard_normal((3, csr.nnz)), jnp.float32)
    s = jnp.asarray(rng.random(5) < 0.6)
    out = jax.vmap(lambda d: csr.with_data(d).rmatmul(s))(datas)
    ref = jnp.stack([s @ csr.with_data(d).todense() for d in datas])
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    mats = jax.vmap(lambda d: csr.with_data(d))(datas)
    out = jax.vmap(lambda mat, x: x @ mat)(mats, jnp.stack([s, ~s, s]))
    ref = jnp.stack([x @ csr.with_data(d).todense() for d, x in zip(datas, [s, ~s, s])])
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)


def test_per_example_gradients():
    """vmap of grad (weights shared, spikes batched): per-example weight gradients."""
    rng = np.random.default_rng(4)
    csr, _ = make(rng, 6, 5, 0.5, False)
    xs = jnp.asarray(rng.random((3, 6)) < 0.5)
    loss = lambda d, x: jnp.sum(csr.with_data(d).rmatmul(x) ** 2)
    per = jax.vmap(jax.grad(loss), in_axes=(None, 0))(csr.data, xs)
    ref = jnp.stack([jax.grad(loss)(csr.data, x) for x in xs])
    np.testing.assert_allclose(per, ref, rtol=1e-5, atol=1e-5)


def test_gradient_through_todense_and_csc():
    rng = np.random.default_rng(5)
    csr, _ = make(rng, 4, 3, 0.7, False)
    x = jnp.asarray(rng.standard_normal(3), jnp.float32)
    g = jax.grad(lambda d: jnp.sum(x @ csr.with_data(d).T))(csr.data)  # CSC, event direction
    r = jax.grad(lambda d: jnp.sum(x @ csr.with_data(d).todense().T))(csr.data)
    np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-5)


class TestGradientErrors:
    def test_bool_spikes_tangent(self):
        csr = be.CSR.fromdense(np.eye(3, dtype=np.float32))
        params = dict(shape=(3, 3), transpose=True, float_as_event=False)
        s = jnp.ones(3, bool)
        prim = jax.jit(lambda d, s: csr_matmul(d, csr.indices, csr.indptr, s, **params))
        # jax.grad itself refuses bool inputs; a rule that receives a tangent raises ours.
        from brainstate_event._src.csr.primitives import _jvp

        with pytest.raises(be.EventGradientError, match="boolean spikes are events"):
            _jvp(
                (csr.data, csr.indices, csr.indptr, s),
                (
                    ad.Zero(csr.data.aval),
                    ad.Zero(csr.indices.aval),
                    ad.Zero(csr.indptr.aval),
                    jnp.ones(3),
                ),
                backend=(),
                **params,
            )
        assert prim(csr.data, s).shape == (3,)

    def test_indices_tangent(self):
        from brainstate_event._src.csr.primitives import _jvp, _transpose

        csr = be.CSR.fromdense(np.eye(3, dtype=np.float32))
        params = dict(shape=(3, 3), transpose=True, float_as_event=False, backend=())
        with pytest.raises(be.EventGradientError, match="indices, indptr"):
            _jvp(
                (csr.data, csr.indices, csr.indptr, jnp.ones(3)),
                (
                    ad.Zero(csr.data.aval),
                    jnp.ones(3),
                    ad.Zero(csr.indptr.aval),
                    ad.Zero(jnp.ones(3).aval),
                ),
                **params,
            )
        with pytest.raises(be.EventGradientError, match="indices, indptr"):
            _transpose(
                jnp.ones(3),
                csr.data,
                ad.UndefinedPrimal(csr.indices.aval),
                csr.indptr,
                jnp.ones(3),
                **params,
            )
        with pytest.raises(be.EventGradientError, match="boolean spikes"):
            _transpose(
                jnp.ones(3),
                csr.data,
                csr.indices,
                csr.indptr,
                ad.UndefinedPrimal(jnp.ones(3, bool).aval),
                **params,
            )

    def test_grad_of_bool_spikes_is_refused(self):
        csr = be.CSR.fromdense(np.eye(3, dtype=np.float32))
        with pytest.raises(TypeError, match="bool"):
            jax.grad(lambda s: jnp.sum(s @ csr))(jnp.ones(3, bool))

    def test_grad_of_the_matrix_gives_data_gradient(self):
        csr = be.CSR.fromdense(np.eye(3, dtype=np.float32))
        s = jnp.ones(3, bool)
        g = jax.grad(lambda c: jnp.sum(s @ c), allow_int=True)(csr)
        np.testing.assert_allclose(g.data, np.ones(3))
        assert g.indices.dtype == jax.dtypes.float0


@pytest.mark.parametrize("backend", ["xla", "numba"] if HAS_NUMBA else ["xla"])
def test_float_spike_gradient_with_the_data_vmapped_inside_grad(backend):
    dense = jnp.array([[1.0, 0.0], [3.0, 4.0], [0.0, 6.0]])
    csr = be.CSR.fromdense(dense)
    x = jnp.array([1.0, 0.0, 0.5])

    def loss(x, data):
        return csr.with_data(data).rmatmul(x, float_as_event=True, backend=backend).sum()

    expected = jax.grad(loss)(x, csr.data)
    np.testing.assert_allclose(expected, dense.sum(1))
    got = jax.grad(lambda x: jax.vmap(lambda d: loss(x, d))(jnp.stack([csr.data] * 2)).sum())(x)
    np.testing.assert_allclose(got, 2 * expected, rtol=1e-6)
