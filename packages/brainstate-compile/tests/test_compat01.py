"""Code written for brainstate 0.1 keeps working: its keyword names and its
``StatefulFunction``/``jit`` workflows (each test failed before the compatibility layer)."""

import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_compile as bc
import brainstate_core as bsc

# -- jit(abstracted_axes=...) ------------------------------------------------------------------


def test_jit_accepts_abstracted_axes_none():
    s = bsc.State(jnp.zeros(()))

    def f(x):
        s.value += x
        return x + 1

    assert float(bc.jit(f, abstracted_axes=None)(1.0)) == 2.0
    assert float(bc.jit(abstracted_axes=None)(f)(2.0)) == 3.0
    assert float(s.value) == 3.0


def test_jit_abstracted_axes_value_is_a_clear_error():
    with pytest.raises(ValueError, match=r"jit\(.*\): abstracted_axes must be None, got \('n',\)"):
        bc.jit(lambda x: x, abstracted_axes=("n",))


# -- StatefulFunction: 0.1's make_jaxpr-then-getters workflow -----------------------------------


def _sf_model():
    s = bsc.State(jnp.ones(2), name="s")
    r = bsc.State(jnp.full(2, 3.0), name="r")

    def f(x):
        s.value = s.value * x + r.value
        return s.value.sum()

    return f, s, r


def test_getters_without_arguments_describe_the_latest_make_jaxpr():
    f, s, r = _sf_model()
    sf = bc.StatefulFunction(f)
    assert sf.make_jaxpr(2.0) is sf
    assert sf.get_jaxpr() is sf.get_jaxpr(2.0)
    assert sf.get_states() == [s, r]
    assert sf.get_write_states() == [s] and sf.get_read_states() == [r]
    assert sf.get_out_shapes().shape == ()
    sf.make_jaxpr(jnp.ones(2))  # another signature: now the latest
    assert sf.get_jaxpr() is sf.get_jaxpr(jnp.ones(2)) and sf.get_jaxpr() is not sf.get_jaxpr(2.0)


def test_getters_take_a_cache_key():
    f, s, r = _sf_model()
    sf = bc.StatefulFunction(f)
    key = sf.get_arg_cache_key(2.0)
    assert key == sf.get_arg_cache_key(3.0)  # same shapes and dtypes: same trace
    hash(key)
    with pytest.raises(ValueError, match=r"no trace is cached for that cache key.*make_jaxpr"):
        sf.get_jaxpr(key)
    sf.make_jaxpr(2.0)
    assert sf.get_jaxpr(key) is sf.get_jaxpr(2.0)
    assert sf.get_states(key) == [s, r] and sf.get_write_states(key) == [s]
    sf.clear_cache()
    with pytest.raises(ValueError, match="no trace is cached"):
        sf.get_states(key)
    with pytest.raises(ValueError, match="no trace is cached for the latest arguments"):
        sf.make_jaxpr(2.0).clear_cache() or sf.get_states()


def test_compile_function_and_get_states_jaxpr_call_and_auto():
    f, s, r = _sf_model()
    sf = bc.StatefulFunction(f)
    assert sf.compile_function_and_get_states(2.0) == [s, r]
    new_values, out = sf.jaxpr_call([st.value for st in sf.get_states()], 2.0)
    assert float(out) == 10.0 and new_values[0].tolist() == [5.0, 5.0]
    assert s.value.tolist() == [1.0, 1.0]  # jaxpr_call touches no State
    assert float(sf.jaxpr_call_auto(2.0)) == 10.0
    assert s.value.tolist() == [5.0, 5.0]


def test_a_function_without_arguments_is_traced_by_the_bare_getters():
    s = bsc.State(jnp.zeros(()))

    def g():
        s.value += 1.0

    sf = bc.StatefulFunction(g)
    assert sf.get_write_states() == [s]


# -- JittedFunction: 0.1's attributes -----------------------------------------------------------


def test_jitted_function_attributes_of_01():
    s = bsc.State(jnp.zeros(2), name="s")

    def f(x, n):
        s.value += x
        return jnp.tile(s.value, n)

    jf = bc.jit(f, static_argnums=1)
    assert jf.origin_fun is f
    assert jf.jitted_fun is jf._jitted
    assert jf.stateful_fun.get_write_states(1.0, 3) == [s]
    out = jf.eval_shape(jnp.ones(2), 3)
    assert out.shape == (6,) and out.dtype == jnp.float32
    assert s.value.tolist() == [0.0, 0.0]  # eval_shape changes no State
    np.testing.assert_array_equal(jf(jnp.ones(2), 2), np.ones(4))
    sf = jf.stateful_fun
    jf.clear_cache()
    assert jf.stateful_fun is not sf


def test_jitted_method_has_the_attributes():
    class Model:
        def __init__(self):
            self.s = bsc.State(jnp.zeros(()))

        @bc.jit
        def step(self, x):
            self.s.value += x
            return self.s.value * 2

    m = Model()
    assert m.step.eval_shape(1.0).shape == ()
    assert m.step.stateful_fun.get_write_states(1.0) == [m.s]
    assert float(m.step(1.0)) == 2.0
