"""Node: printing in the tutorial's format, hiding attributes, the convenience methods."""

from __future__ import annotations

import re

import jax.numpy as jnp
import pytest

import brainstate_core as bsc
import brainstate_graph as graph

NUM = r"-?\d+\.\d*(?:e[+-]?\d+)?"
ROW = rf"\[ *{NUM}(?: *, +{NUM})* *\]"


def test_linear_repr_matches_tutorial(models):
    model = models.Linear(2, 5)
    text = repr(model)
    pattern = (
        r"Linear\(\n"
        r"  din=2,\n"
        r"  dout=5,\n"
        r"  w=ParamState\(\n"
        rf"    value=Array\(\[{ROW},\n"
        rf"           {ROW}\], +dtype=float32\)\n"
        r"  \),\n"
        r"  b=ParamState\(\n"
        r"    value=Array\(\[0\., 0\., 0\., 0\., 0\.\], dtype=float32\)\n"
        r"  \)\n"
        r"\)"
    )
    assert re.fullmatch(pattern, text), text


def test_self_cycle_prints_as_ellipsis(models):
    model = models.Linear(2, 5)
    model.self = model
    text = repr(model)
    assert text.endswith("  ),\n  self=Linear(...)\n)")
    assert text.count("Linear(") == 2


def test_mlp_repr_matches_tutorial_layout(mlp):
    text = repr(mlp)
    lines = text.splitlines()
    assert lines[:5] == [
        "MLP(",
        "  input=NNLinear(",
        "    in_size=(2,),",
        "    out_size=(1,),",
        "    w_mask=None,",
    ]
    assert lines[5] == "    weight=ParamState("
    assert re.fullmatch(r"      value=\{'weight': Array\(\[\[ ?" + NUM + r"\],", lines[6])
    assert re.fullmatch(
        r"             \[ ?" + NUM + r"\]\], dtype=float32\), 'bias': .*\}", lines[7]
    )
    assert lines[8:11] == ["    )", "  ),", "  layers=[NNLinear("]
    assert "  ), NNLinear(" in lines
    assert "  )],\n  output=NNLinear(" in text
    assert text.endswith("    )\n  )\n)")
    assert "_name" not in text  # private attributes are hidden


def test_shared_node_printed_in_full_twice_and_mutual_cycle():
    class A(graph.Node):
        pass

    a, b = A(), A()
    a.other, b.other = b, a
    assert repr(a) == "A(\n  other=A(\n    other=A(...)\n  )\n)"
    shared = A()
    shared.x = 1
    holder = A()
    holder.p, holder.q = shared, shared
    assert repr(holder).count("x=1") == 2


def test_pretty_repr_exclude_and_custom_items():
    class Hidden(graph.Node):
        __pretty_repr_exclude__ = ("cache",)

        def __init__(self):
            self.size = 3
            self.cache = {"big": 1}
            self._secret = 2

    assert repr(Hidden()) == "Hidden(\n  size=3\n)"

    class Empty(graph.Node):
        pass

    assert repr(Empty()) == "Empty()"


def test_node_convenience_methods(mlp):
    assert list(mlp.states()) == list(graph.states(mlp))
    assert list(mlp.nodes()) == [
        ("input",),
        ("layers", 0),
        ("layers", 1),
        ("layers", 2),
        ("output",),
    ]
    assert list(mlp.states(allowed_hierarchy=(0, 0))) == []
    params, rest = mlp.states(bsc.ParamState, ...)
    assert len(params) == 5 and len(rest) == 0


def test_kind_cache_handles_new_types():
    from brainstate_graph._src.node import NODE, SEQ, STATIC, kind_of

    class MyList(list):
        pass

    class Plain:
        pass

    assert kind_of(MyList) == SEQ
    assert kind_of(Plain) == STATIC
    assert kind_of(type("Dyn", (graph.Node,), {})) == NODE


def test_treescope_rendering():
    treescope = pytest.importorskip("treescope")

    class Cell(graph.Node):
        def __init__(self):
            self.n = 3
            self.v = bsc.State(jnp.zeros(2))

    cell = Cell()
    cell.me = cell
    text = treescope.render_to_text(cell)
    assert "Cell" in text and "n=3" in text
