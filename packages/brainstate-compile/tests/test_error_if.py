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


# -- brainstate 0.1 message forms -------------------------------------------------------------


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize(
    ("message", "args", "kwargs", "expected"),
    [
        ("bad {s}", (), {"s": 7.0}, "bad 7.0"),  # 0.1's documented keyword form
        ("bad %s", (7.0,), {}, "bad 7.0"),  # 0.1's printf-style positional values
        ("bad %s and %.1f", (7.0, 2.5), {}, "bad 7.0 and 2.5"),
        ("bad %s at {t}", (7.0,), {"t": 2.0}, "bad 7.0 at 2.0"),  # 0.1: % first, then format
        ("bad {} at {t}", (7.0,), {"t": 2.0}, "bad 7.0 at 2.0"),
        ("bad {1} {0}", (7.0, 2.0), {}, "bad 2.0 7.0"),
    ],
)
def test_message_forms_of_brainstate_01(message, args, kwargs, expected, compiled):
    args = tuple(jnp.asarray(a) for a in args)
    kwargs = {k: jnp.asarray(v) for k, v in kwargs.items()}

    def check(args, kwargs):
        bc.jit_error_if(True, message, *args, **kwargs)
        return 0

    run = bc.jit(check) if compiled else check
    with pytest.raises(bc.JitError) as info:
        run(args, kwargs)
    assert str(info.value) == expected


def test_keyword_values_reach_a_callable_message():
    @bc.jit
    def f(x):
        bc.jit_error_if(x > 0, lambda v, *, unit: f"too large: {float(v)} {unit}", x, unit="mV")
        return x

    with pytest.raises(bc.JitError, match=r"^too large: 3\.0 mV$"):
        f(3.0)


def test_a_callable_may_raise_its_own_error_as_in_01():
    def err(v):
        raise ValueError(f"bad callable {float(v)}")

    with pytest.raises(ValueError, match=r"bad callable 7\.0"):
        bc.jit_error_if(True, err, jnp.asarray(7.0))
    with pytest.raises(Exception, match=r"bad callable 7\.0"):
        bc.jit(lambda x: bc.jit_error_if(x > 0, err, x))(7.0)


@pytest.mark.parametrize(
    ("message", "args", "kwargs"),
    [
        ("no placeholder", (1.0,), {}),
        ("two %s %s", (1.0,), {}),
        ("two {} {}", (1.0,), {}),
        ("named {s}", (), {"t": 1.0}),
    ],
)
def test_values_that_do_not_fit_the_message_fail_at_trace_time(message, args, kwargs):
    calls = []

    @bc.jit
    def f(x):
        calls.append(1)
        bc.jit_error_if(x > 0, message, *[x for _ in args], **{k: x for k in kwargs})
        return x

    with pytest.raises(TypeError, match=r"jit_error_if: the message .* does not fit"):
        f(1.0)
    with pytest.raises(TypeError, match=r"does not fit the values given"):
        bc.jit_error_if(False, message, *args, **kwargs)  # even when pred is false


def test_error_must_be_a_message_or_callable():
    with pytest.raises(TypeError, match=r"error must be a message \(str\) or a callable, got int"):
        bc.jit_error_if(True, 3)
