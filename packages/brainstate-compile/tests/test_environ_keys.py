"""Compiled programs are keyed on the ``environ`` settings their function read."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_compile as bc
import brainstate_core as bsc
from brainstate_core import environ


def _stepper():
    s = bsc.State(jnp.zeros(()), name="s")
    traces = [0]

    def step(x):
        traces[0] += 1
        sign = 1.0 if environ.get("fit", default=False) else -1.0
        s.value = s.value + sign * x
        return s.value

    return s, step, traces


def test_jit_recompiles_when_a_setting_it_read_changes_and_reuses_programs():
    _, step, traces = _stepper()
    f = bc.jit(step)
    assert float(f(1.0)) == -1.0
    first_call_traces = traces[0]
    # States and settings are found in one trace; the keyed retrace replays its recording
    assert first_call_traces == 1
    with environ.context(fit=True):
        assert float(f(1.0)) == 0.0  # not the fit=False program
        assert float(f(1.0)) == 1.0
    assert float(f(1.0)) == 0.0
    with environ.context(fit=True):
        assert float(f(1.0)) == 1.0
    assert traces[0] == first_call_traces + 1  # one program per value, both reused


def test_global_settings_and_pop_are_seen():
    s, step, _ = _stepper()
    f = bc.jit(step)
    f(2.0)
    environ.set(fit=True)
    try:
        f(2.0)
        np.testing.assert_allclose(s.value, 0.0)
    finally:
        environ.pop("fit")
    f(2.0)
    np.testing.assert_allclose(s.value, -2.0)


def test_array_and_quantity_settings_key_by_value():
    u = pytest.importorskip("brainunit")

    v = bsc.State(jnp.zeros(()), name="v")

    @bc.jit
    def decay():
        dt = environ.get_dt()
        v.value = v.value + u.get_magnitude(dt / u.ms)
        return v.value

    with environ.context(dt=0.1 * u.ms):
        decay()
    with environ.context(dt=0.5 * u.ms):
        decay()
    with environ.context(dt=jnp.asarray(2.0)):
        decay()
    np.testing.assert_allclose(v.value, 0.1 + 0.5 + 2.0 * 1.0, rtol=1e-6)


def test_settings_read_as_tracers_are_inputs_not_keys():
    s = bsc.State(jnp.zeros(()), name="acc")
    traces = [0]

    def body(i):
        traces[0] += 1
        with environ.context(t=i * 0.5):
            s.value = s.value + environ.get("t")

    @bc.jit(static_argnums=0)
    def run(n):
        bc.for_loop(body, jnp.arange(n))

    run(4)
    n = traces[0]
    run(4)
    assert traces[0] == n  # the traced `t` does not key the program
    np.testing.assert_allclose(s.value, 2 * (0 + 0.5 + 1.0 + 1.5))


def test_a_setting_changing_every_call_warns_once_naming_it():
    s = bsc.State(jnp.zeros(()), name="s")

    @bc.jit
    def step():
        s.value = s.value + environ.get("t")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in range(12):
            with environ.context(t=float(k)):
                step()
    np.testing.assert_allclose(s.value, sum(range(12)))  # right results, however slow
    ours = [w for w in caught if issubclass(w.category, bc.EnvironRecompileWarning)]
    assert len(ours) == 1
    assert "['t']" in str(ours[0].message)


def test_static_arguments_mode_is_keyed_too():
    s, step, _ = _stepper()

    @bc.jit(static_argnums=1)
    def f(x, times):
        for _ in range(times):
            step(x)
        return s.value

    f(1.0, 2)
    with environ.context(fit=True):
        f(1.0, 2)
    np.testing.assert_allclose(s.value, 0.0)


def test_stateful_function_cache_is_keyed_on_settings():
    s, step, traces = _stepper()
    sf = bc.StatefulFunction(step)
    sf(1.0)
    with environ.context(fit=True):
        sf(1.0)
        sf(1.0)
    np.testing.assert_allclose(s.value, 1.0)
    n = traces[0]
    with environ.context(fit=True):
        sf(1.0)
    assert traces[0] == n


def test_top_level_loops_are_keyed_on_settings():
    s = bsc.State(jnp.zeros(()), name="s")

    def body(i):
        s.value = s.value + (1.0 if environ.get("fit", default=False) else -1.0)

    bc.for_loop(body, jnp.arange(3))
    with environ.context(fit=True):
        bc.for_loop(body, jnp.arange(3))
    np.testing.assert_allclose(s.value, 0.0)


@pytest.mark.parametrize("disable", [True])
def test_disable_jit_reads_settings_eagerly(disable):
    s, step, _ = _stepper()
    f = bc.jit(step)
    with jax.disable_jit(disable), environ.context(fit=True):
        f(1.0)
    np.testing.assert_allclose(s.value, 1.0)


def test_a_setting_read_traced_then_concrete_is_keyed():
    @bc.jit
    def k(x):
        with environ.context(t=x):
            y = environ.get("t")  # traced: an input
        return y + environ.get("t")  # concrete: baked in, so keyed

    with environ.context(t=1.0):
        assert float(k(0.0)) == 1.0
    with environ.context(t=5.0):
        assert float(k(0.0)) == 5.0


@pytest.mark.parametrize("static", [False, True])
def test_arguments_named_like_the_internal_parameters(static):
    def f(x, env=0.0, state_values=0.0, known=0.0, n=1):
        return x + env + state_values + known + n

    jitted = bc.jit(static_argnames="n")(f) if static else bc.jit(f)
    assert float(jitted(1.0, env=2.0, state_values=3.0, known=4.0, n=5)) == 15.0


def test_an_opaque_setting_keys_by_identity():
    class Opaque:
        __hash__ = None  # unhashable, not a pytree

        def __init__(self, v):
            self.v = v

    s = bsc.State(jnp.zeros(()), name="s")

    @bc.jit
    def f():
        s.value = s.value + environ.get("opaque").v

    a, b = Opaque(1.0), Opaque(10.0)
    with environ.context(opaque=a):
        f()
    with environ.context(opaque=b):
        f()
    with environ.context(opaque=a):
        f()
    np.testing.assert_allclose(s.value, 12.0)


def test_the_recompile_warning_points_at_the_caller():
    s = bsc.State(jnp.zeros(()), name="s")

    @bc.jit
    def step():
        s.value = s.value + environ.get("t")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in range(10):
            with environ.context(t=float(k)):
                step()
    ours = [w for w in caught if issubclass(w.category, bc.EnvironRecompileWarning)]
    assert ours and ours[0].filename == __file__
