"""Normalization layers against numpy; batch norm's fit handling, running stats, jit/vmap/grad."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_augment as ba
import brainstate_compile as bc
import brainstate_core as bsc
import brainstate_nn as nn
from brainstate_core import environ

BN = {0: nn.BatchNorm0d, 1: nn.BatchNorm1d, 2: nn.BatchNorm2d, 3: nn.BatchNorm3d}


def rand(shape, seed=0, scale=3.0, shift=1.0):
    return np.asarray(jax.random.normal(jax.random.key(seed), shape) * scale + shift, np.float32)


def np_norm(x, axes, eps):
    x = x.astype(np.float64)
    mean = x.mean(axes, keepdims=True)
    var = x.var(axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps), mean, var


# -- batch norm ------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_batchnorm_training_and_eval_match_numpy(n):
    in_size = (*(5, 4, 3)[:n], 6)
    bn = BN[n](in_size, momentum=0.9, epsilon=1e-3)
    bn.weight.value = {"scale": jnp.full(bn.weight.value["scale"].shape, 2.0),
                       "bias": jnp.full(bn.weight.value["bias"].shape, 0.5)}  # fmt: skip
    x = rand((8, *in_size))
    axes = tuple(range(n + 1))
    with environ.context(fit=True):
        y = bn(x)
    expected, mean, var = np_norm(x, axes, 1e-3)
    np.testing.assert_allclose(y, expected * 2.0 + 0.5, rtol=1e-4, atol=1e-4)
    # running statistics: momentum weighs the old value, biased variance
    feature_shape = (1,) * n + (6,)
    assert bn.running_mean.value.shape == feature_shape
    np.testing.assert_allclose(bn.running_mean.value, 0.1 * mean.reshape(feature_shape), rtol=1e-4)
    np.testing.assert_allclose(
        bn.running_var.value, 0.9 + 0.1 * var.reshape(feature_shape), rtol=1e-4
    )
    # evaluation uses (and keeps) the running statistics
    rm, rv = np.asarray(bn.running_mean.value), np.asarray(bn.running_var.value)
    with environ.context(fit=False):
        y_eval = bn(x)
    np.testing.assert_allclose(
        y_eval, (x - rm[None]) / np.sqrt(rv[None] + 1e-3) * 2.0 + 0.5, rtol=1e-4, atol=1e-4
    )
    np.testing.assert_array_equal(bn.running_mean.value, rm)


def test_batchnorm_state_types_and_layout():
    bn = nn.BatchNorm2d((4, 4, 3))
    assert type(bn.running_mean) is bsc.BatchState and type(bn.running_var) is bsc.BatchState
    assert isinstance(bn.weight, bsc.ParamState)
    assert set(bn.weight.value) == {"scale", "bias"}
    assert set(bn.states(bsc.BatchState)) == {("running_mean",), ("running_var",)}
    assert bn.momentum == 0.99 and bn.epsilon == 1e-5  # brainstate 0.1's defaults
    bare = nn.BatchNorm1d((4, 3), affine=False, track_running_stats=False)
    assert bare.weight is None and bare.running_mean is None


def test_batchnorm_unbatched_feature_axes_and_no_tracking():
    # unbatched: statistics over the spatial axes of the one sample
    bn = nn.BatchNorm1d((10, 3), track_running_stats=False, affine=False)
    x = rand((10, 3))
    np.testing.assert_allclose(bn(x), np_norm(x, (0,), 1e-5)[0], rtol=1e-4, atol=1e-4)
    # several feature axes: statistics per (h, c) over batch and w
    bn = nn.BatchNorm2d((4, 5, 3), feature_axis=(0, 2), track_running_stats=False)
    x = rand((6, 4, 5, 3))
    np.testing.assert_allclose(bn(x), np_norm(x, (0, 2), 1e-5)[0], rtol=1e-4, atol=1e-4)
    assert bn.weight.value["scale"].shape == (4, 1, 3)


def test_fit_unset_error_names_layer_and_fix_and_changes_nothing():
    bn = nn.BatchNorm1d((5, 3), name="bn1")
    before = np.asarray(bn.running_mean.value)
    with pytest.raises(bsc.EnvironError) as info:
        bn(rand((4, 5, 3)))
    msg = str(info.value)
    assert "BatchNorm1d('bn1')" in msg and "'fit'" in msg
    assert "bst.environ.context(fit=True)" in msg and "bst.environ.set(fit=" in msg
    np.testing.assert_array_equal(bn.running_mean.value, before)
    # without running statistics, fit is not needed
    nn.BatchNorm1d((5, 3), track_running_stats=False)(rand((4, 5, 3)))


def test_batchnorm_bad_shapes():
    bn = nn.BatchNorm2d((4, 4, 3), name="bn")
    with pytest.raises(
        nn.ShapeError, match=r"BatchNorm2d\('bn'\).*\(batch, 4, 4, 3\).*\(2, 4, 4, 2\)"
    ):
        with environ.context(fit=True):
            bn(jnp.ones((2, 4, 4, 2)))
    with pytest.raises(nn.ShapeError, match=r"got an input of shape \(1, 2, 4, 4, 3\)"):
        with environ.context(fit=True):
            bn(jnp.ones((1, 2, 4, 4, 3)))
    with pytest.raises(nn.ShapeError, match="in_size must have 3 axes"):
        nn.BatchNorm2d((4, 3))
    with pytest.raises(nn.ShapeError, match="feature_axis"):
        nn.BatchNorm1d((4, 3), feature_axis=2)


def test_batchnorm_under_jit_train_then_eval():
    bn_eager = nn.BatchNorm1d((5, 3), momentum=0.5)
    bn_jit = nn.BatchNorm1d((5, 3), momentum=0.5)
    xs = [rand((4, 5, 3), seed=i) for i in range(3)]

    @bc.jit
    def train(x):
        with environ.context(fit=True):
            return bn_jit(x)

    @bc.jit
    def evaluate(x):
        with environ.context(fit=False):
            return bn_jit(x)

    for x in xs:
        with environ.context(fit=True):
            y_eager = bn_eager(x)
        np.testing.assert_allclose(train(x), y_eager, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(bn_jit.running_mean.value, bn_eager.running_mean.value, rtol=1e-5)
    np.testing.assert_allclose(bn_jit.running_var.value, bn_eager.running_var.value, rtol=1e-5)
    with environ.context(fit=False):
        np.testing.assert_allclose(evaluate(xs[0]), bn_eager(xs[0]), rtol=1e-5, atol=1e-5)


def test_batchnorm_under_vmap_with_axis_name_matches_batched_call():
    bn_lanes = nn.BatchNorm1d((5, 3), axis_name="batch", momentum=0.8)
    bn_whole = nn.BatchNorm1d((5, 3), momentum=0.8)
    x = rand((4, 5, 3))

    def one_sample(xi):
        with environ.context(fit=True):
            return bn_lanes(xi)

    y = ba.vmap(one_sample, axis_name="batch")(x)
    with environ.context(fit=True):
        expected = bn_whole(x)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)
    # every lane wrote the same statistics: they come back unbatched
    assert bn_lanes.running_mean.value.shape == (1, 3)
    np.testing.assert_allclose(bn_lanes.running_mean.value, bn_whole.running_mean.value, rtol=1e-5)
    np.testing.assert_allclose(bn_lanes.running_var.value, bn_whole.running_var.value, rtol=1e-5)


def test_batchnorm_gradients_match_reference():
    bn = nn.BatchNorm2d((3, 3, 2), track_running_stats=True)
    x = rand((4, 3, 3, 2))
    target = rand((4, 3, 3, 2), seed=1)

    def loss():
        with environ.context(fit=True):
            return jnp.mean((bn(x) - target) ** 2)

    grads = ba.grad(loss, bn.states(bsc.ParamState))()[("weight",)]

    def ref(p):
        mean = jnp.mean(x, (0, 1, 2), keepdims=True)
        var = jnp.mean((x - mean) ** 2, (0, 1, 2), keepdims=True)
        y = (x - mean) / jnp.sqrt(var + 1e-5) * p["scale"][None] + p["bias"][None]
        return jnp.mean((y - target) ** 2)

    expected = jax.grad(ref)(bn.weight.value)
    for k in ("scale", "bias"):
        np.testing.assert_allclose(grads[k], expected[k], rtol=1e-4, atol=1e-6)
    # and the running statistics were written by the differentiated call
    assert float(jnp.abs(bn.running_mean.value).sum()) > 0


# -- layer / RMS / group norm --------------------------------------------------------------
@pytest.mark.parametrize("lead", [(), (3,), (2, 3)])
def test_layernorm_matches_numpy(lead):
    ln = nn.LayerNorm((4, 6), reduction_axes=(-2, -1), feature_axes=-1)
    ln.weight.value = {"scale": jnp.arange(1.0, 7.0).reshape(1, 6), "bias": jnp.ones((1, 6))}
    x = rand((*lead, 4, 6))
    axes = (len(lead), len(lead) + 1)
    expected = np_norm(x, axes, 1e-5)[0] * np.arange(1.0, 7.0) + 1.0
    np.testing.assert_allclose(ln(x), expected, rtol=1e-4, atol=1e-4)
    assert ln.out_size == (4, 6)


def test_layernorm_default_last_axis_and_grad():
    ln = nn.LayerNorm(8)
    x = rand((5, 8))
    np.testing.assert_allclose(ln(x), np_norm(x, (1,), 1e-5)[0], rtol=1e-4, atol=1e-4)
    g = jax.grad(lambda x: jnp.sum(ln(x) ** 3))(jnp.asarray(x))
    eps, d = 1e-2, rand((5, 8), seed=3, scale=1.0, shift=0.0)
    f = lambda x: float(jnp.sum(ln(jnp.asarray(x, jnp.float32)) ** 3))
    fd = (f(x + eps * d) - f(x - eps * d)) / (2 * eps)
    np.testing.assert_allclose(float(jnp.sum(g * d)), fd, rtol=5e-2)
    bare = nn.LayerNorm(8, use_scale=False, use_bias=False)
    assert bare.weight is None


def test_rmsnorm_matches_numpy():
    rms = nn.RMSNorm((3, 5), epsilon=1e-6)
    assert set(rms.weight.value) == {"scale"} and rms.weight.value["scale"].shape == (1, 5)
    x = rand((4, 3, 5))
    expected = x / np.sqrt((x.astype(np.float64) ** 2).mean(-1, keepdims=True) + 1e-6)
    np.testing.assert_allclose(rms(x), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("groups", [1, 2, 6])
def test_groupnorm_matches_numpy(groups):
    gn = nn.GroupNorm((4, 5, 6), num_groups=groups)
    x = rand((3, 4, 5, 6))
    xg = x.reshape(3, 4, 5, groups, 6 // groups)
    expected = np_norm(xg, (1, 2, 4), 1e-5)[0].reshape(x.shape)
    np.testing.assert_allclose(gn(x), expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gn(x[0]), expected[0], rtol=1e-4, atol=1e-4)
    assert gn.weight.value["scale"].shape == (1, 1, 6)


def test_groupnorm_channel_first_and_group_size():
    gn = nn.GroupNorm((6, 4, 5), num_groups=None, group_size=3, feature_axis=0)
    assert gn.num_groups == 2
    x = rand((2, 6, 4, 5))
    xg = x.reshape(2, 2, 3, 4, 5)
    expected = np_norm(xg, (2, 3, 4), 1e-5)[0].reshape(x.shape)
    np.testing.assert_allclose(gn(x), expected, rtol=1e-4, atol=1e-4)


def test_per_sample_norm_errors():
    with pytest.raises(nn.ShapeError, match="num_groups=4 must be a positive divisor of the 6"):
        nn.GroupNorm((5, 6), num_groups=4)
    with pytest.raises(ValueError, match="exactly one of num_groups and group_size"):
        nn.GroupNorm((5, 6), num_groups=2, group_size=3)
    ln = nn.LayerNorm((4, 6), name="ln")
    with pytest.raises(nn.ShapeError, match=r"LayerNorm\('ln'\).*\(\.\.\., 4, 6\).*\(3, 6, 4\)"):
        ln(jnp.ones((3, 6, 4)))
    with pytest.raises(nn.ShapeError, match=r"RMSNorm.*\(2, 5\)"):
        nn.RMSNorm(4)(jnp.ones((2, 5)))
    with pytest.raises(nn.ShapeError, match="reduction_axes"):
        nn.LayerNorm(4, reduction_axes=1)


def test_half_precision_inputs_keep_their_dtype():
    x = jnp.asarray(rand((4, 8)), jnp.bfloat16)
    ln = nn.LayerNorm(8, dtype=jnp.bfloat16)
    assert ln(x).dtype == jnp.bfloat16
    assert nn.LayerNorm(8)(x).dtype == jnp.float32  # float32 parameters promote
