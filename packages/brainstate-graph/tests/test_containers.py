"""graph.Dict, graph.List and graph.Sequential."""

from __future__ import annotations

import jax.numpy as jnp
import pytest

import brainstate_core as bsc
import brainstate_graph as graph


def test_dict_mapping_and_attributes():
    d = graph.Dict({"a": 1}, b=bsc.State(2.0))
    d.c = 3
    d["d"] = 4
    assert list(d) == ["a", "b", "c", "d"] and len(d) == 4 and "c" in d and d.a == 1
    del d.c
    del d["d"]
    assert list(d.keys()) == ["a", "b"]
    with pytest.raises(AttributeError):
        d.missing  # noqa: B018
    with pytest.raises(AttributeError):
        del d.missing
    d._private = 5
    assert d._private == 5 and "_private" not in d
    del d._private
    assert d == d and d != graph.Dict({"a": 1}, b=d.b) and len({d, d}) == 1  # identity semantics
    assert repr(d).startswith("Dict(\n  a=1,\n  b=State(")
    assert list(graph.states(d)) == [("b",)]


def test_list_sequence_protocol():
    layers = graph.List([1, 2, 3])
    layers.append(4)
    layers.insert(0, 0)
    layers[1] = 10
    del layers[2]
    assert list(layers) == [0, 10, 3, 4] and len(layers) == 4
    part = layers[1:3]
    assert type(part) is graph.List and list(part) == [10, 3]
    layers.extra = bsc.State(1.0)
    layers.append(bsc.State(2.0))
    assert list(graph.states(layers)) == [(4,), ("extra",)]
    new = graph.clone(layers)
    assert list(new)[:4] == [0, 10, 3, 4] and new.extra is not layers.extra
    assert repr(graph.List([1])) == "List(\n  0=1\n)"
    popped = graph.pop_states(layers, ...)
    assert list(popped.to_flat()) == [(4,), ("extra",)] and not hasattr(layers, "extra")


def test_sequential():
    class Scale(graph.Node):
        def __init__(self, k):
            self.k = bsc.ParamState(jnp.asarray(k))

        def __call__(self, x):
            return x * self.k.value

    seq = graph.Sequential(Scale(2.0), Scale(3.0))
    assert float(seq(jnp.asarray(1.0))) == 6.0
    assert float(seq[1:](jnp.asarray(1.0))) == 3.0 and type(seq[1:]) is graph.Sequential
    assert list(graph.states(seq)) == [(0, "k"), (1, "k")]
    assert list(graph.nodes(seq)) == [(0,), (1,)]
    twin = graph.clone(seq)
    assert type(twin) is graph.Sequential and float(twin(jnp.asarray(1.0))) == 6.0
    assert graph.Sequential()(5) == 5


def test_containers_inside_models(mlp):
    class Net(graph.Node):
        def __init__(self):
            self.blocks = graph.List([graph.Dict(w=bsc.ParamState(jnp.ones(1))) for _ in range(2)])

    net = Net()
    assert list(graph.states(net)) == [("blocks", 0, "w"), ("blocks", 1, "w")]
    assert list(graph.nodes(net)) == [("blocks",), ("blocks", 0), ("blocks", 1)]
    gd, state = graph.treefy_split(net)
    new = graph.treefy_merge(gd, state)
    assert type(new.blocks) is graph.List and type(new.blocks[0]) is graph.Dict
    tree = graph.treefy_states(net)
    tree["blocks"][1]["w"] = tree["blocks"][1]["w"].replace(jnp.zeros(1))
    graph.update_states(net, tree)
    assert net.blocks[1].w.value.tolist() == [0.0]


def test_dict_subclass_attributes_are_children_and_survive_round_trips():
    class Cell(graph.Dict):
        def __init__(self):
            super().__init__(w=bsc.ParamState(1.0))
            self._h = bsc.HiddenState(2.0)

    cell = Cell()
    assert sorted(graph.states(cell)) == [("_h",), ("w",)]
    copy = graph.clone(cell)
    assert float(copy._h.value) == 2.0 and float(copy["w"].value) == 1.0
    assert "_h" not in copy and list(copy) == ["w"]
    gd, state = graph.treefy_split(cell)
    rebuilt = graph.treefy_merge(gd, state)
    assert float(rebuilt._h.value) == 2.0 and list(rebuilt) == ["w"]


def test_dict_item_keys_starting_with_an_underscore_are_refused():
    with pytest.raises(graph.GraphError, match="must not start with '_'"):
        graph.Dict({"_x": 1})
    d = graph.Dict()
    with pytest.raises(graph.GraphError, match="'_y'"):
        d["_y"] = 2


def test_list_add_makes_a_new_list_of_both_as_brainstate_01():
    a, b = graph.Dict(w=bsc.ParamState(jnp.ones(1))), graph.Dict()
    first = graph.List([a])
    more = [b]
    both = first + more
    assert type(both) is graph.List and list(both) == [a, b] and both[0] is a
    assert list(first) == [a]  # unchanged
    assert list(graph.states(both)) == [(0, "w")]
    seq = graph.Sequential(lambda x: x + 1) + graph.Sequential(lambda x: x * 10)
    assert type(seq) is graph.Sequential and seq(1) == 20
    with pytest.raises(TypeError):
        _ = first + 1
