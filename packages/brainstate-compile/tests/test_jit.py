"""``bc.jit``: tracing, caching, write-back, nesting and the ahead-of-time API."""

import functools
from typing import NamedTuple

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given

import brainstate_compile as bc
import brainstate_core as bsc


def _counted(fun):
    """``fun`` and a list whose first element counts how often ``fun`` ran (was traced)."""
    count = [0]

    @functools.wraps(fun)
    def wrapped(*args, **kwargs):
        count[0] += 1
        return fun(*args, **kwargs)

    return wrapped, count


# -- tracing and caching -----------------------------------------------------------------
def test_one_trace_per_signature():
    s = bsc.State(jnp.zeros(3), name="s")
    r = bsc.State(jnp.ones(3), name="r")

    def step(x):
        s.value = s.value + x * r.value
        return s.value.sum()

    body, count = _counted(step)
    f = bc.jit(body)
    f(1.0)
    first = count[0]
    assert 1 <= first <= 2  # at most one extra trace to discover the States
    for x in (2.0, 3.0, 4.0):
        f(x)
    assert count[0] == first, "a call with the same signature must not retrace"
    f(jnp.ones(3))  # a new argument shape: exactly one new trace, the States are known
    assert count[0] == first + 1
    f(jnp.ones(3))
    assert count[0] == first + 1
    np.testing.assert_allclose(s.value, 1 + 2 + 3 + 4 + np.ones(3) * 2)


def test_stateless_function_traces_once():
    body, count = _counted(lambda x: x * 2)
    f = bc.jit(body)
    assert float(f(1.0)) == 2.0
    assert float(f(5.0)) == 10.0
    assert count[0] == 1
    assert f.states == []


def test_retrace_when_state_shape_changes_outside():
    s = bsc.State(jnp.zeros(3), name="s")
    body, count = _counted(lambda x: s.value.sum() + x)
    f = bc.jit(body)
    assert float(f(1.0)) == 1.0
    n = count[0]
    s.value = jnp.ones(5)
    assert float(f(1.0)) == 6.0  # never a stale program compiled for shape (3,)
    assert count[0] == n + 1
    s.value = jnp.ones(5) * 2
    assert float(f(1.0)) == 11.0
    assert count[0] == n + 1


def test_retrace_when_state_dtype_changes_outside():
    s = bsc.State(jnp.zeros(2, jnp.float32), name="s")

    @bc.jit
    def f():
        s.value = s.value + 1
        return s.value

    assert f().dtype == jnp.float32
    s.value = jnp.zeros(2, jnp.int32)
    out = f()
    assert out.dtype == jnp.int32
    assert s.value.dtype == jnp.int32
    np.testing.assert_array_equal(s.value, [1, 1])


def test_read_only_state_is_an_argument_not_a_constant():
    r = bsc.State(jnp.ones(3), name="r")
    body, count = _counted(lambda x: (r.value * x).sum())
    f = bc.jit(body)
    assert float(f(2.0)) == 6.0
    n = count[0]
    for k in (2.0, -1.0, 7.5):
        r.value = jnp.full(3, k, jnp.float32)
        assert float(f(2.0)) == pytest.approx(6.0 * k)
    assert count[0] == n, "changing a read-only State's value must not retrace"
    assert f.states == [r]


@given(st.lists(st.floats(-10, 10, width=32), min_size=1, max_size=6))
def test_writes_are_written_back(xs):
    acc = bsc.State(jnp.zeros(2), name="acc")
    hist = bsc.State(jnp.zeros(()), name="hist")
    scale = bsc.State(jnp.array([1.0, -2.0]), name="scale")

    @bc.jit
    def step(x):
        acc.value = acc.value + x * scale.value
        hist.value = hist.value * 0.5 + acc.value.sum()
        return acc.value * 2

    ref_acc, ref_hist = np.zeros(2, np.float32), np.float32(0)
    for x in xs:
        out = step(x)
        ref_acc = ref_acc + np.float32(x) * np.array([1.0, -2.0], np.float32)
        ref_hist = ref_hist * np.float32(0.5) + ref_acc.sum()
        np.testing.assert_allclose(out, ref_acc * 2, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(acc.value, ref_acc, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(hist.value, ref_hist, rtol=1e-5, atol=1e-4)
    assert isinstance(acc.value, jax.Array) and isinstance(hist.value, jax.Array)


def test_pytree_state_values():
    s = bsc.State({"a": jnp.zeros(2), "b": (jnp.ones(()), jnp.arange(3))}, name="tree")

    @bc.jit
    def f(x):
        v = s.value
        s.value = {"a": v["a"] + x, "b": (v["b"][0] * 2, v["b"][1] + 1)}
        return v["b"][1].sum()

    assert int(f(1.0)) == 3
    assert int(f(1.0)) == 6
    np.testing.assert_array_equal(s.value["a"], [2.0, 2.0])
    assert float(s.value["b"][0]) == 4.0
    np.testing.assert_array_equal(s.value["b"][1], [2, 3, 4])


def test_python_scalar_state_becomes_an_array():
    a = bsc.State(1.0, name="a")

    @bc.jit
    def f():
        a.value += 1.0

    f()
    f()
    assert isinstance(a.value, jax.Array)
    assert float(a.value) == 3.0


# -- arguments ----------------------------------------------------------------------------
def test_static_argnums():
    s = bsc.State(jnp.zeros(()), name="s")

    def add_n(x, n):
        for _ in range(n):  # Python control flow on n: n must be static
            s.value += x
        return s.value

    body, count = _counted(add_n)
    f = bc.jit(body, static_argnums=1)
    assert float(f(1.0, 3)) == 3.0
    n = count[0]
    assert float(f(1.0, 3)) == 6.0
    assert count[0] == n
    assert float(f(1.0, 2)) == 8.0  # a new static value: one new trace
    assert count[0] == n + 1
    assert float(f(1.0, n=2)) == 10.0  # passed by keyword: still static (as in jax.jit)


def test_static_argnames():
    s = bsc.State(jnp.zeros(()), name="s")

    @bc.jit(static_argnames="n")
    def f(x, n):
        for _ in range(n):
            s.value += x
        return s.value

    assert float(f(1.0, n=3)) == 3.0
    assert float(f(1.0, 2)) == 5.0  # passed by position: still static (as in jax.jit)
    assert float(s.value) == 5.0


def test_static_argnames_and_argnums_together():
    @bc.jit(static_argnums=0, static_argnames="mode")
    def f(k, x, mode="add"):
        return x + k if mode == "add" else x * k

    assert float(f(3, 2.0)) == 5.0
    assert float(f(3, 2.0, mode="mul")) == 6.0


def test_unhashable_static_argument_is_an_error():
    f = bc.jit(lambda x, opts: x, static_argnums=1)
    with pytest.raises((TypeError, ValueError)):
        f(1.0, ["not", "hashable"])


def test_negative_static_argnums_rejected():
    with pytest.raises(ValueError, match="non-negative"):
        bc.jit(lambda x: x, static_argnums=-1)


def test_dynamic_kwargs():
    s = bsc.State(jnp.zeros(2), name="s")

    @bc.jit
    def f(x, *, scale=1.0, shift=None):
        s.value = s.value * scale + x
        return s.value if shift is None else s.value + shift

    np.testing.assert_allclose(f(jnp.ones(2)), [1, 1])
    np.testing.assert_allclose(f(jnp.ones(2), scale=2.0), [3, 3])
    np.testing.assert_allclose(f(jnp.ones(2), scale=0.5, shift=jnp.array([0.0, 10.0])), [2.5, 12.5])
    np.testing.assert_allclose(s.value, [2.5, 2.5])


def test_donate_argnums_accepted():
    s = bsc.State(jnp.zeros(()), name="s")

    @bc.jit(donate_argnums=0)
    def f(buf, y):
        s.value += y
        return buf * 2 + s.value

    out = f(jnp.arange(4.0), 1.0)
    np.testing.assert_allclose(out, np.arange(4.0) * 2 + 1)
    out = f(out, 1.0)
    np.testing.assert_allclose(out, (np.arange(4.0) * 2 + 1) * 2 + 2)
    assert float(s.value) == 2.0


# -- decorator forms, methods -------------------------------------------------------------
def test_decorator_with_and_without_arguments():
    s = bsc.State(jnp.zeros(()), name="s")

    @bc.jit
    def a(x):
        """Doc of a."""
        s.value += x
        return s.value

    @bc.jit()
    def b(x):
        s.value += 2 * x
        return s.value

    @bc.jit(static_argnums=(1,))
    def c(x, k):
        s.value += k * x
        return s.value

    assert isinstance(a, bc.JittedFunction) and isinstance(b, bc.JittedFunction)
    assert a.__name__ == "a" and a.__doc__ == "Doc of a."
    assert float(a(1.0)) == 1.0
    assert float(b(1.0)) == 3.0
    assert float(c(1.0, 3)) == 6.0
    assert "a" in repr(a)


def test_bound_method_and_static_self():
    class Counter:
        def __init__(self, start):
            self.total = bsc.State(jnp.asarray(start, jnp.float32), name="total")

        def add(self, x):
            self.total.value += x
            return self.total.value

        @bc.jit(static_argnums=0)
        def add_jit(self, x):
            self.total.value += x
            return self.total.value

    c1, c2 = Counter(0.0), Counter(10.0)
    bound = bc.jit(c1.add)  # a bound method: `self` is closed over
    assert float(bound(1.0)) == 1.0
    assert float(bound(2.0)) == 3.0
    # a decorated method with `self` static: one program per instance, each its own States
    assert float(c1.add_jit(1.0)) == 4.0
    assert float(c2.add_jit(1.0)) == 11.0
    assert float(c1.add_jit(1.0)) == 5.0
    assert float(c1.total.value) == 5.0 and float(c2.total.value) == 11.0


class _Affine(NamedTuple):
    a: jax.Array
    b: jax.Array

    @bc.jit
    def apply(self, x):
        _LOG.value = _LOG.value + 1
        return self.a * x + self.b


_LOG = bsc.State(jnp.zeros((), jnp.int32), name="log")


def test_method_on_a_pytree_class():
    p, q = _Affine(jnp.asarray(2.0), jnp.asarray(1.0)), _Affine(jnp.asarray(3.0), jnp.asarray(0.0))
    before = int(_LOG.value)
    assert float(p.apply(1.0)) == 3.0
    assert float(q.apply(1.0)) == 3.0
    assert float(_Affine.apply(p, 2.0)) == 5.0
    assert int(_LOG.value) == before + 3


# -- ahead-of-time API ----------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["plain", "keyword", "reads environ", "static"])
def test_a_call_after_compile_runs_the_program_compiled_ahead(kind):
    s = bsc.State(jnp.zeros(2), name="s")

    def body(x, scale=1.0):
        dt = bsc.environ.get_dt() if kind == "reads environ" else 1.0
        s.value = s.value + x * scale * dt
        return s.value

    counted, count = _counted(body)
    f = bc.jit(counted, static_argnums=1 if kind == "static" else None)
    args, kwargs = {
        "plain": ((1.0,), {}),
        "keyword": ((1.0,), {"scale": 3.0}),
        "reads environ": ((1.0,), {}),
        "static": ((1.0, 2.0), {}),
    }[kind]
    with bsc.environ.context(dt=0.5):
        f.lower(*args, **kwargs).compile()
        traced = count[0]
        first = np.asarray(f(*args, **kwargs))
        assert count[0] == traced  # no second trace, hence no second compile
        expected = {"plain": 1.0, "keyword": 3.0, "reads environ": 0.5, "static": 2.0}[kind]
        np.testing.assert_allclose(first, [expected] * 2)


def test_lower_compile_and_clear_cache():
    s = bsc.State(jnp.zeros(3), name="s")
    r = bsc.State(jnp.ones(3), name="r")
    body, count = _counted(lambda x: (s.__setattr__("value", s.value + x * r.value), s.value)[1])
    f = bc.jit(body)

    lowered = f.lower(1.0)  # discovers the States without running anything
    assert isinstance(lowered, jax.stages.Lowered)
    assert "func" in lowered.as_text()
    assert f.states == [s, r]
    np.testing.assert_array_equal(s.value, np.zeros(3))

    compiled = f.compile(1.0)
    assert isinstance(compiled, jax.stages.Compiled)
    # the compiled pure function (state values, args): no write-back
    out, _ = compiled([s.value, r.value], (2.0,))
    np.testing.assert_allclose(out, [2, 2, 2])
    np.testing.assert_array_equal(s.value, np.zeros(3))

    assert isinstance(f.trace(1.0), jax.stages.Traced)

    n = count[0]
    np.testing.assert_allclose(f(1.0), [1, 1, 1])
    assert count[0] == n  # the call runs the program compiled ahead of time
    f.clear_cache()
    assert f.states == []
    np.testing.assert_allclose(f(1.0), [2, 2, 2])
    assert count[0] > n  # traced again after clear_cache
    assert f.states == [s, r]


# -- nesting --------------------------------------------------------------------------------
def test_nested_jit_inner_write_seen_by_outer():
    inner_s = bsc.State(jnp.zeros(()), name="inner")
    outer_s = bsc.State(jnp.zeros(()), name="outer")

    @bc.jit
    def inner(x):
        inner_s.value += x
        return inner_s.value * 2

    @bc.jit
    def outer(x):
        y = inner(x)
        y = y + inner(x)  # the second call sees the first call's write
        outer_s.value += inner_s.value
        return y

    # reference: inner adds x then doubles
    assert float(outer(1.0)) == 2.0 + 4.0
    assert float(inner_s.value) == 2.0 and float(outer_s.value) == 2.0
    assert float(outer(1.0)) == 6.0 + 8.0
    assert float(inner_s.value) == 4.0 and float(outer_s.value) == 6.0
    assert float(inner(1.0)) == 10.0  # the inner function still works on its own
    assert float(inner_s.value) == 5.0
    assert set(map(id, outer.states)) == {id(inner_s), id(outer_s)}


def test_jit_inside_for_loop_and_for_loop_inside_jit(assert_concrete):
    s = bsc.State(jnp.zeros(()), name="s")
    t = bsc.State(jnp.zeros(()), name="t")

    @bc.jit
    def inc(i):
        s.value += i
        return s.value

    ys = bc.for_loop(inc, jnp.arange(5.0))
    np.testing.assert_allclose(ys, np.cumsum(np.arange(5.0)))
    assert float(s.value) == 10.0

    @bc.jit
    def run(xs):
        def body(x):
            t.value = t.value * 0.5 + x
            return inc(x)

        return bc.for_loop(body, xs)

    ys = run(jnp.arange(4.0))
    np.testing.assert_allclose(ys, 10.0 + np.cumsum(np.arange(4.0)))
    ref = 0.0
    for x in range(4):
        ref = ref * 0.5 + x
    assert float(t.value) == pytest.approx(ref)
    assert float(s.value) == 16.0
    assert_concrete(s, t)


# -- errors, disable_jit, locality -----------------------------------------------------------
def test_returning_a_state_is_a_clear_error():
    s = bsc.State(jnp.zeros(2), name="returned")
    before = s.value

    @bc.jit
    def f():
        s.value = s.value + 1
        return {"oops": s}

    with pytest.raises(bsc.StateTraceError, match=r"'returned'.*state\.value"):
        f()
    assert s.value is before


def test_disable_jit_gives_the_same_results():
    def make():
        s = bsc.State(jnp.arange(3.0), name="s")
        r = bsc.State(jnp.array(2.0), name="r")

        @bc.jit(static_argnums=1)
        def f(x, k):
            for _ in range(k):
                s.value = s.value * r.value + x
            return s.value.sum()

        return f, s

    f1, s1 = make()
    outs1 = [f1(1.0, 2), f1(0.5, 1)]
    f2, s2 = make()
    with jax.disable_jit():
        outs2 = [f2(1.0, 2), f2(0.5, 1)]
    np.testing.assert_allclose(outs1, outs2)
    np.testing.assert_allclose(s1.value, s2.value)


def test_states_created_inside_stay_local(assert_concrete):
    outside = bsc.State(jnp.zeros(()), name="outside")
    py_scalar = bsc.State(0.0, name="py_scalar")
    leaked = []

    @bc.jit
    def f(x):
        local = bsc.State(jnp.zeros(()), name="local")
        leaked.append(local)
        local.value += x
        outside.value += local.value * 2
        py_scalar.value += 1.0
        return local.value

    assert float(f(1.0)) == 1.0
    assert float(f(2.0)) == 2.0
    assert f.states == [outside, py_scalar]  # the local State is not one of the function's
    assert_concrete(outside, py_scalar)
    assert float(outside.value) == 6.0 and float(py_scalar.value) == 2.0
    # a local State smuggled out holds a tracer of the finished trace: reading it is an error
    with pytest.raises(bsc.LeakedTracerError, match="'local'"):
        _ = leaked[-1].value


def test_state_written_under_plain_jax_jit_is_named_at_next_use():
    s = bsc.State(jnp.zeros(()), name="victim")

    @jax.jit
    def bad(x):
        s.value = x  # a plain jax.jit does not know about States
        return x

    bad(1.0)
    with pytest.raises(bsc.LeakedTracerError, match="'victim'"):
        _ = s.value

    f = bc.jit(lambda: s.value + 1)
    with pytest.raises(bsc.LeakedTracerError, match="'victim'"):
        f()
    s.value = jnp.ones(())  # assigning a concrete value repairs the State
    assert float(f()) == 2.0


def test_jit_of_read_only_function_under_grad_and_vmap():
    w = bsc.ParamState(jnp.array([1.0, 2.0, 3.0]), name="w")

    @bc.jit
    def f(x):
        return jnp.sum(jnp.sin(w.value * x))

    g = jax.grad(f)(0.5)
    np.testing.assert_allclose(g, np.sum(np.cos(np.array([1, 2, 3]) * 0.5) * [1, 2, 3]), rtol=1e-6)
    xs = jnp.linspace(0.0, 1.0, 4)
    np.testing.assert_allclose(
        jax.vmap(f)(xs),
        [np.sum(np.sin(np.array([1, 2, 3]) * x)) for x in np.linspace(0, 1, 4)],
        rtol=1e-6,
    )


def test_nested_jit_touching_states_local_to_the_enclosing_trace(assert_concrete):
    """A persistent jitted function used inside another transform on a State created in that
    transform's trace: the State dies with the trace and must not poison later calls."""
    holder = {}
    g = bsc.State(jnp.zeros(()), name="g")

    @bc.jit
    def touch():
        holder["s"].value += 1.0
        return holder["s"].value

    def body(i):
        holder["s"] = bsc.State(jnp.asarray(i), name="local")
        g.value += touch()

    bc.for_loop(body, jnp.arange(3.0))  # the loop traces its body twice (discovery)
    assert float(g.value) == 1.0 + 2.0 + 3.0
    bc.for_loop(body, jnp.arange(3.0))
    assert float(g.value) == 12.0
    # the top-level use of the same function only knows live States
    holder["s"] = bsc.State(jnp.asarray(5.0), name="top")
    assert float(touch()) == 6.0
    assert touch.states == [holder["s"]]
    assert_concrete(g, holder["s"])


def test_static_self_method_with_instances_made_inside_a_trace():
    class Counter:
        def __init__(self):
            self.total = bsc.State(jnp.zeros(()), name="total")

        @bc.jit(static_argnums=0)
        def add(self, x):
            self.total.value += x
            return self.total.value

    c1 = Counter()
    assert float(c1.add(1.0)) == 1.0

    @bc.jit
    def make_and_use(x):
        c = Counter()  # local to this trace
        return c.add(x) + c1.add(x)

    assert float(make_and_use(2.0)) == 2.0 + 3.0
    assert float(make_and_use(2.0)) == 2.0 + 5.0
    assert float(c1.add(1.0)) == 6.0
    assert c1.add.states == [c1.total]  # each instance compiles its own function


def test_write_sets_that_differ_per_signature_are_written_back_correctly():
    a = bsc.State(jnp.zeros(()), name="a")
    b = bsc.State(jnp.zeros(()), name="b")
    c = bsc.State(jnp.ones(()), name="c")

    @functools.partial(bc.jit, static_argnums=0)
    def step(mode, x):
        a.value += x
        if mode >= 1:
            b.value += 2 * x
        if mode >= 2:
            c.value = c.value * x
        return a.value + c.value  # c is read in every mode

    expected = {"a": 0.0, "b": 0.0, "c": 1.0}
    for mode, x in [(0, 1.0), (1, 2.0), (0, 3.0), (2, 4.0), (1, 5.0), (0, 6.0), (2, 0.5)]:
        out = step(mode, x)
        expected["a"] += x
        if mode >= 1:
            expected["b"] += 2 * x
        if mode >= 2:
            expected["c"] *= x
        assert float(out) == expected["a"] + expected["c"]
        assert (float(a.value), float(b.value), float(c.value)) == (
            expected["a"],
            expected["b"],
            expected["c"],
        )


def test_jit_of_a_callable_object_keeps_its_own_attributes():
    # functools.update_wrapper used to copy the wrapped object's __dict__ over the
    # JittedFunction's (e.g. another transform's `_known`), so the first call never ended
    s = bsc.State(jnp.zeros(2))

    class Wrapper:
        def __init__(self):
            self._known = object()
            self._jitted = None
            self.__name__ = "wrapper"

        def __call__(self, x):
            s.value = s.value + x
            return s.value.sum()

    f = bc.jit(Wrapper())
    assert float(f(1.0)) == 2.0 and float(f(1.0)) == 4.0


def test_disable_jit_runs_the_python_function_once_per_call():
    s = bsc.State(jnp.zeros(()), name="s")
    seen = []

    @bc.jit
    def f(x):
        seen.append(type(x))  # a Python side effect: once per call, with the concrete input
        if isinstance(x, float):
            assert float(s.value) >= 0.0  # eager: State values are concrete too
        s.value = s.value + x
        return s.value

    with jax.disable_jit():
        assert float(f(1.0)) == 1.0
        assert float(f(2.0)) == 3.0
    assert seen == [float, float]
    assert float(f(1.0)) == 4.0  # compiled afterwards, same State
    assert len(seen) >= 3


def test_jit_with_keyword_arguments_and_static_arguments_share_semantics():
    s = bsc.State(jnp.ones(2), name="s")

    @bc.jit
    def plain(x, *, scale=1.0):
        s.value = s.value * scale + x
        return s.value.sum()

    @bc.jit(static_argnames="scale")
    def static(x, *, scale=1.0):
        s.value = s.value * scale + x
        return s.value.sum()

    assert float(plain(1.0, scale=2.0)) == 6.0
    assert float(static(1.0, scale=2.0)) == 14.0
    np.testing.assert_allclose(s.value, [7.0, 7.0])
    assert float(plain(x=0.0)) == 14.0


def test_a_state_or_an_object_passed_as_an_argument_gets_a_clear_error():
    s = bsc.State(jnp.ones(2))

    class Model:
        def __init__(self):
            self.w = bsc.State(jnp.ones(2))

    f = bc.jit(lambda arg, x: x * 2)
    with pytest.raises(TypeError, match=r"argument 0 is or holds State .*pass `state.value`"):
        f(s, 1.0)
    with pytest.raises(TypeError, match=r"argument 'arg' is or holds State"):
        f(arg={"nested": s}, x=1.0)
    with pytest.raises(TypeError, match=r"argument 0 is or holds a Model, not an array"):
        f(Model(), 1.0)
    assert s.value.tolist() == [1.0, 1.0]
    model = Model()
    g = bc.jit(lambda m, x: m.w.value * x, static_argnums=0)  # the advertised way
    assert g(model, 2.0).tolist() == [2.0, 2.0]


def test_an_unbound_method_whose_self_is_not_an_array_says_how_to_compile_it():
    class Counter:
        def __init__(self):
            self.total = bsc.State(jnp.zeros(()))

        def add(self, x):
            self.total.value += x
            return self.total.value

    counter = Counter()
    with pytest.raises(TypeError, match=r"method whose `self` \(a Counter\).*static_argnums=0"):
        bc.jit(Counter.add)(counter, 1.0)
    assert float(counter.total.value) == 0.0


def test_a_decorated_method_compiles_per_instance_over_that_instance_s_states():
    traces = []

    class Counter:
        def __init__(self, start):
            self.total = bsc.State(jnp.asarray(start, jnp.float32))

        @bc.jit
        def add(self, x):
            traces.append(1)
            self.total.value += x
            return self.total.value

        @bc.jit(static_argnums=(0, 2))
        def add_times(self, x, times):
            for _ in range(times):
                self.total.value += x
            return self.total.value

    c1, c2 = Counter(0.0), Counter(10.0)
    assert float(c1.add(1.0)) == 1.0 and float(c2.add(1.0)) == 11.0
    assert float(c1.add(2.0)) == 3.0 and float(c2.add(2.0)) == 13.0
    assert len(traces) == 2  # one trace per instance, then cached
    assert c1.add == c1.add and c1.add != c2.add  # as bound methods compare
    assert c1.add.__func__ is c1.add.__func__  # the one compiled function of c1
    assert c1.add.states == [c1.total] and c2.add.states == [c2.total]
    # `static_argnums` counts `self` as jax.jit does; the later positions still apply
    assert float(c1.add_times(1.0, 3)) == 6.0 and float(c1.add_times(x=1.0, times=2)) == 8.0
    assert float(c2.total.value) == 13.0


def test_a_decorated_method_does_not_keep_its_instances_alive():
    import gc
    import weakref

    class Model:
        def __init__(self):
            self.w = bsc.State(jnp.ones(3))

        @bc.jit
        def step(self, x):
            self.w.value = self.w.value * x
            return self.w.value.sum()

    models = [Model() for _ in range(3)]
    for m in models:
        assert float(m.step(2.0)) == 6.0
    refs = [weakref.ref(m) for m in models]
    del m, models
    gc.collect()
    assert all(r() is None for r in refs)
    assert Model.step._instances == {}


def test_a_decorated_method_of_a_temporary_instance():
    class Model:
        def __init__(self, scale):
            self.w = bsc.State(jnp.ones(2) * scale)

        @bc.jit
        def go(self, x):
            return self.w.value * x

    np.testing.assert_array_equal(Model(3.0).go(2.0), [6.0, 6.0])  # nothing else holds it
    run = Model(5.0).go
    np.testing.assert_array_equal(run(1.0), [5.0, 5.0])  # the method keeps its instance
    assert [s.value.tolist() for s in run.states] == [[5.0, 5.0]]


def test_a_decorated_method_shows_the_method_s_signature_and_docstring():
    import inspect

    class Model:
        def __init__(self):
            self.s = bsc.State(jnp.zeros(2))

        @bc.jit(static_argnames="n")
        def run(self, x, n=1):
            """Run n steps."""
            for _ in range(n):
                self.s.value = self.s.value + x
            return self.s.value

    m = Model()
    assert str(inspect.signature(m.run)) == "(x, n=1)"
    assert m.run.__doc__ == "Run n steps." and m.run.__name__ == "run"
    again = bc.jit(m.run, static_argnames="n")  # static_argnames resolved on that signature
    np.testing.assert_array_equal(again(jnp.ones(2), n=2), [2.0, 2.0])
