"""Input populations (spike times, Poisson) statistically; readouts against closed forms."""

import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_augment as ba
import brainstate_compile as bc
import brainstate_core as bsc
import brainstate_nn as nn

DT = 0.1  # ms


@pytest.fixture(autouse=True)
def _dt():
    with bsc.environ.context(dt=DT * u.ms):
        yield


def run(fn, n_steps):
    """``fn()`` at each step ``i`` with ``t = i·dt`` in environ, in one compiled loop."""

    def step(i):
        with bsc.environ.context(t=i * DT * u.ms):
            return fn()

    return bc.for_loop(step, jnp.arange(n_steps))


# -- SpikeTime -----------------------------------------------------------------------------


def test_spike_time_emits_exactly_at_the_given_steps():
    times = [2.5, 0.3, 1.0, 2.5, 0.0]  # unsorted; two events share a step
    indices = [1, 1, 0, 2, 3]
    inp = nn.init_all_states(nn.SpikeTime(4, indices=indices, times=times))
    spikes = np.asarray(run(inp, 40))
    expected = np.zeros((40, 4), bool)
    for t, i in zip(times, indices):
        expected[round(t / DT), i] = True
    np.testing.assert_array_equal(spikes, expected)
    assert spikes.dtype == bool
    # reset rewinds; times in seconds and a float spike type work too
    nn.reset_all_states(inp)
    np.testing.assert_array_equal(np.asarray(run(inp, 40)), expected)
    inp2 = nn.init_all_states(
        nn.SpikeTime(4, indices=indices, times=np.array(times) * 1e-3 * u.second, spk_type=float)
    )
    np.testing.assert_array_equal(np.asarray(run(inp2, 40)), expected.astype(float))


def test_spike_time_catches_up_and_batches():
    inp = nn.SpikeTime((2, 2), indices=[3, 0], times=[0.5, 100.0])
    nn.init_all_states(inp, batch_size=3)
    with bsc.environ.context(t=1.0 * u.ms):  # starts after the first event: emitted now
        first = np.asarray(inp())
        again = np.asarray(inp())  # and only once
    assert first.shape == (3, 2, 2)
    np.testing.assert_array_equal(
        first, np.broadcast_to([[False, False], [False, True]], first.shape)
    )
    assert not again.any()


def test_spike_time_rejects_bad_events():
    with pytest.raises(ValueError, match="same length"):
        nn.SpikeTime(3, indices=[0, 1], times=[1.0])
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        nn.SpikeTime(3, indices=[0, 3], times=[1.0, 2.0])
    with pytest.raises(u.UnitMismatchError, match="'times'"):
        nn.SpikeTime(3, indices=[0], times=[1.0] * u.mV)


# -- Poisson spikes ------------------------------------------------------------------------


def counts_within(count, n, p, sigmas=5.0):
    mean, std = n * p, np.sqrt(n * p * (1 - p))
    assert abs(count - mean) < sigmas * std, (count, mean, std)


def test_poisson_spike_rates():
    bsc.random.seed(0)
    freqs = jnp.repeat(jnp.array([20.0, 50.0, 200.0]), 1000) * u.Hz
    inp = nn.init_all_states(nn.PoissonSpike(3000, freqs=freqs))
    spikes = np.asarray(run(inp, 200)).reshape(200, 3, 1000)
    for k, f in enumerate([20.0, 50.0, 200.0]):
        counts_within(spikes[:, k].sum(), 200 * 1000, f * DT * 1e-3)
    # reproducible from the seed
    bsc.random.seed(0)
    np.testing.assert_array_equal(np.asarray(run(inp, 200)).reshape(200, 3, 1000), spikes)


def test_poisson_spike_plain_numbers_are_hz_and_batches():
    bsc.random.seed(1)
    inp = nn.init_all_states(nn.PoissonSpike(500, freqs=100.0), batch_size=4)
    spikes = np.asarray(run(inp, 100))
    assert spikes.shape == (100, 4, 500)
    counts_within(spikes.sum(), 100 * 4 * 500, 100.0 * DT * 1e-3)
    assert not np.array_equal(spikes[:, 0], spikes[:, 1])  # independent batch entries
    with pytest.raises(u.UnitMismatchError, match="'freqs'"):
        nn.PoissonSpike(3, freqs=10.0 * u.ms)


def test_poisson_encoder_rates_at_call_time():
    bsc.random.seed(2)
    enc = nn.PoissonEncoder(1000)
    rates = jnp.stack([jnp.full(1000, 30.0), jnp.full(1000, 300.0)]) * u.Hz  # (batch, n)
    spikes = np.asarray(run(lambda: enc(rates), 100))
    assert spikes.shape == (100, 2, 1000) and spikes.dtype == bool
    counts_within(spikes[:, 0].sum(), 100 * 1000, 30.0 * DT * 1e-3)
    counts_within(spikes[:, 1].sum(), 100 * 1000, 300.0 * DT * 1e-3)
    edge = enc(jnp.array([0.0, 1e4]).repeat(500) * u.Hz)  # p = 0 and p = 1
    assert not edge[:500].any() and edge[500:].all()


def test_vmap_lanes_draw_independent_spikes():
    bsc.random.seed(3)
    enc = nn.PoissonEncoder(200)
    lanes = ba.vmap(lambda _: enc(jnp.full(200, 500.0) * u.Hz), axis_size=4)(jnp.zeros(4))
    lanes = np.asarray(lanes)
    assert lanes.shape == (4, 200)
    assert len({lane.tobytes() for lane in lanes}) == 4


# -- PoissonInput --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "num_input, freq",
    [(100, 10.0), (2000, 100.0)],  # binomial regime (mean 0.1) and normal regime (mean 20)
)
def test_poisson_input_mean_and_variance(num_input, freq):
    bsc.random.seed(4)
    target = bsc.ShortTermState(jnp.zeros(2000) * u.mV)
    weight = 0.25 * u.mV
    inp = nn.PoissonInput(target, None, num_input=num_input, freq=freq * u.Hz, weight=weight)

    def step():
        target.value = jnp.zeros(2000) * u.mV
        inp()
        return target.value.to_decimal(u.mV)

    per_step = np.asarray(run(step, 50)) / 0.25  # input counts, 50 steps x 2000 targets
    p = freq * DT * 1e-3
    mean, var = num_input * p, num_input * p * (1 - p)
    assert per_step.mean() == pytest.approx(mean, rel=0.03)
    assert per_step.var() == pytest.approx(var, rel=0.05)  # not var**2 (brainstate's bug)
    assert per_step.min() >= 0


def test_poisson_input_to_a_neuron_at_indices():
    bsc.random.seed(5)
    neu = nn.init_all_states(nn.LIF(10, V_th=1e6 * u.mV, tau=1e9 * u.ms), batch_size=2)
    inp = nn.PoissonInput(neu.prefetch("V"), [1, 4], num_input=50, freq=20.0, weight=1.0)
    with pytest.raises(u.UnitMismatchError, match="weight"):
        inp()
    inp = nn.PoissonInput(neu.prefetch("V"), [1, 4], num_input=500, freq=20.0, weight=0.5 * u.mV)
    V = np.asarray(run(lambda: (inp(), neu.V.value.to_decimal(u.mV))[1], 1000))[-1]
    others = np.delete(V, [1, 4], axis=-1)
    assert np.all(others == 0.0)
    # 1000 steps x 500 inputs x 20 Hz x 0.1 ms x 0.5 mV = 500 mV on average
    expected = 1000 * 500 * 20.0 * DT * 1e-3 * 0.5
    np.testing.assert_allclose(V[:, [1, 4]], expected, rtol=0.15)
    with pytest.raises(ValueError, match="num_input"):
        nn.PoissonInput(neu.prefetch("V"), None, num_input=0, freq=1.0, weight=1.0 * u.mV)


# -- readouts ------------------------------------------------------------------------------


def test_leaky_rate_readout_closed_form():
    rng = np.random.default_rng(0)
    ro = nn.init_all_states(nn.LeakyRateReadout(5, 3, tau=2.0 * u.ms), batch_size=2)
    xs = rng.normal(size=(30, 2, 5)).astype(np.float32)
    rs = np.asarray(bc.for_loop(ro, jnp.asarray(xs)))
    W = np.asarray(ro.weight.value)
    decay = np.exp(-DT / 2.0)
    r = np.zeros((2, 3))
    for n in range(30):
        r = decay * r + xs[n] @ W
        np.testing.assert_allclose(rs[n], r, rtol=1e-5, atol=1e-5)
    assert ro.weight.value.shape == (5, 3) and isinstance(ro.weight, bsc.ParamState)


def test_leaky_spike_readout_closed_form_and_reset():
    ro = nn.init_all_states(
        nn.LeakySpikeReadout(4, tau=5.0 * u.ms, V_th=1e6 * u.mV, w_init=nn.init.Normal(unit=u.mV))
    )
    xs = jnp.asarray(np.random.default_rng(1).random((20, 4)) < 0.5, dtype=jnp.float32)
    W = np.asarray(ro.weight.value.to_decimal(u.mV))
    vs = np.asarray(bc.for_loop(lambda x: (ro(x), ro.V.value.to_decimal(u.mV))[1], xs))
    decay = np.exp(-DT / 5.0)
    v = np.zeros(4)
    for n in range(20):
        v = decay * v + (1 - decay) * (np.asarray(xs[n]) @ W)
        np.testing.assert_allclose(vs[n], v, rtol=1e-4, atol=1e-5)
    # a spike resets by V_th (soft) at the next step
    ro = nn.init_all_states(
        nn.LeakySpikeReadout(1, V_th=1.0 * u.mV, w_init=jnp.zeros((1, 1)) * u.mV)
    )
    ro.V.value = jnp.array([1.5]) * u.mV
    assert float(ro.spike[0]) == 1.0
    bc.jit(lambda: ro(jnp.zeros(1)))()
    assert float(ro.V.value[0].to_decimal(u.mV)) == pytest.approx(0.5 * np.exp(-DT / 5.0), rel=1e-5)
