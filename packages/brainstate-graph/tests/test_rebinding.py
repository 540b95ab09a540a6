"""Replacing a child that holds States is counted (``brainstate_core.extend.REBINDINGS``), so
that compiled functions look for their States again; other attribute writes are not."""

import jax.numpy as jnp
import pytest

import brainstate_core as bsc
import brainstate_graph as graph
from brainstate_core.extend import REBINDINGS, StateTraceStack


class Cell(graph.Node):
    def __init__(self):
        self.V = bsc.State(jnp.zeros(2))
        self.n = 3
        self.sub = graph.Dict(w=bsc.ParamState(jnp.ones(1)))
        self.layers = [graph.Dict(b=bsc.State(0.0))]


def _moves(action) -> int:
    before = REBINDINGS[0]
    action()
    return REBINDINGS[0] - before


def test_building_a_node_and_writing_plain_attributes_or_values_counts_nothing():
    assert _moves(Cell) == 0
    cell = Cell()
    assert _moves(lambda: setattr(cell, "n", 4)) == 0
    assert _moves(lambda: setattr(cell, "extra", bsc.State(1.0))) == 0  # a new attribute
    assert _moves(lambda: setattr(cell.V, "value", jnp.ones(2))) == 0
    assert _moves(lambda: setattr(cell, "V", cell.V)) == 0  # the same object again


@pytest.mark.parametrize(
    "replace",
    [
        lambda c: setattr(c, "V", bsc.State(jnp.zeros(2))),
        lambda c: delattr(c, "V"),
        lambda c: setattr(c, "sub", graph.Dict()),
        lambda c: setattr(c, "layers", []),
        lambda c: setattr(c.sub, "w", bsc.ParamState(jnp.ones(1))),
        lambda c: c.sub.__setitem__("w", bsc.ParamState(jnp.ones(1))),
        lambda c: c.sub.__delitem__("w"),
        lambda c: graph.pop_states(c, bsc.ParamState),
    ],
    ids=["state", "del", "node", "list", "dict-attr", "dict-item", "dict-del", "pop_states"],
)
def test_replacing_or_removing_a_child_holding_states_is_counted(replace):
    cell = Cell()
    assert _moves(lambda: replace(cell)) >= 1


def test_list_nodes_count_replaced_removed_and_added_items():
    layers = graph.List([graph.Dict(w=bsc.State(1.0)), 2])
    # code compiled over the List (e.g. iterating it) must see a new layer's States
    assert _moves(lambda: layers.append(graph.Dict(w=bsc.State(2.0)))) == 1
    assert _moves(lambda: layers.insert(0, 7)) == 0  # a plain item
    assert _moves(lambda: layers.pop(0)) == 0
    assert _moves(lambda: layers.__setitem__(1, 5)) == 0  # a plain item
    assert _moves(lambda: layers.__setitem__(0, graph.Dict())) == 1
    assert _moves(lambda: layers.__delitem__(-1)) == 1


def test_replacements_inside_a_recorded_trace_are_local_and_not_counted():
    cell = Cell()
    with StateTraceStack():
        assert _moves(lambda: setattr(cell, "V", bsc.State(jnp.zeros(2)))) == 0


def test_dict_nodes_count_new_items_holding_states():
    d = graph.Dict(a=1)
    assert _moves(lambda: d.__setitem__("b", 2)) == 0
    assert _moves(lambda: d.__setitem__("w", bsc.State(1.0))) == 1
    assert _moves(lambda: setattr(d, "v", [bsc.State(1.0)])) == 1


def test_states_nested_in_plain_containers_are_seen_when_replaced():
    class Net(graph.Node):
        def __init__(self):
            self.groups = {"exc": [bsc.State(jnp.zeros(2))], "inh": ({"x": 1},)}

    net = Net()
    assert _moves(lambda: setattr(net, "groups", {"exc": [bsc.State(jnp.zeros(2))]})) == 1
    net.plain = {"a": [1, (2, 3)], "b": {"c": None}}
    assert _moves(lambda: setattr(net, "plain", {})) == 0
