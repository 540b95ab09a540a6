"""Izhikevich, AdEx and HH neurons against small-step reference integrations in numpy."""

import math

import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_augment as ba
import brainstate_compile as bc
import brainstate_core as bsc
import brainstate_nn as nn

DT = 0.01  # ms: the models' step in the reference comparisons


def simulate(neuron, drive, dt, duration):
    """Spike times (ms, end of the spiking step) of each neuron, and the final potential."""
    with bsc.environ.context(dt=dt * u.ms):
        spikes = bc.for_loop(lambda i: neuron(drive), jnp.arange(round(duration / dt)))
    spikes = np.asarray(spikes)
    times = [(np.flatnonzero(spikes[:, k]) + 1) * dt for k in range(spikes.shape[1])]
    return times, neuron.V.value


# -- numpy references ----------------------------------------------------------------------


def izhikevich_euler(current, duration, dt=0.001, a=0.02, b=0.2, c=-65.0, d=8.0):
    """Forward Euler with the classic reset (V ← c, u ← u + d when V ≥ 30 mV)."""
    v, w, spikes = -65.0, b * -65.0, []
    for i in range(round(duration / dt)):
        dv = 0.04 * v * v + 5.0 * v + 140.0 - w + current
        dw = a * (b * v - w)
        v, w = v + dt * dv, w + dt * dw
        if v >= 30.0:
            spikes.append((i + 1) * dt)
            v, w = c, w + d
    return np.array(spikes)


def adex_euler(current, duration, dt=0.001):
    """Forward Euler of BrainPy's AdExIF defaults (R = 1, a = 1, b = 1)."""
    v_rest, v_reset, v_th, v_t, delta_t, tau, tau_w = -65.0, -68.0, -30.0, -59.9, 3.48, 10, 30
    v, w, spikes = -65.0, 0.0, []
    for i in range(round(duration / dt)):
        dv = (-(v - v_rest) + delta_t * math.exp((v - v_t) / delta_t) - w + current) / tau
        dw = ((v - v_rest) - w) / tau_w
        v, w = v + dt * dv, w + dt * dw
        if v >= v_th:
            spikes.append((i + 1) * dt)
            v, w = v_reset, w + 1.0
    return np.array(spikes)


def hh_rates(v):
    return (
        0.1 * (v + 40) / (1 - math.exp(-(v + 40) / 10)),
        4 * math.exp(-(v + 65) / 18),
        0.07 * math.exp(-(v + 65) / 20),
        1 / (1 + math.exp(-(v + 35) / 10)),
        0.01 * (v + 55) / (1 - math.exp(-(v + 55) / 10)),
        0.125 * math.exp(-(v + 65) / 80),
    )


def hh_rk4(current, duration, dt=0.005, v0=-65.0):
    """Classic RK4 of the squid axon (gL = 0.3); spike times interpolated at 20 mV.

    dt = 0.005 ms agrees with dt = 0.001 ms to within 1e-4 ms on these runs."""

    def f(y):
        v, m, h, n = y
        am, bm, ah, bh, an, bn = hh_rates(v)
        i_ion = 120 * m**3 * h * (v - 50) + 36 * n**4 * (v + 77) + 0.3 * (v + 54.387)
        return (
            current - i_ion,
            am * (1 - m) - bm * m,
            ah * (1 - h) - bh * h,
            an * (1 - n) - bn * n,
        )

    am, bm, ah, bh, an, bn = hh_rates(v0)
    y = (v0, am / (am + bm), ah / (ah + bh), an / (an + bn))
    spikes = []
    for i in range(round(duration / dt)):
        k1 = f(y)
        k2 = f(tuple(a + dt / 2 * k for a, k in zip(y, k1)))
        k3 = f(tuple(a + dt / 2 * k for a, k in zip(y, k2)))
        k4 = f(tuple(a + dt * k for a, k in zip(y, k3)))
        new = tuple(
            a + dt / 6 * (p + 2 * q + 2 * r + s) for a, p, q, r, s in zip(y, k1, k2, k3, k4)
        )
        if y[0] < 20.0 <= new[0]:
            spikes.append(i * dt + dt * (20.0 - y[0]) / (new[0] - y[0]))
        y = new
    return np.array(spikes)


def assert_same_spikes(times, reference, tol):
    assert len(times) == len(reference), (times, reference)
    np.testing.assert_allclose(times, reference, atol=tol)


# -- Izhikevich ----------------------------------------------------------------------------


def test_izhikevich_matches_small_step_euler():
    currents = [10.0, 5.0]
    neuron = nn.init_all_states(nn.Izhikevich(2))
    times, _ = simulate(neuron, jnp.array(currents) * u.mA, DT, 100.0)
    for t, current in zip(times, currents):
        assert_same_spikes(t, izhikevich_euler(current, 100.0), tol=0.05)


def test_izhikevich_firing_patterns():
    # regular spiking (adapting ISIs, then tonic) and fast spiking (no adaptation), per neuron
    neuron = nn.init_all_states(
        nn.Izhikevich(2, a=jnp.array([0.02, 0.1]) / u.ms, d=jnp.array([8.0, 2.0]) * u.mV)
    )
    (rs, fs), _ = simulate(neuron, 10.0 * u.mA, 0.1, 300.0)
    rs_isi, fs_isi = np.diff(rs), np.diff(fs)
    assert rs_isi[1] > 1.5 * rs_isi[0]  # spike-frequency adaptation
    np.testing.assert_allclose(rs_isi[2:], rs_isi[-1], atol=0.3)  # then tonic, ~22 Hz
    assert 20 < 1000.0 / rs_isi[-1] < 25
    assert len(fs) > 3 * len(rs)
    np.testing.assert_allclose(fs_isi[2:], fs_isi[-1], atol=0.3)  # little adaptation


def test_izhikevich_defaults_and_reset():
    neuron = nn.Izhikevich(3, a=0.02, c=-50.0)  # plain numbers: 1/ms and mV
    assert neuron.a.unit.dim == (u.ms**-1).dim and neuron.c.unit == u.mV
    nn.init_all_states(neuron)
    np.testing.assert_allclose(neuron.u.value.to_decimal(u.mV), -13.0)  # b·V0
    neuron.V.value = jnp.array([40.0, 0.0, -70.0]) * u.mV
    assert neuron.get_spike().tolist() == [1.0, 0.0, 0.0]
    u_before = neuron.u.value
    with bsc.environ.context(dt=0.1 * u.ms):
        bc.jit(lambda: neuron(0.0 * u.mA))()
    assert float(neuron.V.value[0].to_decimal(u.mV)) == pytest.approx(-50.0, abs=2.0)
    du = (neuron.u.value - u_before).to_decimal(u.mV)
    assert du[0] == pytest.approx(8.0, abs=0.1) and abs(du[1]) < 0.1


# -- AdEx ----------------------------------------------------------------------------------


def test_adex_matches_small_step_euler():
    currents = [10.0, 20.0]
    neuron = nn.init_all_states(nn.AdEx(2))
    times, _ = simulate(neuron, jnp.array(currents) * u.mA, DT, 100.0)
    for t, current in zip(times, currents):
        assert_same_spikes(t, adex_euler(current, 100.0), tol=0.05)
    assert np.all(np.diff(np.diff(times[1])) > 0)  # adaptation lengthens each interval


def test_adex_stays_finite_with_a_coarse_step():
    # the exponential upswing overshoots far past V_th within a 1 ms step: V is capped there
    neuron = nn.init_all_states(nn.AdEx(1, V_th=0.0 * u.mV))
    times, V = simulate(neuron, 30.0 * u.mA, 1.0, 100.0)
    assert len(times[0]) > 2
    assert np.all(np.isfinite(V.to_decimal(u.mV)))
    assert float(V[0].to_decimal(u.mV)) <= 0.0


# -- HH ------------------------------------------------------------------------------------


def test_hh_matches_rk4_reference():
    currents = [5.0, 10.0, 20.0]
    neuron = nn.init_all_states(nn.HH(3))
    times, _ = simulate(neuron, jnp.array(currents) * u.uA / u.cm2, DT, 20.0)
    for t, current in zip(times, currents):
        assert_same_spikes(t, hh_rk4(current, 20.0), tol=0.1)


def test_hh_rests_at_minus_65_mV():
    neuron = nn.init_all_states(nn.HH(2))
    _, V = simulate(neuron, 0.0 * u.uA / u.cm2, 0.05, 50.0)
    np.testing.assert_allclose(V.to_decimal(u.mV), -65.0, atol=0.05)
    np.testing.assert_allclose(neuron.m.value, 0.0529, atol=1e-3)
    np.testing.assert_allclose(neuron.h.value, 0.5961, atol=1e-3)
    np.testing.assert_allclose(neuron.n.value, 0.3177, atol=1e-3)


# -- all three -----------------------------------------------------------------------------

MODELS = {
    "Izhikevich": (nn.Izhikevich, 10.0 * u.mA),
    "AdEx": (nn.AdEx, 10.0 * u.mA),
    "HH": (nn.HH, 10.0 * u.uA / u.cm2),
}


@pytest.mark.parametrize(
    "cls, kwargs, name",
    [
        (nn.Izhikevich, {"a": 0.02 * u.mV}, "a"),
        (nn.Izhikevich, {"d": 8.0 * u.ms}, "d"),
        (nn.AdEx, {"delta_T": 3.48 * u.ms}, "delta_T"),
        (nn.AdEx, {"a": 1.0 * u.mA}, "a"),
        (nn.HH, {"gNa": 120.0 * u.mS}, "gNa"),  # not per area
        (nn.HH, {"C": 1.0 * u.uF}, "C"),
    ],
)
def test_unit_mismatch_names_the_parameter(cls, kwargs, name):
    with pytest.raises(u.UnitMismatchError, match=f"parameter '{name}'"):
        cls(2, **kwargs)


def test_plain_numbers_take_the_documented_units():
    hh = nn.HH(1, gNa=120.0, C=1.0, ENa=50.0)
    assert hh.gNa.unit.dim == (u.msiemens / u.cm2).dim and hh.ENa.unit == u.mV
    assert float(hh.gNa.to_decimal(u.msiemens / u.cm2)) == pytest.approx(120.0)
    adex = nn.AdEx(1, a=2.0, b=0.5, tau_w=100.0)
    assert adex.a.unit == u.siemens and adex.b.unit == u.mA and adex.tau_w.unit == u.ms
    with pytest.raises(u.UnitMismatchError, match="input current"):
        nn.init_all_states(nn.HH(1))(1.0 * u.mA)


@pytest.mark.parametrize("name", list(MODELS))
def test_batch_shapes(name):
    cls, drive = MODELS[name]
    neuron = nn.init_all_states(cls((2, 3)), batch_size=4)
    assert neuron.V.value.shape == (4, 2, 3)
    with bsc.environ.context(dt=0.1 * u.ms):
        out = bc.jit(lambda x: neuron(x))(jnp.ones((4, 2, 3)) * drive)
    assert out.shape == (4, 2, 3)
    nn.reset_all_states(neuron, batch_size=2)
    assert neuron.V.value.shape == (2, 2, 3)
    assert neuron.get_spike().shape == (2, 2, 3)


def test_surrogate_gradient_through_izhikevich_soft_reset():
    neuron = nn.Izhikevich(3, spk_reset="soft")
    w = bsc.ParamState(jnp.array([8.0, 10.0, 12.0]))

    def count():
        nn.init_all_states(neuron)
        with bsc.environ.context(dt=0.5 * u.ms):
            spikes = bc.for_loop(lambda i: neuron(w.value * u.mA), jnp.arange(100))
        return spikes.sum()

    g = ba.grad(count, w)()
    assert np.all(np.isfinite(g)) and np.any(g != 0)
