"""``CSRLinear`` and the event ``Linear`` layer: forward, training, graph behaviour, errors."""

from __future__ import annotations

import importlib.util

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_event as be
import brainstate_graph as graph
from brainstate_core import ParamState

HAS_NUMBA = importlib.util.find_spec("numba") is not None


def _csr(rng, m=12, n=7, density=0.4):
    dense = (rng.random((m, n)) < density) * rng.uniform(0.5, 2.0, (m, n))
    return be.CSR.fromdense(jnp.asarray(dense, jnp.float32)), dense


def _train_step(layer, spikes, target, lr=0.1):
    """One gradient step on the layer's ParamState with plain jax.grad."""
    param = layer.weight

    def loss(value):
        old = param.value
        param.value = value
        try:
            return jnp.mean((layer(spikes) - target) ** 2)
        finally:
            param.value = old

    value = param.value
    l0, g = jax.value_and_grad(loss)(value)
    param.value = value - lr * g
    return l0, g


@pytest.mark.parametrize("backend", [None, "xla", "numba"] if HAS_NUMBA else ["xla"])
def test_csr_linear_forward_matches_dense(backend):
    rng = np.random.default_rng(0)
    csr, dense = _csr(rng)
    layer = be.CSRLinear.fromcsr(csr, backend=backend)
    s = jnp.asarray(rng.random((4, 12)) < 0.5)
    np.testing.assert_allclose(layer(s), np.asarray(s, float) @ dense, rtol=1e-5, atol=1e-5)
    same = be.CSRLinear(12, 7, csr.indices, csr.indptr, csr.data, backend=backend)
    np.testing.assert_allclose(same(s[0]), layer(s[0]), rtol=1e-6)
    homo = be.CSRLinear(12, 7, csr.indices, csr.indptr, 0.5)
    np.testing.assert_allclose(
        homo(s[0]), np.asarray(s[0], float) @ ((dense != 0) * 0.5), rtol=1e-6, atol=1e-6
    )
    # float spikes are events by default, values with float_as_event=False
    xf = jnp.asarray(rng.random(12) * (rng.random(12) < 0.5), jnp.float32)
    np.testing.assert_allclose(layer(xf), np.asarray(xf != 0, float) @ dense, rtol=1e-5, atol=1e-5)
    lv = be.CSRLinear.fromcsr(csr, float_as_event=False)
    np.testing.assert_allclose(lv(xf), np.asarray(xf) @ dense, rtol=1e-5, atol=1e-5)


def test_csr_linear_is_a_node_with_param_state_and_trains():
    rng = np.random.default_rng(1)
    csr, dense = _csr(rng)
    layer = be.CSRLinear.fromcsr(csr)
    assert isinstance(layer, graph.Node)
    assert list(graph.states(layer)) == [("weight",)]
    assert isinstance(layer.weight, ParamState)
    hash(graph.graphdef(layer))  # the constant structure keeps the GraphDef hashable
    s = jnp.asarray(rng.random((8, 12)) < 0.5)
    target = jnp.asarray(rng.standard_normal((8, 7)), jnp.float32)
    losses = [float(_train_step(layer, s, target)[0]) for _ in range(20)]
    assert losses[-1] < losses[0]
    # the gradient equals the dense one, restricted to the stored entries
    _, g = _train_step(be.CSRLinear.fromcsr(csr), s, target, lr=0.0)
    rows, cols = np.nonzero(dense)
    dg = jax.grad(lambda w: jnp.mean((s @ w - target) ** 2))(jnp.asarray(dense, jnp.float32))
    np.testing.assert_allclose(g, np.asarray(dg)[rows, cols], rtol=1e-4, atol=1e-6)
    assert layer.csr.shape == (12, 7) and layer.indices.shape == (csr.nnz,)
    assert layer.indptr.shape == (13,)


def test_csr_linear_under_jit_and_vmap():
    rng = np.random.default_rng(2)
    csr, dense = _csr(rng)
    layer = be.CSRLinear.fromcsr(csr)
    s = jnp.asarray(rng.random((5, 12)) < 0.5)
    out = jax.jit(lambda s: jax.vmap(layer)(s))(s)
    np.testing.assert_allclose(out, np.asarray(s, float) @ dense, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("backend", [None, "xla", "numba"] if HAS_NUMBA else ["xla"])
def test_linear_forward_and_training(backend):
    rng = np.random.default_rng(3)
    w = jnp.asarray(rng.standard_normal((10, 4)), jnp.float32)
    layer = be.Linear(10, 4, w, backend=backend)
    assert list(graph.states(layer)) == [("weight",)]
    s = jnp.asarray(rng.random((6, 10)) < 0.4)
    np.testing.assert_allclose(layer(s), np.asarray(s, float) @ np.asarray(w), rtol=1e-5, atol=1e-5)
    target = jnp.asarray(rng.standard_normal((6, 4)), jnp.float32)
    losses = [float(_train_step(layer, s, target)[0]) for _ in range(20)]
    assert losses[-1] < losses[0]
    hash(graph.graphdef(layer))


def test_linear_homogeneous_weight():
    layer = be.Linear(4, 3, 0.5)
    s = jnp.array([[True, False, True, True], [False] * 4])
    np.testing.assert_allclose(layer(s), [[1.5] * 3, [0.0] * 3])
    x = jnp.array([2.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(layer(x), [1.0] * 3)  # events
    np.testing.assert_allclose(be.Linear(4, 3, 0.5, float_as_event=False)(x), [1.5] * 3)
    # straight-through gradient with respect to float spikes
    g = jax.grad(lambda x: jnp.sum(layer(x)))(x)
    np.testing.assert_allclose(g, [1.5] * 4)


def test_layer_errors_name_the_argument():
    with pytest.raises(
        be.EventShapeError,
        match=r"Linear: weight: expected a scalar or shape \(4, 3\).*got shape \(3, 4\)",
    ):
        be.Linear(4, 3, jnp.ones((3, 4)))
    layer = be.Linear(4, 3, jnp.ones((4, 3)))
    with pytest.raises(
        be.EventShapeError, match=r"spikes: expected last dimension 4.*got shape \(3,\)"
    ):
        layer(jnp.ones(3, bool))
    csr = be.CSR.fromdense(np.eye(3, dtype=np.float32))
    with pytest.raises(be.EventShapeError, match=r"x @ CSR: x: expected last dimension 3"):
        be.CSRLinear.fromcsr(csr)(jnp.ones(4, bool))
    with pytest.raises(be.EventShapeError, match=r"data: expected .*\(3,\).*got shape \(2,\)"):
        be.CSRLinear(3, 3, csr.indices, csr.indptr, jnp.ones(2))
    with pytest.raises(be.EventShapeError, match=r"indices must lie in \[0, 2\)"):
        be.CSRLinear(3, 2, csr.indices, csr.indptr, 1.0)
    layer = be.CSRLinear.fromcsr(csr, name="syn")
    layer.weight.value = jnp.ones(5)
    with pytest.raises(be.EventShapeError, match=r"CSRLinear 'syn': weight"):
        layer(jnp.ones(3, bool))


@pytest.mark.parametrize("weight", [np.ones((40, 7), np.float32), 0.5])
def test_linear_spike_shape_errors_name_the_layer(weight):
    layer = be.Linear(40, 7, weight, name="L1")
    with pytest.raises(
        be.EventShapeError, match=r"Linear 'L1': spikes: expected last dimension 40"
    ):
        layer(jnp.ones(5))
