"""The State family: values, subclasses, metadata, helpers, catchers and the public surface."""

import inspect
import subprocess
import sys

import hypothesis.extra.numpy as hnp
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, strategies as st

import brainstate_core as bsc
from brainstate_core import (
    BatchState,
    HiddenState,
    LongTermState,
    ParamState,
    ShortTermState,
    State,
    StateTreeError,
    StateValueError,
    TreefyState,
    catch_new_states,
    check_state_value_tree,
)
from brainstate_core.extend import StateTraceStack


class Counter(State):
    pass


STATE_TYPES = [State, ShortTermState, LongTermState, ParamState, HiddenState, BatchState, Counter]

# Small pytrees of float32 arrays (numpy leaves keep hypothesis fast; JAX accepts them).
_leaves = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3).map(
    lambda shape: np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
)
pytrees = st.recursive(
    _leaves,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3),
        st.lists(children, min_size=1, max_size=3).map(tuple),
        st.dictionaries(st.text("abc", min_size=1, max_size=2), children, min_size=1, max_size=3),
    ),
    max_leaves=6,
)


def _line() -> int:
    """The line number of the caller."""
    return inspect.currentframe().f_back.f_lineno


def _trees_equal(a, b) -> bool:
    return jax.tree.structure(a) == jax.tree.structure(b) and all(
        np.array_equal(x, y) for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b))
    )


# -- values ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        3,
        2.5,
        jnp.ones(3),
        np.arange(4.0),
        {"a": jnp.ones(3), "b": jnp.zeros(4)},
        [jnp.ones(2), 1.0],
        (jnp.ones(2), {"c": 3}),
    ],
    ids=["int", "float", "jax", "numpy", "dict", "list", "tuple"],
)
def test_state_wraps_any_pytree(value):
    s = State(value)
    assert s.value is value
    new = jax.tree.map(lambda x: x + 1, value)
    s.value = new
    assert s.value is new
    assert _trees_equal(s.value, jax.tree.map(lambda x: x + 1, value))


def test_augmented_assignment_reads_then_writes():
    s = State(jnp.zeros(3))
    s.value += 2
    s.value *= 3
    np.testing.assert_array_equal(s.value, np.full(3, 6.0))


@given(pytrees)
def test_state_holds_random_pytrees(tree):
    s = ParamState(tree)
    assert s.value is tree
    assert s.numel() == sum(np.size(x) for x in jax.tree.leaves(tree))
    doubled = s.value_call(lambda x: x * 2)
    assert _trees_equal(doubled, jax.tree.map(lambda x: x * 2, tree))
    # a value of the same structure is accepted under the tree check
    with check_state_value_tree():
        s.value = doubled
    assert s.value is doubled
    # a value of another structure is refused there, and the State keeps its value
    with check_state_value_tree(), pytest.raises(StateTreeError):
        s.value = [doubled]
    assert s.value is doubled


@pytest.mark.parametrize("cls", STATE_TYPES)
def test_subclasses_behave_like_state(cls):
    s = cls(jnp.zeros(2), name="x", unit="mV")
    assert isinstance(s, State)
    s.value = s.value + 1
    np.testing.assert_array_equal(s.value, np.ones(2))
    assert s.name == "x" and s.metadata == {"unit": "mV"}
    assert repr(s).startswith(f"{cls.__name__}(\n  value=")
    assert s.describe().startswith(f"{cls.__name__} 'x' (created at ")
    c = s.copy()
    assert type(c) is cls
    assert type(s.to_state_ref().to_state()) is cls
    with StateTraceStack() as trace:
        s.value = s.value * 2
    assert trace.get_write_states() == [s]


def test_subclass_hierarchy():
    assert issubclass(ParamState, LongTermState)
    assert issubclass(HiddenState, ShortTermState)
    assert issubclass(BatchState, LongTermState)
    assert not issubclass(ParamState, ShortTermState)
    assert not issubclass(HiddenState, LongTermState)


@pytest.mark.parametrize("cls", STATE_TYPES)
def test_state_is_not_a_pytree(cls):
    s = cls({"a": jnp.ones(2), "b": [1.0, 2.0]})
    assert jax.tree.leaves(s) == [s]
    assert jax.tree.structure(s).num_leaves == 1
    assert jax.tree.leaves({"k": s, "j": [s]}) == [s, s]
    # jax.tree.map treats it as one opaque leaf
    assert jax.tree.map(lambda x: x, [s])[0] is s


# -- identity and description ---------------------------------------------------------------
def test_name_tag_and_metadata():
    s = State(1.0)
    assert s.name is None and s.tag is None and s.metadata == {}
    s.name = "v"
    s.tag = "hidden"
    assert s.name == "v" and s.tag == "hidden"
    s2 = LongTermState(1.0, name="w", tag="t", unit="ms")
    assert s2.metadata == {"tag": "t", "unit": "ms"}
    # metadata is a copy: mutating it does not change the State
    m = s2.metadata
    m["unit"] = "s"
    m["new"] = 1
    assert s2.metadata == {"tag": "t", "unit": "ms"}


def test_source_info_points_at_creating_line():
    s = State(1.0)
    line = _line() - 1
    assert s.source_info == f"{__file__}:{line}"
    assert s.describe() == f"State (created at {__file__}:{line})"
    p = ParamState(jnp.ones(2), name="w")
    line = _line() - 1
    assert p.describe() == f"ParamState 'w' (created at {__file__}:{line})"


def test_source_info_in_helper_and_user_subclass():
    def make():
        return HiddenState(0.0)  # the creating line

    expected = make.__code__.co_firstlineno + 1
    assert make().source_info == f"{__file__}:{expected}"

    class Scaled(State):
        def __init__(self, value, scale):
            super().__init__(value * scale, name="scaled")

    s = Scaled(2.0, 3)
    line = _line() - 1
    assert s.value == 6.0
    # the site is where the user made the State, not the subclass's super().__init__ line
    assert s.source_info == f"{__file__}:{line}"


def test_source_info_of_state_made_from_ref():
    # a State rebuilt from its ref (e.g. by graph.treefy_merge) points at the original site
    ref = State(1.0).to_state_ref()
    line = _line() - 1
    s = ref.to_state()
    assert s.source_info == f"{__file__}:{line}"
    # a ref that went through a pytree transformation lost the site: it is where we rebuild
    mapped = jax.tree.map(lambda v: v, ref)
    s2 = mapped.to_state()
    line = _line() - 1
    assert s2.source_info == f"{__file__}:{line}"


# -- helpers --------------------------------------------------------------------------------
def test_copy_is_independent():
    s = ParamState(jnp.ones(3), name="w", tag="t", unit="mV")
    c = s.copy()
    assert c is not s and type(c) is ParamState
    assert c.value is s.value
    assert c.name == "w" and c.metadata == s.metadata
    c.value = jnp.zeros(3)
    np.testing.assert_array_equal(s.value, np.ones(3))
    s.value = jnp.full(3, 5.0)
    np.testing.assert_array_equal(c.value, np.zeros(3))
    c.tag = "other"
    assert s.tag == "t"
    c.name = "c"
    assert s.name == "w"


def test_copy_inside_recorder_is_local_to_it():
    s = State(jnp.ones(()))
    with StateTraceStack() as trace:
        c = s.copy()
        c.value = c.value + 1
    assert trace.get_states() == []


def test_replace():
    s = ShortTermState(jnp.ones(2), name="v", tag="t")
    r = s.replace(jnp.zeros(2), tag="u", unit="mV")
    assert type(r) is ShortTermState and r is not s
    np.testing.assert_array_equal(r.value, np.zeros(2))
    assert r.name == "v" and r.metadata == {"tag": "u", "unit": "mV"}
    # the original is untouched
    np.testing.assert_array_equal(s.value, np.ones(2))
    assert s.metadata == {"tag": "t"}
    # metadata only: the value is shared
    r2 = s.replace(tag="w")
    assert r2.value is s.value and r2.tag == "w"
    # None is a legitimate value (not "missing")
    assert s.replace(None).value is None


def test_replace_refuses_a_state_value():
    s = State(1.0, name="a")
    with pytest.raises(StateValueError, match="State"):
        s.replace(State(2.0))


def test_value_call_and_numel():
    s = State({"a": jnp.ones((2, 3)), "b": 1.0, "c": [np.zeros(4)]})
    assert s.numel() == 6 + 1 + 4
    out = s.value_call(lambda x: jnp.asarray(x).shape)
    assert out == {"a": (2, 3), "b": (), "c": [(4,)]}
    with StateTraceStack() as trace:
        s.value_call(lambda x: x)
    assert trace.get_read_states() == [s]


def test_restore_value_is_not_recorded_nor_checked():
    s = State({"a": 1.0})
    with StateTraceStack() as trace, check_state_value_tree():
        s.restore_value([1.0, 2.0])  # other structure: no check
    assert trace.get_states() == []
    assert s.value == [1.0, 2.0]


def test_state_ref_round_trip():
    s = ParamState(jnp.arange(3.0), name="w", tag="t")
    ref = s.to_state_ref()
    assert isinstance(ref, TreefyState)
    assert ref.type is ParamState and ref.name == "w" and ref.tag == "t"
    assert ref.value is s.value
    t = ParamState(jnp.zeros(3), name="other")
    with StateTraceStack() as trace:
        t.update_from_ref(ref.replace(ref.value + 1, unit="mV"))
    assert trace.get_write_states() == [t]
    np.testing.assert_array_equal(t.value, np.arange(3.0) + 1)
    # metadata is taken over, the name is not
    assert t.name == "other" and t.metadata == {"tag": "t", "unit": "mV"}


def test_update_from_ref_respects_tree_check():
    s = State({"a": 1.0}, name="s")
    ref = TreefyState(State, [1.0])
    with check_state_value_tree(), pytest.raises(StateTreeError):
        s.update_from_ref(ref)
    assert s.value == {"a": 1.0}


# -- catch_new_states -----------------------------------------------------------------------
def test_catch_new_states_collects_and_tags():
    before = State(0.0)

    def build():
        return [ParamState(1.0), HiddenState(2.0)]

    with catch_new_states("new") as catcher:
        a = State(0.5)
        inner = build()
        b = a.copy()
        c = a.to_state_ref().to_state()
    assert catcher.get_states() == [a, *inner, b, c]
    assert list(catcher) == catcher.get_states() and len(catcher) == 5
    assert all(s.tag == "new" for s in catcher.get_states())
    assert before.tag is None
    assert catcher.get_state_values() == [0.5, 1.0, 2.0, 0.5, 0.5]
    # after the block nothing more is caught
    State(1.0)
    assert len(catcher) == 5


def test_catch_new_states_without_tag_leaves_tags():
    with catch_new_states() as catcher:
        s = State(1.0, tag="mine")
    assert catcher.get_states() == [s] and s.tag == "mine"


@pytest.mark.parametrize(
    "exclude",
    [ShortTermState, (HiddenState, ShortTermState), lambda s: isinstance(s, ShortTermState)],
    ids=["type", "tuple", "predicate"],
)
def test_catch_new_states_excludes(exclude):
    with catch_new_states("t", state_to_exclude=exclude) as catcher:
        p = ParamState(1.0)
        h = HiddenState(1.0)
        s = ShortTermState(1.0)
    assert catcher.get_states() == [p]
    assert p.tag == "t" and h.tag is None and s.tag is None


def test_catch_new_states_predicate_on_name():
    with catch_new_states("t", state_to_exclude=lambda s: s.name == "skip") as catcher:
        a = State(1.0, name="keep")
        State(1.0, name="skip")
    assert catcher.get_states() == [a]


def test_nested_catchers():
    with catch_new_states("outer") as outer:
        a = State(1.0)
        with catch_new_states("inner", state_to_exclude=LongTermState) as inner:
            b = State(2.0)
            p = ParamState(3.0)
        c = State(4.0)
    assert outer.get_states() == [a, b, p, c]
    assert inner.get_states() == [b]
    # the innermost catcher that takes a State decides its tag
    assert (a.tag, b.tag, p.tag, c.tag) == ("outer", "inner", "outer", "outer")


def test_catcher_removed_after_exception():
    with pytest.raises(ZeroDivisionError), catch_new_states("t") as catcher:
        State(1.0)
        _ = 1 / 0
    s = State(2.0)
    assert len(catcher) == 1 and s.tag is None
    with catch_new_states("u") as again:
        t = State(3.0)
    assert again.get_states() == [t]


# -- check_state_value_tree -----------------------------------------------------------------
def test_tree_check_only_inside_block():
    s = State({"a": 1.0, "b": 2.0}, name="s")
    s.value = {"a": 1.0}  # allowed outside
    with check_state_value_tree():
        with pytest.raises(StateTreeError):
            s.value = {"a": 1.0, "b": 2.0}
        s.value = {"a": 5.0}  # same structure
        with check_state_value_tree(False):
            s.value = (1.0, 2.0)  # turned off for the inner block
        with pytest.raises(StateTreeError):
            s.value = {"a": 1.0}  # on again: tuple -> dict
    s.value = 3.0
    assert s.value == 3.0


def test_tree_check_flag_restored_after_exception():
    s = State([1.0, 2.0])
    with pytest.raises(KeyError), check_state_value_tree():
        raise KeyError("boom")
    s.value = (1.0,)
    assert s.value == (1.0,)


def test_tree_check_does_not_compare_shapes():
    s = State(jnp.zeros(3))
    with check_state_value_tree():
        s.value = jnp.zeros((2, 2))
    assert s.value.shape == (2, 2)


# -- the public surface ---------------------------------------------------------------------
PUBLIC_OBJECTS = [
    name for name in bsc.__all__ if isinstance(getattr(bsc, name), (type, type(lambda: 0)))
]


@pytest.mark.parametrize("name", PUBLIC_OBJECTS)
def test_public_objects_report_public_module(name):
    assert getattr(bsc, name).__module__ == "brainstate_core"


def test_public_names_are_exported():
    for name in bsc.__all__:
        assert hasattr(bsc, name), name
    assert isinstance(bsc.__version__, str)


def test_import_does_not_initialise_a_backend():
    code = (
        "import brainstate_core, brainstate_core.extend, brainstate_core.errors\n"
        "from jax._src import xla_bridge\n"
        "assert not xla_bridge.backends_are_initialized(), 'backend initialised on import'\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# -- brainstate 0.1 compatibility: metadata as attributes, a State as the value, the repr ---
def test_metadata_reads_and_writes_as_attributes():
    s = ParamState(jnp.zeros(2), name="w", tag="syn", lr=0.1)
    assert s.lr == 0.1 and s.tag == "syn"
    s.lr = 0.2
    assert s.metadata == {"tag": "syn", "lr": 0.2}
    assert s.copy().lr == 0.2 and s.replace(lr=0.3).lr == 0.3 and s.lr == 0.2
    back = s.to_state_ref().to_state()
    assert back.lr == 0.2 and back.metadata == s.metadata
    s.extra = 1  # a new attribute is not metadata
    assert "extra" not in s.metadata
    with pytest.raises(AttributeError, match="momentum"):
        _ = s.momentum
    del s.lr  # deleting the attribute removes the entry; the State stays usable
    assert s.metadata == {"tag": "syn"} and "lr" not in repr(s) and s.copy().tag == "syn"


def test_metadata_named_like_a_method_stays_out_of_the_way():
    s = State(1.0, copy="c", _private=2)
    assert s.metadata == {"copy": "c", "_private": 2}
    assert s.copy().metadata == s.metadata  # `copy` is still the method


def test_a_state_given_as_value_is_unwrapped():
    inner = ParamState(jnp.arange(3.0), name="w", lr=0.1)
    with StateTraceStack() as trace:
        outer = ShortTermState(inner)
    np.testing.assert_array_equal(outer.value, inner.value)
    assert outer.name is None and outer.metadata == {}
    assert trace.get_read_states() == [inner]


def test_repr_shows_name_tag_and_metadata():
    s = ParamState(jnp.zeros(2), name="w", tag="syn", lr=0.1)
    assert repr(s) == (
        "ParamState(\n"
        "  value=Array([0., 0.], dtype=float32),\n"
        "  name='w',\n"
        "  tag='syn',\n"
        "  lr=0.1\n"
        ")"
    )
    s.tag = None
    assert (
        repr(s) == "ParamState(\n  value=Array([0., 0.], dtype=float32),\n  name='w',\n  lr=0.1\n)"
    )
