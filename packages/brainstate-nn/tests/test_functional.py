"""``brainstate_nn.functional`` against jax.nn / numpy formulas; units; spike logic."""

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, strategies as st

import brainstate_core as bsc
from brainstate_nn import functional as F

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


def _x(shape=(3, 5), seed=0, scale=3.0):
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape) * scale, jnp.float32)


# (ours, reference) for the activations jax.nn defines with the same arguments
JAX_PAIRS = [
    (F.relu, jax.nn.relu),
    (F.relu6, jax.nn.relu6),
    (F.elu, jax.nn.elu),
    (F.celu, jax.nn.celu),
    (F.selu, jax.nn.selu),
    (F.gelu, jax.nn.gelu),
    (F.silu, jax.nn.silu),
    (F.swish, jax.nn.swish),
    (F.sigmoid, jax.nn.sigmoid),
    (F.log_sigmoid, jax.nn.log_sigmoid),
    (F.tanh, jnp.tanh),
    (F.hard_sigmoid, jax.nn.hard_sigmoid),
    (F.hard_silu, jax.nn.hard_silu),
    (F.hard_swish, jax.nn.hard_swish),
    (F.hard_tanh, jax.nn.hard_tanh),
    (F.leaky_relu, jax.nn.leaky_relu),
    (F.softplus, jax.nn.softplus),
    (F.soft_sign, jax.nn.soft_sign),
    (F.squareplus, jax.nn.squareplus),
    (F.sparse_plus, jax.nn.sparse_plus),
    (F.sparse_sigmoid, jax.nn.sparse_sigmoid),
    (F.mish, jax.nn.mish),
    (F.softmax, jax.nn.softmax),
    (F.log_softmax, jax.nn.log_softmax),
    (F.standardize, jax.nn.standardize),
    (F.glu, jax.nn.glu),
    (F.logsumexp, jax.nn.logsumexp),
]


@pytest.mark.parametrize("ours, ref", JAX_PAIRS, ids=[p[0].__name__ for p in JAX_PAIRS])
def test_matches_jax_nn(ours, ref):
    x = _x((3, 6))
    np.testing.assert_allclose(ours(x), ref(x), rtol=1e-6, atol=1e-6)


@given(shape=shapes)
def test_elementwise_shapes(shape):
    x = _x(shape)
    for fun in (F.relu, F.sigmoid, F.gelu, F.mish, F.tanh_shrink, F.soft_shrink, F.prelu):
        assert fun(x).shape == shape


def test_arguments_are_passed_through():
    x = _x()
    np.testing.assert_allclose(F.leaky_relu(x, 0.2), jax.nn.leaky_relu(x, 0.2))
    np.testing.assert_allclose(F.elu(x, 0.5), jax.nn.elu(x, 0.5))
    np.testing.assert_allclose(F.celu(x, 0.5), jax.nn.celu(x, 0.5))
    np.testing.assert_allclose(F.gelu(x, approximate=False), jax.nn.gelu(x, approximate=False))
    np.testing.assert_allclose(F.softmax(x, axis=0), jax.nn.softmax(x, axis=0))
    np.testing.assert_allclose(F.log_softmax(x, axis=None), jax.nn.log_softmax(x, axis=None))
    np.testing.assert_allclose(F.squareplus(x, 2.0), jax.nn.squareplus(x, 2.0))
    np.testing.assert_allclose(F.hard_tanh(x, -2.0, 0.5), np.clip(x, -2.0, 0.5))
    np.testing.assert_allclose(F.logsumexp(x, axis=1), jax.nn.logsumexp(x, axis=1), rtol=1e-6)
    np.testing.assert_allclose(F.glu(_x((4, 3)), axis=0), jax.nn.glu(_x((4, 3)), axis=0))


def test_numpy_formulas():
    x = np.asarray(_x())
    np.testing.assert_allclose(F.softmin(jnp.asarray(x)), jax.nn.softmax(-x), rtol=1e-6)
    np.testing.assert_allclose(F.tanh_shrink(jnp.asarray(x)), x - np.tanh(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        F.soft_shrink(jnp.asarray(x), 0.5),
        np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0.0)),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        F.hard_shrink(jnp.asarray(x), 0.5), np.where(np.abs(x) > 0.5, x, 0.0), rtol=1e-6
    )
    np.testing.assert_allclose(
        F.prelu(jnp.asarray(x), 0.1), np.where(x >= 0, x, 0.1 * x), rtol=1e-6
    )


def test_prelu_with_per_channel_slopes():
    x = _x((4, 3))
    a = jnp.array([0.1, 0.2, 0.3])
    expected = np.where(np.asarray(x) >= 0, x, np.asarray(a)[None] * np.asarray(x))
    np.testing.assert_allclose(F.prelu(x, a), expected, rtol=1e-6)


def test_rrelu_draws_slopes_in_range_and_is_seeded():
    x = -jnp.ones(2000)
    bsc.random.seed(0)
    y = F.rrelu(x)
    assert float(y.max()) <= -1 / 8 and float(y.min()) >= -1 / 3
    assert float(y.std()) > 0.01  # one slope per element
    bsc.random.seed(0)
    np.testing.assert_array_equal(F.rrelu(x), y)
    np.testing.assert_array_equal(F.rrelu(jnp.arange(3.0)), jnp.arange(3.0))


def test_one_hot():
    y = F.one_hot(jnp.array([0, 2, 5]), 3)
    np.testing.assert_array_equal(y, jax.nn.one_hot(jnp.array([0, 2, 5]), 3))
    assert y.dtype == jnp.float32
    assert F.one_hot(jnp.array([1]), 2, dtype=jnp.int32).dtype == jnp.int32


def test_units():
    x = jnp.array([-1.0, 2.0]) * u.mV
    assert F.relu(x).unit == u.mV
    np.testing.assert_allclose(F.relu(x).mantissa, [0.0, 2.0])
    assert F.leaky_relu(x).unit == u.mV
    assert F.prelu(x).unit == u.mV
    assert F.rrelu(x).unit == u.mV
    std = F.standardize(x)
    assert not isinstance(std, u.Quantity)
    np.testing.assert_allclose(std, jax.nn.standardize(jnp.array([-1.0, 2.0])), rtol=1e-6)
    # dimensionless Quantities are plain numbers; dimensioned ones are refused
    np.testing.assert_allclose(F.sigmoid(u.Quantity(jnp.zeros(2))), [0.5, 0.5])
    with pytest.raises(u.UnitMismatchError, match="sigmoid"):
        F.sigmoid(x)
    with pytest.raises(u.UnitMismatchError, match="softmax"):
        F.softmax(x)


def test_grad_through_activations():
    g = jax.grad(lambda x: F.relu(x).sum())(jnp.array([-1.0, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 1.0])
    g = jax.grad(lambda x: F.silu(x).sum())(jnp.array([0.0]))
    np.testing.assert_allclose(g, [0.5])


# -- weight_standardization / clip_grad_norm -------------------------------------------------
def test_weight_standardization_reference():
    w = np.asarray(_x((3, 3, 4, 8)))
    out = np.asarray(F.weight_standardization(jnp.asarray(w), eps=1e-4))
    mean = w.mean(axis=(0, 1, 2), keepdims=True)
    var = w.var(axis=(0, 1, 2), keepdims=True)
    np.testing.assert_allclose(
        out, (w - mean) / np.sqrt(np.maximum(var * 36, 1e-4)), rtol=1e-4, atol=1e-6
    )
    np.testing.assert_allclose(out.var(axis=(0, 1, 2)), np.full(8, 1 / 36), rtol=1e-3)
    gain = jnp.full((1, 1, 1, 8), 2.0)
    np.testing.assert_allclose(
        F.weight_standardization(jnp.asarray(w), gain=gain), 2 * out, rtol=1e-5
    )


def test_weight_standardization_other_axis_and_units():
    w = _x((5, 4))
    a = F.weight_standardization(w, out_axis=0)
    b = F.weight_standardization(w.T).T
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    q = F.weight_standardization(w * u.mV)
    assert not isinstance(q, u.Quantity)
    np.testing.assert_allclose(q, F.weight_standardization(w), rtol=1e-6)


@pytest.mark.parametrize("norm_type, norm", [(None, 13.0), (2, 13.0), (1, 19.0), ("inf", 12.0)])
def test_clip_grad_norm(norm_type, norm):
    g = {"a": jnp.array([3.0, 4.0]), "b": (jnp.array([12.0]),)}
    clipped = F.clip_grad_norm(g, 1.0, norm_type)
    scale = 1.0 / (norm + 1e-6)
    np.testing.assert_allclose(clipped["a"], np.array([3.0, 4.0]) * scale, rtol=1e-5)
    np.testing.assert_allclose(clipped["b"][0], np.array([12.0]) * scale, rtol=1e-5)
    same = F.clip_grad_norm(g, 100.0, norm_type)
    np.testing.assert_array_equal(same["a"], g["a"])
    assert F.clip_grad_norm({}, 1.0) == {}


def test_clip_grad_norm_under_jit():
    clipped = jax.jit(lambda g: F.clip_grad_norm(g, 1.0))([jnp.array([3.0, 4.0])])
    np.testing.assert_allclose(jnp.linalg.norm(clipped[0]), 1.0, rtol=1e-5)


# -- spikes ----------------------------------------------------------------------------------
BITS = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
TRUTH = {
    "or": lambda a, b: a | b,
    "and": lambda a, b: a & b,
    "iand": lambda a, b: (not a) & b,
    "xor": lambda a, b: a ^ b,
    "ixor": lambda a, b: a ^ b,
    "add": lambda a, b: int(a) + int(b),
}


@pytest.mark.parametrize("op", sorted(TRUTH))
def test_spike_bitwise_truth_tables(op):
    x = jnp.array([a for a, _ in BITS])
    y = jnp.array([b for _, b in BITS])
    expected = [float(TRUTH[op](bool(a), bool(b))) for a, b in BITS]
    assert F.spike_bitwise(x, y, op).tolist() == expected
    if op != "add":
        assert getattr(F, f"spike_bitwise_{op}")(x, y).tolist() == expected


def test_spike_bitwise_not_and_errors():
    assert F.spike_bitwise_not(jnp.array([0.0, 1.0])).tolist() == [1.0, 0.0]
    with pytest.raises(ValueError, match="op must be one of"):
        F.spike_bitwise(jnp.ones(1), jnp.ones(1), "nand")


def test_public_homes():
    for name in F.__all__:
        assert getattr(F, name).__module__ == "brainstate_nn.functional", name
