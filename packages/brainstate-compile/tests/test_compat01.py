"""Code written for brainstate 0.1 keeps working: its keyword names and its
``StatefulFunction``/``jit`` workflows (each test failed before the compatibility layer)."""

import jax.numpy as jnp
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
