"""``StatefulFunction`` and ``make_jaxpr``: discovery, the traced program, its cache."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.extend.core import ClosedJaxpr, jaxpr_as_fun

import brainstate_compile as bc
import brainstate_core as bsc


def _model():
    a = bsc.State(jnp.ones(2), name="a")
    b = bsc.State(jnp.full(2, 3.0), name="b")
    c = bsc.State(jnp.zeros(()), name="c")
    count = [0]

    def f(x, k=1):
        count[0] += 1
        c.value = c.value + 1.0  # first access: a write
        a.value = a.value * x + b.value  # a read then written; b only read
        return {"s": a.value.sum() * k, "x": x}

    return f, count, a, b, c


def test_states_in_first_access_order_and_read_write_split():
    f, _, a, b, c = _model()
    sf = bc.StatefulFunction(f)
    assert sf.get_states(2.0) == [c, a, b]
    assert sf.get_write_states(2.0) == [c, a]
    assert sf.get_read_states(2.0) == [b]
    # asking does not run or change anything
    np.testing.assert_array_equal(a.value, [1.0, 1.0])
    assert float(c.value) == 0.0


def test_out_shapes_and_jaxpr():
    f, _, *_ = _model()
    sf = bc.StatefulFunction(f)
    shapes = sf.get_out_shapes(jnp.asarray(2.0))
    assert shapes["s"] == jax.ShapeDtypeStruct((), jnp.float32)
    assert shapes["x"].shape == () and shapes["x"].dtype == jnp.float32
    jaxpr = sf.get_jaxpr(jnp.asarray(2.0))
    assert isinstance(jaxpr, ClosedJaxpr)
    # inputs: the 3 State values then the argument; outputs: 2 results then 2 written values
    assert len(jaxpr.in_avals) == 4 and len(jaxpr.out_avals) == 4
    c0, a0, b0 = jnp.asarray(5.0), jnp.asarray([1.0, 2.0]), jnp.asarray([0.5, 0.5])
    s, x, c1, a1 = jaxpr_as_fun(jaxpr)(c0, a0, b0, jnp.asarray(3.0))
    np.testing.assert_allclose(a1, a0 * 3.0 + b0)
    assert float(c1) == 6.0 and float(s) == float((a0 * 3.0 + b0).sum()) and float(x) == 3.0


def test_jaxpr_call_with_explicit_values_touches_no_state():
    f, _, a, b, c = _model()
    sf = bc.StatefulFunction(f)
    before = [s.value for s in (a, b, c)]
    values = [jnp.asarray(10.0), jnp.asarray([1.0, -1.0]), jnp.asarray([2.0, 2.0])]  # c, a, b
    new_values, out = sf.jaxpr_call(values, 3.0, k=2)
    assert float(new_values[0]) == 11.0
    np.testing.assert_allclose(new_values[1], [5.0, -1.0])
    assert new_values[2] is values[2]  # a read-only State's value is passed through
    assert float(out["s"]) == 8.0
    assert all(s.value is v for s, v in zip((a, b, c), before))


def test_call_writes_back():
    f, _, a, _, c = _model()
    sf = bc.StatefulFunction(f)
    out = sf(2.0)
    np.testing.assert_allclose(a.value, [5.0, 5.0])
    assert float(c.value) == 1.0
    assert float(out["s"]) == 10.0
    out = sf(2.0)
    np.testing.assert_allclose(a.value, [13.0, 13.0])
    assert float(c.value) == 2.0


def test_cache_hit_and_retrace_on_state_shape_change():
    f, count, a, b, _ = _model()
    sf = bc.StatefulFunction(f)
    sf.make_jaxpr(2.0)
    n = count[0]
    assert 1 <= n <= 2
    for _ in range(3):
        sf.get_jaxpr(2.0)
        sf(2.0)
    assert count[0] == n  # same signature, same State types: cached
    a.value, b.value = jnp.ones(3), jnp.ones(3)
    jaxpr = sf.get_jaxpr(2.0)  # the States' shapes changed: traced again
    assert count[0] == n + 1
    assert jaxpr.in_avals[1].shape == (3,)
    sf(2.0)
    np.testing.assert_allclose(a.value, [3.0, 3.0, 3.0])
    assert count[0] == n + 1
    sf(jnp.ones(3))  # a new argument type: one new trace
    assert count[0] == n + 2


def test_static_arguments_by_position_and_keyword():
    count = [0]

    def f(x, n, mode="add"):
        count[0] += 1
        return x + n if mode == "add" else x * n

    sf = bc.StatefulFunction(f, static_argnums=1, static_argnames="mode")
    assert float(sf(2.0, 3)) == 5.0
    assert float(sf(2.0, 3, mode="mul")) == 6.0
    assert count[0] == 2
    sf2 = bc.StatefulFunction(f, static_argnames="n")
    assert float(sf2(2.0, 4)) == 6.0  # static by name, passed by position
    jaxpr = sf2.get_jaxpr(2.0, 4)
    assert len(jaxpr.in_avals) == 1  # only x is an input of the program
    with pytest.raises(TypeError, match="hashable"):
        sf.get_jaxpr(2.0, [1, 2])


def test_states_created_inside_are_not_discovered():
    outer = bsc.State(jnp.zeros(()), name="outer")

    def f(x):
        inner = bsc.State(jnp.ones(()) * x, name="inner")
        inner.value = inner.value * 2
        outer.value = outer.value + inner.value
        return inner.value

    sf = bc.StatefulFunction(f)
    assert sf.get_states(1.0) == [outer]
    assert float(sf(2.0)) == 4.0 and float(outer.value) == 4.0


def test_returning_a_state_is_an_error():
    s = bsc.State(jnp.zeros(()), name="escapee")
    with pytest.raises(bsc.StateTraceError, match="'escapee'"):
        bc.StatefulFunction(lambda: [s]).get_jaxpr()


def test_clear_cache_and_repr():
    f, count, *_ = _model()
    sf = bc.StatefulFunction(f, name="model")
    sf(1.0)
    assert "model" in repr(sf) and "cached_traces=1" in repr(sf)
    n = count[0]
    sf.clear_cache()
    assert "cached_traces=0" in repr(sf)
    sf(1.0)
    assert count[0] > n


def test_make_jaxpr():
    s = bsc.State(jnp.zeros(3), name="s")
    r = bsc.State(jnp.ones(3), name="r")

    def f(x, scale):
        s.value += x * r.value * scale
        return s.value.mean()

    jaxpr, states = bc.make_jaxpr(f)(1.0, 2.0)
    assert states == [s, r]
    assert isinstance(jaxpr, ClosedJaxpr)
    out, new_s = jaxpr_as_fun(jaxpr)(jnp.zeros(3), jnp.ones(3), 1.0, 2.0)
    assert float(out) == 2.0
    np.testing.assert_allclose(new_s, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(s.value, np.zeros(3))  # make_jaxpr runs nothing

    jaxpr, states, shapes = bc.make_jaxpr(f, static_argnums=1, return_shape=True)(1.0, 3)
    assert shapes == jax.ShapeDtypeStruct((), jnp.float32)
    assert len(jaxpr.in_avals) == 3  # s, r, x: `scale` is static
    assert make_jaxpr_preserves_name(f)


def make_jaxpr_preserves_name(f):
    return bc.make_jaxpr(f).__name__ == f.__name__


def test_stateful_function_inside_jit():
    s = bsc.State(jnp.zeros(()), name="s")

    def f(x):
        s.value += x
        return s.value

    sf = bc.StatefulFunction(f)

    @bc.jit
    def g(x):
        return sf(x) + sf(x)

    assert float(g(1.0)) == 3.0
    assert float(s.value) == 2.0
    assert float(g(1.0)) == 7.0
    assert float(s.value) == 4.0


def test_reused_inside_transforms_with_trace_local_states():
    # traces inside another transform get a fresh State set: a State local to an enclosing
    # trace that has finished is never passed again
    holder = {}
    g = bsc.State(jnp.zeros(()), name="g")
    sf = bc.StatefulFunction(lambda: holder["s"].value * 2.0)

    def body(i):
        holder["s"] = bsc.State(jnp.asarray(i), name="local")
        g.value += sf()

    bc.for_loop(body, jnp.arange(3.0))
    assert float(g.value) == 6.0


def test_negative_static_argnums_are_refused_with_a_clear_error():
    with pytest.raises(ValueError, match="static_argnums must be non-negative"):
        bc.StatefulFunction(lambda x, n: x * n, static_argnums=-1)
    with pytest.raises(ValueError, match="static_argnums must be non-negative"):
        bc.make_jaxpr(lambda x, n: x * n, static_argnums=-1)(1.0, 2)
