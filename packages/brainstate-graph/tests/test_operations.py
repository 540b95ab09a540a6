"""states / nodes / treefy_* / update / pop / clone / iter_* / call."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_core as bsc
import brainstate_graph as graph
from brainstate_graph import FlattedDict, GraphError, NestedDict


class Box(graph.Node):
    def __init__(self, **attrs):
        for k, v in attrs.items():
            setattr(self, k, v)


def deep_model():
    """root(level 0) -> a(1) -> b(2) -> c(3), with one State at each level."""
    c = Box(s3=bsc.State(3.0))
    b = Box(s2=bsc.HiddenState(2.0), c=c)
    a = Box(s1=bsc.ParamState(1.0), b=b)
    return Box(s0=bsc.State(0.0), a=a)


def test_states_order_is_attribute_order(mlp):
    paths = list(graph.states(mlp))
    assert paths == [
        ("input", "weight"),
        ("layers", 0, "weight"),
        ("layers", 1, "weight"),
        ("layers", 2, "weight"),
        ("output", "weight"),
    ]
    assert list(graph.nodes(mlp)) == [
        ("input",),
        ("layers", 0),
        ("layers", 1),
        ("layers", 2),
        ("output",),
    ]
    states = graph.states(mlp)
    assert states[("layers", 1, "weight")] is mlp.layers[1].weight
    assert isinstance(states, FlattedDict)

    class Zebra(graph.Node):  # insertion order, not sorted
        def __init__(self):
            self.z = bsc.State(1.0)
            self.a = bsc.State(2.0)

    assert list(graph.states(Zebra())) == [("z",), ("a",)]


def test_shared_state_appears_once_at_first_path():
    s = bsc.State(1.0)
    model = Box(x=Box(s=s), y=[s], z=s)
    assert list(graph.states(model)) == [("x", "s")]
    inner = Box(t=bsc.State(0.0))
    model = Box(p=inner, q=inner)
    assert list(graph.nodes(model)) == [("p",)]
    assert list(graph.states(model)) == [("p", "t")]


def test_hierarchy_windows():
    model = deep_model()
    assert list(graph.states(model)) == [
        ("s0",),
        ("a", "s1"),
        ("a", "b", "s2"),
        ("a", "b", "c", "s3"),
    ]
    assert list(graph.states(model, allowed_hierarchy=(0, 0))) == [("s0",)]
    assert list(graph.states(model, allowed_hierarchy=(1, 2))) == [("a", "s1"), ("a", "b", "s2")]
    assert list(graph.states(model, allowed_hierarchy=(3, 9))) == [("a", "b", "c", "s3")]
    assert list(graph.nodes(model)) == [("a",), ("a", "b"), ("a", "b", "c")]
    assert list(graph.nodes(model, allowed_hierarchy=(0, 1))) == [(), ("a",)]
    assert list(graph.nodes(model, allowed_hierarchy=(2, 2))) == [("a", "b")]
    leaves = [p for p, _ in graph.iter_leaf(model, allowed_hierarchy=(1, 1))]
    assert leaves == [("a", "s1")]
    assert [p for p, _ in graph.iter_node(model)] == [(), ("a",), ("a", "b"), ("a", "b", "c")]
    assert [p for p, _ in graph.iter_node(model, allowed_hierarchy=(2, 3))] == [
        ("a", "b"),
        ("a", "b", "c"),
    ]
    # a node first met beyond the window is still found through a shorter path later
    far = Box(s=bsc.State(9.0))
    model = Box(deep=Box(deeper=Box(far=far)), near=far)
    assert list(graph.nodes(model, allowed_hierarchy=(1, 1))) == [("deep",), ("near",)]
    assert list(graph.states(model, allowed_hierarchy=(1, 1))) == [("near", "s")]
    for bad in [(2, 1), (-1, 3), (1,), "ab"]:
        with pytest.raises(GraphError, match="allowed_hierarchy"):
            graph.states(model, allowed_hierarchy=bad)


def test_states_and_nodes_filters(mlp):
    model = deep_model()
    hidden = graph.states(model, bsc.HiddenState)
    assert list(hidden) == [("a", "b", "s2")]
    params, short, rest = graph.states(model, bsc.ParamState, bsc.ShortTermState, ...)
    assert (list(params), list(short), list(rest)) == (
        [("a", "s1")],
        [("a", "b", "s2")],
        [("s0",), ("a", "b", "c", "s3")],
    )
    only_one, nothing = graph.states(model, bsc.ParamState, bsc.ParamState)
    assert len(only_one) == 1 and len(nothing) == 0  # the first matching filter wins
    layers = graph.nodes(mlp, graph.PathContains("layers"))
    assert list(layers) == [("layers", 0), ("layers", 1), ("layers", 2)]
    linears, others = graph.nodes(deep_model(), lambda p, n: len(p) == 1, ...)
    assert list(linears) == [("a",)] and len(others) == 2


def test_treefy_states_and_split(mlp):
    tree = graph.treefy_states(mlp)
    assert isinstance(tree, NestedDict)
    assert tree["layers"][0]["weight"].type is bsc.ParamState
    model = deep_model()
    params = graph.treefy_states(model, bsc.ParamState)
    assert list(params.to_flat()) == [("a", "s1")]
    _, h = graph.treefy_states(model, bsc.ParamState, bsc.HiddenState)
    assert list(h.to_flat()) == [("a", "b", "s2")]
    _, params, rest = graph.treefy_split(model, bsc.ParamState, ...)
    assert list(params.to_flat()) == [("a", "s1")] and len(rest.to_flat()) == 3
    with pytest.raises(
        GraphError, match=r"Non-exhaustive.*\('s0',\), \('a', 'b', 's2'\), \('a', 'b', 'c', 's3'\)"
    ):
        graph.treefy_split(model, bsc.ParamState)
    many = Box(items=[bsc.State(float(i)) for i in range(15)])
    with pytest.raises(GraphError, match=r"and 5 more"):
        graph.treefy_split(many, bsc.ParamState)


def test_update_states(mlp):
    model = deep_model()
    tree = graph.treefy_states(model)
    tree["a"]["s1"] = tree["a"]["s1"].replace(jnp.asarray(10.0))
    graph.update_states(model, tree)
    assert model.a.s1.value == 10.0
    graph.update_states(model, FlattedDict({("s0",): 5.0}), NestedDict({"a": {"b": {"s2": 6.0}}}))
    assert (model.s0.value, model.a.b.s2.value) == (5.0, 6.0)
    other = bsc.State(7.0)
    graph.update_states(model, {"a": {"b": {"c": {"s3": other}}}})
    assert model.a.b.c.s3.value == 7.0 and model.a.b.c.s3 is not other
    graph.update_states(
        mlp, {("layers", 2, "weight"): {"weight": jnp.zeros((1, 1)), "bias": jnp.ones(1)}}
    )
    assert mlp.layers[2].weight.value["bias"].tolist() == [1.0]
    # transactional: a bad path anywhere means nothing is written
    with pytest.raises(
        GraphError, match=r"nothing at \('a', 'nope'\): Box at \('a',\) has no child 'nope'"
    ):
        graph.update_states(model, FlattedDict({("s0",): 1.0, ("a", "nope"): 2.0}))
    assert model.s0.value == 5.0
    with pytest.raises(GraphError, match=r"\('a', 'b'\) holds a Box, not a State"):
        graph.update_states(model, FlattedDict({("a", "b"): 1.0}))
    with pytest.raises(GraphError, match="nothing at"):
        graph.update_states(mlp, FlattedDict({("layers", 7, "weight"): 1.0}))
    with pytest.raises(GraphError, match="Expected a NestedDict or FlattedDict"):
        graph.update_states(model, [1])
    shared = bsc.State(0.0)
    tied = Box(x=shared, y=shared)
    graph.update_states(tied, {("y",): 3.0})  # a second path to a shared State works too
    assert tied.x.value == 3.0


def test_pop_states_with_catch_new_states():
    class Neuron(graph.Node):
        def __init__(self):
            self.w = bsc.ParamState(jnp.ones(2))

        def init_state(self):
            self.v = bsc.HiddenState(jnp.zeros(2))
            self.spikes = {"last": bsc.ShortTermState(jnp.zeros(2))}

    net = Box(n1=Neuron(), n2=Neuron())
    with bsc.catch_new_states("new") as catcher:
        net.n1.init_state()
        net.n2.init_state()
    net.tied = net.n1.v
    assert len(catcher) == 4
    popped = graph.pop_states(net, "new")
    assert isinstance(popped, NestedDict)
    assert list(popped.to_flat()) == [
        ("n1", "v"),
        ("n1", "spikes", "last"),
        ("n2", "v"),
        ("n2", "spikes", "last"),
    ]
    assert popped["n1"]["v"] is catcher.get_states()[0]
    assert not hasattr(net.n1, "v") and not hasattr(net, "tied") and net.n1.spikes == {}
    assert list(graph.states(net)) == [("n1", "w"), ("n2", "w")]
    params, hidden = graph.pop_states(net, bsc.ParamState, bsc.HiddenState)
    assert len(params.to_flat()) == 2 and len(hidden) == 0 and list(graph.states(net)) == []


def test_pop_states_errors_leave_graph_untouched():
    with pytest.raises(GraphError, match="at least one filter"):
        graph.pop_states(Box())
    s = bsc.State(1.0)
    model = Box(a=bsc.State(0.0), t=(s,))
    with pytest.raises(
        GraphError, match=r"cannot remove the State at \('t', 0\): it sits in a tuple"
    ):
        graph.pop_states(model, bsc.State)
    assert hasattr(model, "a") and model.t == (s,)
    lst = graph.List([bsc.State(0.0), 1, bsc.State(2.0)])
    popped = graph.pop_states(lst, ...)
    assert list(popped.to_flat()) == [(0,), (2,)] and list(lst) == [1]


def test_clone_is_independent():
    model = deep_model()
    model.loop = model
    model.tied = model.a.s1
    copy = graph.clone(model)
    assert copy is not model and copy.loop is copy and copy.tied is copy.a.s1
    for (p1, s1), (p2, s2) in zip(graph.states(model).items(), graph.states(copy).items()):
        assert p1 == p2 and s1 is not s2 and type(s1) is type(s2) and s1.value == s2.value
    copy.a.s1.value = 100.0
    assert model.a.s1.value == 1.0
    named = Box(s=bsc.ParamState(1.0, name="weight", tag="t"))
    twin = graph.clone(named)
    assert twin.s.name == "weight" and twin.s.tag == "t"


def test_clone_inside_a_recorder_records_reads():
    from brainstate_core.extend import StateTraceStack

    model = deep_model()
    with StateTraceStack() as trace:
        graph.clone(model)
    assert set(map(id, trace.get_read_states())) == {id(s) for s in graph.states(model).values()}


def test_iter_leaf_and_iter_node():
    model = Box(size=(2, 3), w=bsc.ParamState(jnp.ones(1)), sub=Box(name="x"), again=None)
    model.sub.back = model
    leaves = list(graph.iter_leaf(model))
    assert [p for p, _ in leaves] == [("size", 0), ("size", 1), ("w",), ("sub", "name"), ("again",)]
    assert leaves[2][1] is model.w
    assert [p for p, _ in graph.iter_node(model)] == [(), ("sub",)]
    assert [p for p, _ in graph.iter_node([model, model])] == [(0,), (0, "sub")]
    assert list(graph.nodes(model, allowed_hierarchy=(0, 0))) == [()]


def test_call_proxy(models):
    class Counter(graph.Node):
        def __init__(self):
            self.count = bsc.State(jnp.zeros(()))
            self.inner = Box(step=bsc.State(jnp.ones(())))

        def __call__(self, k):
            self.count.value = self.count.value + k
            return self.count.value

    gd, st = graph.treefy_split(Counter())
    out, (gd2, st2) = graph.call((gd, st))(2.0)
    assert float(out) == 2.0 and gd2 == gd and float(st2["count"].value) == 2.0
    assert float(st["count"].value) == 0.0  # the input state is untouched

    @jax.jit
    def run(st):
        return graph.call((gd, st))(3.0)

    out, (_, st3) = run(st2)
    assert float(out) == 5.0 and float(st3["count"].value) == 5.0
    lin_gd, lin_st = graph.treefy_split(models.MLP(2, 4, 1))
    out, _ = graph.call((lin_gd, lin_st)).layers[0](jnp.ones(4))
    assert out.shape == (4,)
    out, _ = graph.call((lin_gd, lin_st)).input.__call__(jnp.ones(2))
    assert out.shape == (4,)
    params, rest = graph.treefy_split(models.MLP(2, 4, 1), bsc.ParamState, ...)[1:]
    out, (_, full) = graph.call((lin_gd, params, rest)).output(jnp.ones(4))  # several states
    assert out.shape == (1,) and list(full.to_flat()) == list(lin_st.to_flat())
    assert "call(<MLP>).layers[0]" in repr(graph.call((lin_gd, lin_st)).layers[0])
    with pytest.raises(GraphError, match=r"expects a tuple \(graphdef, state"):
        graph.call(lin_st)
    with pytest.raises(AttributeError):
        graph.call((lin_gd, lin_st)).__wrapped__  # noqa: B018
    assert np.isfinite(float(jnp.sum(full["output"]["weight"].value["weight"])))
    assert len(params.to_flat()) == 5 and len(rest) == 0


def test_update_states_takes_back_the_values_of_dict_valued_states():
    class N(graph.Node):
        def __init__(self):
            self.s = bsc.State({"a": jnp.ones(2), "b": jnp.zeros(2)})
            self.t = bsc.State(jnp.ones(1))

    n = N()
    values = graph.treefy_states(n).to_dict_values()
    doubled = jax.tree.map(lambda x: x * 2 + 1, values)
    graph.update_states(n, doubled)
    assert n.s.value["a"].tolist() == [3.0, 3.0] and n.s.value["b"].tolist() == [1.0, 1.0]
    assert n.t.value.tolist() == [3.0]
    graph.update_states(n, {"s": {"a": jnp.zeros(2), "b": jnp.ones(2)}})  # a plain nested dict
    assert n.s.value["a"].tolist() == [0.0, 0.0]
    graph.update_states(n, graph.treefy_states(n).to_pure_dict())
    with pytest.raises(graph.GraphError, match="nothing at"):
        graph.update_states(n, {"s": {"a": jnp.zeros(2)}, "u": {"v": 1.0}})
    assert n.s.value["a"].tolist() == [0.0, 0.0]  # nothing written on error
