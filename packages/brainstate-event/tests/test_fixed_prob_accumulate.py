"""``pre_start`` (a row range of a larger spike vector) and ``y``/``beta`` (``beta * y + s @ W``)
of fixed_prob_matvec and FixedProb, against a dense numpy reference."""

import contextlib
import importlib.util

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings

import brainstate_event as be

from event_reference import dense_matrix, unique_indices


def x64_ctx(dtype):
    return jax.enable_x64(True) if dtype == "float64" else contextlib.nullcontext()


@st.composite
def problems(draw):
    n_pre = draw(st.integers(1, 30))
    n_post = draw(st.integers(1, 25))
    n_conn = draw(st.integers(0, n_post))
    before = draw(st.integers(0, 9))
    after = draw(st.integers(0, 9))
    rate = draw(st.sampled_from([0.0, 0.2, 1.0]))
    batch = draw(st.sampled_from([(), (3,), (2, 2)]))
    seed = draw(st.integers(0, 2**16))
    return n_pre, n_post, n_conn, before, after, rate, batch, seed


def numpy_reference(spikes, indices, weights, n_post, start, event, y, beta):
    n_pre = indices.shape[0]
    s = np.asarray(spikes, np.float64)[..., start : start + n_pre]
    if event:
        s = (s != 0).astype(np.float64)
    out = s @ dense_matrix(indices, weights, n_post)
    if y is not None:
        out = out + np.asarray(beta, np.float64) * np.asarray(y, np.float64)
    return out


@pytest.mark.parametrize("backend", ["numba", "xla"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
@settings(max_examples=25, deadline=None)
@given(
    problem=problems(),
    homo=st.booleans(),
    kind=st.sampled_from(["bool", "event", "value"]),
    accumulate=st.booleans(),
    beta_kind=st.sampled_from(["scalar", "vector"]),
)
def test_row_range_and_accumulate_match_dense(
    backend, dtype, problem, homo, kind, accumulate, beta_kind
):
    n_pre, n_post, n_conn, before, after, rate, batch, seed = problem
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, n_post, (n_pre, n_conn)).astype(np.int32)
    n_in = before + n_pre + after
    active = rng.random((*batch, n_in)) < rate
    values = rng.uniform(-2, 2, active.shape) * active
    weights = rng.uniform(-1, 1, () if homo else (n_pre, n_conn))
    y = rng.normal(size=(*batch, n_post)) if accumulate else None
    beta = rng.uniform(0, 1, () if beta_kind == "scalar" else (n_post,))
    with x64_ctx(dtype):
        dt = jnp.dtype(dtype)
        spikes = jnp.asarray(active) if kind == "bool" else jnp.asarray(values, dt)
        kw = dict(n_post=n_post, pre_start=before, backend=backend)
        kw["float_as_event"] = kind != "value"
        if accumulate:
            kw.update(y=jnp.asarray(y, dt), beta=jnp.asarray(beta, dt))
        out = jax.jit(lambda s, w: be.fixed_prob_matvec(s, indices, w, **kw))(
            spikes, jnp.asarray(weights, dt)
        )
        assert out.dtype == dt and out.shape == (*batch, n_post)

        def rounded(a):  # the inputs as the kernel saw them, in float64
            return np.asarray(jnp.asarray(a, dt)).astype(np.float64)

        s_ref = np.asarray(spikes) if kind == "bool" else rounded(values)
        y_ref = None if y is None else rounded(y)
        ref = numpy_reference(
            s_ref, indices, rounded(weights), n_post, before, kind != "value", y_ref, rounded(beta)
        )
        out = np.asarray(out).astype(np.float64)
    scale = max(1.0, float(np.abs(ref).max(initial=0.0)))
    tol = {"bfloat16": 3e-2, "float32": 1e-5, "float64": 1e-12}[dtype]
    np.testing.assert_allclose(out, ref, rtol=tol, atol=tol * scale * 4)


def _dense_affine(indices, n_post, start):
    n_pre, n_conn = indices.shape

    def fn(s, w, y, beta):
        dense = jnp.zeros((n_pre, n_post), w.dtype)
        dense = dense.at[jnp.arange(n_pre)[:, None], indices].add(
            jnp.broadcast_to(w, (n_pre, n_conn))
        )
        return jnp.broadcast_to(beta, y.shape) * y + s[..., start : start + n_pre] @ dense

    return fn


@pytest.mark.parametrize("backend", ["numba", "xla"])
@settings(max_examples=6, deadline=None)
@given(problem=problems(), homo=st.booleans())
def test_accumulate_gradients_and_tangents_match_dense(backend, problem, homo):
    n_pre, n_post, n_conn, before, after, rate, batch, seed = problem
    rng = np.random.default_rng(seed)
    indices = unique_indices(rng, n_pre, n_post, n_conn)
    n_in = before + n_pre + after
    s = jnp.asarray(rng.random((*batch, n_in)) < max(rate, 0.2), jnp.float32)
    w = jnp.asarray(rng.uniform(-1, 1, () if homo else (n_pre, n_conn)), jnp.float32)
    y = jnp.asarray(rng.normal(size=(*batch, n_post)), jnp.float32)
    beta = jnp.asarray(rng.uniform(0, 1, (n_post,)), jnp.float32)
    ct = jnp.asarray(rng.normal(size=(*batch, n_post)), jnp.float32)
    tangents = tuple(jnp.asarray(rng.normal(size=x.shape), jnp.float32) for x in (s, w, y, beta))

    def ours(s, w, y, beta):
        return be.fixed_prob_matvec(
            s, indices, w, n_post=n_post, pre_start=before, y=y, beta=beta, backend=backend
        )

    ref = _dense_affine(jnp.asarray(indices), n_post, before)

    @jax.jit
    def derivatives(s, w, y, beta):
        out = []
        for fn in (ours, ref):
            grads = jax.grad(lambda *a: (fn(*a) * ct).sum(), argnums=(0, 1, 2, 3))(s, w, y, beta)  # noqa: B023
            out.append((grads, jax.jvp(fn, (s, w, y, beta), tangents)[1]))
        return out

    got, want = derivatives(s, w, y, beta)
    for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * max(1, n_in, n_post))


@pytest.mark.parametrize("backend", ["numba", "xla"])
def test_vmap_of_accumulate_is_one_batched_call(backend):
    rng = np.random.default_rng(4)
    indices = unique_indices(rng, 20, 15, 4)
    spikes = jnp.asarray(rng.random((2, 3, 26)) < 0.3)
    y = jnp.asarray(rng.normal(size=(2, 3, 15)), jnp.float32)

    def f(s, y):
        return be.fixed_prob_matvec(
            s, indices, 0.5, n_post=15, pre_start=6, y=y, beta=0.25, backend=backend
        )

    out = jax.jit(jax.vmap(jax.vmap(f)))(spikes, y)
    ref = numpy_reference(spikes, indices, 0.5, 15, 6, True, y, 0.25)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)
    jaxpr = jax.make_jaxpr(jax.vmap(jax.vmap(f)))(spikes, y)
    prims = [e.primitive.name for e in jaxpr.eqns]
    assert sum(p.startswith("fixed_prob_") for p in prims) == 1
    assert "scan" not in prims and "while" not in prims
    # y shared across the vmapped axis: broadcast into the batch
    out = jax.jit(jax.vmap(lambda s: f(s, y[0, 0])))(spikes[0])
    np.testing.assert_allclose(
        out,
        numpy_reference(spikes[0], indices, 0.5, 15, 6, True, y[0, 0], 0.25),
        rtol=1e-5,
        atol=1e-6,
    )


def test_bad_row_range_and_accumulate_arguments():
    idx = np.zeros((4, 2), np.int32)
    s = jnp.ones(6, bool)
    with pytest.raises(be.EventShapeError, match=r"pre_start.*4"):
        be.fixed_prob_matvec(s, idx, 1.0, n_post=3, pre_start=3)
    with pytest.raises(be.EventShapeError, match="n_pre=4"):
        be.fixed_prob_matvec(s, idx, 1.0, n_post=3)
    with pytest.raises(be.EventShapeError, match="transpose=False"):
        be.fixed_prob_matvec(jnp.ones(3), idx, 1.0, transpose=True, y=jnp.ones(4))
    with pytest.raises(be.EventShapeError, match=r"y must have the shape.*\(3,\)"):
        be.fixed_prob_matvec(s, idx, 1.0, n_post=3, pre_start=0, y=jnp.ones(4))
    with pytest.raises(be.EventShapeError, match=r"beta.*\[n_post\]"):
        be.fixed_prob_matvec(s, idx, 1.0, n_post=3, pre_start=0, y=jnp.ones(3), beta=jnp.ones(2))
    with pytest.raises(be.EventShapeError, match="pre_range"):
        be.FixedProb(10, 5, 0.4, 1.0, pre_range=(4, 11))
    with pytest.raises(be.EventShapeError, match=r"in_size=10.*\(6,\)"):
        be.FixedProb(10, 5, 0.4, 1.0, pre_range=(2, 6))(jnp.ones(6, bool))


@pytest.mark.parametrize("backend", ["numba", "xla"])
def test_layer_row_range_is_the_sliced_layer(backend):
    rng = np.random.default_rng(1)
    spikes = jnp.asarray(rng.random((2, 50)) < 0.3)
    part = be.FixedProb(50, 30, 0.2, 0.7, seed=3, pre_range=(35, 50))
    alone = be.FixedProb(15, 30, 0.2, 0.7, seed=3)
    np.testing.assert_array_equal(part.indices, alone.indices)
    assert (part.n_in, part.n_pre, part.pre_start) == (50, 15, 35)
    with be.use_backend(backend):
        np.testing.assert_allclose(jax.jit(part)(spikes), alone(spikes[:, 35:]), rtol=1e-6)
        g = jnp.asarray(rng.normal(size=(2, 30)), jnp.float32)
        acc = jax.jit(lambda s, g: part.accumulate(s, g, beta=0.9))(spikes, g)
    np.testing.assert_allclose(acc, 0.9 * g + alone(spikes[:, 35:]), rtol=1e-6, atol=1e-6)


@pytest.mark.skipif(importlib.util.find_spec("brainunit") is None, reason="needs brainunit")
def test_accumulate_converts_units_into_y():
    import brainunit as u

    fp = be.FixedProb(20, 10, 0.3, 0.5 * u.siemens, seed=0)
    spikes = jnp.asarray(np.random.default_rng(0).random(20) < 0.5)
    g = jnp.arange(10.0) * u.mS
    out = jax.jit(lambda s: fp.accumulate(s, g, beta=0.5))(spikes)
    assert u.get_unit(out) == u.mS
    want = 0.5 * np.arange(10.0) + 1000.0 * np.asarray(u.get_mantissa(fp(spikes)))
    np.testing.assert_allclose(u.get_mantissa(out), want, rtol=1e-6)
    with pytest.raises(u.UnitMismatchError, match="mV"):
        fp.accumulate(spikes, jnp.zeros(10) * u.mV)
    with pytest.raises(u.UnitMismatchError, match="plain"):
        fp.accumulate(spikes, jnp.zeros(10))
    plain = be.FixedProb(20, 10, 0.3, 0.5, seed=0)
    out = plain.accumulate(spikes, g)  # plain weights are in y's unit
    assert u.get_unit(out) == u.mS
    np.testing.assert_allclose(u.get_mantissa(out), np.arange(10.0) + plain(spikes), rtol=1e-6)


def test_pallas_interpret_row_range_and_accumulate():
    rng = np.random.default_rng(7)
    indices = unique_indices(rng, 12, 9, 4)  # interpret-mode atomics drop repeated targets
    spikes = jnp.asarray(rng.random((2, 17)) < 0.4)
    y = jnp.asarray(rng.normal(size=(2, 9)), jnp.float32)
    out = be.fixed_prob_matvec(
        spikes, indices, 0.5, n_post=9, pre_start=3, y=y, beta=0.75, backend="pallas"
    )
    ref = numpy_reference(spikes, indices, 0.5, 9, 3, True, y, 0.75)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)
