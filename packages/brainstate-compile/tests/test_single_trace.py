"""Each level of nested transforms runs the user's Python once per signature.

Discovery traces a function to learn its States; the retrace that follows replays that
recording instead of running the function again (so loops nested n deep do not run their
innermost body 2**n times).
"""

import collections

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_compile as bc
import brainstate_core as bsc
from brainstate_core import environ


def _counted(fn, counts, name):
    def wrapper(*args, **kwargs):
        counts[name] += 1
        return fn(*args, **kwargs)

    wrapper.__qualname__ = name
    return wrapper


def test_jit_runs_its_function_once_on_the_first_call():
    s = bsc.State(jnp.zeros(3))
    counts = collections.Counter()

    @bc.jit
    def f(x):
        counts["f"] += 1
        s.value = s.value + x
        return s.value.sum()

    assert float(f(1.0)) == 3.0
    assert float(f(2.0)) == 9.0
    assert counts["f"] == 1
    np.testing.assert_allclose(s.value, 3.0)


@pytest.mark.parametrize("outer", ["jit", "top"])
def test_loops_nested_three_deep_run_each_body_once(outer):
    acc = bsc.State(jnp.zeros(()), name="acc")
    counts = collections.Counter()

    def inner(j):
        counts["inner"] += 1
        acc.value = acc.value + j

    def middle(i):
        counts["middle"] += 1
        local = bsc.State(jnp.zeros(()))  # local to this level: found afresh each trace

        def add(j):
            local.value = local.value + 1.0
            inner(j)

        bc.for_loop(add, jnp.arange(3.0))
        acc.value = acc.value + i * local.value

    def top():
        counts["top"] += 1
        bc.for_loop(middle, jnp.arange(4.0))
        return acc.value

    run = bc.jit(top) if outer == "jit" else (lambda: top())
    out = run()
    # each middle step adds 0 + 1 + 2 and then 3 * i
    expected = sum(3.0 + 3.0 * i for i in range(4))
    np.testing.assert_allclose(out, expected)
    np.testing.assert_allclose(acc.value, expected)
    assert counts["top"] == 1
    assert counts["middle"] == 1
    assert counts["inner"] == 1


def test_nested_while_loop_runs_cond_and_body_once():
    n = bsc.State(jnp.zeros((), jnp.int32), name="n")
    counts = collections.Counter()

    def cond(k):
        counts["cond"] += 1
        return k < 5

    def body(k):
        counts["body"] += 1
        n.value = n.value + 1
        return k + 1

    @bc.jit
    def f():
        return bc.for_loop(lambda i: bc.while_loop(cond, body, i), jnp.arange(3))

    np.testing.assert_array_equal(f(), [5, 5, 5])
    assert int(n.value) == 5 + 4 + 3
    assert counts == {"cond": 1, "body": 1}


def test_switch_branches_that_write_different_states_run_once_each():
    a = bsc.State(jnp.zeros(()), name="a")
    b = bsc.State(jnp.zeros(()), name="b")
    counts = collections.Counter()

    def to_a(x):
        counts["a"] += 1
        a.value = a.value + x
        return x

    def to_b(x):
        counts["b"] += 1
        b.value = b.value - x
        return -x

    @bc.jit
    def f(i, x):
        return bc.switch(i, [to_a, to_b], x)

    assert float(f(0, 2.0)) == 2.0
    assert float(f(1, 3.0)) == -3.0
    assert (float(a.value), float(b.value)) == (2.0, -3.0)
    assert counts == {"a": 1, "b": 1}


def test_effects_of_a_replayed_body_happen_once_per_iteration():
    s = bsc.State(jnp.zeros(()))
    seen = []

    def body(i):
        jax.debug.callback(lambda v: seen.append(int(v)), i)
        s.value = s.value + 1.0

    @bc.jit
    def f():
        bc.for_loop(lambda k: bc.for_loop(body, jnp.arange(2) + 10 * k), jnp.arange(3))

    f()
    jax.effects_barrier()
    assert sorted(seen) == [0, 1, 10, 11, 20, 21]
    assert float(s.value) == 6.0


def test_a_body_closing_over_an_outer_value_replays_correctly():
    s = bsc.State(jnp.zeros(()))

    @bc.jit
    def f(scale):
        def middle(i):
            def add(j):
                s.value = s.value + scale * j  # `scale` is a tracer of the enclosing jit

            bc.for_loop(add, jnp.arange(3.0))

        bc.for_loop(middle, jnp.arange(2))
        return s.value

    np.testing.assert_allclose(f(2.0), 2 * 2.0 * (0 + 1 + 2))


def test_replayed_calls_still_key_programs_on_the_settings_they_read():
    s = bsc.State(jnp.zeros(()))

    def body(i):
        s.value = s.value + (1.0 if environ.get("fit", default=False) else -1.0)

    sf = bc.StatefulFunction(lambda: bc.for_loop(body, jnp.arange(3)))
    with environ.context(fit=True):
        sf()
    np.testing.assert_allclose(s.value, 3.0)
    sf()  # fit=False: a different program, not the one traced under fit=True
    np.testing.assert_allclose(s.value, 0.0)


def test_a_weakly_typed_state_carried_through_a_loop_keeps_jax_promotion():
    # The discovery trace sees the Python float; the loop carries it as a float32 array.
    # The replay must not reuse a recording made for the other type.
    s = bsc.State(0.0)
    xs = jnp.ones(3, jnp.bfloat16)

    def body(x):
        s.value = s.value + x

    @bc.jit
    def f():
        bc.for_loop(body, xs)
        return s.value

    out = f()
    expected_dtype = (jnp.zeros((), jnp.float32) + xs[0]).dtype
    assert out.dtype == expected_dtype
    np.testing.assert_allclose(np.asarray(out, np.float32), 3.0)


def test_an_error_in_a_replayed_level_leaves_states_as_they_were():
    s = bsc.State(jnp.ones(2), name="s")

    def inner(j):
        s.value = s.value + j

    def f(fail):
        bc.for_loop(inner, jnp.arange(2.0))
        if fail:
            raise RuntimeError("boom")
        return s.value

    with pytest.raises(RuntimeError, match="boom"):
        bc.jit(f, static_argnums=0)(True)
    np.testing.assert_allclose(s.value, [1.0, 1.0])
    np.testing.assert_allclose(bc.jit(f, static_argnums=0)(False), [2.0, 2.0])


def test_a_python_number_state_written_in_nested_loops_costs_one_extra_trace_per_level():
    # The loops carry the number as a float32 array (as lax.scan promotes a weakly typed
    # carry), so the level that first saw the Python float traces once more; no more.
    d = bsc.State(0.0)
    counts = collections.Counter()

    class Net:
        def step(self, j):
            counts["inner"] += 1
            d.value += j

    net = Net()

    def outer(i):
        counts["outer"] += 1
        bc.for_loop(lambda j: net.step(j), jnp.arange(3.0))  # a new lambda on each trace

    bc.jit(lambda: bc.for_loop(outer, jnp.arange(4)))()
    np.testing.assert_allclose(d.value, 4 * 3.0)
    assert counts["outer"] <= 2 and counts["inner"] <= 2


def test_functions_equal_in_code_but_not_in_what_they_close_over_are_not_confused():
    a = bsc.State(jnp.zeros(()), name="a")
    b = bsc.State(jnp.zeros(()), name="b")

    def adder(s, scale):
        def add(j):
            s.value = s.value + scale * j

        return add

    class AlwaysEqual:
        def __init__(self, s):
            self.s = s

        def __eq__(self, other):
            return True

        def __hash__(self):
            return 0

        def add(self, j):
            self.s.value = self.s.value - j

    @bc.jit
    def f():
        for s, scale in ((a, 1.0), (b, 10.0)):
            bc.for_loop(adder(s, scale), jnp.arange(3.0))
        for s in (a, b):
            bc.for_loop(AlwaysEqual(s).add, jnp.arange(3.0))
        for s in (a, b):
            bc.for_loop(lambda j, s=s: s.__setattr__("value", s.value + 100.0), jnp.arange(2.0))
        return a.value, b.value

    out_a, out_b = f()
    np.testing.assert_allclose([out_a, out_b], [3.0 - 3.0 + 200.0, 30.0 - 3.0 + 200.0])


def test_concrete_values_stay_concrete_in_branches():
    n = bsc.State(jnp.asarray(3))

    def f(x):
        return x * jnp.ones(int(n.value)).sum()  # needs a concrete State value

    assert float(bc.cond(True, f, f, 2.0)) == 6.0


def test_a_failed_discovery_keeps_no_recording():
    s = bsc.State(jnp.zeros(()))
    flags = {"fail": True}
    counts = collections.Counter()

    def step(x):
        counts["step"] += 1
        s.value = s.value + x
        if flags["fail"]:
            raise ValueError("not yet")
        return s.value

    f = bc.jit(step)
    with pytest.raises(ValueError, match="not yet"):
        f(1.0)
    flags["fail"] = False
    assert float(f(1.0)) == 1.0  # traced afresh, not replayed from the failed attempt
    assert counts["step"] == 2
    np.testing.assert_allclose(s.value, 1.0)


def test_recordings_do_not_keep_a_failed_loop_body_alive():
    import gc
    import weakref

    s = bsc.State(jnp.zeros(()))

    def body(i):
        s.value = s.value + jnp.ones(4096)  # shape change: an error after the discovery

    ref = weakref.ref(body)
    with pytest.raises(Exception, match="changed"):
        bc.for_loop(body, jnp.arange(3))
    del body
    gc.collect()
    assert ref() is None
    np.testing.assert_allclose(s.value, 0.0)


def test_a_method_whose_object_changed_an_attribute_is_traced_again():
    class Model:
        def __init__(self):
            self.scale = 1.0  # a plain Python setting the method reads
            self.s = bsc.State(jnp.zeros(()), name="s")

        def step(self, i):
            self.s.value += self.scale

    m = Model()

    def run():
        m.scale = 1.0
        bc.for_loop(m.step, jnp.arange(3))
        m.scale = 2.0
        bc.for_loop(m.step, jnp.arange(3))
        return m.s.value

    assert float(run()) == 9.0
    m.s.value = jnp.zeros(())
    assert float(bc.jit(run)()) == 9.0  # the second loop is not the first one's recording
    m.s.value = jnp.zeros(())
    assert float(bc.cond(True, run, lambda: jnp.zeros(()))) == 9.0


def test_one_while_loop_run_twice_inside_a_branch():
    # The loop's condition reads only `d`; the recording of the first loop's condition
    # was also given `p` (a State of the loop) and must not stand for the second one's.
    p = bsc.State(jnp.ones(()), name="p")
    d = bsc.State(jnp.zeros(()), name="d")

    def cond_fun(j):
        return (j < 1) & (d.value < 100.0)

    def body(j):
        d.value = d.value + p.value
        return j + 1

    def branch():
        bc.while_loop(cond_fun, body, 0)
        bc.while_loop(cond_fun, body, 0)

    bc.cond(True, branch, lambda: None)
    assert float(d.value) == 2.0
    bc.switch(0, [branch, lambda: None])
    assert float(d.value) == 4.0
    bc.while_loop(lambda k: k < 1, lambda k: (branch(), k + 1)[1], 0)
    assert float(d.value) == 6.0 and float(p.value) == 1.0
