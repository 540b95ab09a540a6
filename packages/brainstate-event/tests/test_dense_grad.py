"""The event-driven weight gradient of ``be.event_matmul`` (``dense_event_wgrad``) and the
bias of ``be.Linear``, against dense references."""

from __future__ import annotations

import contextlib
import importlib.util

import jax
import jax.extend
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


def _spikes(rng, shape, rate, kind):
    """Spikes of ``kind`` and the 0/1-or-value matrix they multiply with (float64 numpy)."""
    active = rng.random(shape) < rate
    if kind == "bool":
        return active, active.astype(np.float64)
    vals = active * rng.integers(2, 9, shape) / 4  # exact in bfloat16
    ref = (vals != 0).astype(np.float64) if kind == "float_event" else vals
    return vals, ref


def _eqn_params(jaxpr, name):
    found = []
    for eqn in jaxpr.eqns:
        if eqn.primitive.name == name:
            found.append(eqn.params)
        for sub in jax.extend.core.jaxprs_in_params(eqn.params):
            found.extend(_eqn_params(sub, name))
    return found


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
def test_weight_gradient_matches_dense(backend, dtype, n_pre, n_post, rate, kind, batch, seed):
    rng = np.random.default_rng(seed)
    x, xr = _spikes(rng, (*batch, n_pre), rate, kind)
    w = rng.integers(-8, 9, (n_pre, n_post)) / 4
    ct = rng.integers(-8, 9, (*batch, n_post)) / 4
    fae = kind == "float_event"
    with x64(dtype):
        x = jnp.asarray(x, None if kind == "bool" else dtype)

        def loss(w, x, ct):
            out = be.event_matmul(x, w, float_as_event=fae, backend=backend)
            return jnp.sum(out.astype(jnp.float32) * ct)

        g = jax.jit(jax.grad(loss))(jnp.asarray(w, dtype), x, jnp.asarray(ct, dtype))
        assert g.dtype == jnp.dtype(dtype) and g.shape == (n_pre, n_post)
        g = np.asarray(g.astype(jnp.float64 if dtype == "float64" else jnp.float32))
    k = int(np.prod(batch))
    ref = xr.reshape(k, n_pre).T @ ct.reshape(k, n_post)
    tol = TOL[dtype] * k
    np.testing.assert_allclose(g, ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("backend", BACKENDS)
def test_weight_gradient_is_event_driven_and_falls_back_to_xla(backend):
    x = jnp.asarray(np.random.default_rng(0).random((6, 9)) < 0.3)
    w = jnp.ones((9, 4))
    grad = jax.grad(lambda w: jnp.sum(be.event_matmul(x, w, backend=backend) ** 2))
    params = _eqn_params(jax.make_jaxpr(grad)(w).jaxpr, "dense_event_wgrad")
    assert len(params) == 1
    assert params[0]["backend"] == ("xla" if backend == "pallas" else backend)
    with be.use_backend("pallas"):
        jaxpr = jax.make_jaxpr(jax.grad(lambda w: jnp.sum(be.event_matmul(x, w) ** 2)))(w)
    assert dict(_eqn_params(jaxpr.jaxpr, "dense_event_wgrad")[0]["backend"])["cpu"] == "xla"


@pytest.mark.parametrize("backend", ["xla", "numba"] if HAS_NUMBA else ["xla"])
@settings(max_examples=6)
@given(
    kind=st.sampled_from(["bool", "float_value"]),
    x_batched=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_weight_gradient_under_vmap(backend, kind, x_batched, seed):
    rng = np.random.default_rng(seed)
    x, xr = _spikes(rng, (3, 5, 11) if x_batched else (5, 11), 0.3, kind)
    w = jnp.asarray(rng.standard_normal((11, 4)), jnp.float32)
    cts = jnp.asarray(rng.standard_normal((3, 5, 4)), jnp.float32)
    x = jnp.asarray(x, None if kind == "bool" else jnp.float32)

    def vjp_w(x, ct):
        f = lambda w: be.event_matmul(x, w, float_as_event=False, backend=backend)
        return jax.vjp(f, w)[1](ct)[0]

    out = jax.jit(jax.vmap(vjp_w, in_axes=(0 if x_batched else None, 0)))(x, cts)
    ref = np.einsum(f"{'b' if x_batched else ''}ki,bkj->bij", xr, np.asarray(cts, np.float64))
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("backend", ["xla", "numba"] if HAS_NUMBA else ["xla"])
def test_second_order_derivatives_match_dense(backend):
    rng = np.random.default_rng(2)
    x = jnp.asarray((rng.random((4, 12)) < 0.4) * rng.uniform(0.5, 2, (4, 12)), jnp.float32)
    w = jnp.asarray(rng.standard_normal((12, 5)), jnp.float32)
    v = jnp.asarray(rng.standard_normal((12, 5)), jnp.float32)
    m = jnp.asarray(rng.standard_normal((12, 5)), jnp.float32)

    def make(matmul):
        f = lambda w, x: jnp.sum(jnp.tanh(matmul(x, w)))
        hvp = lambda w, x: jax.jvp(lambda w: jax.grad(f)(w, x), (w,), (v,))[1]
        gx = lambda w, x: jax.grad(lambda x: jnp.sum(jax.grad(f)(w, x) * m))(x)
        return jax.jit(hvp)(w, x), jax.jit(gx)(w, x)

    ours = make(lambda x, w: be.event_matmul(x, w, float_as_event=False, backend=backend))
    ref = make(lambda x, w: x @ w)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_weight_gradient_of_bool_spikes_has_no_spike_derivative():
    from jax.interpreters import ad

    from brainstate_event._src.dense import _wgrad_transpose

    x = jnp.ones((2, 3), bool)
    with pytest.raises(be.EventGradientError, match="boolean spikes"):
        _wgrad_transpose(
            jnp.ones((3, 4)),
            ad.UndefinedPrimal(x.aval),
            jnp.ones((2, 4)),
            float_as_event=True,
            backend=(),
        )


def test_linear_bias_forward_gradient_and_errors():
    rng = np.random.default_rng(4)
    w = jnp.asarray(rng.standard_normal((10, 4)), jnp.float32)
    b = jnp.asarray(rng.standard_normal(4), jnp.float32)
    layer = be.Linear(10, 4, w, bias=b)
    s = jnp.asarray(rng.random((3, 6, 10)) < 0.3)
    ref = np.asarray(s, float) @ np.asarray(w) + np.asarray(b)
    np.testing.assert_allclose(layer(s), ref, rtol=1e-5, atol=1e-5)
    assert be.Linear(10, 4, w, bias=1.0)(s[0, 0]).shape == (4,)

    def loss(wb):
        layer.weight.value, layer.bias.value = wb
        return jnp.sum(layer(s) ** 2)

    gw, gb = jax.grad(loss)((w, b))
    gw_ref, gb_ref = jax.grad(lambda wb: jnp.sum((s @ wb[0] + wb[1][None, None]) ** 2))((w, b))
    np.testing.assert_allclose(gw, gw_ref, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gb, gb_ref, rtol=1e-4, atol=1e-4)
    with pytest.raises(
        be.EventShapeError,
        match=r"Linear 'inp': bias: expected a scalar or shape \(4,\), got shape \(10,\)",
    ):
        be.Linear(10, 4, w, bias=jnp.ones(10), name="inp")
    with pytest.raises(be.EventShapeError, match="bias must have a floating dtype"):
        be.Linear(10, 4, w, bias=jnp.ones(4, jnp.int32))


@pytest.mark.parametrize("backend", ["xla", "numba"] if HAS_NUMBA else ["xla"])
def test_float_spike_gradient_with_the_weights_vmapped_inside_grad(backend):
    # an ensemble of weight matrices under grad: the batching rule computes the product
    # another way, and the spikes' straight-through derivative must not be lost there
    w = jnp.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    x = jnp.array([1.0, 0.0, 0.5])

    def loss(x, w):
        return (be.event_matmul(x, w, backend=backend) * jnp.array([1.0, -2.0])).sum()

    expected = jax.grad(loss)(x, w)
    np.testing.assert_allclose(expected, w @ jnp.array([1.0, -2.0]))
    ensemble = jnp.stack([w, 2 * w])
    got = jax.grad(lambda x: jax.vmap(lambda w: loss(x, w))(ensemble).sum())(x)
    np.testing.assert_allclose(got, 3 * expected, rtol=1e-6)
    np.testing.assert_allclose(  # and the forward values stay events (0/1)
        jax.vmap(lambda w: be.event_matmul(x, w, backend=backend))(ensemble)[0], [6.0, 8.0]
    )
