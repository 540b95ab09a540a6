"""``jit_error_if``: formatted errors eagerly, inside compiled code and under vmap."""

import logging

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_compile as bc
import brainstate_core as bsc


@pytest.fixture(autouse=True)
def _quiet_callback_logs(caplog):
    # jax logs every failing host callback before re-raising it; the tests check the errors
    caplog.set_level(logging.CRITICAL, logger="jax")


def test_error_class():
    assert issubclass(bc.JitError, bsc.BrainStateError)
    assert issubclass(bc.JitError, RuntimeError)
    assert bc.JitError.__module__ == "brainstate_compile"


def test_eager_raises_with_formatted_message():
    with pytest.raises(bc.JitError, match=r"^bad value 3 and 2.5$"):
        bc.jit_error_if(True, "bad value {} and {}", 3, jnp.asarray(2.5))
    with pytest.raises(bc.JitError, match="any element"):
        bc.jit_error_if(jnp.asarray([False, True, False]), "any element")
    with pytest.raises(bc.JitError, match=r"x=-1\.0"):
        bc.jit_error_if(True, lambda x: f"x={float(x)}", jnp.asarray(-1.0))


def test_eager_not_raised_when_false():
    bc.jit_error_if(False, "never {}", 1)
    bc.jit_error_if(jnp.asarray([False, False]), "never")
    bc.jit_error_if(np.bool_(False), lambda: "never")


def test_inside_bc_jit():
    s = bsc.State(jnp.asarray(0.0), name="s")

    @bc.jit
    def safe_log(x):
        s.value += 1.0
        bc.jit_error_if(x <= 0, "log of non-positive value {} at call {}", x, s.value)
        return jnp.log(x)

    assert float(safe_log(1.0)) == 0.0
    assert float(s.value) == 1.0
    before = s.value
    with pytest.raises(bc.JitError, match=r"log of non-positive value -2.0 at call 2.0"):
        safe_log(-2.0)
    assert s.value is before  # the failed call wrote nothing
    np.testing.assert_allclose(safe_log(jnp.e), 1.0, rtol=1e-6)  # later calls still work
    assert float(s.value) == 2.0
    with pytest.raises(bc.JitError, match=r"value 0.0 at call 3.0"):
        safe_log(0.0)


def test_callable_message_inside_jit():
    @bc.jit
    def f(x):
        bc.jit_error_if(x.sum() > 10, lambda v: f"sum too large: {np.asarray(v).tolist()}", x)
        return x

    f(jnp.ones(3))
    with pytest.raises(bc.JitError, match=r"sum too large: \[5.0, 6.0\]"):
        f(jnp.asarray([5.0, 6.0]))


def test_inside_plain_jax_jit_message_contains_values():
    @jax.jit
    def g(x):
        bc.jit_error_if(x < 0, "negative x = {}", x)
        return x * 2

    assert float(g(1.0)) == 2.0
    with pytest.raises(Exception, match=r"negative x = -3.0"):
        g(-3.0)


def test_inside_for_loop_reports_the_step():
    s = bsc.State(jnp.asarray(0.0), name="s")
    before = s.value

    def body(i):
        s.value += i
        bc.jit_error_if(s.value > 5, "total {} exceeded at step {}", s.value, i)

    with pytest.raises(bc.JitError, match=r"^total 6.0 exceeded at step 3.0$"):
        bc.for_loop(body, jnp.arange(5.0))
    assert s.value is before
    bc.for_loop(body, jnp.arange(3.0))  # 0 + 1 + 2: no error
    assert float(s.value) == 3.0


@pytest.mark.parametrize("where", ["while_loop", "cond", "remat"])
def test_other_transforms_raise_jit_error(where):
    s = bsc.State(jnp.asarray(1.0), name="s")
    before = s.value

    def check(v):
        s.value += v
        bc.jit_error_if(s.value > 2, "s = {}", s.value)
        return v

    with pytest.raises(bc.JitError, match=r"^s = 3.0$"):
        if where == "while_loop":
            bc.while_loop(lambda v: v < 10.0, lambda v: check(v) + 1.0, 2.0)
        elif where == "cond":
            bc.cond(True, check, lambda v: v, 2.0)
        else:
            bc.remat(check)(2.0)
    assert s.value is before


def test_under_vmap_only_when_some_lane_is_true():
    def h(x):
        bc.jit_error_if(x < 0, "negative lane {}", x)
        return x * 2

    np.testing.assert_allclose(jax.vmap(h)(jnp.asarray([1.0, 2.0])), [2.0, 4.0])
    np.testing.assert_allclose(bc.jit(jax.vmap(h))(jnp.asarray([1.0, 2.0, 3.0])), [2.0, 4.0, 6.0])
    with pytest.raises(bc.JitError, match=r"negative lane -2\.0"):
        jax.vmap(h)(jnp.asarray([1.0, -2.0]))
    with pytest.raises(bc.JitError, match=r"negative lane -5\.0"):
        bc.jit(jax.vmap(h))(jnp.asarray([-5.0, 2.0, 3.0]))


def test_a_raised_jit_error_is_not_also_logged_with_a_traceback(caplog):
    s = bsc.State(jnp.zeros(()))

    @bc.jit
    def f(x):
        s.value += x
        bc.jit_error_if(s.value > 1, "too big: {}", s.value)
        return s.value

    with caplog.at_level(logging.ERROR, logger="jax._src.debugging"):
        with pytest.raises(bc.JitError, match=r"too big: 2\.0"):
            f(2.0)
        assert not [r for r in caplog.records if "callback failed" in r.getMessage()]

        def broken(x):
            raise RuntimeError("not a JitError")

        with pytest.raises(Exception, match="not a JitError"):
            jax.jit(lambda x: jax.debug.callback(broken, x))(1.0)
        assert [r for r in caplog.records if "callback failed" in r.getMessage()]
    assert float(s.value) == 0.0
