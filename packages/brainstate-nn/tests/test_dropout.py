"""Dropout layers: prob is the KEEP probability (statistics), eval identity, fit, jit, vmap."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_augment as ba
import brainstate_compile as bc
import brainstate_core as bsc
import brainstate_nn as nn
from brainstate_core import environ

ALPHA_PRIME = -1.0507009873554805 * 1.6732632423543772  # SELU: -scale * alpha


@pytest.fixture(autouse=True)
def _seeded():
    """A fixed seed for each test; the default generator's key is restored afterwards."""
    key = bsc.random.get_key()
    bsc.random.seed(42)
    yield
    bsc.random.set_key(key)


def within(fraction, prob, n, sigmas=5.0):
    """``fraction`` of n Bernoulli(prob) trials is within ``sigmas`` standard errors."""
    return abs(fraction - prob) <= sigmas * np.sqrt(prob * (1 - prob) / n) + 1e-12


@pytest.mark.parametrize("prob", [0.1, 0.5, 0.8])
def test_dropout_prob_is_the_keep_probability(prob):
    n = 40000
    x = jnp.asarray(np.random.default_rng(0).uniform(1.0, 2.0, n), jnp.float32)
    with environ.context(fit=True):
        y = np.asarray(nn.Dropout(prob)(x))
    kept = y != 0
    assert within(kept.mean(), prob, n)  # fraction kept ~ prob
    np.testing.assert_allclose(y[kept], np.asarray(x)[kept] / prob, rtol=1e-6)  # scaled by 1/prob
    # the scaling keeps the mean: E[y] = E[x]
    assert abs(y.mean() - float(x.mean())) < 5 * y.std() / np.sqrt(n)


def test_eval_is_identity_and_prob_one_is_identity():
    x = jnp.arange(6.0).reshape(2, 3)
    for layer in [
        nn.Dropout(0.5),
        nn.Dropout1d(0.5),
        nn.AlphaDropout(0.5),
        nn.FeatureAlphaDropout(0.5),
        nn.DropoutFixed(3, 0.5),
    ]:
        with environ.context(fit=False):
            np.testing.assert_array_equal(layer(x), x)
    with environ.context(fit=True):
        np.testing.assert_array_equal(nn.Dropout(1.0)(x), x)


@pytest.mark.parametrize(
    "layer",
    [nn.Dropout(0.5, name="d"), nn.Dropout2d(0.5, name="d"), nn.AlphaDropout(0.5, name="d")],
    ids=lambda layer: type(layer).__name__,
)
def test_fit_unset_error_says_how_to_set_it(layer):
    with pytest.raises(bsc.EnvironError) as info:
        layer(jnp.ones((2, 3, 4, 5)))
    msg = str(info.value)
    assert f"{type(layer).__name__}('d')" in msg
    assert "bst.environ.context(fit=True)" in msg and "bst.environ.set(fit=" in msg


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5, "x"])
def test_prob_range(bad):
    with pytest.raises(ValueError, match="KEEP"):
        nn.Dropout(bad)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_channel_dropout_masks_whole_channels(n):
    cls = {1: nn.Dropout1d, 2: nn.Dropout2d, 3: nn.Dropout3d}[n]
    spatial = (3,) * n
    x = jnp.ones((64, *spatial, 32))
    with environ.context(fit=True):
        y = np.asarray(cls(0.7)(x))
    per_channel = y.reshape(64, -1, 32)
    assert np.all(per_channel == per_channel[:, :1, :])  # constant over spatial positions
    kept = per_channel[:, 0, :] != 0
    assert within(kept.mean(), 0.7, kept.size)
    np.testing.assert_allclose(y[y != 0], 1 / 0.7, rtol=1e-6)
    # different samples get different masks
    assert not np.all(kept == kept[:1])
    # unbatched input: one mask entry per channel
    with environ.context(fit=True):
        y1 = np.asarray(cls(0.5)(jnp.ones((*spatial, 32)))).reshape(-1, 32)
    assert np.all(y1 == y1[:1])


def test_channel_dropout_channel_axis_and_bad_shape():
    with environ.context(fit=True):
        y = np.asarray(nn.Dropout2d(0.5, channel_axis=0)(jnp.ones((8, 16, 4, 4))))
    assert np.all(y == y[:, :, :1, :1])
    with pytest.raises(nn.ShapeError, match=r"Dropout2d.*3 axes.*4.*\(2, 3\)"):
        with environ.context(fit=True):
            nn.Dropout2d()(jnp.ones((2, 3)))
    with pytest.raises(ValueError, match="channel_axis"):
        nn.Dropout1d(channel_axis=2)


def test_dropout_fixed_keeps_its_mask_until_reset():
    drop = nn.DropoutFixed((20,), prob=0.6, name="fixed")
    with environ.context(fit=True):
        with pytest.raises(nn.ShapeError, match=r"DropoutFixed\('fixed'\) has no mask.*init_state"):
            drop(jnp.ones((4, 20)))
    nn.init_all_states(drop, batch_size=4)
    assert drop.mask.value.shape == (4, 20) and type(drop.mask) is bsc.ShortTermState
    with environ.context(fit=True):
        y1, y2 = drop(jnp.ones((4, 20))), drop(jnp.ones((4, 20)))
        np.testing.assert_array_equal(y1, y2)
        np.testing.assert_allclose(y1[y1 != 0], 1 / 0.6, rtol=1e-6)
        nn.reset_all_states(drop)
        assert drop.mask.value.shape == (4, 20)
        y3 = drop(jnp.ones((4, 20)))
        assert not np.array_equal(y1, y3)
        with pytest.raises(nn.ShapeError, match=r"mask's shape \(4, 20\).*\(3, 20\)"):
            drop(jnp.ones((3, 20)))
    big = nn.DropoutFixed(1000, prob=0.3)
    big.init_state()
    assert within(float(big.mask.value.mean()), 0.3, 1000)


def test_alpha_dropout_keeps_zero_mean_unit_variance():
    prob = 0.7
    x = jax.random.normal(jax.random.key(1), (200000,))
    with environ.context(fit=True):
        y = np.asarray(nn.AlphaDropout(prob)(x))
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1.0) < 0.02
    a = (prob + ALPHA_PRIME**2 * prob * (1 - prob)) ** -0.5
    b = -a * ALPHA_PRIME * (1 - prob)
    dropped = np.isclose(y, a * ALPHA_PRIME + b)
    assert within(1 - dropped.mean(), prob, y.size)
    np.testing.assert_allclose(y[~dropped], a * np.asarray(x)[~dropped] + b, rtol=1e-5, atol=1e-6)


def test_feature_alpha_dropout_masks_per_sample_and_channel():
    with environ.context(fit=True):
        y = np.asarray(nn.FeatureAlphaDropout(0.5)(jnp.zeros((16, 4, 4, 8))))
    assert np.all(y == y[:, :1, :1, :])
    assert len(np.unique(y)) == 2
    with pytest.raises(nn.ShapeError, match="batched"):
        with environ.context(fit=True):
            nn.FeatureAlphaDropout()(jnp.zeros(5))


def test_gradient_flows_through_kept_values():
    drop = nn.Dropout(0.5)
    x = jnp.linspace(1.0, 2.0, 100)

    def f(x):
        with environ.context(fit=True):
            return jnp.sum(drop(x))

    bsc.random.seed(3)
    g = ba.grad(f, argnums=0)(x)
    bsc.random.seed(3)
    with environ.context(fit=True):
        mask = np.asarray(drop(x)) != 0
    np.testing.assert_allclose(g, mask / 0.5, rtol=1e-6)


def test_masks_change_between_jitted_calls_and_differ_across_vmap_lanes():
    drop = nn.Dropout(0.5)

    @bc.jit
    def step(x):
        with environ.context(fit=True):
            return drop(x)

    x = jnp.ones(200)
    assert not np.array_equal(step(x), step(x))  # the default key advances as a State

    def lane(x):
        with environ.context(fit=True):
            return drop(x)

    ys = np.asarray(ba.vmap(lane)(jnp.ones((4, 200))))
    assert all(not np.array_equal(ys[0], ys[i]) for i in range(1, 4))
    assert within((ys != 0).mean(), 0.5, ys.size)
