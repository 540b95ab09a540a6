"""Every filter kind, composition, and the conversion to predicates."""

from __future__ import annotations

import jax.numpy as jnp
import pytest

import brainstate_core as bsc
import brainstate_graph as graph
from brainstate_graph import (
    All,
    Any,
    Everything,
    Not,
    Nothing,
    OfType,
    PathContains,
    WithTag,
    to_predicate,
)

PARAM = bsc.ParamState(jnp.zeros(1))
HIDDEN = bsc.HiddenState(jnp.zeros(1), tag="fast")
PLAIN = bsc.State(0.0)


@pytest.mark.parametrize(
    ("the_filter", "expected"),
    [
        (bsc.ParamState, [True, False, False]),
        (bsc.ShortTermState, [False, True, False]),
        (bsc.State, [True, True, True]),
        ("fast", [False, True, False]),
        (lambda path, x: path[0] == "h", [False, True, False]),
        (True, [True, True, True]),
        (..., [True, True, True]),
        (False, [False, False, False]),
        (None, [False, False, False]),
        ([bsc.ParamState, "fast"], [True, True, False]),
        ((bsc.HiddenState,), [False, True, False]),
        (Not(bsc.ParamState), [False, True, True]),
        (All(bsc.ShortTermState, "fast"), [False, True, False]),
        (Any(bsc.ParamState, PathContains("s")), [True, False, True]),
        (WithTag("fast"), [False, True, False]),
        (OfType(bsc.LongTermState), [True, False, False]),
        (PathContains("p"), [True, False, False]),
        (Everything(), [True, True, True]),
        (Nothing(), [False, False, False]),
    ],
)
def test_filter_kinds(the_filter, expected):
    predicate = to_predicate(the_filter)
    items = [(("p",), PARAM), (("h",), HIDDEN), (("s",), PLAIN)]
    assert [predicate(path, x) for path, x in items] == expected
    # TreefyStates match through their State type and tag
    assert [predicate(path, x.to_state_ref()) for path, x in items] == expected


def test_filters_select_nodes_by_type():
    class A(graph.Node):
        pass

    class B(graph.Node):
        pass

    root = graph.Dict(a=A(), b=B(), c=[A()])
    assert list(graph.nodes(root, A)) == [("a",), ("c", 0)]
    assert list(graph.nodes(root, Not(A))) == [("b",)]


def test_filter_objects_equality_and_repr():
    assert OfType(bsc.ParamState) == to_predicate(bsc.ParamState)
    assert hash(WithTag("x")) == hash(to_predicate("x"))
    assert Not("x") == Not(WithTag("x")) and Not("x") != Not("y")
    assert All(bsc.State, "x") == All(bsc.State, "x") and All("x") != Any("x")
    assert repr(All(bsc.ParamState, Not("t"))) == "All(OfType(ParamState), Not(WithTag('t')))"
    assert repr(Any(PathContains(0), ...)) == "Any(PathContains(0), Everything())"
    assert repr(Nothing()) == "Nothing()" and Everything() == to_predicate(True)
    fn = lambda p, x: True
    assert to_predicate(fn) is fn
    assert to_predicate(Not(None)) == Not(None)


def test_invalid_filter_raises():
    with pytest.raises(TypeError, match="Invalid filter of type int"):
        to_predicate(3)
    with pytest.raises(graph.GraphError, match=r"position 0 selects everything.*put `...`"):
        graph.treefy_split(graph.Dict(a=PLAIN), ..., bsc.ParamState)
