"""Dynamics inputs and update hooks, DynamicsGroup order, prefetch, Delay, exp_euler_step."""

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import brainstate_compile as bc
import brainstate_core as bsc
import brainstate_nn as nn


class Leak(nn.Dynamics):
    def __init__(self, n, tau=10.0):
        super().__init__(n)
        self.tau = tau

    def init_state(self, batch_size=None):
        shape = self.varshape if batch_size is None else (batch_size, *self.varshape)
        self.x = bsc.HiddenState(jnp.zeros(shape))

    def update(self, inp=0.0):
        x = self.x.value
        x = nn.exp_euler_step(lambda v: (-v + self.sum_current_inputs(inp, v)) / self.tau, x)
        self.x.value = self.sum_delta_inputs(x)
        return self.x.value


# -- inputs ----------------------------------------------------------------------------------


def test_sizes_and_varshape():
    pop = Leak((2, 3))
    assert pop.varshape == (2, 3) and pop.in_size == pop.out_size == (2, 3)
    assert Leak(4).varshape == (4,)
    with pytest.raises(ValueError, match="non-empty in_size"):
        Leak(())


def test_current_inputs_functions_stay_values_are_consumed_once():
    pop = nn.init_all_states(Leak(2))
    pop.add_current_input("f", lambda v: 2.0 * jnp.ones_like(v))
    pop.add_current_input("once", jnp.array([1.0, 0.0]))
    total = pop.sum_current_inputs(0.0, jnp.zeros(2))
    np.testing.assert_allclose(total, [3.0, 2.0])
    np.testing.assert_allclose(pop.sum_current_inputs(0.0, jnp.zeros(2)), [2.0, 2.0])
    assert "once" not in pop.current_inputs


def test_labels_select_inputs_and_keys_are_unique():
    pop = nn.init_all_states(Leak(1))
    pop.add_delta_input("a", lambda: 1.0, label="exc")
    pop.add_delta_input("b", lambda: 10.0, label="inh")
    assert float(pop.sum_delta_inputs(0.0, label="exc")) == 1.0
    assert float(pop.sum_delta_inputs(0.0)) == 11.0
    with pytest.raises(KeyError, match="already used"):
        pop.add_delta_input("a", lambda: 2.0, label="exc")
    with pytest.raises(KeyError, match="no current or delta input"):
        pop.get_input("missing")


def test_before_and_after_updates_run_around_update():
    calls = []
    pop = nn.init_all_states(Leak(1))
    pop._add_before_update("b", nn.receive_update_input(lambda inp: calls.append(("b", inp))))
    pop._add_after_update("a", lambda out: calls.append(("a", float(out[0]))))
    pop._add_after_update("n", nn.not_receive_update_output(lambda: calls.append(("n",))))
    with bsc.environ.context(dt=0.1):
        pop(5.0)
    assert [c[0] for c in calls] == ["b", "a", "n"] and calls[0][1] == 5.0
    with pytest.raises(KeyError, match="already registered"):
        pop._add_after_update("a", lambda out: None)


def test_align_pre_builds_a_description_once():
    pre = Leak(3)
    a = pre.align_pre(Leak.desc(3))
    b = pre.align_pre(Leak.desc(3))
    assert a is b and isinstance(a, Leak)
    with pytest.raises(TypeError, match="align_pre"):
        pre.align_pre(3)


def test_dynamics_group_runs_projections_then_dynamics_then_others():
    order = []

    class Proj(nn.Projection):
        def update(self):
            order.append("proj")

    class Pop(nn.Dynamics):
        def update(self):
            order.append("pop")

    class Other(nn.Module):
        def update(self):
            order.append("other")

    class Net(nn.DynamicsGroup):
        def __init__(self):
            super().__init__(Other())
            self.pop = Pop(2)
            self.proj = Proj()

    Net().update()
    assert order == ["proj", "pop", "other"]


# -- exp_euler_step ----------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(
    x0=st.floats(-5, 5),
    tau=st.floats(0.5, 50.0),
    drive=st.floats(-3, 3),
    dt=st.floats(0.01, 2.0),
)
def test_exp_euler_is_exact_for_linear_equations(x0, tau, drive, dt):
    with bsc.environ.context(dt=dt):
        x1 = nn.exp_euler_step(lambda x, i: (-x + i) / tau, jnp.asarray(x0), drive)
    expected = drive + (x0 - drive) * np.exp(-dt / tau)
    np.testing.assert_allclose(float(x1), expected, rtol=1e-5, atol=1e-5)


@settings(max_examples=60, deadline=None)
@given(
    z=st.one_of(
        st.floats(-1e-3, 1e-3),  # the series
        st.floats(0.9, 1.1),  # where the series hands over to expm1
        st.floats(-1.1, -0.9),
        st.floats(-60.0, 60.0),  # stiff steps, both signs
    )
)
def test_exprel_matches_the_exact_value(z):
    from brainstate_nn._src.exp_euler import _exprel

    exact = 1.0 if z == 0.0 else np.expm1(np.float64(z)) / np.float64(z)
    got = _exprel(jnp.asarray(z, jnp.float32))
    assert got.dtype == jnp.float32
    np.testing.assert_allclose(float(got), exact, rtol=2e-6)


def test_exprel_at_zero_and_its_gradient_are_finite():
    from brainstate_nn._src.exp_euler import _exprel

    z = jnp.array([0.0, 1e-30, -0.1, 0.1, 5.0])
    np.testing.assert_allclose(
        _exprel(z), np.where(z == 0, 1.0, np.expm1(z) / np.where(z == 0, 1, z)), rtol=2e-6
    )
    g = jax.grad(lambda z: _exprel(z).sum())(z)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g[0], 0.5, rtol=1e-6)  # φ'(0) = 1/2


@pytest.mark.parametrize("dtype, rtol", [("float32", 2e-6), ("float64", 1e-14)])
@pytest.mark.parametrize(
    "values",
    [[0.0, 1e-6, -0.3, 0.99, -0.999], [0.0, -0.5, 1.0, 3.0, -40.0]],
    ids=["polynomial only", "polynomial and expm1"],
)
def test_exprel_compiled_and_vectorised_matches_the_exact_value(dtype, rtol, values):
    from brainstate_nn._src.exp_euler import _exprel

    with jax.enable_x64(dtype == "float64"):
        z = jnp.asarray(values, dtype)
        z64 = np.asarray(values, np.float64)
        exact = np.where(z64 == 0, 1.0, np.expm1(z64) / np.where(z64 == 0, 1.0, z64))
        for got in (jax.jit(_exprel)(z), jax.vmap(_exprel)(z), _exprel(z)):
            assert got.dtype == z.dtype
            np.testing.assert_allclose(np.asarray(got, np.float64), exact, rtol=rtol)
        slope = jax.jit(jax.grad(lambda z: _exprel(z).sum()))(z)
        exact_slope = [
            0.5 if v == 0 else (np.exp(v) * v - np.expm1(v)) / v**2 for v in values
        ]  # φ'(z) = (z e^z - (e^z - 1)) / z²
        np.testing.assert_allclose(np.asarray(slope, np.float64), exact_slope, rtol=2e-4)


def test_exp_euler_with_units_and_unit_errors():
    with bsc.environ.context(dt=0.1 * u.ms):
        v = jnp.array([-60.0, -50.0]) * u.mV
        v1 = nn.exp_euler_step(lambda v: (-65.0 * u.mV - v) / (10.0 * u.ms), v)
        assert u.get_unit(v1) == u.mV
        expected = -65.0 + (np.array([-60.0, -50.0]) + 65.0) * np.exp(-0.01)
        np.testing.assert_allclose(v1.to_decimal(u.mV), expected, rtol=1e-5)
        with pytest.raises(u.UnitMismatchError, match="drift must return"):
            nn.exp_euler_step(lambda v: v * 2.0, v)


def test_exp_euler_rejects_integers_and_adds_noise():
    with bsc.environ.context(dt=0.1):
        with pytest.raises(ValueError, match="floating-point"):
            nn.exp_euler_step(lambda x: -x, jnp.arange(3))
        bsc.random.seed(0)
        xs = nn.exp_euler_step(lambda x: -x * 0.0, lambda x: jnp.ones_like(x), jnp.zeros(20000))
    assert abs(float(jnp.std(xs)) - np.sqrt(0.1)) < 0.01


# -- Delay ---------------------------------------------------------------------------------------


def test_delay_entries_with_indices_as_in_brainstate_0_1():
    with bsc.environ.context(dt=1.0 * u.ms):
        d = nn.Delay(jnp.zeros(4), time=3.0 * u.ms, take_aware_unit=True)
        d.register_entry("x", 2.0 * u.ms, jnp.array([0, 2]))  # (entry, time, *indices)
        d.register_entry("y", delay_step=1)
        nn.init_all_states(d)
        for i in range(5):
            d.update(jnp.arange(4.0) + 10 * i)
        np.testing.assert_array_equal(d.at("x"), [20.0, 22.0])  # 2 steps ago, at [0, 2]
        np.testing.assert_array_equal(d.at("y"), [30.0, 31.0, 32.0, 33.0])
        np.testing.assert_array_equal(d.at("x", 1), 21.0)  # indices given to at() win
        with pytest.raises(TypeError, match="delay_step="):
            d.register_entry("z", None, 3)  # not a delay of 3 steps: that is delay_step=3

        pre = nn.LIF(3, V_initializer=nn.init.Constant(-70.0 * u.mV))
        by_index = pre.prefetch("V").delay.at(1.0 * u.ms, jnp.array([2]))
        shorthand = pre.prefetch_delay("V", 1.0 * u.ms)
        nn.init_all_states(pre)
        for i in range(3):
            with bsc.environ.context(t=i * u.ms):
                pre(jnp.array([0.0, 1.0, 2.0]) * u.mA)
        full = shorthand()
        assert full.shape == (3,) and by_index().shape == (1,)
        np.testing.assert_allclose(u.get_mantissa(by_index()), u.get_mantissa(full)[2:])


@pytest.mark.parametrize("method", ["rotation", "concat"])
def test_delay_returns_the_value_n_steps_ago(method):
    with bsc.environ.context(dt=1.0):
        d = nn.Delay(jnp.zeros(2), time=4.0, delay_method=method)
        d.register_entry("two", 2.0)
        d.init_state()
        for i in range(7):
            with bsc.environ.context(i=i):
                d.update(jnp.full(2, float(i)))
                for n in range(min(i, 4) + 1):
                    assert float(d.retrieve_at_step(n)[0]) == i - n
                assert float(d.at("two")[0]) == max(i - 2, 0)


def test_delay_access_reads_its_entry_with_brainstate_01_keywords():
    with bsc.environ.context(dt=1.0):
        d = nn.Delay(jnp.zeros(3), time=1.0)
        by_keyword = nn.DelayAccess(d, 2.0, delay_entry="two")
        by_method = d.access("one", 1.0)
        picked = nn.DelayAccess(d, 2.0, "two again", 1)  # indices apply to the delayed value
        d.init_state()

        def value(step):  # what was recorded at `step` (the initial zeros before step 0)
            return jnp.arange(3.0) + 10 * step if step >= 0 else jnp.zeros(3)

        for i in range(5):
            with bsc.environ.context(i=i):
                d.update(value(i))
                np.testing.assert_array_equal(by_keyword(), value(i - 2))
                np.testing.assert_array_equal(by_method(), value(i - 1))
                assert float(picked()) == float(value(i - 2)[1])


def test_delay_length_and_entries():
    with bsc.environ.context(dt=0.1):
        d = nn.Delay(jnp.zeros(3), time=0.25)  # rounded up to 3 steps
        assert d.max_length == 4
        d.register_entry("long", 1.0)
        assert d.max_length == 11
        with pytest.raises(KeyError, match="already registered"):
            d.register_entry("long", 0.5)
        with pytest.raises(KeyError, match="no delay entry"):
            d.at("nope")
        with pytest.raises(RuntimeError, match="init_state"):
            d.retrieve_at_step(0)
        with pytest.raises(ValueError, match="delay_method"):
            nn.Delay(jnp.zeros(1), delay_method="ring")


def test_delay_retrieve_at_time_interpolates():
    with bsc.environ.context(dt=1.0):
        d = nn.Delay(jnp.zeros(()), time=5.0)
        d.init_state()
        for i in range(6):
            with bsc.environ.context(i=i, t=float(i)):
                d.update(jnp.asarray(float(i) * 10))
        with bsc.environ.context(i=5, t=5.0):
            assert float(d.retrieve_at_time(3.5)) == pytest.approx(35.0)
        d2 = nn.Delay(jnp.zeros(()), time=5.0, interp_method="round")
        d2.init_state()
        for i in range(6):
            with bsc.environ.context(i=i):
                d2.update(jnp.asarray(float(i) * 10))
        with bsc.environ.context(i=5, t=5.0):
            assert float(d2.retrieve_at_time(3.4)) == pytest.approx(30.0)


def test_delay_range_check_under_jit_error_if():
    with bsc.environ.context(dt=1.0, jit_error_check=True):
        d = nn.Delay(jnp.zeros(()), time=2.0)
        d.init_state()

        @bc.jit
        def read(n):
            with bsc.environ.context(i=3):
                return d.retrieve_at_step(n)

        read(1)
        with pytest.raises(bc.JitError, match="beyond the longest registered"):
            jax.block_until_ready(read(5))


def test_prefetch_and_delayed_prefetch_in_a_compiled_loop():
    with bsc.environ.context(dt=1.0):
        pop = Leak(2)
        now = pop.prefetch("x")
        late = pop.prefetch("x").delay.at(3.0)
        nn.init_all_states(pop)

        def step(i):
            with bsc.environ.context(i=i, t=i * 1.0):
                pop(1.0)
                return now(), late()

        xs, lagged = bc.for_loop(step, jnp.arange(10))
    np.testing.assert_allclose(lagged[3:], xs[:-3], rtol=1e-6)
    assert isinstance(pop.x.value, jax.Array)


def test_delay_of_a_quantity_and_a_batch():
    with bsc.environ.context(dt=1.0):
        pop = Leak(2)
        nn.init_all_states(pop, batch_size=3)
        sd = nn.StateWithDelay(pop, "x")
        sd.register_entry("one", 1.0)
        sd.init_state(batch_size=3)
        assert sd.history.value.shape == (2, 3, 2)
        q = nn.Delay(jnp.zeros(2) * u.mV, time=1.0)
        q.init_state()
        with bsc.environ.context(i=0):
            q.update(jnp.ones(2) * u.mV)
            assert u.get_unit(q.retrieve_at_step(0)) == u.mV


@settings(max_examples=25, deadline=None)
@given(
    delays=st.lists(st.integers(0, 6), min_size=1, max_size=3, unique=True),
    method=st.sampled_from(["rotation", "concat"]),
    steps=st.integers(1, 12),
)
def test_delays_return_the_value_recorded_that_many_updates_before_the_latest(
    delays, method, steps
):
    # reference: the list of recorded values; a delay of n reads recorded[-1 - n] (0 = the
    # latest), the initial value when fewer have been recorded, before or after an update
    with bsc.environ.context(dt=1.0 * u.ms):
        d = nn.Delay(jnp.zeros(1), init=-1.0, delay_method=method)
        readers = [d.access(f"d{n}", n * 1.0 * u.ms) for n in delays]
        nn.init_all_states(d)
        recorded: list[float] = []

        def expected():
            return [recorded[-1 - n] if n < len(recorded) else -1.0 for n in delays]

        for i in range(steps):
            with bsc.environ.context(i=i, t=i * 1.0 * u.ms):
                assert [float(r()[0]) for r in readers] == expected()
                d.update(jnp.full(1, float(10 + i)))
                recorded.append(float(10 + i))
                assert [float(r()[0]) for r in readers] == expected()


def test_delay_times_mix_plain_milliseconds_and_quantities():
    for dt, time in ((0.1, 2.0 * u.ms), (0.1 * u.ms, 2.0), (0.1 * u.ms, 2.0 * u.ms)):
        with bsc.environ.context(dt=dt):
            assert nn.Delay(jnp.zeros(2), time=time).max_length == 21
    with bsc.environ.context(dt=0.1 * u.ms), pytest.raises(u.UnitMismatchError, match="mV"):
        nn.Delay(jnp.zeros(2), time=2.0 * u.mV)


def test_a_batch_size_change_is_named_in_the_shape_error():
    with bsc.environ.context(dt=0.1 * u.ms):
        lif = nn.LIF(4)
        nn.init_all_states(lif, batch_size=5)
        with pytest.raises(TypeError, match="incompatible shapes") as info:
            lif(jnp.ones((3, 4)) * u.mA)
        note = "\n".join(getattr(info.value, "__notes__", []))
        assert "V: (5, 4)" in note and "(3, 4)" in note
        assert "reset_all_states(model, batch_size=3)" in note
        assert lif.V.value.shape == (5, 4)
        nn.reset_all_states(lif, batch_size=3)  # what the note says to do
        assert lif(jnp.ones((3, 4)) * u.mA).shape == (3, 4)
