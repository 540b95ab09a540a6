"""``cond``, ``switch`` and ``ifelse`` over branches that read and write States."""

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given

import brainstate_compile as bc
import brainstate_core as bsc


def _pair():
    return bsc.State(jnp.asarray(1.0), name="a"), bsc.State(jnp.asarray(10.0), name="b")


# -- cond ----------------------------------------------------------------------------------
@pytest.mark.parametrize("pred", [True, False, jnp.asarray(True), jnp.asarray(False)])
@pytest.mark.parametrize("writes", ["true", "false", "both", "neither"])
def test_cond_writes(pred, writes, assert_concrete):
    a, b = _pair()
    r = bsc.State(jnp.asarray(3.0), name="r")  # read by both, written by none
    before_b = b.value

    def true_fun(x):
        if writes in ("true", "both"):
            a.value = a.value + x * r.value
        return x + r.value

    def false_fun(x):
        if writes in ("false", "both"):
            a.value = a.value - x
        return x - r.value

    out = bc.cond(pred, true_fun, false_fun, 2.0)
    taken = bool(pred)
    assert float(out) == (5.0 if taken else -1.0)
    expected_a = 1.0
    if taken and writes in ("true", "both"):
        expected_a = 7.0
    if not taken and writes in ("false", "both"):
        expected_a = -1.0
    assert float(a.value) == expected_a
    assert b.value is before_b
    assert_concrete(a, b, r)


def test_cond_traced_predicate_inside_jit():
    a, b = _pair()

    @bc.jit
    def step(x):
        def up():
            a.value += x

        def down():
            b.value -= x

        bc.cond(x > 0, up, down)
        return a.value + b.value

    assert float(step(2.0)) == 13.0
    assert float(step(-3.0)) == 16.0
    assert float(a.value) == 3.0 and float(b.value) == 13.0


def test_cond_non_scalar_predicate_rejected():
    with pytest.raises(TypeError, match="scalar"):
        bc.cond(jnp.array([True, False]), lambda: 1, lambda: 2)


def test_cond_branch_changing_a_state_dtype_is_named():
    s = bsc.State(jnp.zeros(2, jnp.int32), name="branchy")
    before = s.value

    def bad():
        s.value = s.value + 0.5

    with pytest.raises(bsc.StateTraceError) as info:
        bc.cond(True, bad, lambda: None)
    assert "'branchy'" in str(info.value)
    assert "int32[2]" in str(info.value) and "float32[2]" in str(info.value)
    assert s.value is before


def test_cond_returning_a_state_is_an_error():
    s = bsc.State(jnp.zeros(()), name="out")
    with pytest.raises(bsc.StateTraceError, match="'out'"):
        bc.cond(True, lambda: s, lambda: s)


def test_cond_under_vmap_with_batched_predicate():
    w = bsc.ParamState(jnp.asarray(2.0), name="w")  # read-only inside vmap

    def f(x):
        local = bsc.State(jnp.zeros(()), name="local")  # written, but local to the function

        def pos(v):
            local.value = v * w.value
            return v + 1

        def neg(v):
            local.value = -v
            return v - 1

        out = bc.cond(x > 0, pos, neg, x)
        return out + local.value

    xs = jnp.asarray([-1.0, 0.5, 2.0, 0.0])
    ref = np.where(xs > 0, xs + 1 + xs * 2.0, xs - 1 - xs)
    np.testing.assert_allclose(jax.vmap(f)(xs), ref)
    np.testing.assert_allclose(bc.jit(jax.vmap(f))(xs), ref)


def test_cond_under_grad():
    w = bsc.ParamState(jnp.asarray(1.5), name="w")

    def f(x):
        acc = bsc.State(jnp.zeros(()), name="acc")

        def hi(v):
            acc.value = jnp.sin(v) * w.value
            return v**2

        def lo(v):
            acc.value = v * 3.0
            return -v

        return bc.cond(x > 1.0, hi, lo, x) + acc.value

    ref_hi = lambda v: v**2 + jnp.sin(v) * 1.5
    ref_lo = lambda v: -v + v * 3.0
    np.testing.assert_allclose(jax.grad(f)(2.0), jax.grad(ref_hi)(2.0), rtol=1e-6)
    grad_f = jax.jit(jax.grad(f))
    np.testing.assert_allclose(grad_f(0.5), jax.grad(ref_lo)(0.5), rtol=1e-6)
    np.testing.assert_allclose(grad_f(2.0), jax.grad(ref_hi)(2.0), rtol=1e-6)
    xs = jnp.asarray([2.0, 0.5, 1.2])
    np.testing.assert_allclose(
        jax.jit(jax.vmap(jax.grad(f)))(xs),
        np.where(xs > 1.0, 2 * xs + np.cos(xs) * 1.5, 2.0),
        rtol=1e-6,
    )


# -- switch --------------------------------------------------------------------------------
@given(st.integers(-10, 10))
def test_switch_index_is_clamped(index):
    hits = [bsc.State(jnp.zeros((), jnp.int32), name=f"hit{k}") for k in range(3)]

    def branch(k):
        def run(x):
            hits[k].value += 1
            return x * (k + 1)

        return run

    out = bc.switch(index, [branch(k) for k in range(3)], jnp.asarray(2.0))
    chosen = min(max(index, 0), 2)
    assert float(out) == 2.0 * (chosen + 1)
    assert [int(h.value) for h in hits] == [int(k == chosen) for k in range(3)]


def test_switch_traced_index_under_jit_and_vmap():
    s = bsc.State(jnp.zeros(()), name="s")

    @bc.jit
    def pick(i):
        def set_to(v):
            def branch():
                s.value = jnp.asarray(v, jnp.float32)

            return branch

        bc.switch(i, [set_to(0.0), set_to(1.0), set_to(2.0)])
        return s.value

    assert [float(pick(i)) for i in (-5, 0, 1, 2, 99)] == [0.0, 0.0, 1.0, 2.0, 2.0]
    ys = jax.vmap(lambda i: bc.switch(i, [lambda: 0.0, lambda: 1.0, lambda: 2.0]))(
        jnp.asarray([-3, 0, 1, 2, 9])
    )
    np.testing.assert_array_equal(ys, [0.0, 0.0, 1.0, 2.0, 2.0])


def test_switch_needs_branches():
    with pytest.raises(ValueError, match="at least one"):
        bc.switch(0, [])


# -- ifelse --------------------------------------------------------------------------------
@given(st.lists(st.booleans(), min_size=1, max_size=4), st.booleans())
def test_ifelse_first_true_semantics(conds, with_else):
    n_branches = len(conds) + 1 if with_else else len(conds)
    log = bsc.State(jnp.asarray(-1, jnp.int32), name="log")

    def branch(k):
        def run(x):
            log.value = jnp.asarray(k, jnp.int32)
            return x + k

        return run

    out = bc.ifelse(conds, [branch(k) for k in range(n_branches)], jnp.asarray(100))
    expected = next((k for k, c in enumerate(conds) if c), n_branches - 1)
    assert int(out) == 100 + expected
    assert int(log.value) == expected


def test_ifelse_with_traced_conditions_under_vmap():
    def grade(a):
        return bc.ifelse([a > 10, a > 5, a > 2], [lambda: 1, lambda: 2, lambda: 3, lambda: 4])

    np.testing.assert_array_equal(jax.vmap(grade)(jnp.asarray([11, 7, 3, 0, 6])), [1, 2, 3, 4, 2])

    def no_else(a):  # the last branch doubles as the else
        return bc.ifelse([a > 10, a > 5], [lambda: 1, lambda: 2])

    np.testing.assert_array_equal(jax.vmap(no_else)(jnp.asarray([11, 7, 3])), [1, 2, 2])


def test_ifelse_inside_for_loop_writes_states():
    small = bsc.State(jnp.asarray(0.0), name="small")
    mid = bsc.State(jnp.asarray(0.0), name="mid")
    big = bsc.State(jnp.asarray(0.0), name="big")

    def body(x):
        def add_to(s):
            def run():
                s.value += x

            return run

        bc.ifelse([x > 5, x > 2], [add_to(big), add_to(mid), add_to(small)])

    xs = np.arange(8.0)
    bc.for_loop(body, jnp.asarray(xs))
    assert float(big.value) == xs[xs > 5].sum()
    assert float(mid.value) == xs[(xs > 2) & (xs <= 5)].sum()
    assert float(small.value) == xs[xs <= 2].sum()


@pytest.mark.parametrize(
    "conds, n_branches, err, match",
    [
        ([True, False], 4, ValueError, "len"),
        ([True], 0, ValueError, "len"),
        ([jnp.array([True, False])], 2, TypeError, "scalar"),
    ],
)
def test_ifelse_argument_errors(conds, n_branches, err, match):
    with pytest.raises(err, match=match):
        bc.ifelse(conds, [lambda: 0] * n_branches)


@given(st.lists(st.booleans(), min_size=1, max_size=4), st.booleans())
def test_ifelse_check_cond_requires_exactly_one_true_condition(conds, compiled):
    hits = bsc.State(jnp.asarray(0), name="hits")

    def run(flags):
        def branch(k):
            def hit():
                hits.value += 1
                return k

            return hit

        return bc.ifelse(list(flags), [branch(k) for k in range(len(conds))], check_cond=True)

    call = bc.jit(run) if compiled else run
    flags = jnp.asarray(conds)
    if sum(conds) == 1:
        assert int(call(flags)) == conds.index(True)
        assert int(hits.value) == 1
    else:
        with pytest.raises(bc.JitError, match="exactly one condition must be true"):
            jax.block_until_ready(call(flags))
        assert int(hits.value) == 0  # the failed call left the State as it was


def test_branches_with_different_outputs_are_named_as_the_user_wrote_them():
    s = bsc.State(jnp.zeros(()))

    def yes():
        s.value += 1.0
        return jnp.ones(3), 1.0

    def no():
        return jnp.ones(2), 1.0

    with pytest.raises(
        TypeError, match=r"cond\(.*yes, .*no\).*false_fun \(.*no\) at \[0\] has type float32\[2\]"
    ):
        bc.cond(True, yes, no)
    with pytest.raises(TypeError, match=r"branch 0 \(.*no\).*branch 1 \(.*yes\)"):
        bc.switch(0, [no, yes])
    assert float(s.value) == 0.0
