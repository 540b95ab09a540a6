"""The three compilation examples of the brainstate key-concepts guide, verbatim in spirit."""

import jax
import jax.numpy as jnp
import pytest

import brainstate_compile as bc
import brainstate_core as bsc

_PRINTED = [
    "b = 1.0, c = 1.0",
    "b = 3.0, c = 2.0",
    "b = 6.0, c = 3.0",
    "b = 10.0, c = 4.0",
    "b = 15.0, c = 5.0",
    "b = 21.0, c = 6.0",
    "b = 28.0, c = 7.0",
    "b = 36.0, c = 8.0",
    "b = 45.0, c = 9.0",
    "b = 55.0, c = 10.0",
]


def _example_1():
    a = bsc.State(1.0)

    def add(i):
        a.value += 1.0

    bc.for_loop(add, jnp.arange(10))
    return a


def _example_2(debug_print=False):
    b = bsc.State(0.0)

    def add(i):
        c = bsc.State(0.0)

        def cond(j):
            return j <= i

        def body(j):
            c.value += 1.0
            return j + 1

        bc.while_loop(cond, body, 0.0)

        b.value += c.value
        if debug_print:
            jax.debug.print("b = {b}, c = {c}", b=b.value, c=c.value)

    bc.for_loop(add, jnp.arange(10))
    return b


@pytest.mark.parametrize("disable_jit", [False, True])
def test_for_loop_increments_a_state(disable_jit, assert_concrete):
    with jax.disable_jit(disable_jit):
        a = _example_1()
    assert str(a.value) == "11.0"
    assert isinstance(a.value, jax.Array)
    assert_concrete(a)


@pytest.mark.parametrize("disable_jit", [False, True])
def test_nested_while_loop_with_a_local_state(disable_jit, assert_concrete):
    with jax.disable_jit(disable_jit):
        b = _example_2()
    assert str(b.value) == "55.0"
    assert_concrete(b)


def test_debug_print_inside_the_nested_loops(capfd):
    b = _example_2(debug_print=True)
    jax.effects_barrier()
    out = capfd.readouterr().out
    assert out.splitlines() == _PRINTED
    assert float(b.value) == 55.0


def test_examples_inside_jit():
    @bc.jit
    def run():
        return _example_1().value, _example_2().value

    a, b = run()
    assert float(a) == 11.0 and float(b) == 55.0
