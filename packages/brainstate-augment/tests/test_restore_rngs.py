"""restore_rngs: the keys of the given RandomStates are put back after the call."""

import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_augment as ba
import brainstate_core as bsc


def test_default_rng_restored():
    bsc.random.seed(5)
    key = np.asarray(bsc.random.get_key())

    @ba.restore_rngs
    def draw():
        return bsc.random.rand(3)

    a, b = draw(), draw()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(bsc.random.get_key(), key)


def test_several_rngs_and_restore_on_error():
    r1, r2 = bsc.random.RandomState(1), bsc.random.RandomState(2)
    k1, k2 = np.asarray(r1.value), np.asarray(r2.value)

    @ba.restore_rngs(rngs=[r1, r2])
    def boom():
        r1.random()
        r2.random()
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        boom()
    np.testing.assert_array_equal(r1.value, k1)
    np.testing.assert_array_equal(r2.value, k2)


def test_other_rng_untouched_and_bad_input():
    r = bsc.random.RandomState(0)
    ba.restore_rngs(lambda: r.random(), rngs=bsc.random.DEFAULT)()
    assert not np.array_equal(r.value, np.array([0, 0], np.uint32))
    with pytest.raises(TypeError, match="RandomState"):
        ba.restore_rngs(lambda: None, rngs=[bsc.State(jnp.zeros(2))])
