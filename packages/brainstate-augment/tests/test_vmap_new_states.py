"""vmap_new_states: States created inside get a batch axis (an ensemble from one constructor)."""

import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_augment as ba
import brainstate_compile as bc
import brainstate_core as bsc
import brainstate_graph as graph


class Net(graph.Node):
    def __init__(self, din=3, dout=2):
        self.w = bsc.ParamState(bsc.random.normal(size=(din, dout)))
        self.b = bsc.ParamState(jnp.zeros(dout))
        self.h = bsc.HiddenState(jnp.zeros(dout))

    def __call__(self, x):
        self.h.value = self.h.value * 0.5 + x @ self.w.value + self.b.value
        return self.h.value


def test_ensemble_of_16(assert_concrete):
    bsc.random.seed(0)
    key0 = np.asarray(bsc.random.get_key())
    net = ba.vmap_new_states(Net, axis_size=16, state_tag="ens")()
    assert isinstance(net, Net)
    for s in graph.states(net).values():
        assert s.value.shape[0] == 16 and s.tag == "ens"
    assert_concrete(*graph.states(net).values())
    w = np.asarray(net.w.value)
    assert len({w[i].tobytes() for i in range(16)}) == 16  # distinct initialisations
    assert not np.array_equal(np.asarray(bsc.random.get_key()), key0)
    # the ensemble runs with vmap over the Node, and equals each member run alone
    x = jnp.ones(3)
    out = ba.vmap(lambda n: n(x))(net)
    assert out.shape == (16, 2)
    np.testing.assert_allclose(out[5], x @ w[5], rtol=1e-6)
    np.testing.assert_allclose(net.h.value[5], x @ w[5], rtol=1e-6)
    assert len(graph.states(net, "ens")) == 3


def test_arguments_arrays_out_and_decorator():
    @ba.vmap_new_states(axis_size=4, in_axes=0)
    def build(scale):
        s = bsc.State(jnp.ones(2) * scale)
        return s, scale * 2

    s, doubled = build(jnp.arange(4.0))
    np.testing.assert_array_equal(s.value, jnp.outer(jnp.arange(4.0), jnp.ones(2)))
    np.testing.assert_array_equal(doubled, jnp.arange(4.0) * 2)


def test_existing_states_follow_vmap_rules():
    total = bsc.State(jnp.zeros(()), name="total")

    def build():
        total.value = total.value + 1.0  # unbatched: fine
        return bsc.State(bsc.random.rand())

    s = ba.vmap_new_states(build, axis_size=3)()
    assert s.value.shape == (3,) and float(total.value) == 1.0

    def bad():
        total.value = total.value + bsc.random.rand()

    with pytest.raises(ba.BatchAxisError, match="State 'total'"):
        ba.vmap_new_states(bad, axis_size=3)()
    assert float(total.value) == 1.0


def test_inside_jit():
    @bc.jit
    def f():
        net = ba.vmap_new_states(Net, axis_size=4)()
        return net(jnp.ones(3))

    assert f().shape == (4, 2)


def test_bad_axis_size():
    with pytest.raises(ba.BatchAxisError, match="axis_size"):
        ba.vmap_new_states(Net, axis_size=0)
