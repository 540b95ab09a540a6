"""flatten / unflatten / GraphDef: round trips, sharing, cycles, containers, errors, threads."""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict, defaultdict, namedtuple

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import brainstate_core as bsc
import brainstate_graph as graph
from brainstate_graph import GraphDef, GraphError, NestedDict


class Box(graph.Node):
    def __init__(self, **attrs):
        for k, v in attrs.items():
            setattr(self, k, v)


Pair = namedtuple("Pair", "first second")


def canon(root):
    """A structural fingerprint: types, plain values, State values, and the sharing pattern."""
    ids: dict[int, int] = {}

    def walk(x):
        if isinstance(x, (graph.Node, bsc.State)):
            if id(x) in ids:
                return ("ref", ids[id(x)])
            ids[id(x)] = len(ids)
            if isinstance(x, bsc.State):
                return ("state", type(x).__name__, np.asarray(x.value).tolist(), x.metadata)
            items = x.__graph_items__()
            return ("node", type(x).__name__, [(k, walk(v)) for k, v in items])
        if isinstance(x, dict):
            return (type(x).__name__, [(k, walk(v)) for k, v in x.items()])
        if isinstance(x, (list, tuple)):
            return (type(x).__name__, [walk(v) for v in x])
        return ("static", x)

    return walk(root)


def test_linear_round_trip(models):
    model = models.Linear(2, 5)
    gd, state = graph.flatten(model)
    assert isinstance(gd, GraphDef) and gd.type is models.Linear and gd.num_states == 2
    assert list(state) == ["w", "b"]
    assert all(isinstance(v, bsc.TreefyState) for v in state.values())
    new = graph.unflatten(gd, state)
    assert type(new) is models.Linear and new is not model
    assert (new.din, new.dout) == (2, 5)
    assert new.w is not model.w and np.array_equal(new.w.value, model.w.value)
    assert canon(new) == canon(model)


def test_self_cycle_and_mutual_cycles(models):
    model = models.Linear(2, 3)
    model.self = model
    gd, state = graph.flatten(model)
    assert list(state) == ["w", "b"]
    new = graph.unflatten(gd, state)
    assert new.self is new
    a, b = Box(), Box()
    a.peer, b.peer = b, a
    a.items = [b, {"again": a}]
    new_a = graph.clone(a)
    assert new_a.peer.peer is new_a and new_a.items[0] is new_a.peer
    assert new_a.items[1]["again"] is new_a
    assert canon(new_a) == canon(a)


def test_shared_subnodes_and_tied_weights():
    w = bsc.ParamState(jnp.ones((2, 2)))
    enc, dec = Box(w=w), Box(w=w)  # tied weights
    shared = Box(v=bsc.HiddenState(jnp.zeros(2)))
    model = Box(enc=enc, dec=dec, a=shared, b=[shared, (shared,)])
    gd, state = graph.flatten(model)
    assert list(state.to_flat()) == [("enc", "w"), ("a", "v")]
    new = graph.unflatten(gd, state)
    assert new.enc.w is new.dec.w and new.enc.w is not w
    assert new.a is new.b[0] is new.b[1][0]
    assert canon(new) == canon(model)
    live_gd, live = graph.flatten(model, treefy_state=False)
    assert live_gd == gd
    assert live["enc"]["w"] is w
    rebuilt = graph.unflatten(live_gd, live)  # live States are reused, not copied
    assert rebuilt is not model and rebuilt.enc.w is w and rebuilt.dec.w is w


def test_nested_containers_round_trip():
    model = Box(
        layers=[Box(w=bsc.ParamState(jnp.ones(1))), {"x": (1, bsc.State(2.0)), "y": [[3]]}],
        pair=Pair(bsc.HiddenState(jnp.zeros(1)), "s"),
        od=OrderedDict(b=bsc.State(1.0), a=2),
        dd=defaultdict(list, k=bsc.State(3.0)),
        t=((1, 2), (3,)),
        empty=[],
        nested_empty={"a": {}},
    )
    gd, state = graph.flatten(model)
    assert list(state.to_flat()) == [
        ("layers", 0, "w"),
        ("layers", 1, "x", 1),
        ("pair", 0),
        ("od", "b"),
        ("dd", "k"),
    ]
    new = graph.unflatten(gd, state)
    assert canon(new) == canon(model)
    assert type(new.pair) is Pair and new.pair.second == "s"
    assert type(new.od) is OrderedDict and list(new.od) == ["b", "a"]
    assert type(new.dd) is defaultdict and new.dd.default_factory is list
    assert new.layers[1]["y"] == [[3]] and new.layers[1]["y"] is not model.layers[1]["y"]
    assert new.t == ((1, 2), (3,)) and new.empty == [] and new.nested_empty == {"a": {}}


def test_container_roots_and_node_containers():
    s = bsc.State(1.0)
    gd, state = graph.flatten([s, {"a": s}])
    assert gd.type is list and list(state.to_flat()) == [(0,)]
    new = graph.unflatten(gd, state)
    assert new[1]["a"] is new[0]
    d = graph.Dict(a=graph.List([bsc.State(1.0), 2]), b=graph.Sequential())
    new_d = graph.clone(d)
    assert type(new_d.a) is graph.List and new_d.a[1] == 2 and new_d.a[0] is not d.a[0]
    assert type(new_d["b"]) is graph.Sequential
    gd, state = graph.flatten((1, 2))
    assert graph.unflatten(gd, state) == (1, 2)


def test_graphdef_equality_hash_and_pickle(models):
    a, b = models.Linear(2, 3, seed=0), models.Linear(2, 3, seed=1)
    gd_a, gd_b = graph.graphdef(a), graph.graphdef(b)
    assert gd_a == gd_b and hash(gd_a) == hash(gd_b) and gd_a is not gd_b
    assert gd_a != graph.graphdef(models.Linear(2, 4))
    assert gd_a != "not a graphdef"
    a.self = a
    assert graph.graphdef(a) != gd_b
    assert pickle.loads(pickle.dumps(gd_b)) == gd_b
    assert len({gd_a, gd_b}) == 1
    assert "Linear[0](" in repr(gd_b) and "w=ParamState[1]" in repr(gd_b)
    assert "self=Ref(Linear[0])" in repr(graph.graphdef(a))


def test_graphdef_static_arg_and_pytree(models):
    model = models.Linear(2, 3)
    gd, state = graph.treefy_split(model)
    traces = []

    @jax.jit
    def forward(state, x):
        return graph.treefy_merge(gd, state)(x)

    @jax.jit
    def step(gd, state, x):
        traces.append(1)
        m = graph.treefy_merge(gd, state)
        m.w.value = m.w.value + 1.0
        return m(x), graph.treefy_split(m)

    step = jax.jit(step.__wrapped__, static_argnums=0)
    x = jnp.ones(2)
    _, (gd2, state2) = step(gd, state, x)
    assert gd2 == gd and isinstance(state2, NestedDict)
    assert np.allclose(state2["w"].value, model.w.value + 1)
    step(graph.graphdef(models.Linear(2, 3, seed=5)), state, x)
    assert len(traces) == 1  # equal GraphDefs hit the cache
    assert np.allclose(forward(state, x), model(x))
    assert jax.tree.leaves(gd) == [] and jax.tree.map(lambda v: v, (gd, 1))[0] is gd


def test_unhashable_static_attribute_error_names_path_and_type():
    model = Box(inner=Box(mask=np.ones(3)), ok=[1, 2])
    gd, state = graph.treefy_split(model)  # splitting and merging still work
    assert graph.treefy_merge(gd, state).inner.mask is model.inner.mask
    with pytest.raises(
        GraphError, match=r"\('inner', 'mask'\) holds a value of type numpy.ndarray"
    ):
        hash(gd)
    f = jax.jit(lambda g, x: x, static_argnums=0)
    with pytest.raises(GraphError, match=r"static argument of `jax.jit`.*wrap it\s+in a State"):
        f(gd, 1.0)
    with pytest.raises(GraphError, match=r"\('t', 1, 0\) holds a value of type set"):
        hash(graph.graphdef(Box(t=(1, ({2},), 3))))
    with pytest.raises(GraphError, match=r"\('s', 0\) holds a value of type set"):
        hash(graph.graphdef(Box(s=[{1, 2}])))


def test_merge_into_other_structure_errors(models):
    gd, state = graph.treefy_split(models.Linear(2, 3))
    _, other_state = graph.treefy_split(models.NNLinear(2, 3))
    with pytest.raises(
        GraphError, match=r"no entry at \('w',\), where the GraphDef expects a ParamState"
    ):
        graph.treefy_merge(gd, other_state)
    with pytest.raises(
        GraphError, match=r"entries at \('extra',\).*GraphDef of the Linear at \(\)"
    ):
        graph.treefy_merge(gd, state | NestedDict({"extra": state["w"]}))
    bad = NestedDict(state)
    bad["b"] = bsc.HiddenState(jnp.zeros(3)).to_state_ref()
    with pytest.raises(
        GraphError, match=r"HiddenState \(as a TreefyState\) at \('b',\).*expects a ParamState"
    ):
        graph.treefy_merge(gd, bad)
    bad["b"] = jnp.zeros(3)
    with pytest.raises(GraphError, match=r"holds a ArrayImpl at \('b',\).*replace_by_pure_dict"):
        graph.treefy_merge(gd, bad)
    bad["b"] = bsc.State(jnp.zeros(3))
    with pytest.raises(
        GraphError, match=r"holds a State at \('b',\), where the GraphDef expects a ParamState"
    ):
        graph.unflatten(gd, bad)
    mlp_gd, mlp_state = graph.treefy_split(models.MLP(2, 1, 3))
    broken = NestedDict(mlp_state)
    broken["layers"] = state["w"]
    with pytest.raises(GraphError, match=r"TreefyState at \('layers',\).*states of a list"):
        graph.treefy_merge(mlp_gd, broken)
    broken["layers"] = {0: {"weight": mlp_state["layers"][0]["weight"], "zzz": 1}}
    with pytest.raises(
        GraphError, match=r"entries at \('layers', 0, 'zzz'\).*NNLinear at \('layers', 0\)"
    ):
        graph.treefy_merge(mlp_gd, broken)
    with pytest.raises(GraphError, match="Expected a GraphDef"):
        graph.unflatten(state, state)
    with pytest.raises(GraphError, match="Expected a GraphDef"):
        graph.treefy_merge(state)
    with pytest.raises(GraphError, match=r"Expected the state as a NestedDict"):
        graph.unflatten(gd, [1])
    tuple_gd, _ = graph.flatten((1, 2))
    with pytest.raises(GraphError, match="holds no States"):
        graph.unflatten(tuple_gd, {"a": 1})


def test_merge_from_flatted_and_several_states(models):
    model = models.Linear(2, 3)
    gd, params = graph.treefy_split(model, bsc.ParamState)
    new = graph.treefy_merge(gd, params.to_flat())
    assert np.array_equal(new.w.value, model.w.value)
    gd, w, b = graph.treefy_split(model, lambda p, x: p == ("w",), ...)
    assert list(w) == ["w"] and list(b) == ["b"]
    assert canon(graph.treefy_merge(gd, w.to_flat(), b)) == canon(model)
    assert canon(graph.treefy_merge(gd, {"w": w["w"]}, b)) == canon(model)


def test_bad_roots_and_container_cycles():
    with pytest.raises(GraphError, match=r"got an object of type int"):
        graph.flatten(3)
    with pytest.raises(GraphError, match="A State is a leaf of a graph, not a graph"):
        graph.states(bsc.State(1.0))
    loop: list = []
    loop.append(loop)
    with pytest.raises(GraphError, match="contains itself"):
        graph.flatten(Box(loop=loop))
    with pytest.raises(GraphError, match="contains itself"):
        graph.states(Box(loop=loop))


def test_flatten_is_thread_safe(models):
    barrier = threading.Barrier(2)
    results: dict[int, list] = {0: [], 1: []}
    errors: list[BaseException] = []
    graphs = [models.MLP(2, 4, 3, n_layer=30), models.MLP(3, 2, 1, n_layer=40)]
    for g in graphs:
        g.self = g
    expected = [(graph.graphdef(g), list(graph.states(g))) for g in graphs]

    def work(i: int) -> None:
        try:
            barrier.wait()
            for _ in range(20):
                gd, state = graph.flatten(graphs[i])
                new = graph.unflatten(gd, state)
                results[i].append((gd, list(graph.states(new)), new.self is new))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i in range(2):
        assert all(r == (expected[i][0], expected[i][1], True) for r in results[i])


# -- property: random graphs with sharing and cycles round-trip --------------------------
@st.composite
def random_graphs(draw):
    pool: list = []
    n_nodes = draw(st.integers(1, 6))
    nodes = [Box() for _ in range(n_nodes)]
    state_types = [bsc.State, bsc.ParamState, bsc.HiddenState, bsc.ShortTermState]

    def value(depth: int):
        choice = draw(st.integers(0, 7 if depth < 2 else 4))
        if choice == 0:
            return draw(st.one_of(st.integers(-3, 3), st.text(max_size=2), st.none()))
        if choice in (1, 2):
            if pool and draw(st.booleans()):
                return draw(st.sampled_from(pool))
            tp = draw(st.sampled_from(state_types))
            s = tp(jnp.full((draw(st.integers(0, 2)),), draw(st.integers(-5, 5)), jnp.float32))
            pool.append(s)
            return s
        if choice in (3, 4):
            return draw(st.sampled_from(nodes))  # sharing and cycles
        n = draw(st.integers(0, 3))
        if choice == 5:
            return [value(depth + 1) for _ in range(n)]
        if choice == 6:
            return tuple(value(depth + 1) for _ in range(n))
        return {f"k{i}": value(depth + 1) for i in range(n)}

    for node in nodes:
        for j in range(draw(st.integers(0, 4))):
            setattr(node, f"a{j}", value(0))
    return nodes[0]


@settings(max_examples=60, deadline=None)
@given(random_graphs())
def test_random_graphs_round_trip(root):
    expected = canon(root)
    gd, state = graph.flatten(root)
    assert canon(graph.unflatten(gd, state)) == expected
    assert canon(graph.clone(root)) == expected
    gd2, *parts = graph.treefy_split(root, bsc.ParamState, bsc.ShortTermState, ...)
    assert gd2 == gd
    assert canon(graph.treefy_merge(gd2, *parts)) == expected
    found = graph.states(root)
    assert len({id(s) for s in found.values()}) == len(found) == gd.num_states
    assert list(found) == list(state.to_flat())  # one order everywhere
    assert hash(gd) == hash(graph.graphdef(graph.clone(root)))


def test_graphdefs_compare_unhashable_plain_values_by_identity():
    class Layer(graph.Node):
        def __init__(self, mask):
            self.mask = mask  # a constant array: not hashable
            self.scale = (mask, 2)  # nor is a tuple holding it
            self.w = bsc.ParamState(jnp.ones(3))

    mask = jnp.array([1.0, 0.0, 1.0])
    layer = Layer(mask)
    gd, _ = graph.treefy_split(layer)
    assert gd == graph.graphdef(layer) and hash(gd) == hash(graph.graphdef(layer))
    assert graph.graphdef(graph.clone(layer)) == gd
    assert graph.graphdef(Layer(jnp.array([1.0, 0.0, 1.0]))) != gd  # another array object
    traces = []

    @jax.jit
    def apply(gd, state, x):
        traces.append(1)
        model = graph.treefy_merge(gd, state)
        return model.w.value * model.mask * x

    for _ in range(3):
        out = apply(*graph.treefy_split(layer), 2.0)
    assert out.tolist() == [2.0, 0.0, 2.0] and len(traces) == 1


def test_graphdef_type_of_a_plain_value_root():
    assert graph.graphdef((1, 2)).type is tuple
    assert "tuple" in repr(graph.call(graph.treefy_split((1, 2))).f)


def test_graphdefs_holding_numpy_arrays_compare_but_do_not_hash():
    class N(graph.Node):
        def __init__(self, x):
            self.x = x

    shared = np.ones(2)
    a, b = graph.graphdef(N(shared)), graph.graphdef(N(shared))
    assert a == b  # the same array object
    assert a != graph.graphdef(N(np.ones(2)))  # an equal but other (mutable) array
    assert a != graph.graphdef(N(1)) and a not in [graph.graphdef(N(1))]
    with pytest.raises(graph.GraphError, match="cannot be hashed"):
        hash(a)
