"""fixed_prob_matvec against a dense reference, for every CPU backend, dtype and mode."""

import contextlib

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings

import brainstate_event as be

from event_reference import dense_matrix, unique_indices

SPIKE_KINDS = st.sampled_from(["bool", "event", "value"])


def reference(spikes, indices, weights, n_post, transpose, event):
    s = np.asarray(spikes, np.float64)
    if event:
        s = (s != 0).astype(np.float64)
    dense = dense_matrix(indices, weights, n_post)
    return s @ (dense.T if transpose else dense)


def x64_ctx(dtype):
    return jax.enable_x64(True) if dtype == "float64" else contextlib.nullcontext()


def tolerance(dtype, scale):
    if dtype == "bfloat16":
        return dict(rtol=3e-2, atol=3e-2 * scale)
    if dtype == "float32":
        return dict(rtol=1e-5, atol=1e-5 * scale)
    return dict(rtol=1e-12, atol=1e-12 * scale)


@st.composite
def problems(draw):
    n_pre = draw(st.integers(1, 40))
    n_post = draw(st.integers(1, 30))
    n_conn = draw(st.integers(0, n_post))
    rate = draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]))
    batch = draw(st.sampled_from([(), (3,), (2, 2)]))
    seed = draw(st.integers(0, 2**16))
    return n_pre, n_post, n_conn, rate, batch, seed


@pytest.mark.parametrize("backend", ["numba", "xla"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
@given(
    problem=problems(),
    homo=st.booleans(),
    spike_kind=SPIKE_KINDS,
    transpose=st.booleans(),
)
def test_matches_dense(backend, dtype, problem, homo, spike_kind, transpose):
    check_matches_dense(backend, dtype, problem, homo, spike_kind, transpose)


# Interpret-mode Pallas compiles slowly: fewer examples (the GPU run tests it fully).
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@settings(max_examples=4)
@given(
    problem=problems(),
    homo=st.booleans(),
    spike_kind=SPIKE_KINDS,
    transpose=st.booleans(),
)
def test_pallas_matches_dense(dtype, problem, homo, spike_kind, transpose):
    check_matches_dense("pallas", dtype, problem, homo, spike_kind, transpose)


def check_matches_dense(backend, dtype, problem, homo, spike_kind, transpose):
    n_pre, n_post, n_conn, rate, batch, seed = problem
    rng = np.random.default_rng(seed)
    indices = unique_indices(rng, n_pre, n_post, n_conn)
    n_in = n_post if transpose else n_pre
    active = rng.random((*batch, n_in)) < rate
    if spike_kind == "bool":
        spikes = active
    else:
        spikes = (active * rng.uniform(0.5, 2.0, active.shape)).astype(np.float32)
    weights = rng.uniform(-1, 1, () if homo else (n_pre, n_conn))
    event = spike_kind != "value"
    with x64_ctx(dtype):
        w = jnp.asarray(weights, dtype)
        s = jnp.asarray(spikes) if spike_kind == "bool" else jnp.asarray(spikes, dtype)
        out = jax.jit(
            lambda s, w: be.fixed_prob_matvec(
                s,
                indices,
                w,
                n_post=n_post,
                transpose=transpose,
                float_as_event=event,
                backend=backend,
            )
        )(s, w)
        assert out.dtype == jnp.dtype(dtype)
        assert out.shape == (*batch, n_pre if transpose else n_post)
        ref = reference(
            np.asarray(s, np.float64), indices, np.asarray(w, np.float64), n_post, transpose, event
        )
        scale = max(1.0, float(np.abs(spikes).max(initial=0)) * max(n_conn, n_pre))
        np.testing.assert_allclose(np.asarray(out, np.float64), ref, **tolerance(dtype, scale))


@pytest.mark.parametrize("backend", ["numba", "xla"])
def test_duplicate_targets_accumulate(backend):
    indices = np.array([[1, 1, 1], [0, 1, 1]], np.int32)
    out = be.fixed_prob_matvec(jnp.array([True, True]), indices, 1.0, n_post=2, backend=backend)
    np.testing.assert_array_equal(out, [1.0, 5.0])


@pytest.mark.parametrize("backend", ["numba", "xla"])
def test_large_sparse_matches_dense(backend):
    rng = np.random.default_rng(0)
    fp = be.FixedProb(3000, 500, 0.02, 0.5, seed=1)
    spikes = jnp.asarray(rng.random((4, 3000)) < 0.01)
    with be.use_backend(backend):
        out = jax.jit(fp)(spikes)
    ref = reference(spikes, fp.indices, 0.5, 500, False, True)
    np.testing.assert_allclose(out, ref, rtol=1e-6)


# ----------------------------------------------------------------------------- gradients
def dense_fn(indices, n_post, transpose, event):
    def fn(s, w):
        n_pre, n_conn = indices.shape
        wfull = jnp.broadcast_to(w, (n_pre, n_conn))
        dense = jnp.zeros((n_pre, n_post), w.dtype)
        dense = dense.at[jnp.arange(n_pre)[:, None], indices].add(wfull)
        f = (s != 0).astype(w.dtype) if event and s.dtype == jnp.bool_ else s
        return f @ (dense.T if transpose else dense)

    return fn


@pytest.mark.parametrize("backend", ["numba", "xla", "pallas"])
@pytest.mark.parametrize("transpose", [False, True])
@settings(max_examples=4)
@given(problem=problems(), homo=st.booleans(), bool_spikes=st.booleans())
def test_gradients_match_dense(backend, transpose, problem, homo, bool_spikes):
    n_pre, n_post, n_conn, rate, batch, seed = problem
    rng = np.random.default_rng(seed)
    indices = unique_indices(rng, n_pre, n_post, n_conn)
    n_in = n_post if transpose else n_pre
    active = rng.random((*batch, n_in)) < rate
    s = jnp.asarray(active) if bool_spikes else jnp.asarray(active, jnp.float32)
    w = jnp.asarray(rng.uniform(-1, 1, () if homo else (n_pre, n_conn)), jnp.float32)
    ct = jnp.asarray(rng.normal(size=(*batch, n_pre if transpose else n_post)), jnp.float32)
    ds = jnp.asarray(rng.normal(size=s.shape), jnp.float32)
    dw = jnp.asarray(rng.normal(size=w.shape), jnp.float32)
    ref_fn = dense_fn(jnp.asarray(indices), n_post, transpose, True)

    def ours(s, w):
        return be.fixed_prob_matvec(
            s, indices, w, n_post=n_post, transpose=transpose, backend=backend
        )

    @jax.jit
    def derivatives(s, w):
        """Gradients w.r.t. w (and float s), and forward-mode tangents, for ours and ref."""
        result = []
        for fn in (ours, ref_fn):
            loss = lambda s, w: (fn(s, w) * ct).sum()  # noqa: B023
            if bool_spikes:
                grads = (jax.grad(loss, argnums=1)(s, w),)
                tangent = jax.jvp(lambda w: fn(s, w), (w,), (dw,))[1]  # noqa: B023
            else:
                grads = jax.grad(loss, argnums=(0, 1))(s, w)
                tangent = jax.jvp(fn, (s, w), (ds, dw))[1]
            result.append((grads, tangent))
        return result

    got, want = derivatives(s, w)
    tol = dict(rtol=1e-4, atol=1e-4 * max(1, n_pre, n_post))
    for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
        np.testing.assert_allclose(a, b, **tol)


@pytest.mark.parametrize("backend", ["numba", "xla"])
def test_second_order_gradient(backend):
    rng = np.random.default_rng(3)
    indices = unique_indices(rng, 6, 5, 3)
    s = jnp.asarray(rng.random(6), jnp.float32)
    w = jnp.asarray(rng.normal(size=(6, 3)), jnp.float32)
    ref_fn = dense_fn(jnp.asarray(indices), 5, False, True)

    def ours(s, w):
        return be.fixed_prob_matvec(s, indices, w, n_post=5, float_as_event=False, backend=backend)

    @jax.jit
    def hess(s, w):
        return [
            jax.hessian(lambda s, w: (fn(s, w) ** 2).sum(), argnums=(0, 1))(s, w)  # noqa: B023
            for fn in (ours, ref_fn)
        ]

    got, want = hess(s, w)
    for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_gradient_wrt_bool_spikes_or_indices_is_an_error():
    indices = np.array([[0, 1], [1, 0]], np.int32)
    spikes = jnp.array([True, False])
    with pytest.raises(TypeError):
        jax.grad(lambda s: be.fixed_prob_matvec(s, indices, 1.0, n_post=2).sum())(spikes)
    # allow_int gives zeros (float0), never a wrong number
    g = jax.grad(lambda s: be.fixed_prob_matvec(s, indices, 1.0, n_post=2).sum(), allow_int=True)(
        spikes
    )
    assert g.dtype == jax.dtypes.float0
    idx = jnp.asarray(indices)
    with pytest.raises(TypeError):
        jax.grad(lambda i: be.fixed_prob_matvec(spikes, i, 1.0, n_post=2).sum())(idx)
    zero = np.zeros(idx.shape, jax.dtypes.float0)
    _, t = jax.jvp(lambda i: be.fixed_prob_matvec(spikes, i, 1.0, n_post=2), (idx,), (zero,))
    np.testing.assert_array_equal(t, 0.0)


# ----------------------------------------------------------------------------- vmap
@pytest.mark.parametrize("backend", ["numba", "xla"])
@pytest.mark.parametrize("transpose", [False, True])
def test_vmap_over_spikes_is_one_batched_call(backend, transpose):
    rng = np.random.default_rng(4)
    indices = unique_indices(rng, 20, 15, 4)
    n_in = 15 if transpose else 20
    spikes = jnp.asarray(rng.random((2, 3, n_in)) < 0.3)

    def f(s):
        return be.fixed_prob_matvec(
            s, indices, 0.5, n_post=15, transpose=transpose, backend=backend
        )

    out = jax.jit(jax.vmap(jax.vmap(f)))(spikes)
    np.testing.assert_allclose(out, reference(spikes, indices, 0.5, 15, transpose, True), rtol=1e-6)
    jaxpr = jax.make_jaxpr(jax.vmap(jax.vmap(f)))(spikes)
    prims = [e.primitive.name for e in jaxpr.eqns]
    assert sum(p.startswith("fixed_prob_") for p in prims) == 1
    assert "scan" not in prims and "while" not in prims


@pytest.mark.parametrize("backend", ["numba", "xla"])
def test_vmap_over_weights_and_per_example_gradients(backend):
    rng = np.random.default_rng(5)
    indices = unique_indices(rng, 12, 10, 3)
    ws = jnp.asarray(rng.normal(size=(4, 12, 3)), jnp.float32)
    spikes = jnp.asarray(rng.random((4, 12)) < 0.5)

    def f(s, w):
        return be.fixed_prob_matvec(s, indices, w, n_post=10, backend=backend)

    out = jax.vmap(f)(spikes, ws)
    ref = np.stack([reference(spikes[k], indices, ws[k], 10, False, True) for k in range(4)])
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    w0 = ws[0]
    grads = jax.vmap(jax.grad(lambda w, s: f(s, w).sum()), in_axes=(None, 0))(w0, spikes)
    ref_fn = dense_fn(jnp.asarray(indices), 10, False, True)
    ref_g = jax.vmap(jax.grad(lambda w, s: ref_fn(s, w).sum()), in_axes=(None, 0))(w0, spikes)
    np.testing.assert_allclose(grads, ref_g, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------- bad input
def test_wrong_spike_length_names_argument_and_size():
    indices = np.zeros((5, 2), np.int32)
    with pytest.raises(be.EventShapeError, match=r"spikes.*n_pre=5.*\(4,\)"):
        be.fixed_prob_matvec(jnp.ones(4, bool), indices, 1.0, n_post=3)
    with pytest.raises(be.EventShapeError, match=r"spikes.*n_post=3"):
        be.fixed_prob_matvec(jnp.ones(4), indices, 1.0, n_post=3, transpose=True)


def test_bad_weights_indices_and_n_post():
    indices = np.zeros((5, 2), np.int32)
    with pytest.raises(be.EventShapeError, match=r"weights.*\(5, 2\).*\(5, 3\)"):
        be.fixed_prob_matvec(jnp.ones(5, bool), indices, jnp.ones((5, 3)), n_post=3)
    with pytest.raises(be.EventShapeError, match="indices must lie in"):
        be.fixed_prob_matvec(jnp.ones(5, bool), indices + 3, 1.0, n_post=3)
    with pytest.raises(be.EventShapeError, match="2-D"):
        be.fixed_prob_matvec(jnp.ones(5, bool), np.zeros(5, np.int32), 1.0, n_post=3)
    with pytest.raises(be.EventShapeError, match="integers"):
        be.fixed_prob_matvec(jnp.ones(5, bool), np.zeros((5, 2)), 1.0, n_post=3)
    with pytest.raises(be.EventShapeError, match="n_post"):
        be.fixed_prob_matvec(jnp.ones(5, bool), indices, 1.0)


def test_unknown_backend_is_an_error():
    with pytest.raises(be.KernelBackendError, match="unknown kernel backend 'cuda'"):
        be.fixed_prob_matvec(
            jnp.ones(2, bool), np.zeros((2, 1), np.int32), 1.0, n_post=1, backend="cuda"
        )
    with pytest.raises(be.KernelBackendError, match="cannot run on platform 'cpu'"):
        jax.jit(
            lambda s: be.fixed_prob_matvec(
                s, np.zeros((2, 1), np.int32), 1.0, n_post=1, backend="triton"
            )
        )(jnp.ones(2, bool))


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16])
@pytest.mark.parametrize("backend", ["numba", "xla"])
def test_16_bit_weights_are_added_up_in_float32(backend, dtype):
    rng = np.random.default_rng(0)
    idx = jnp.asarray(rng.integers(0, 10, (3000, 5)), jnp.int32)
    w = jnp.asarray(rng.random((3000, 5)), dtype)
    s = jnp.ones(3000, bool)
    dense = np.zeros((3000, 10), np.float32)
    np.add.at(dense, (np.arange(3000)[:, None], np.asarray(idx)), np.asarray(w, np.float32))
    ref = np.asarray(s, np.float32) @ dense  # sums near 750: a 16-bit sum would stall
    out = be.fixed_prob_matvec(s, idx, w, n_post=10, backend=backend)
    assert out.dtype == dtype
    np.testing.assert_allclose(np.asarray(out, np.float32), ref, rtol=1e-2)
    v = jnp.ones(10, bool)  # the transposed product (a gather) too
    out_t = be.fixed_prob_matvec(v, idx, w, n_post=10, transpose=True, backend=backend)
    np.testing.assert_allclose(np.asarray(out_t, np.float32), dense.sum(1), rtol=1e-2)


def test_complex_weights_or_spikes_are_refused_by_name():
    idx = jnp.array([[0, 1], [1, 2], [2, 0]])
    with pytest.raises(be.EventShapeError, match=r"weights must be real.*complex64"):
        be.fixed_prob_matvec(jnp.ones(3, bool), idx, jnp.complex64(1 + 1j), n_post=3)
    with pytest.raises(be.EventShapeError, match="spikes must be real"):
        be.fixed_prob_matvec(jnp.full(3, 1 + 5j), idx, 1.0, n_post=3, float_as_event=False)


def test_the_result_is_in_the_weights_dtype():
    idx = jnp.array([[0, 1], [1, 2], [2, 0]])
    out = be.fixed_prob_matvec(jnp.ones(3, jnp.float16), idx, jnp.float32(1.0), n_post=3)
    assert out.dtype == jnp.float32
    out = be.fixed_prob_matvec(
        jnp.ones(3, jnp.float32), idx, jnp.ones((3, 2), jnp.bfloat16), n_post=3
    )
    assert out.dtype == jnp.bfloat16


@pytest.mark.parametrize("backend", ["numba", "xla"])
@pytest.mark.parametrize("spikes", [[True, False, True], [2.0, 0.0, 0.5]])
def test_a_silent_row_sends_nothing_even_with_nan_weights(backend, spikes):
    idx = jnp.array([[0, 1], [1, 2], [2, 0]])
    w = jnp.array([[1.0, 2.0], [jnp.nan, jnp.inf], [3.0, 4.0]])
    s = jnp.asarray(spikes)
    out = be.fixed_prob_matvec(s, idx, w, n_post=3, float_as_event=False, backend=backend)
    active = np.asarray(s, np.float64)
    active[1] = 0.0
    ref = active @ dense_matrix(np.asarray(idx), np.nan_to_num(np.asarray(w)), 3)
    np.testing.assert_allclose(out, ref, rtol=1e-6)
    with np.errstate(invalid="ignore"):  # a dense product spreads the NaN
        assert np.isnan(np.asarray(s, np.float64) @ dense_matrix(idx, w, 3)).any()
