"""The event-driven dense product ``be.event_matmul`` against ``spikes @ W``."""

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
TOL = {"float32": 1e-4, "float64": 1e-10, "bfloat16": 5e-2}


def x64(dtype):
    return jax.enable_x64(True) if dtype == "float64" else contextlib.nullcontext()


@pytest.mark.parametrize(
    "backend,dtype",
    [
        (b, d)
        for b in BACKENDS
        for d in ["float32", "float64", "bfloat16"]
        if not (b == "pallas" and d == "float64")
    ],
)
@settings(max_examples=4)
@given(
    n_pre=st.integers(0, 70),
    n_post=st.integers(0, 140),
    rate=st.sampled_from([0.0, 0.05, 0.5, 1.0]),
    kind=st.sampled_from(["bool", "float_event", "float_value"]),
    batch=st.sampled_from([(), (3,), (2, 2)]),
    seed=st.integers(0, 2**16),
)
def test_matches_dense(backend, dtype, n_pre, n_post, rate, kind, batch, seed):
    rng = np.random.default_rng(seed)
    w = rng.integers(-8, 9, (n_pre, n_post)) / 4  # exact in bfloat16
    active = rng.random((*batch, n_pre)) < rate
    if kind == "bool":
        x, xr = jnp.asarray(active), active.astype(np.float64)
    else:
        vals = active * rng.integers(2, 9, active.shape) / 4
        xr = (vals != 0).astype(np.float64) if kind == "float_event" else vals
        x = vals
    with x64(dtype):
        x = jnp.asarray(x, None if kind == "bool" else dtype)
        out = jax.jit(
            lambda x, w: be.event_matmul(
                x, w, float_as_event=kind == "float_event", backend=backend
            )
        )(x, jnp.asarray(w, dtype))
        assert out.dtype == jnp.dtype(dtype) and out.shape == (*batch, n_post)
        out = np.asarray(out.astype(jnp.float64 if dtype == "float64" else jnp.float32))
    tol = TOL[dtype] * max(1, n_pre)
    np.testing.assert_allclose(out, xr @ w, rtol=tol, atol=tol)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fae", [True, False])
def test_gradients_match_dense(backend, fae):
    rng = np.random.default_rng(0)
    w = jnp.asarray(rng.standard_normal((20, 7)), jnp.float32)
    x = jnp.asarray((rng.random((3, 20)) < 0.3) * rng.uniform(0.5, 2, (3, 20)), jnp.float32)

    def ours(w, x):
        return jnp.sum(be.event_matmul(x, w, float_as_event=fae, backend=backend) ** 2)

    def ref(w, x):
        xv = x + jax.lax.stop_gradient((x != 0).astype(x.dtype) - x) if fae else x
        return jnp.sum((xv @ w) ** 2)

    g = jax.jit(jax.grad(ours, argnums=(0, 1)))(w, x)
    r = jax.jit(jax.grad(ref, argnums=(0, 1)))(w, x)
    for a, b in zip(g, r):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    s = x != 0
    g = jax.grad(lambda w: jnp.sum(be.event_matmul(s, w, backend=backend) ** 2))(w)
    np.testing.assert_allclose(g, jax.grad(lambda w: jnp.sum((s @ w) ** 2))(w), rtol=1e-4)


@pytest.mark.parametrize("backend", BACKENDS)
def test_vmap_equals_loop_and_is_one_call(backend):
    rng = np.random.default_rng(1)
    w = jnp.asarray(rng.standard_normal((10, 4)), jnp.float32)
    xs = jnp.asarray(rng.random((5, 10)) < 0.4)
    f = lambda x: be.event_matmul(x, w, backend=backend)
    np.testing.assert_allclose(jax.vmap(f)(xs), jnp.stack([f(x) for x in xs]), rtol=1e-6, atol=1e-6)
    names = [e.primitive.name for e in jax.make_jaxpr(jax.vmap(f))(xs).jaxpr.eqns]
    assert names.count("dense_event_mm") == 1 and "dense_event_mv" not in names
    ws = jnp.stack([w, 2 * w])
    out = jax.vmap(lambda w: be.event_matmul(xs[0], w, backend=backend))(ws)
    np.testing.assert_allclose(out, jnp.stack([xs[0] @ w, xs[0] @ (2 * w)]), rtol=1e-5)


def test_errors():
    w = jnp.ones((3, 2))
    with pytest.raises(
        be.EventShapeError,
        match=r"event_matmul: spikes: expected last dimension 3.*got shape \(2,\)",
    ):
        be.event_matmul(jnp.ones(2, bool), w)
    with pytest.raises(be.EventShapeError, match=r"weight: expected a 2-D"):
        be.event_matmul(jnp.ones(3, bool), jnp.ones(3))
    with pytest.raises(be.EventShapeError, match="floating dtype"):
        be.event_matmul(jnp.ones(3, bool), jnp.ones((3, 2), jnp.int32))
    with pytest.raises(TypeError, match="bool"):
        jax.grad(lambda s: jnp.sum(be.event_matmul(s, w)))(jnp.ones(3, bool))
    from jax.interpreters import ad

    from brainstate_event._src.dense import _transpose

    with pytest.raises(be.EventGradientError, match="boolean spikes"):
        _transpose(
            jnp.ones(2),
            ad.UndefinedPrimal(jnp.ones(3, bool).aval),
            w,
            float_as_event=True,
            backend=(),
        )
