"""FlattedDict and NestedDict: reprs in the tutorial's layout, operations, pytree behaviour."""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, strategies as st

import brainstate_core as bsc
import brainstate_graph as graph
from brainstate_graph import FlattedDict, GraphError, NestedDict

NUM = r"-?\d+\.\d*(?:e[+-]?\d+)?"


def test_flatted_repr_matches_tutorial(mlp):
    text = repr(graph.states(mlp))
    lines = text.splitlines()
    assert lines[0] == "FlattedDict({"
    assert lines[1] == "  ('input', 'weight'): ParamState("
    assert re.fullmatch(r"    value=\{'weight': Array\(\[\[ ?" + NUM + r"\],", lines[2])
    assert re.fullmatch(
        r"           \[ ?"
        + NUM
        + r"\]\], dtype=float32\), 'bias': Array\(\[0\.\], dtype=float32\)\}",
        lines[3],
    )
    assert lines[4:6] == ["  ),", "  ('layers', 0, 'weight'): ParamState("]
    assert re.fullmatch(
        r"    value=\{'weight': Array\(\[\[ ?"
        + NUM
        + r"\]\], dtype=float32\), 'bias': Array\(\[0\.\], dtype=float32\)\}",
        lines[6],
    )
    assert lines[7] == "  ),"
    assert "  ('output', 'weight'): ParamState(" in lines
    assert lines[-2:] == ["  )", "})"]


def test_nested_repr_matches_tutorial(mlp):
    text = repr(graph.states(mlp).to_nest())
    lines = text.splitlines()
    assert lines[:3] == ["NestedDict({", "  'input': {", "    'weight': ParamState("]
    assert re.fullmatch(r"      value=\{'weight': Array\(\[\[ ?" + NUM + r"\],", lines[3])
    assert re.fullmatch(
        r"             \[ ?" + NUM + r"\]\], dtype=float32\), 'bias': .*\}", lines[4]
    )
    assert lines[5:10] == [
        "    )",
        "  },",
        "  'layers': {",
        "    0: {",
        "      'weight': ParamState(",
    ]
    assert lines[10].startswith("        value={'weight': Array([[")
    assert lines[11:14] == ["      )", "    },", "    1: {"]
    assert "    2: {" in lines and "  'output': {" in lines
    assert text.endswith("    )\n  }\n})")


def test_nodes_repr_matches_tutorial(mlp):
    text = repr(graph.nodes(mlp))
    assert text.startswith(
        "FlattedDict({\n  ('input',): NNLinear(\n    in_size=(2,),\n    out_size=(1,),\n"
        "    w_mask=None,\n    weight=ParamState(\n      value={'weight': Array([["
    )
    assert "\n  ),\n  ('layers', 0): NNLinear(\n    in_size=(1,),\n" in text
    assert "\n  ('output',): NNLinear(\n    in_size=(1,),\n    out_size=(3,),\n" in text


def test_empty_and_plain_reprs():
    assert repr(FlattedDict()) == "FlattedDict({})"
    assert repr(NestedDict()) == "NestedDict({})"
    assert repr(NestedDict({"a": {}})) == "NestedDict({\n  'a': {}\n})"
    assert (
        repr(FlattedDict({("a",): 1, ("b", 0): "x"}))
        == "FlattedDict({\n  ('a',): 1,\n  ('b', 0): 'x'\n})"
    )


def test_conversions_and_access():
    nest = NestedDict({"a": {"w": 1, "b": {0: 2}}, "c": 3})
    assert isinstance(nest["a"], NestedDict) and isinstance(nest.a.b, NestedDict)
    flat = nest.to_flat()
    assert list(flat.items()) == [(("a", "w"), 1), (("a", "b", 0), 2), (("c",), 3)]
    assert flat.to_nest() == nest
    assert FlattedDict.from_nest({"x": {"y": 1}}) == {("x", "y"): 1}
    assert NestedDict.from_flat({("x", "y"): 1}) == {"x": {"y": 1}}
    assert NestedDict.from_nest({"x": {"y": 1}}).x.y == 1
    assert flat.to_flat() is flat and nest.to_nest() is nest
    nest["d"] = {"e": 4}
    assert isinstance(nest["d"], NestedDict)
    with pytest.raises(AttributeError, match="no key or attribute 'zzz'"):
        nest.zzz  # noqa: B018
    with pytest.raises(AttributeError):
        nest.new_attr = 1


def test_from_flat_conflicts_raise():
    with pytest.raises(GraphError, match=r"runs through the leaf at \('a',\)"):
        NestedDict.from_flat([(("a",), 1), (("a", "b"), 2)])
    with pytest.raises(GraphError, match=r"would replace the level"):
        NestedDict.from_flat([(("a", "b"), 1), (("a",), 2)])
    with pytest.raises(GraphError, match="non-empty tuple"):
        NestedDict.from_flat({"a": 1})


def _sample():
    return FlattedDict(
        {
            ("p", "w"): bsc.ParamState(jnp.ones(2)),
            ("h", 0): bsc.HiddenState(jnp.zeros(2), tag="fast"),
            ("s",): bsc.State(jnp.zeros(1)),
        }
    )


@pytest.mark.parametrize("kind", ["flat", "nest"])
def test_filter_split_merge(kind):
    d = _sample() if kind == "flat" else _sample().to_nest()
    params, hidden = d.filter(bsc.ParamState, bsc.HiddenState)
    assert list(params.to_flat()) == [("p", "w")] and list(hidden.to_flat()) == [("h", 0)]
    only = d.filter("fast")
    assert list(only.to_flat()) == [("h", 0)]
    a, b, c = d.split(bsc.ParamState, "fast", ...)
    assert type(a) is type(d)
    merged = type(d).merge(a, b, c)
    assert merged.to_flat() == d.to_flat()
    assert (a | b | c).to_flat() == d.to_flat()
    assert list((d - a).to_flat()) == [("h", 0), ("s",)]
    with pytest.raises(GraphError, match=r"Non-exhaustive filters.*\('s',\)"):
        d.split(bsc.ParamState, bsc.HiddenState)
    with pytest.raises(GraphError, match=r"put `\.\.\.` \(or True\) last"):
        d.split(..., bsc.ParamState)


def test_values_and_pure_dicts():
    flat = _sample()
    values = flat.to_dict_values()
    assert isinstance(values, FlattedDict)
    assert values[("p", "w")].tolist() == [1.0, 1.0]
    pure = flat.to_nest().to_pure_dict()
    assert type(pure) is dict and type(pure["p"]) is dict
    assert pure["p"]["w"].tolist() == [1.0, 1.0]
    assert flat.to_pure_dict()[("s",)].tolist() == [0.0]

    nest = graph.treefy_states(graph.Dict(w=bsc.ParamState({"a": jnp.ones(1)}), l=[bsc.State(0.0)]))
    nest.replace_by_pure_dict({"w": {"a": jnp.zeros(1)}, "l": {"0": 5.0}})
    assert nest["w"].value["a"].tolist() == [0.0] and nest["l"][0].value == 5.0
    with pytest.raises(GraphError, match=r"the key 'q' at \('q',\) is not in this NestedDict"):
        nest.replace_by_pure_dict({"q": 1})
    with pytest.raises(GraphError, match=r"expected a mapping at \('l',\)"):
        nest.replace_by_pure_dict({"l": 1})

    live = graph.Dict(w=bsc.ParamState(jnp.ones(1)))
    states = graph.states(live)
    before = states[("w",)]
    states.replace_by_pure_dict({("w",): jnp.full(1, 7.0)})
    assert states[("w",)] is before and live.w.value.tolist() == [7.0]
    with pytest.raises(GraphError, match=r"the path \('zz',\) is not in this FlattedDict"):
        states.replace_by_pure_dict({("zz",): 1})
    states.replace_by_pure_dict({("w",): 3}, replace_fn=lambda old, new: new)
    assert states[("w",)] == 3


def test_copy_keeps_type():
    flat, nest = _sample(), _sample().to_nest()
    assert type(flat.copy()) is FlattedDict and flat.copy() == flat
    nc = nest.copy()
    assert type(nc) is NestedDict and nc == nest and nc["p"] is not nest["p"]


def test_pytrees_under_jit():
    flat = FlattedDict({("a", "w"): jnp.ones(2), ("b",): jnp.zeros(1)})
    nest = flat.to_nest()

    @jax.jit
    def double(tree):
        return jax.tree.map(lambda x: x * 2, tree)

    out_flat, out_nest = double(flat), double(nest)
    assert type(out_flat) is FlattedDict and list(out_flat) == list(flat)
    assert type(out_nest) is NestedDict and type(out_nest["a"]) is NestedDict
    assert out_nest["a"]["w"].tolist() == [2.0, 2.0]
    paths = [jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_flatten_with_path(flat)[0]]
    assert paths == ["[('a', 'w')]", "[('b',)]"]
    treefy = graph.treefy_states(graph.Dict(w=bsc.ParamState(jnp.ones(3))))
    grads = jax.grad(lambda t: jnp.sum(t["w"].value ** 2))(treefy)
    assert grads["w"].value.tolist() == [2.0, 2.0, 2.0]
    assert jax.tree.structure(flat) != jax.tree.structure(nest)


keys = st.one_of(st.text(min_size=1, max_size=3), st.integers(0, 5))
nested = st.recursive(
    st.floats(allow_nan=False, width=32),
    lambda children: st.dictionaries(keys, children, min_size=1, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(keys, nested, max_size=4))
def test_flat_nest_round_trip(tree):
    nest = NestedDict(tree)
    flat = nest.to_flat()
    assert flat.to_nest() == nest
    assert NestedDict.from_flat(flat.items()).to_flat() == flat
    leaves = jax.tree.leaves(nest)
    assert leaves == list(flat.values())
    rebuilt = jax.tree.unflatten(jax.tree.structure(nest), leaves)
    assert rebuilt == nest and np.all(
        [type(v) is NestedDict for v in rebuilt.values() if isinstance(v, dict)]
    )
