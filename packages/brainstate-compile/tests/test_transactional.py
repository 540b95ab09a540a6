"""A transform that fails leaves every State exactly as it was before the call."""

import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_compile as bc
import brainstate_core as bsc


class Boom(Exception):
    pass


def _states():
    return (
        bsc.State(jnp.arange(3.0), name="w1"),
        bsc.State({"k": jnp.ones(2), "n": jnp.asarray(0, jnp.int32)}, name="w2"),
        bsc.State(jnp.asarray(7.0), name="r"),
        bsc.State(2.0, name="py"),  # a Python float: restored as the same object too
    )


def _write_then_raise(states, trigger=lambda: True):
    w1, w2, r, py = states

    def touch():
        w1.value = w1.value * 2 + r.value
        w2.value = {"k": w2.value["k"] + 1, "n": w2.value["n"] + 1}
        py.value = py.value + 1.0
        if trigger():
            raise Boom("after writing")

    return touch


# each entry runs a function that writes the States and then raises, inside one transform
TRANSFORMS = {
    "jit": lambda f: bc.jit(f)(),
    "for_loop": lambda f: bc.for_loop(lambda i: f(), jnp.arange(3)),
    "scan": lambda f: bc.scan(lambda c, x: (f(), None), None, jnp.arange(3)),
    "checkpointed_for_loop": lambda f: bc.checkpointed_for_loop(
        lambda i: f(), jnp.arange(5), base=2
    ),
    "while_loop body": lambda f: bc.while_loop(lambda i: i < 3, lambda i: (f(), i + 1)[1], 0),
    "bounded_while_loop": lambda f: bc.bounded_while_loop(
        lambda i: i < 3, lambda i: (f(), i + 1)[1], 0, max_steps=5
    ),
    "cond": lambda f: bc.cond(jnp.asarray(True), f, lambda: None),
    "cond false branch": lambda f: bc.cond(False, lambda: None, f),
    "switch": lambda f: bc.switch(1, [lambda: None, f]),
    "ifelse": lambda f: bc.ifelse([False, True], [lambda: None, f]),
    "remat": lambda f: bc.remat(f)(),
    "StatefulFunction": lambda f: bc.StatefulFunction(f)(),
    "make_jaxpr": lambda f: bc.make_jaxpr(f)(),
    "jit.lower": lambda f: bc.jit(f).lower(),
    "for_loop in jit": lambda f: bc.jit(lambda: bc.for_loop(lambda i: f(), jnp.arange(2)))(),
    "jit in for_loop": lambda f: bc.for_loop(lambda i: bc.jit(f)(), jnp.arange(2)),
    "cond in while_loop in jit": lambda f: bc.jit(
        lambda: bc.while_loop(
            lambda i: i < 2, lambda i: (bc.cond(i > 0, f, lambda: None), i + 1)[1], 0
        )
    )(),
    "jit in jit": lambda f: bc.jit(lambda: bc.jit(f)())(),
}


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_exception_leaves_states_untouched(name, assert_concrete):
    states = _states()
    before = [s.value for s in states]
    with pytest.raises(Boom):
        TRANSFORMS[name](_write_then_raise(states))
    for s, v in zip(states, before):
        assert s.value is v, f"{s.describe()} changed"
    assert_concrete(*states)


@pytest.mark.parametrize("name", ["jit", "for_loop", "cond", "while_loop body", "remat"])
def test_exception_after_other_writes_in_an_outer_jit(name):
    """A nested transform fails after the outer function already wrote a State."""
    outer = bsc.State(jnp.asarray(1.0), name="outer")
    states = _states()
    before = [s.value for s in (outer, *states)]

    @bc.jit
    def run():
        outer.value = outer.value + 100.0
        TRANSFORMS[name](_write_then_raise(states))

    with pytest.raises(Boom):
        run()
    for s, v in zip((outer, *states), before):
        assert s.value is v


def test_failure_on_a_later_trace_after_success():
    """The States are complete and a program is cached; a retrace that fails changes nothing."""
    states = _states()
    w1 = states[0]
    touch = _write_then_raise(states, trigger=lambda: w1.value.shape[0] == 4)
    f = bc.jit(touch)
    f()  # succeeds and writes
    np.testing.assert_allclose(w1.value, [7.0, 9.0, 11.0])
    w1.value = jnp.zeros(4)  # a new shape: retraced, and this trace raises
    before = [s.value for s in states]
    with pytest.raises(Boom):
        f()
    for s, v in zip(states, before):
        assert s.value is v
    w1.value = jnp.zeros(3)
    f()  # the cached program for shape (3,) still works
    np.testing.assert_allclose(w1.value, [7.0, 7.0, 7.0])


def test_failure_in_a_loop_of_a_function_that_creates_states():
    """States created inside a failing transform do not leak into the caller's recorders."""
    keep = bsc.State(jnp.asarray(0.0), name="keep")
    before = keep.value

    def body(i):
        tmp = bsc.State(jnp.asarray(1.0), name="tmp")
        tmp.value += i
        keep.value = keep.value + tmp.value
        raise Boom

    with pytest.raises(Boom):
        bc.for_loop(body, jnp.arange(3.0))
    assert keep.value is before
    # and the transforms keep working afterwards
    bc.for_loop(lambda i: keep.__setattr__("value", keep.value + i), jnp.arange(3.0))
    assert float(keep.value) == 3.0


def test_runtime_error_does_not_write_back():
    s = bsc.State(jnp.asarray(0.0), name="s")
    before = s.value

    @bc.jit
    def f(x):
        s.value = s.value + x
        bc.jit_error_if(s.value > 1, "too big: {}", s.value)
        return s.value

    with pytest.raises(bc.JitError, match=r"too big: 5\.0"):
        f(5.0)
    assert s.value is before
    assert float(f(1.0)) == 1.0


def test_error_in_while_cond_leaves_states_untouched():
    s = bsc.State(jnp.asarray(0.0), name="s")
    before = s.value

    def cond(i):
        if s.value.ndim == 0:
            raise Boom
        return i < 3

    def body(i):
        s.value += 1.0
        return i + 1

    with pytest.raises(Boom):
        bc.while_loop(cond, body, 0)
    assert s.value is before
