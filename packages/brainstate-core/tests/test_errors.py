"""The error classes, and the errors a State raises on bad input or a broken value."""

import dataclasses
import inspect
import re
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_core as bsc
from brainstate_core import (
    BrainStateError,
    DeletedStateError,
    EnvironError,
    HiddenState,
    LeakedTracerError,
    ParamState,
    RandomKeyError,
    State,
    StateTraceError,
    StateTreeError,
    StateValueError,
    check_state_value_tree,
)
from brainstate_core.extend import StateTraceStack

ERRORS = [
    (StateValueError, ValueError),
    (StateTreeError, ValueError),
    (StateTraceError, RuntimeError),
    (LeakedTracerError, RuntimeError),
    (DeletedStateError, RuntimeError),
    (EnvironError, KeyError),
    (RandomKeyError, ValueError),
]


def _line() -> int:
    return inspect.currentframe().f_back.f_lineno


def _site(line: int) -> str:
    return re.escape(f"(created at {__file__}:{line})")


# -- the classes ----------------------------------------------------------------------------
@pytest.mark.parametrize(("cls", "builtin"), ERRORS, ids=[c.__name__ for c, _ in ERRORS])
def test_error_classes(cls, builtin):
    assert issubclass(cls, BrainStateError) and issubclass(cls, builtin)
    assert cls.__module__ == "brainstate_core"
    assert cls is getattr(bsc.errors, cls.__name__)
    doc = inspect.getdoc(cls)
    assert doc and doc != inspect.getdoc(BrainStateError) and len(doc) > 40
    with pytest.raises(builtin):
        raise cls("message")
    with pytest.raises(BrainStateError):
        raise cls("message")


def test_base_class():
    assert issubclass(BrainStateError, Exception) and BrainStateError.__doc__
    assert issubclass(LeakedTracerError, StateTraceError)


def test_environ_error_message_is_not_quoted():
    assert str(EnvironError("dt is not set")) == "dt is not set"
    assert str(KeyError("dt is not set")) == "'dt is not set'"
    assert str(EnvironError()) == ""


# -- a State as a value ---------------------------------------------------------------------
def test_assigning_a_state_raises_and_keeps_value():
    s = ParamState(jnp.ones(2), name="w")
    line = _line() - 1
    before = s.value
    with StateTraceStack() as trace:
        with pytest.raises(StateValueError, match=r"ParamState 'w' " + _site(line)) as info:
            s.value = State(jnp.zeros(2))
    assert "`.value = other.value`" in str(info.value)
    assert s.value is before
    assert trace.get_write_states() == []  # the failed write is not recorded
    with pytest.raises(ValueError):  # the builtin base works in except clauses
        s.value = HiddenState(1.0)


@pytest.mark.parametrize("cls", [State, ParamState, HiddenState])
def test_constructing_with_a_state_takes_its_value_as_brainstate_01(cls):
    inner = State(jnp.ones(2), name="inner")
    outer = cls(inner)
    assert outer.value is inner.value and outer.name is None
    with bsc.catch_new_states() as catcher:
        cls(inner)
    assert len(catcher) == 1


# -- tree structure -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({"a": 1.0, "b": 2.0}, {"a": 1.0}),
        ({"a": 1.0}, {"b": 1.0}),
        ([1.0, 2.0], (1.0, 2.0)),
        (jnp.zeros(2), [jnp.zeros(2)]),
        ((1.0,), (1.0, None, 2.0)),
    ],
    ids=["missing-key", "other-key", "list-to-tuple", "wrapped", "extra-leaf"],
)
def test_tree_mismatch(old, new):
    s = State(old, name="v")
    line = _line() - 1
    with check_state_value_tree():
        with pytest.raises(StateTreeError, match=r"State 'v' " + _site(line)) as info:
            s.value = new
        assert s.value is old
        assert "check_state_value_tree()" in str(info.value)
    s.value = new  # allowed outside the block
    assert s.value is new


def test_tree_check_is_thread_local():
    import threading

    s = State({"a": 1.0})
    done = []

    def other_thread():
        s.value = [1.0]  # the check is not on in this thread
        done.append(True)

    with check_state_value_tree():
        th = threading.Thread(target=other_thread)
        th.start()
        th.join()
    assert done == [True] and s.value == [1.0]


# -- leaked tracers -------------------------------------------------------------------------
def _leak_with(transform, s):
    def f(x):
        s.value = s.value + x
        return x

    transform(f)(jnp.ones(()))


LEAKERS = {
    "jit": jax.jit,
    "vmap": lambda f: lambda x: jax.vmap(f)(jnp.stack([x, x])),
    "grad": jax.grad,
    "scan": lambda f: lambda x: jax.lax.scan(lambda c, _: (f(c), None), x, None, length=2),
}


@pytest.mark.parametrize("transform", LEAKERS.values(), ids=LEAKERS.keys())
def test_leaked_tracer_is_detected_at_next_read(transform):
    s = HiddenState(jnp.zeros(()), name="v")
    line = _line() - 1
    _leak_with(transform, s)
    for _ in range(2):  # reading does not change the State: it raises again
        with pytest.raises(LeakedTracerError, match=r"HiddenState 'v' " + _site(line)) as info:
            _ = s.value
    assert "bst.compile.jit" in str(info.value)
    with pytest.raises(LeakedTracerError):
        s.value += 1  # reads first
    s.value = jnp.ones(())  # a concrete write clears it
    assert float(s.value) == 1.0


def test_reading_inside_the_same_trace_is_fine():
    s = State(jnp.zeros(3), name="v")

    @jax.jit
    def f(x):
        s.value = s.value + x
        inner = jax.jit(lambda: s.value * 2)()  # a nested trace may read it too
        return s.value * 10 + inner

    np.testing.assert_array_equal(f(jnp.ones(3)), np.full(3, 12.0))
    with pytest.raises(LeakedTracerError):
        _ = s.value


def test_leaked_tracer_read_in_a_later_jit():
    s = State(jnp.zeros(()), name="v")
    _leak_with(jax.jit, s)
    with pytest.raises(LeakedTracerError, match="'v'"):
        jax.jit(lambda: s.value)()


def test_leaked_tracer_inside_containers():
    s = State({"a": jnp.zeros(()), "b": [1.0]}, name="tree")

    @jax.jit
    def f(x):
        s.value = {"a": x, "b": [x * 2]}
        return x

    f(1.0)
    with pytest.raises(LeakedTracerError, match="'tree'"):
        _ = s.value


@jax.tree_util.register_dataclass
@dataclasses.dataclass
class Quantity:
    """A user pytree node (like a value with units)."""

    mantissa: jax.Array
    unit: str = dataclasses.field(metadata=dict(static=True), default="mV")


def test_leaked_tracer_inside_a_custom_pytree():
    s = State(Quantity(jnp.zeros(())), name="q")
    assert s.value.unit == "mV"
    jax.jit(lambda x: setattr(s, "value", Quantity(x)) or x)(1.0)
    with pytest.raises(LeakedTracerError, match="'q'"):
        _ = s.value
    s.value = Quantity(jnp.ones(()))
    assert float(s.value.mantissa) == 1.0


def test_restore_value_with_tracer_is_checked():
    s = State(jnp.zeros(()), name="r")
    jax.jit(lambda x: s.restore_value(x) or x)(1.0)
    with pytest.raises(LeakedTracerError):
        _ = s.value
    s.restore_value(jnp.ones(()))
    assert float(s.value) == 1.0


# -- deleted arrays -------------------------------------------------------------------------
def test_deleted_array_is_detected():
    arr = jnp.ones(3)
    s = ParamState(arr, name="w")
    line = _line() - 1
    arr.delete()
    for _ in range(2):
        with pytest.raises(DeletedStateError, match=r"ParamState 'w' " + _site(line)) as info:
            _ = s.value
    assert "deleted" in str(info.value)
    assert s.numel() == 3  # the metadata of the State is still usable
    s.value = jnp.zeros(3)
    np.testing.assert_array_equal(s.value, np.zeros(3))


def test_deleted_array_inside_container():
    arr = jnp.ones(2)
    s = State({"a": jnp.zeros(1), "b": [arr]}, name="tree")
    arr.delete()
    with pytest.raises(DeletedStateError, match="'tree'"):
        _ = s.value


def test_deleted_array_inside_a_custom_pytree():
    arr = jnp.ones(2)
    s = State(Quantity(arr), name="q")
    arr.delete()
    with pytest.raises(DeletedStateError, match="'q'"):
        _ = s.value


def test_donated_array_is_detected():
    s = State(jnp.ones(3), name="donated")
    f = jax.jit(lambda x: x + 1, donate_argnums=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "donated buffers were not usable" on some backends
        out = f(s.value)
    if not s._value.is_deleted():
        pytest.skip("buffer donation is a no-op on this backend")
    with pytest.raises(DeletedStateError, match="'donated'"):
        _ = s.value
    s.value = out
    np.testing.assert_array_equal(s.value, np.full(3, 2.0))


def test_a_state_nested_in_a_value_is_rejected_and_the_state_kept():
    inner = State(jnp.zeros(2), name="inner")
    outer = State({"a": jnp.ones(2)}, name="outer")
    with pytest.raises(StateValueError, match=r"contains State 'inner'"):
        outer.value = {"a": inner}
    assert float(outer.value["a"][0]) == 1.0
    with pytest.raises(StateValueError, match=r"contains State 'inner'"):
        State([jnp.zeros(1), inner])


def test_a_state_created_while_traced_and_kept_gets_its_own_explanation():
    box = {}

    @jax.jit
    def lazy(x):
        with StateTraceStack():  # what a State-aware transform does around user code
            box["s"] = HiddenState(x * 2, name="lazy")
        return x

    lazy(1.0)
    with pytest.raises(LeakedTracerError, match=r"created inside a transformed function"):
        _ = box["s"].value
