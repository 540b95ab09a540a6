"""Activation layers: each equals its functional form, keeps shapes, fits in Sequential."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, strategies as st

import brainstate_augment as ba
import brainstate_core as bsc
import brainstate_nn as nn
from brainstate_nn import functional as F


def _x(shape=(3, 4), seed=0):
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape) * 3, jnp.float32)


# (layer, the function it must equal)
PAIRS = [
    (nn.Identity(), lambda x: x),
    (nn.ReLU(), F.relu),
    (nn.ReLU6(), F.relu6),
    (nn.LeakyReLU(0.2), lambda x: F.leaky_relu(x, 0.2)),
    (nn.Threshold(0.5, -2.0), lambda x: jnp.where(x > 0.5, x, -2.0)),
    (nn.Hardtanh(-2.0, 1.0), lambda x: jnp.clip(x, -2.0, 1.0)),
    (nn.ELU(0.5), lambda x: jax.nn.elu(x, 0.5)),
    (nn.CELU(0.5), lambda x: jax.nn.celu(x, 0.5)),
    (nn.SELU(), jax.nn.selu),
    (nn.GELU(), lambda x: jax.nn.gelu(x, approximate=False)),
    (nn.GELU(approximate=True), jax.nn.gelu),
    (nn.SiLU(), jax.nn.silu),
    (nn.Mish(), jax.nn.mish),
    (nn.Sigmoid(), jax.nn.sigmoid),
    (nn.LogSigmoid(), jax.nn.log_sigmoid),
    (nn.Tanh(), jnp.tanh),
    (nn.Hardsigmoid(), jax.nn.hard_sigmoid),
    (nn.Hardswish(), jax.nn.hard_swish),
    (nn.Hardshrink(0.3), lambda x: F.hard_shrink(x, 0.3)),
    (nn.Softshrink(0.3), lambda x: F.soft_shrink(x, 0.3)),
    (nn.Tanhshrink(), F.tanh_shrink),
    (nn.Softplus(), jax.nn.softplus),
    (nn.Softsign(), jax.nn.soft_sign),
    (nn.SparsePlus(), jax.nn.sparse_plus),
    (nn.SparseSigmoid(), jax.nn.sparse_sigmoid),
    (nn.Softmax(), lambda x: jax.nn.softmax(x, axis=-1)),
    (nn.Softmax(dim=0), lambda x: jax.nn.softmax(x, axis=0)),
    (nn.Softmin(), lambda x: jax.nn.softmax(-x, axis=-1)),
    (nn.LogSoftmax(), lambda x: jax.nn.log_softmax(x, axis=-1)),
    (nn.PReLU(), lambda x: jnp.where(x >= 0, x, 0.25 * x)),
]


@pytest.mark.parametrize("layer, fun", PAIRS, ids=[repr(p[0]).split("(")[0] for p in PAIRS])
def test_layer_equals_function(layer, fun):
    assert isinstance(layer, nn.ElementWiseBlock)
    x = _x()
    np.testing.assert_allclose(layer(x), fun(x), rtol=1e-6, atol=1e-6)


@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))
def test_shapes_are_kept(shape):
    x = _x(shape)
    for layer in (nn.ReLU(), nn.GELU(), nn.Softmax(), nn.PReLU(), nn.Identity()):
        assert layer(x).shape == shape


def test_rrelu_layer():
    bsc.random.seed(0)
    y = nn.RReLU(0.1, 0.2)(-jnp.ones(500))
    assert float(y.max()) <= -0.1 and float(y.min()) >= -0.2
    with pytest.raises(ValueError, match="lower <= upper"):
        nn.RReLU(0.5, 0.1)


def test_hardtanh_needs_ordered_bounds():
    with pytest.raises(ValueError, match="max_val > min_val"):
        nn.Hardtanh(1.0, 0.0)


def test_prelu_is_learnable_per_channel():
    layer = nn.PReLU(3, init=0.1)
    assert isinstance(layer.weight, bsc.ParamState) and layer.weight.value.shape == (3,)
    x = -jnp.ones((2, 3))
    grads = ba.grad(lambda: layer(x).sum(), layer.states())()
    np.testing.assert_allclose(grads[("weight",)], [-2.0, -2.0, -2.0])
    layer.weight.value = jnp.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(layer(x), -np.array([[0.1, 0.2, 0.3]] * 2), rtol=1e-6)
    assert nn.PReLU()(jnp.array(-4.0)).tolist() == -1.0
    with pytest.raises(nn.ShapeError, match="one per channel"):
        layer(jnp.ones((2, 4)))


def test_glu_halves_an_axis():
    glu = nn.GLU(in_size=(6,))
    assert glu.out_size == (3,)
    x = _x((2, 6))
    np.testing.assert_allclose(glu(x), jax.nn.glu(x), rtol=1e-6)
    assert nn.GLU(dim=0)(_x((4, 3))).shape == (2, 3)
    with pytest.raises(nn.ShapeError, match="even size"):
        nn.GLU(in_size=5)


@pytest.mark.parametrize("op", ["add", "and", "iand", "or", "xor", "ixor"])
def test_spike_bitwise_layer(op):
    x, y = jnp.array([0.0, 0.0, 1.0, 1.0]), jnp.array([0.0, 1.0, 0.0, 1.0])
    assert nn.SpikeBitwise(op)(x, y).tolist() == F.spike_bitwise(x, y, op).tolist()


def test_spike_bitwise_default_is_valid():
    assert nn.SpikeBitwise()(jnp.ones(2), jnp.ones(2)).tolist() == [2.0, 2.0]
    with pytest.raises(ValueError, match="op must be one of"):
        nn.SpikeBitwise("nand")


def test_sequential_passes_sizes_through_activations():
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.GLU(in_size=6), nn.Linear.desc(out_size=2))
    assert model.layers[3].in_size == (3,)
    assert model(jnp.ones((5, 4))).shape == (5, 2)


def test_reprs():
    assert repr(nn.ReLU()) == "ReLU()"
    assert "negative_slope=0.2" in repr(nn.LeakyReLU(0.2))
    assert "weight=ParamState(" in repr(nn.PReLU())
    assert nn.ReLU.__module__ == "brainstate_nn"


def test_rrelu_uses_the_mean_slope_when_evaluating():
    layer = nn.RReLU(0.1, 0.3)
    x = -jnp.ones(50)
    with bsc.environ.context(fit=False):
        np.testing.assert_allclose(layer(x), -0.2 * np.ones(50), rtol=1e-6)
    with bsc.environ.context(fit=True):
        y = np.asarray(layer(x))
    assert len(np.unique(y)) > 1 and (y <= -0.1 + 1e-6).all() and (y >= -0.3 - 1e-6).all()
