"""TreefyState: a State in pytree form (type and metadata static, value the only child)."""

import hypothesis.extra.numpy as hnp
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, strategies as st

from brainstate_core import (
    HiddenState,
    LongTermState,
    ParamState,
    ShortTermState,
    State,
    TreefyState,
)

_leaves = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3).map(
    lambda shape: np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
)
pytrees = st.recursive(
    _leaves,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3),
        st.lists(children, min_size=1, max_size=3).map(tuple),
        st.dictionaries(st.text("xyz", min_size=1, max_size=2), children, min_size=1, max_size=3),
    ),
    max_leaves=5,
)
state_types = st.sampled_from([State, ShortTermState, LongTermState, ParamState, HiddenState])


class Counter(State):
    pass


class NeedsArgs(State):
    """A subclass whose __init__ takes other arguments than State's."""

    def __init__(self, shape, fill):
        super().__init__(jnp.full(shape, fill), name="needs")


def test_from_state_fields():
    s = ParamState(jnp.ones(2), name="w", tag="t", unit="mV")
    ref = s.to_state_ref()
    assert ref.type is ParamState and ref.value is s.value
    assert ref.name == "w" and ref.tag == "t"
    assert ref.metadata == {"tag": "t", "unit": "mV", "name": "w"}
    ref.metadata["unit"] = "s"  # a copy
    assert ref.metadata["unit"] == "mV"
    anon = State(1.0).to_state_ref()
    assert anon.name is None and anon.tag is None and anon.metadata == {}


@pytest.mark.parametrize("cls", [State, HiddenState, ParamState, Counter])
def test_to_state_gives_type_name_value_metadata(cls):
    s = cls(jnp.arange(3.0), name="x", tag="t")
    new = s.to_state_ref().to_state()
    assert type(new) is cls and new is not s
    assert new.name == "x" and new.metadata == {"tag": "t"}
    assert new.value is s.value
    new.value = jnp.zeros(3)
    np.testing.assert_array_equal(s.value, np.arange(3.0))


def test_to_state_of_subclass_with_its_own_init():
    s = NeedsArgs((2,), 3.0)
    new = s.to_state_ref().to_state()
    assert type(new) is NeedsArgs and new.name == "needs"
    np.testing.assert_array_equal(new.value, np.full(2, 3.0))


def test_tree_map_keeps_type_and_metadata():
    ref = LongTermState({"a": jnp.ones(2), "b": [1.0, 2.0]}, name="n", tag="t").to_state_ref()
    assert len(jax.tree.leaves(ref)) == 3
    out = jax.tree.map(lambda x: x * 10, ref)
    assert isinstance(out, TreefyState) and out.type is LongTermState
    assert out.metadata == ref.metadata
    np.testing.assert_array_equal(out.value["a"], np.full(2, 10.0))
    assert out.value["b"] == [10.0, 20.0]
    # a container of refs is a pytree as well
    both = jax.tree.map(lambda x: x + 1, {"r": ref, "s": [ref]})
    assert both["s"][0].type is LongTermState


def test_type_and_metadata_are_part_of_the_treedef():
    v = jnp.ones(2)
    base = jax.tree.structure(TreefyState(State, v, name="a"))
    assert jax.tree.structure(TreefyState(State, v, name="a")) == base
    assert jax.tree.structure(TreefyState(ParamState, v, name="a")) != base
    assert jax.tree.structure(TreefyState(State, v, name="b")) != base


def test_metadata_order_does_not_change_the_treedef():
    v = jnp.ones(2)
    r1 = TreefyState(ParamState, v, name="w", tag="t")
    r2 = ParamState(v, name="w", tag="t").to_state_ref()  # metadata in another order
    assert r1 == r2
    assert jax.tree.structure(r1) == jax.tree.structure(r2)
    out = jax.tree.map(lambda a, b: a + b, r1, r2)
    np.testing.assert_array_equal(out.value, np.full(2, 2.0))


def test_works_as_jit_argument():
    traces = []

    @jax.jit
    def double(ref):
        traces.append(ref)
        assert isinstance(ref, TreefyState) and ref.type is HiddenState
        return ref.replace(ref.value * 2)

    ref = HiddenState(jnp.arange(3.0), name="h", tag="t").to_state_ref()
    out = double(ref)
    assert isinstance(out, TreefyState) and out.type is HiddenState
    assert out.name == "h" and out.tag == "t"
    np.testing.assert_array_equal(out.value, np.arange(3.0) * 2)
    double(ref.replace(jnp.ones(3)))  # same type and metadata: no retrace
    assert len(traces) == 1
    double(ref.replace(tag="u"))  # other metadata: retraced
    assert len(traces) == 2


def test_works_under_vmap_and_grad():
    ref = ParamState(jnp.arange(6.0).reshape(3, 2), name="w").to_state_ref()
    rows = jax.vmap(lambda r: r.value.sum())(ref)
    np.testing.assert_array_equal(rows, np.array([1.0, 5.0, 9.0]))
    g = jax.grad(lambda r: (r.value**2).sum())(ref)
    assert isinstance(g, TreefyState) and g.type is ParamState and g.name == "w"
    np.testing.assert_array_equal(g.value, 2 * np.arange(6.0).reshape(3, 2))


def test_equality_and_hash():
    a = TreefyState(State, {"a": jnp.ones(2)}, name="x")
    assert a == TreefyState(State, {"a": jnp.ones(2)}, name="x")
    assert a != TreefyState(State, {"a": jnp.zeros(2)}, name="x")
    assert a != TreefyState(ParamState, {"a": jnp.ones(2)}, name="x")
    assert a != TreefyState(State, {"a": jnp.ones(2)}, name="y")
    assert a != TreefyState(State, [jnp.ones(2)], name="x")
    assert a != {"a": jnp.ones(2)}
    with pytest.raises(TypeError):
        hash(a)


def test_replace():
    ref = TreefyState(State, 1.0, name="x", tag="t")
    r = ref.replace(2.0, tag="u")
    assert r.value == 2.0 and r.metadata == {"name": "x", "tag": "u"}
    assert ref.value == 1.0 and ref.tag == "t"
    assert ref.replace(None).value is None


def test_repr():
    ref = ParamState(jnp.ones(2), name="w", tag="t").to_state_ref()
    assert repr(ref) == (
        "TreefyState(\n"
        "  type=ParamState,\n"
        "  value=Array([1., 1.], dtype=float32),\n"
        "  tag='t',\n"
        "  name='w'\n"
        ")"
    )


@given(pytrees, state_types, st.sampled_from([None, "n"]), st.sampled_from([None, "t"]))
def test_round_trip_random_pytrees(tree, cls, name, tag):
    meta = {} if tag is None else {"tag": tag}
    s = cls(tree, name=name, **meta)
    ref = s.to_state_ref()
    leaves, treedef = jax.tree.flatten(ref)
    assert len(leaves) == len(jax.tree.leaves(tree))
    back = jax.tree.unflatten(treedef, leaves)
    assert back == ref and back.type is cls and back.metadata == ref.metadata
    mapped = jax.tree.map(lambda x: x + 1, ref)
    assert jax.tree.structure(mapped) == treedef
    new = mapped.to_state()
    assert type(new) is cls and new.name == name and new.tag == tag
    for a, b in zip(jax.tree.leaves(new.value), jax.tree.leaves(tree)):
        np.testing.assert_array_equal(a, b + 1)
