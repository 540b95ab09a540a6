"""The multi-line, cycle-safe repr of States and other PrettyRepr objects."""

import threading
from collections import namedtuple

import jax.numpy as jnp
import numpy as np
import pytest

from brainstate_core import HiddenState, ParamState, State
from brainstate_core.extend import PrettyRepr, format_value, pretty_repr


def _lines(*rows: str) -> str:
    return "\n".join(rows)


class Point(PrettyRepr):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __pretty_repr_items__(self):
        return [("x", self.x), ("y", self.y)]


class Node(PrettyRepr):
    """Yields its attributes in insertion order, like a graph Node would."""

    def __init__(self, **attrs):
        self.__dict__.update(attrs)

    def __pretty_repr_items__(self):
        yield from vars(self).items()


class Empty(PrettyRepr):
    pass


# -- States ---------------------------------------------------------------------------------
def test_state_repr_matches_docs():
    assert repr(State(jnp.ones(3))) == "State(\n  value=Array([1., 1., 1.], dtype=float32)\n)"


def test_state_repr_dict_value_matches_docs():
    s = State({"a": jnp.ones(3), "b": jnp.zeros(4)})
    assert repr(s) == _lines(
        "State(",
        "  value={'a': Array([1., 1., 1.], dtype=float32), "
        + "'b': Array([0., 0., 0., 0.], dtype=float32)}",
        ")",
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [(1, "1"), (2.5, "2.5"), (None, "None"), ([1, (2, 3)], "[1, (2, 3)]"), ("a\nb", "'a\\nb'")],
)
def test_state_repr_plain_values(value, text):
    assert repr(HiddenState(value)) == f"HiddenState(\n  value={text}\n)"


def test_multiline_array_continues_at_field_indent():
    s = ParamState(jnp.ones((2, 3)))
    assert repr(s) == _lines(
        "ParamState(",
        "  value=Array([[1., 1., 1.],",
        "         [1., 1., 1.]], dtype=float32)",
        ")",
    )


def test_multiline_array_inside_dict_value():
    s = ParamState({"weight": jnp.ones((2, 1)), "bias": jnp.zeros(1)})
    assert repr(s) == _lines(
        "ParamState(",
        "  value={'weight': Array([[1.],",
        "         [1.]], dtype=float32), 'bias': Array([0.], dtype=float32)}",
        ")",
    )


def test_nested_objects_and_self_cycle_match_docs():
    model = Node(din=2, dout=3, w=ParamState(jnp.ones((2, 3))), b=ParamState(jnp.zeros(3)))
    model.self = model
    assert repr(model) == _lines(
        "Node(",
        "  din=2,",
        "  dout=3,",
        "  w=ParamState(",
        "    value=Array([[1., 1., 1.],",
        "           [1., 1., 1.]], dtype=float32)",
        "  ),",
        "  b=ParamState(",
        "    value=Array([0., 0., 0.], dtype=float32)",
        "  ),",
        "  self=Node(...)",
        ")",
    )


# -- generic PrettyRepr objects -------------------------------------------------------------
def test_point_and_empty():
    assert repr(Point(1, "a")) == "Point(\n  x=1,\n  y='a'\n)"
    assert repr(Empty()) == "Empty()"


def test_list_of_pretty_objects_renders_element_by_element():
    mlp = Node(layers=[Point(1, 2), Point(3, 4)])
    assert repr(mlp) == _lines(
        "Node(",
        "  layers=[Point(",
        "    x=1,",
        "    y=2",
        "  ), Point(",
        "    x=3,",
        "    y=4",
        "  )]",
        ")",
    )


def test_dict_tuple_and_namedtuple_of_pretty_objects():
    Pair = namedtuple("Pair", ["first", "second"])
    n = Node(d={"a": Point(1, 2), "n": 5}, t=(Point(0, 0),), p=Pair(Empty(), 1))
    assert repr(n) == _lines(
        "Node(",
        "  d={'a': Point(",
        "    x=1,",
        "    y=2",
        "  ), 'n': 5},",
        "  t=(Point(",
        "    x=0,",
        "    y=0",
        "  ),),",
        "  p=Pair(Empty(), 1)",
        ")",
    )


def test_plain_containers_use_their_own_repr():
    n = Node(v=[1, {"a": (2,)}], arr=np.arange(3))
    assert repr(n) == "Node(\n  v=[1, {'a': (2,)}],\n  arr=array([0, 1, 2])\n)"


def test_cycle_through_a_container():
    n = Node(name="n")
    n.children = [n, Point(n, 1)]
    assert repr(n) == _lines(
        "Node(",
        "  name='n',",
        "  children=[Node(...), Point(",
        "    x=Node(...),",
        "    y=1",
        "  )]",
        ")",
    )


def test_plain_self_containing_list_does_not_recurse():
    lst = [1]
    lst.append(lst)
    assert repr(Node(v=lst)) == "Node(\n  v=[1, [...]]\n)"
    lst2 = [Point(1, 2)]
    lst2.append(lst2)
    assert repr(Node(v=lst2)).endswith("  ), [...]]\n)")


def test_mutual_cycle():
    a = Node(tag="a")
    b = Node(tag="b", other=a)
    a.other = b
    assert repr(a) == _lines(
        "Node(",
        "  tag='a',",
        "  other=Node(",
        "    tag='b',",
        "    other=Node(...)",
        "  )",
        ")",
    )


def test_shared_object_is_not_a_cycle():
    p = Point(1, 2)
    n = Node(a=p, b=[p])
    text = repr(n)
    assert text.count("x=1") == 2 and "(...)" not in text


def test_non_string_keys_and_custom_name():
    class Tagged(PrettyRepr):
        def __pretty_repr_name__(self):
            return "Custom[int]"

        def __pretty_repr_items__(self):
            return [(0, "zero"), (("a", 1), None)]

    assert repr(Tagged()) == "Custom[int](\n  0='zero',\n  ('a', 1)=None\n)"


def test_exception_while_printing_leaves_no_trace():
    class Broken(PrettyRepr):
        def __pretty_repr_items__(self):
            raise RuntimeError("broken items")

    n = Node(inner=Broken())
    with pytest.raises(RuntimeError, match="broken items"):
        repr(n)
    # n was not left marked as "being printed": it prints in full, not as Node(...)
    n.inner = 1
    assert repr(n) == "Node(\n  inner=1\n)"


def test_pretty_repr_and_format_value_with_indent():
    p = Point(1, 2)
    assert pretty_repr(p) == repr(p)
    assert pretty_repr(p, indent=4) == "Point(\n      x=1,\n      y=2\n    )"
    assert format_value(p, 2) == "Point(\n    x=1,\n    y=2\n  )"
    assert format_value("a", 8) == "'a'"
    assert format_value(np.ones((2, 2)), 3) == "array([[1., 1.],\n          [1., 1.]])"


def test_printing_is_thread_local():
    barrier = threading.Barrier(2, timeout=10)

    class Slow(PrettyRepr):
        def __pretty_repr_items__(self):
            barrier.wait()  # both threads are inside the same object's repr
            return [("v", 1)]

    obj = Slow()
    out, errors = [None, None], []

    def worker(k):
        try:
            out[k] = repr(obj)
        except BaseException as e:  # reported below
            errors.append(e)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert out == ["Slow(\n  v=1\n)"] * 2


def test_a_state_holding_a_deleted_array_still_prints():
    s = State(jnp.ones(3))
    s.value.delete()
    assert "value=<deleted array float32[3]>" in repr(s)
