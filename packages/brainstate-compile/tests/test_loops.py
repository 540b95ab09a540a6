"""State-aware loops against plain-JAX/numpy references: values, gradients, errors."""

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from jax import lax

import brainstate_compile as bc
import brainstate_core as bsc
from brainstate_core.extend import is_tracer


# -- for_loop -------------------------------------------------------------------------------
@settings(max_examples=6)
@given(
    n=st.integers(1, 12),
    reverse=st.booleans(),
    unroll=st.sampled_from([1, 2, 3, True]),
)
def test_for_loop_matches_python_loop(n, reverse, unroll, assert_concrete):
    xs = np.linspace(-1.0, 2.0, n, dtype=np.float32)
    ys = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    acc = bsc.State(jnp.zeros(2), name="acc")
    decay = bsc.State(jnp.asarray(0.9), name="decay")

    def body(x, y):
        acc.value = acc.value * decay.value + x * y
        return {"sum": acc.value.sum(), "x": x}

    out = bc.for_loop(body, jnp.asarray(xs), jnp.asarray(ys), reverse=reverse, unroll=unroll)

    ref_acc = np.zeros(2, np.float32)
    ref_sum = np.zeros(n, np.float32)
    order = range(n - 1, -1, -1) if reverse else range(n)
    for t in order:
        ref_acc = ref_acc * np.float32(0.9) + xs[t] * ys[t]
        ref_sum[t] = ref_acc.sum()
    np.testing.assert_allclose(out["sum"], ref_sum, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out["x"], xs)
    np.testing.assert_allclose(acc.value, ref_acc, rtol=1e-5, atol=1e-5)
    assert_concrete(acc, decay)


def test_for_loop_pytree_xs_and_length_only():
    s = bsc.State(jnp.zeros(()), name="s")

    def body(d):
        s.value += d["a"] * d["b"]
        return s.value

    ys = bc.for_loop(body, {"a": jnp.arange(4.0), "b": jnp.full(4, 2.0)})
    np.testing.assert_allclose(ys, np.cumsum(np.arange(4.0) * 2))

    calls = bsc.State(jnp.zeros((), jnp.int32), name="calls")

    def tick():
        calls.value += 1
        return calls.value

    np.testing.assert_array_equal(bc.for_loop(tick, length=5), [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(bc.for_loop(tick, length=3, reverse=True), [8, 7, 6])
    assert int(calls.value) == 8


def test_for_loop_returns_none_and_read_only_states_untouched():
    w = bsc.State(jnp.ones(3), name="w")
    s = bsc.State(jnp.zeros(3), name="s")
    before = w.value

    def body(i):
        s.value = s.value + w.value * i

    assert bc.for_loop(body, jnp.arange(4.0)) is None
    np.testing.assert_allclose(s.value, np.full(3, 6.0))
    assert w.value is before  # a read-only State is never written back


@pytest.mark.parametrize(
    "xs, kwargs, match",
    [
        ((jnp.arange(3.0), jnp.arange(4.0)), {}, "different leading lengths"),
        ((jnp.asarray(1.0),), {}, "leading axis"),
        ((), {}, "length="),
        ((jnp.arange(3.0),), {"length": 4}, "length=4"),
    ],
)
def test_for_loop_bad_lengths(xs, kwargs, match):
    with pytest.raises(ValueError, match=match):
        bc.for_loop(lambda *a: None, *xs, **kwargs)


# -- scan ------------------------------------------------------------------------------------
@settings(max_examples=6)
@given(n=st.integers(1, 10), width=st.integers(1, 3), reverse=st.booleans())
def test_scan_matches_lax_scan(n, width, reverse, assert_concrete):
    xs = jnp.asarray(np.random.default_rng(n * 7 + width).normal(size=(n, width)), jnp.float32)
    init = (jnp.zeros(width), jnp.asarray(1.0))
    mem = bsc.State(jnp.zeros(width), name="mem")
    gain = bsc.State(jnp.asarray(0.3), name="gain")

    def step(carry, x):
        h, c = carry
        mem.value = mem.value * gain.value + jnp.tanh(x + h)
        h = h + mem.value
        return (h, c * 1.1), (mem.value.sum(), h)

    def ref_step(carry, x):
        (h, c), m = carry
        m = m * 0.3 + jnp.tanh(x + h)
        h = h + m
        return ((h, c * 1.1), m), (m.sum(), h)

    carry, ys = bc.scan(step, init, xs, reverse=reverse)
    (ref_carry, ref_mem), ref_ys = lax.scan(ref_step, (init, jnp.zeros(width)), xs, reverse=reverse)
    jax.tree.map(
        lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6), carry, ref_carry
    )
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6), ys, ref_ys)
    np.testing.assert_allclose(mem.value, ref_mem, rtol=1e-5, atol=1e-6)
    assert_concrete(mem, gain)


def test_scan_length_only_and_unroll():
    s = bsc.State(jnp.zeros(()), name="s")

    def step(c, _):
        s.value += c
        return c + 1, s.value

    c, ys = bc.scan(step, 0, None, length=5, unroll=2)
    assert int(c) == 5
    np.testing.assert_allclose(ys, np.cumsum(np.arange(5)))


def test_scan_body_must_return_a_pair():
    with pytest.raises(TypeError, match="pair"):
        bc.scan(lambda c, x: c, 0.0, jnp.arange(3.0))


def test_scan_returning_a_state_is_an_error():
    s = bsc.State(jnp.zeros(()), name="ret")
    with pytest.raises(bsc.StateTraceError, match="'ret'"):
        bc.scan(lambda c, x: (c, s), 0.0, jnp.arange(3.0))


# -- shape / dtype changes of carried States -------------------------------------------------
def _shape_changer(s):
    def body(x):
        s.value = jnp.concatenate([s.value, x[None]])

    return body


def _dtype_changer(s):
    def body(x):
        s.value = s.value.astype(jnp.float32) + x

    return body


@pytest.mark.parametrize(
    "make_state, make_body, old, new",
    [
        (lambda: bsc.State(jnp.zeros(3), name="grows"), _shape_changer, "float32[3]", "float32[4]"),
        (
            lambda: bsc.State(jnp.zeros(2, jnp.int32), name="casts"),
            _dtype_changer,
            "int32[2]",
            "float32[2]",
        ),
    ],
)
@pytest.mark.parametrize("loop", ["for_loop", "checkpointed_for_loop", "scan", "while_loop"])
def test_changing_a_carried_state_type_is_named(make_state, make_body, old, new, loop):
    s = make_state()
    name = s.name
    before = s.value
    body = make_body(s)
    xs = jnp.arange(3.0)
    with pytest.raises(bsc.StateTraceError) as info:
        if loop == "scan":
            bc.scan(lambda c, x: (c, body(x)), 0.0, xs)
        elif loop == "while_loop":
            bc.while_loop(lambda i: i < 3, lambda i: (body(jnp.float32(1.0)), i + 1)[1], 0)
        else:
            getattr(bc, loop)(body, xs)
    msg = str(info.value)
    assert repr(name) in msg and old in msg and new in msg
    assert s.value is before


def test_changing_tree_structure_of_a_carried_state_is_named():
    s = bsc.State({"a": jnp.zeros(())}, name="tree")

    def body(x):
        s.value = {"a": s.value["a"], "b": x}

    with pytest.raises(bsc.StateTraceError, match="tree structure of State 'tree'"):
        bc.for_loop(body, jnp.arange(3.0))


def test_python_scalar_state_keeps_a_fixed_dtype_in_a_loop():
    a = bsc.State(1.0, name="a")
    n = bsc.State(0, name="n")

    def body(i):
        a.value += 0.5  # weak Python numbers do not change the carried dtype
        n.value += 1

    bc.for_loop(body, jnp.arange(4))
    assert float(a.value) == 3.0 and a.value.dtype == jnp.float32
    assert int(n.value) == 4 and n.value.dtype == jnp.int32


# -- while_loop -------------------------------------------------------------------------------
def test_while_loop_cond_reads_states(assert_concrete):
    limit = bsc.State(jnp.asarray(7.0), name="limit")
    total = bsc.State(jnp.asarray(0.0), name="total")
    steps = bsc.State(jnp.asarray(0, jnp.int32), name="steps")

    def cond(i):
        return (total.value < limit.value) & (i < 100)  # reads a written and a read-only State

    def body(i):
        total.value += 1.5
        steps.value += 1
        return i + 1

    out = bc.while_loop(cond, body, 0)
    # reference
    t, k = 0.0, 0
    while t < 7.0:
        t += 1.5
        k += 1
    assert int(out) == k and int(steps.value) == k and float(total.value) == t
    assert_concrete(limit, total, steps)
    limit.value = jnp.asarray(1.0)
    total.value = jnp.asarray(0.0)
    assert int(bc.while_loop(cond, body, 0)) == 1


def test_while_loop_cond_writing_a_state_is_an_error():
    flag = bsc.State(jnp.asarray(0.0), name="flag")
    other = bsc.State(jnp.asarray(5.0), name="other")
    before_flag, before_other = flag.value, other.value

    def cond(i):
        flag.value += 1.0
        return i < 3

    def body(i):
        other.value += 1.0
        return i + 1

    with pytest.raises(bsc.StateTraceError, match=r"cond_fun.*'flag'"):
        bc.while_loop(cond, body, 0)
    assert flag.value is before_flag and other.value is before_other


def test_while_loop_only_cond_touches_a_state():
    limit = bsc.State(jnp.asarray(4), name="limit")
    assert int(bc.while_loop(lambda i: i < limit.value, lambda i: i + 1, 0)) == 4


def test_while_loop_returning_a_state_is_an_error():
    s = bsc.State(jnp.asarray(0), name="s")
    with pytest.raises(bsc.StateTraceError, match="'s'"):
        bc.while_loop(lambda i: False, lambda i: s, 0)


# -- bounded_while_loop ------------------------------------------------------------------------
@pytest.mark.parametrize("base", [None, 3])
def test_bounded_while_loop_value(base):
    count = bsc.State(jnp.asarray(0, jnp.int32), name="count")

    def body(i):
        count.value += 1
        return i + 1

    out = bc.bounded_while_loop(lambda i: i < 10, body, 0, max_steps=100, base=base)
    assert int(out) == 10 and int(count.value) == 10
    # a loop that would run longer stops after max_steps
    out = bc.bounded_while_loop(lambda i: i < 10, body, 0, max_steps=4, base=base)
    assert int(out) == 4 and int(count.value) == 14
    assert int(bc.bounded_while_loop(lambda i: i < 10, body, 0, max_steps=0)) == 0


def test_bounded_while_loop_matches_while_loop_with_states():
    def run(loop, **kw):
        x = bsc.State(jnp.asarray(1.0), name="x")
        steps = bsc.State(jnp.asarray(0, jnp.int32), name="steps")

        def body(v):
            x.value = x.value * 1.7
            steps.value += 1
            return v + x.value

        out = loop(lambda v: x.value < 50.0, body, jnp.asarray(0.0), **kw)
        return out, x.value, steps.value

    for a, b in zip(run(bc.while_loop), run(bc.bounded_while_loop, max_steps=30)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def _unrolled_reference(x, threshold, factor, max_steps):
    v = x
    for _ in range(max_steps):
        v = jnp.where(v < threshold, v * factor + jnp.sin(v), v)
    return v


@pytest.mark.parametrize("base", [None, 2])
def test_bounded_while_loop_gradient(base):
    w = bsc.ParamState(jnp.asarray(1.3), name="w")

    def f(x):
        return bc.bounded_while_loop(
            lambda v: v < 10.0, lambda v: v * w.value + jnp.sin(v), x, max_steps=20, base=base
        )

    def ref(x):  # the loop unrolled in Python
        return _unrolled_reference(x, 10.0, 1.3, 20)

    x0 = jnp.asarray([0.3, 1.1, 2.5])  # each ends after a different number of steps
    value, g = jax.jit(jax.vmap(jax.value_and_grad(f)))(x0)
    ref_value, ref_g = jax.jit(jax.vmap(jax.value_and_grad(ref)))(x0)
    np.testing.assert_allclose(value, ref_value, rtol=1e-5)
    np.testing.assert_allclose(g, ref_g, rtol=1e-4)
    eps = 1e-3
    ref_v = jax.jit(jax.vmap(ref))
    fd = (np.asarray(ref_v(x0 + eps)) - np.asarray(ref_v(x0 - eps))) / (2 * eps)
    np.testing.assert_allclose(g, fd, rtol=2e-2)


def test_bounded_while_loop_errors():
    with pytest.raises(ValueError, match="max_steps"):
        bc.bounded_while_loop(lambda v: True, lambda v: v, 0, max_steps=-1)
    s = bsc.State(jnp.asarray(0), name="bw")
    before = s.value

    def cond(v):
        s.value += 1
        return v < 3

    with pytest.raises(bsc.StateTraceError, match="'bw'"):
        bc.bounded_while_loop(cond, lambda v: v + 1, 0, max_steps=5)
    assert s.value is before


# -- checkpointed loops -------------------------------------------------------------------------
def _loss_for(loop, n, reverse, **kw):
    xs = jnp.linspace(0.0, 1.0, n)

    def loss(w):
        acc = bsc.State(jnp.zeros(()), name="acc")

        def body(x):
            acc.value = acc.value * w + jnp.sin(x * w)
            return acc.value**2

        ys = loop(body, xs, reverse=reverse, **kw)
        return acc.value + ys.sum()

    return loss


@settings(max_examples=6)
@given(n=st.integers(1, 30), base=st.integers(2, 5), reverse=st.booleans())
def test_checkpointed_for_loop_equals_for_loop(n, base, reverse):
    plain = jax.jit(jax.value_and_grad(_loss_for(bc.for_loop, n, reverse)))
    ckpt = jax.jit(jax.value_and_grad(_loss_for(bc.checkpointed_for_loop, n, reverse, base=base)))
    (v_ckpt, g_ckpt), (v_plain, g_plain) = ckpt(0.7), plain(0.7)
    np.testing.assert_allclose(v_ckpt, v_plain, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g_ckpt, g_plain, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "n, base, reverse", [(16, 4, False), (17, 4, True), (10, 3, False), (3, 16, True)]
)
def test_checkpointed_scan_equals_scan(n, base, reverse):
    xs = jnp.cos(jnp.arange(n, dtype=jnp.float32))
    w = bsc.ParamState(jnp.asarray(0.8), name="w")

    def run(scan, w_val, **kw):
        w.value = w_val
        mem = bsc.State(jnp.zeros(2), name="mem")

        def step(c, x):
            mem.value = mem.value * w.value + x
            c = c * w.value + jnp.tanh(mem.value.sum() + x)
            return c, c * x

        c, ys = scan(step, jnp.asarray(0.0), xs, reverse=reverse, **kw)
        return c + ys.sum() + mem.value.sum()

    def loss(w_val, scan, **kw):
        old = w.value
        try:
            return run(scan, w_val, **kw)
        finally:
            w.value = old

    a, ga = jax.jit(jax.value_and_grad(lambda v: loss(v, bc.scan)))(0.8)
    b, gb = jax.jit(jax.value_and_grad(lambda v: loss(v, bc.checkpointed_scan, base=base)))(0.8)
    np.testing.assert_allclose(b, a, rtol=1e-5)
    np.testing.assert_allclose(gb, ga, rtol=1e-4)
    assert w.value.dtype == jnp.float32 and not is_tracer(w.value)


def test_checkpointed_loops_write_states_like_plain_loops():
    def run(loop, **kw):
        s = bsc.State(jnp.zeros(3), name="s")

        def body(x):
            s.value = s.value * 0.5 + x
            return s.value.sum()

        ys = loop(body, jnp.arange(21.0), **kw)
        return ys, s.value

    for a, b in zip(run(bc.for_loop), run(bc.checkpointed_for_loop, base=4)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("loop", [bc.checkpointed_for_loop, bc.checkpointed_scan])
def test_checkpointed_base_must_be_at_least_two(loop):
    with pytest.raises(ValueError, match="base"):
        if loop is bc.checkpointed_scan:
            loop(lambda c, x: (c, x), 0.0, jnp.arange(3.0), base=1)
        else:
            loop(lambda x: x, jnp.arange(3.0), base=1)


# -- nesting -----------------------------------------------------------------------------------
def test_nested_loops_inside_jit(assert_concrete):
    total = bsc.State(jnp.zeros(()), name="total")

    @bc.jit
    def run(n_outer):
        def outer(i):
            def inner(j):
                total.value += i * j
                return total.value

            return bc.for_loop(inner, jnp.arange(3.0))[-1]

        return bc.for_loop(outer, jnp.arange(n_outer.shape[0], dtype=jnp.float32))

    out = run(jnp.zeros(4))
    ref, refs = 0.0, []
    for i in range(4):
        for j in range(3):
            ref += i * j
        refs.append(ref)
    np.testing.assert_allclose(out, refs)
    assert float(total.value) == ref
    assert_concrete(total)


def test_while_loops_under_vmap_with_batched_condition():
    limit = bsc.State(jnp.asarray(100.0), name="limit")

    def f(x):
        count = bsc.State(jnp.asarray(0.0), name="count")  # local: may be written under vmap

        def body(v):
            count.value += 1.0
            return v * 2

        return bc.while_loop(lambda v: v < limit.value, body, x), count.value

    xs = jnp.asarray([1.0, 30.0, 200.0])
    out, counts = jax.vmap(f)(xs)
    np.testing.assert_array_equal(out, [128.0, 120.0, 200.0])
    np.testing.assert_array_equal(counts, [7.0, 2.0, 0.0])
    bounded = jax.vmap(
        lambda x: bc.bounded_while_loop(lambda v: v < limit.value, lambda v: v * 2, x, 20)
    )
    np.testing.assert_array_equal(bounded(xs), [128.0, 120.0, 200.0])


def test_checkpointed_for_loop_without_outputs():
    s = bsc.State(jnp.zeros(()), name="s")

    def body(x):
        s.value += x

    assert bc.checkpointed_for_loop(body, jnp.arange(7.0), base=2) is None
    assert float(s.value) == 21.0
    assert bc.checkpointed_for_loop(body, jnp.zeros(0), base=2) is None  # no steps
    assert float(s.value) == 21.0


def test_top_level_for_loop_compiles_once_per_function_and_config():
    acc = bsc.State(jnp.zeros(()))
    traces = []

    def step(x):
        traces.append(1)
        acc.value += x

    bc.for_loop(step, jnp.arange(5.0))
    n_first = len(traces)
    bc.for_loop(step, jnp.arange(5.0) + 1)
    assert len(traces) == n_first  # served by the cached program
    assert float(acc.value) == sum(range(5)) + sum(range(1, 6))
    bc.for_loop(step, jnp.arange(7.0))  # another length: compiled anew, still correct
    assert len(traces) > n_first
    assert float(acc.value) == 10 + 15 + 21


def test_top_level_loop_cache_does_not_keep_the_function_alive():
    import gc
    import weakref

    acc = bsc.State(jnp.zeros(()))

    def step(x):
        acc.value += x

    ref = weakref.ref(step)
    bc.for_loop(step, jnp.arange(3.0))
    del step
    gc.collect()
    assert ref() is None


def test_top_level_for_loop_over_a_bound_method_compiles_once_per_object_and_settings():
    import gc
    import weakref

    traces = []

    class Model:
        def __init__(self):
            self.scale = 1.0
            self.acc = bsc.State(jnp.zeros(()))

        def step(self, x):
            traces.append(1)
            self.acc.value += self.scale * x

    m = Model()
    bc.for_loop(m.step, jnp.arange(5.0))
    n_first = len(traces)
    bc.for_loop(m.step, jnp.arange(5.0))  # `m.step` is a new object: same program
    assert len(traces) == n_first and float(m.acc.value) == 20.0
    m.scale = 2.0  # a setting the method reads: traced again, as eager Python would see it
    bc.for_loop(m.step, jnp.arange(5.0))
    assert len(traces) > n_first and float(m.acc.value) == 40.0
    other = Model()
    bc.for_loop(other.step, jnp.arange(5.0))  # another object: its own program and States
    assert float(other.acc.value) == 10.0 and float(m.acc.value) == 40.0
    ref = weakref.ref(m)
    del m
    gc.collect()
    assert ref() is None  # the cache does not keep the object alive


@pytest.mark.parametrize("pbar", [True, 5])
def test_top_level_loop_with_a_progress_bar_flag_compiles_once(pbar, capsys):
    acc = bsc.State(jnp.zeros(()))
    traces = []

    def step(x):
        traces.append(1)
        acc.value += x

    bc.for_loop(step, jnp.arange(10.0), pbar=pbar)
    n_first = len(traces)
    bc.for_loop(step, jnp.arange(10.0), pbar=pbar)
    assert len(traces) == n_first
    assert float(acc.value) == 2 * 45.0
