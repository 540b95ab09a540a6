"""bst.event.FixedProb composed with the rest of brainstate: the seed example, for_loop, grad."""

import jax
import jax.numpy as jnp
import numpy as np

import brainstate as bst


def dense_of(fp):
    idx = np.asarray(fp.indices)
    w = np.broadcast_to(np.asarray(fp.weight.value, np.float64), idx.shape)
    dense = np.zeros((fp.n_pre, fp.n_post))
    np.add.at(dense, (np.repeat(np.arange(fp.n_pre), fp.n_conn), idx.ravel()), w.ravel())
    return dense


def test_seed_example_runs_unchanged():
    pre_spikes = bst.random.rand(10000) < 0.01
    dense_w = (bst.random.rand(10000, 1000) < 0.01).astype(float)
    fp = jax.jit(bst.event.FixedProb(10000, 1000, 0.01, 1.0))
    assert jnp.dot(pre_spikes, dense_w).shape == fp(pre_spikes).shape == (1000,)
    assert float(fp(pre_spikes).sum()) == float(pre_spikes.sum()) * 10


def test_for_loop_over_spike_vectors_matches_dense():
    fp = bst.event.FixedProb(500, 200, 0.05, 0.5, seed=0)
    acc = bst.State(jnp.zeros(200))
    spikes = jnp.asarray(np.random.default_rng(0).random((30, 500)) < 0.05)

    def step(s):
        acc.value = acc.value + fp(s)
        return acc.value.sum()

    sums = bst.compile.for_loop(step, spikes)
    ref = np.asarray(spikes, np.float64) @ dense_of(fp)
    np.testing.assert_allclose(acc.value, ref.sum(0), rtol=1e-5)
    np.testing.assert_allclose(sums, np.cumsum(ref.sum(1)), rtol=1e-5)


def test_augment_grad_over_the_weight_state():
    fp = bst.event.FixedProb(100, 40, 0.1, jnp.ones((100, 4)), seed=1)
    spikes = jnp.asarray(np.random.default_rng(1).random(100) < 0.3)
    target = jnp.linspace(0, 1, 40)

    def loss():
        return ((fp(spikes) - target) ** 2).sum()

    grads = bst.augment.grad(loss, grad_states=fp.weight)()
    dense_mask = jnp.zeros((100, 40)).at[jnp.arange(100)[:, None], fp.indices]

    def ref(w):
        out = spikes.astype(jnp.float32) @ dense_mask.add(w)
        return ((out - target) ** 2).sum()

    np.testing.assert_allclose(grads, jax.grad(ref)(fp.weight.value), rtol=1e-5, atol=1e-5)
