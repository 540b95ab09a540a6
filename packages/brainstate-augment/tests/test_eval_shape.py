"""eval_shape / abstract_init: models built abstractly, no State from before touched."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_augment as ba
import brainstate_core as bsc
import brainstate_graph as bg
from brainstate_core import random


class Net(bg.Node):
    def __init__(self, n_in, n_out, counter=None):
        self.w = bsc.ParamState(random.normal(size=(n_in, n_out)))
        self.b = bsc.ParamState(jnp.zeros(n_out))
        self.h = bsc.HiddenState(jnp.zeros(n_out))
        self.label = f"net{n_in}x{n_out}"
        if counter is not None:
            counter.value = counter.value + 1


def test_a_whole_model_with_shape_dtype_structs():
    key_before = np.asarray(random.DEFAULT.value)
    counter = bsc.State(jnp.array(0))
    net = ba.eval_shape(Net, 1000, 300, counter)
    assert isinstance(net, Net) and net.label == "net1000x300"
    for s, shape in [(net.w, (1000, 300)), (net.b, (300,)), (net.h, (300,))]:
        assert s.value == jax.ShapeDtypeStruct(shape, jnp.float32)
    states = bg.states(net)
    assert len(states) == 3
    # States from before the call are left as they were; the random key is not consumed
    assert int(counter.value) == 0
    np.testing.assert_array_equal(random.DEFAULT.value, key_before)
    total = sum(int(np.prod(s.value.shape)) for s in states.values())
    assert total == 1000 * 300 + 600


def test_arrays_in_and_out_become_shape_dtype_structs():
    x = jax.ShapeDtypeStruct((4, 3), jnp.float32)
    out = ba.abstract_init(lambda a, k: {"y": jnp.tile(a, (1, k)), "k": k}, x, 2)
    assert out == {"y": jax.ShapeDtypeStruct((4, 6), jnp.float32), "k": 2}
    out = ba.eval_shape(lambda a: a.sum(0), jnp.ones((5, 2)))
    assert out == jax.ShapeDtypeStruct((2,), jnp.float32)


def test_existing_state_written_inside_is_restored():
    s = bsc.State(jnp.array(1.0))

    def f():
        s.value = s.value + 10.0
        return s.value

    out = ba.eval_shape(f)
    assert (out.shape, out.dtype) == ((), jnp.float32)
    assert float(s.value) == 1.0


def test_error_inside_leaves_states_alone():
    s = bsc.State(jnp.array(1.0))

    def f():
        s.value = s.value * 2
        raise ValueError("bad model")

    with pytest.raises(ValueError, match="bad model"):
        ba.eval_shape(f)
    assert float(s.value) == 1.0
