"""Compiled functions follow States that were replaced on the model (``init_state`` creating
new State objects, a layer swapped in), as announced by ``note_rebinding`` (graph Nodes
call it), and keep their programs when the States they use were not replaced."""

import collections

import jax.numpy as jnp
import pytest

import brainstate_compile as bc
import brainstate_core as bsc
from brainstate_core.extend import note_rebinding


class Cell:
    """A model whose ``init_state`` makes new State objects, as brainstate 0.1 models do."""

    def __init__(self, n=3):
        self.n = n
        self.init_state()

    def init_state(self, batch=None):
        shape = (self.n,) if batch is None else (batch, self.n)
        self.V = bsc.State(jnp.zeros(shape))
        note_rebinding()  # what a graph Node does when an attribute holding a State changes

    def update(self, x):
        self.V.value = self.V.value + x
        return self.V.value


def test_jit_reads_and_writes_the_states_that_replaced_the_old_ones():
    cell = Cell()
    step = bc.jit(cell.update)
    assert step(1.0).tolist() == [1.0, 1.0, 1.0]
    old = cell.V
    cell.init_state()
    assert step(1.0).tolist() == [1.0, 1.0, 1.0]
    assert cell.V.value.tolist() == [1.0, 1.0, 1.0]
    assert old.value.tolist() == [1.0, 1.0, 1.0]  # the replaced State is left alone
    cell.init_state(batch=2)  # new shapes too
    assert step(2.0).shape == (2, 3) and cell.V.value.tolist() == [[2.0] * 3] * 2


def test_an_unrelated_replacement_keeps_the_compiled_programs():
    cell, other = Cell(), Cell()
    counts = collections.Counter()

    def update(x):
        counts["traced"] += 1
        return cell.update(x)

    step = bc.jit(update)
    step(1.0)
    programs, traced = step._jitted, counts["traced"]
    other.init_state()
    step(1.0)
    assert step._jitted is programs  # no new compile: only a trace to look at the States
    assert counts["traced"] == traced + 1
    step(1.0)
    assert counts["traced"] == traced + 1
    assert cell.V.value.tolist() == [3.0, 3.0, 3.0]


def test_top_level_loops_follow_replaced_states():
    cell = Cell()

    def body(x):
        return cell.update(x)

    for _ in range(3):  # the trials pattern: initialise, then run the cached loop
        cell.init_state()
        bc.for_loop(body, jnp.ones(4))
        assert cell.V.value.tolist() == [4.0, 4.0, 4.0]


def test_stateful_function_follows_replaced_states():
    cell = Cell()
    sf = bc.StatefulFunction(cell.update)
    sf(1.0)
    cell.init_state()
    sf(1.0)
    assert cell.V.value.tolist() == [1.0, 1.0, 1.0]
    assert sf.get_states(1.0) == [cell.V]


@pytest.mark.parametrize("outer", ["for_loop", "cond"])
def test_a_jit_nested_in_another_transform_traces_once_across_calls(outer):
    w = bsc.State(jnp.ones(3))
    counts = collections.Counter()

    @bc.jit
    def scale(x):
        counts["traced"] += 1
        w.value = w.value * 1.5
        return w.value * x

    for k in range(3):  # a new outer function each time: traced anew, like an eager grad
        if outer == "for_loop":
            bc.for_loop(lambda x: scale(x), jnp.ones((2, 3)))
        else:
            bc.cond(k >= 0, lambda x: scale(x), lambda x: x * 0.0, jnp.ones(3))
    assert counts["traced"] == 1
    assert w.value.tolist() == [1.5 ** (6 if outer == "for_loop" else 3)] * 3


def test_a_nested_jit_follows_replaced_states():
    cell = Cell()
    step = bc.jit(cell.update)

    def twice(x):
        step(x)
        return step(x)

    bc.for_loop(twice, jnp.ones(2))
    assert cell.V.value.tolist() == [4.0] * 3
    cell.init_state()
    bc.for_loop(twice, jnp.ones(2))
    assert cell.V.value.tolist() == [4.0] * 3
