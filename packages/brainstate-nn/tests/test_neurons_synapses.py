"""Neurons and synapses against closed-form solutions; projections against the event op."""

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_augment as ba
import brainstate_compile as bc
import brainstate_core as bsc
import brainstate_event as be
import brainstate_nn as nn

DT = 0.1


@pytest.fixture(autouse=True)
def _dt():
    with bsc.environ.context(dt=DT * u.ms):
        yield


def mv(x):
    return np.asarray(x.to_decimal(u.mV) if isinstance(x, u.Quantity) else x)


# -- neurons -----------------------------------------------------------------------------------


def test_lif_membrane_follows_the_exponential_solution():
    lif = nn.init_all_states(
        nn.LIF(
            3,
            tau=20.0 * u.ms,
            V_th=100.0 * u.mV,
            V_rest=-65.0 * u.mV,
            V_initializer=nn.init.Constant(-65.0 * u.mV),
        )
    )
    current = jnp.array([0.0, 5.0, 10.0]) * u.mA  # R = 1 ohm: R*I = 0, 5, 10 mV
    for _ in range(50):
        lif(current)
    t = 50 * DT
    expected = -65.0 + np.array([0.0, 5.0, 10.0]) * (1 - np.exp(-t / 20.0))
    np.testing.assert_allclose(mv(lif.V.value), expected, rtol=1e-5, atol=1e-4)


def test_plain_numbers_take_default_units_and_mismatches_name_the_parameter():
    a = nn.LIF(2, tau=20.0, V_th=-50.0, V_rest=-60.0, V_reset=-60.0)
    assert a.tau.unit == u.ms and a.V_th.unit == u.mV
    with pytest.raises(u.UnitMismatchError, match="parameter 'tau' must be in units of s"):
        nn.LIF(2, tau=20.0 * u.mV)
    with pytest.raises(ValueError, match="spk_reset"):
        nn.LIF(2, spk_reset="medium")


@pytest.mark.parametrize("reset", ["soft", "hard"])
def test_lif_spikes_and_resets(reset):
    lif = nn.init_all_states(
        nn.LIF(1, tau=10.0 * u.ms, V_th=1.0 * u.mV, V_reset=0.0 * u.mV, spk_reset=reset)
    )
    spikes, vs = [], []
    for _ in range(200):
        spikes.append(float(lif(20.0 * u.mA)[0]))
        vs.append(float(mv(lif.V.value)[0]))
    n = int(sum(spikes))
    # hard: from V_reset = 0 the threshold is reached after tau*ln(RI/(RI - V_th)); soft
    # keeps the overshoot, so it fires at least as often
    period = 10.0 * np.log(20.0 / 19.0)
    hard_count = 200 / np.ceil(period / DT - 1e-9)  # the reset step also integrates
    if reset == "hard":
        assert abs(n - hard_count) <= 1
    else:
        assert n >= hard_count - 1
    first = spikes.index(1.0)
    after = vs[first + 1]
    if reset == "hard":  # restarts from V_reset = 0 and integrates one step
        assert after == pytest.approx(20.0 * (1 - np.exp(-DT / 10.0)), rel=1e-4)
    else:  # keeps the overshoot above threshold
        assert after > 20.0 * (1 - np.exp(-DT / 10.0))


def test_lifref_holds_the_potential_during_the_refractory_period():
    lif = nn.init_all_states(
        nn.LIFRef(1, tau=10.0 * u.ms, tau_ref=2.0 * u.ms, V_th=1.0 * u.mV, spk_reset="hard")
    )
    spikes, vs = [], []
    for i in range(100):
        with bsc.environ.context(t=i * DT * u.ms):
            spikes.append(float(lif(20.0 * u.mA)[0]))
            vs.append(float(mv(lif.V.value)[0]))
    idx = [i for i, s in enumerate(spikes) if s]
    assert len(idx) >= 2
    gaps = np.diff(idx)
    assert gaps.min() * DT >= 2.0  # never fires again within tau_ref
    frozen = vs[idx[0] + 1 : idx[0] + 20]
    assert max(frozen) == pytest.approx(0.0, abs=1e-6)  # held at V_reset


def test_alif_threshold_adapts():
    alif = nn.init_all_states(
        nn.ALIF(1, tau=10.0 * u.ms, tau_a=100.0 * u.ms, V_th=1.0 * u.mV, beta=0.5 * u.mV)
    )
    lif = nn.init_all_states(nn.LIF(1, tau=10.0 * u.ms, V_th=1.0 * u.mV))
    sa = sum(float(alif(20.0 * u.mA)[0]) for _ in range(500))
    sl = sum(float(lif(20.0 * u.mA)[0]) for _ in range(500))
    assert 0 < sa < sl
    assert float(alif.a.value[0]) > 0
    # a decays with tau_a between spikes
    a0 = float(alif.a.value[0])
    for _ in range(10):
        alif(0.0 * u.mA)
    assert float(alif.a.value[0]) == pytest.approx(a0 * np.exp(-1.0 / 100.0), rel=1e-3)


def test_batched_neurons_and_gradients_through_time():
    lif = nn.LIF(4, tau=5.0 * u.ms, V_th=1.0 * u.mV)
    nn.init_all_states(lif, batch_size=3)
    assert lif.V.value.shape == (3, 4)
    w = bsc.ParamState(jnp.ones(4) * 2.0)

    def loss():
        nn.reset_all_states(lif, batch_size=3)

        def step(i):
            return lif(jnp.broadcast_to(w.value, (3, 4)) * 10.0 * u.mA)

        return jnp.sum(bc.for_loop(step, jnp.arange(30)))

    g = ba.grad(loss, w)()
    assert np.all(np.isfinite(g)) and np.any(g != 0)


# -- synapses ------------------------------------------------------------------------------------


def test_expon_decays_and_jumps():
    syn = nn.init_all_states(nn.Expon(2, tau=5.0 * u.ms))
    syn.add_delta_input("spk", jnp.array([1.0, 2.0]) * u.mS)
    syn()
    gs = [mv(syn().to_decimal(u.mS)) for _ in range(20)]
    np.testing.assert_allclose(gs[-1], np.array([1.0, 2.0]) * np.exp(-20 * DT / 5.0), rtol=1e-5)


def test_dual_expon_peaks_at_the_weight():
    syn = nn.init_all_states(nn.DualExpon(1, tau_rise=1.0 * u.ms, tau_decay=5.0 * u.ms))
    syn.add_delta_input("spk", jnp.ones(1) * u.mS)
    trace = [float(syn()[0].to_decimal(u.mS)) for _ in range(200)]
    assert max(trace) == pytest.approx(1.0, abs=2e-3)
    t_peak = 1.0 * 5.0 * np.log(5.0) / 4.0
    assert abs((int(np.argmax(trace))) * DT - t_peak) <= DT + 1e-9


def test_alpha_peaks_at_tau_with_the_weight():
    syn = nn.init_all_states(nn.Alpha(1, tau=2.0 * u.ms))
    syn.add_delta_input("spk", jnp.ones(1) * u.mS)
    trace = [float(syn()[0].to_decimal(u.mS)) for _ in range(100)]
    t = np.arange(100) * DT  # the event arrives in the first call, at t = 0
    np.testing.assert_allclose(trace, t / 2.0 * np.exp(1 - t / 2.0), rtol=1e-4, atol=1e-6)


def _tm_reference(spikes, U, tau_f, tau_d, dt):
    """Tsodyks, Pawelzik & Markram (1998): u relaxes to 0, x to 1; the release is u⁺ x."""
    uu, x, out = U, 1.0, []
    for s in spikes:
        uu = uu * np.exp(-dt / tau_f)
        x = 1 + (x - 1) * np.exp(-dt / tau_d)
        released = 0.0
        if s:
            uu = uu + U * (1 - uu)
            released = uu * x
            x = x - released
        out.append(released)
    return np.array(out)


def test_stp_follows_tsodyks_markram():
    spikes = np.zeros(400)
    spikes[::40] = 1.0
    stp = nn.init_all_states(nn.STP(1, U=0.2, tau_f=100.0 * u.ms, tau_d=50.0 * u.ms))
    got = [float(stp(jnp.asarray([s]))[0]) for s in spikes]
    np.testing.assert_allclose(got, _tm_reference(spikes, 0.2, 100.0, 50.0, DT), rtol=1e-5)


def test_std_depletes_and_recovers():
    std = nn.init_all_states(nn.STD(1, tau=100.0 * u.ms, U=0.3))
    assert float(std(jnp.ones(1))[0]) == pytest.approx(0.7, rel=1e-6)  # x after the spike
    x1 = float(std.x.value[0])
    assert x1 == pytest.approx(0.7, rel=1e-6)
    for _ in range(100):
        assert float(std(jnp.zeros(1))[0]) == 0.0  # no spike, nothing sent
    assert float(std.x.value[0]) == pytest.approx(1 - 0.3 * np.exp(-10.0 / 100.0), rel=1e-5)


def test_ampa_opens_during_release():
    ampa = nn.init_all_states(nn.AMPA(1))
    with bsc.environ.context(t=0.0 * u.ms):
        ampa(jnp.array([True]))
    gs = []
    for i in range(1, 30):
        with bsc.environ.context(t=i * DT * u.ms):
            gs.append(float(ampa(jnp.array([False]))[0].to_decimal(u.mS)))
    assert gs[3] > gs[0] > 0 and gs[-1] < max(gs)  # in mS: the open fraction x 1 mS
    g = nn.init_all_states(nn.GABAa(1))
    assert float(g.alpha.to_decimal((u.ms * u.mM) ** -1)) == pytest.approx(0.53)


# -- outputs and projections --------------------------------------------------------------------


def test_outputs():
    coba = nn.COBA(E=0.0)
    coba.bind_cond(2.0 * u.mS)
    assert coba(-60.0 * u.mV) == 120.0 * u.uA
    cuba = nn.CUBA()
    cuba.bind_cond(1.0 * u.mS)
    assert cuba() == 1.0 * u.mA
    with pytest.raises(ValueError, match="no conductance"):
        nn.COBA(E=0.0)(-60.0 * u.mV)
    mg = nn.MgBlock(E=0.0 * u.mV)
    mg.bind_cond(1.0 * u.mS)
    v = -60.0 * u.mV
    expected = 60.0 / (1 + 1.2 / 3.57 * np.exp(0.062 * 60.0))
    assert float(mg(v).to_decimal(u.uA)) == pytest.approx(expected, rel=1e-5)


def test_align_post_projection_delivers_the_comm_result_and_merges():
    post = nn.LIF(3, tau=10.0 * u.ms, V_th=1e3 * u.mV)
    w = jnp.array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]]) * u.mS

    def comm(spk):
        return spk.astype(jnp.float32) @ w

    p1 = nn.AlignPostProj(
        comm=comm, syn=nn.Expon.desc(3, tau=5.0 * u.ms), out=nn.COBA.desc(E=0.0), post=post
    )
    p2 = nn.AlignPostProj(
        comm=comm, syn=nn.Expon.desc(3, tau=5.0 * u.ms), out=nn.COBA.desc(E=0.0), post=post
    )
    assert p1.syn is p2.syn  # identical descriptions share one synapse
    p3 = nn.AlignPostProj(comm=comm, syn=nn.Expon(3, tau=5.0 * u.ms), out=nn.CUBA(), post=post)
    assert p3.syn is not p1.syn
    nn.init_all_states(post)
    nn.init_all_states(p3)
    spk = jnp.array([True, True])
    p1(spk)
    p2(spk)
    p3(spk)
    post(0.0 * u.mA)
    g = p1.syn.g.value
    np.testing.assert_allclose(g.to_decimal(u.mS), 2 * np.array([1.0, 3.0, 2.0]), rtol=1e-6)
    with pytest.raises(TypeError, match="out must be one too"):
        nn.AlignPostProj(comm=comm, syn=nn.Expon.desc(3), out=nn.COBA(E=0.0), post=post)
    with pytest.raises(TypeError, match="post must be a Dynamics"):
        nn.AlignPostProj(comm=comm, syn=nn.Expon(3), out=nn.CUBA(), post=object())


def test_delta_projection_jumps_the_potential():
    post = nn.init_all_states(nn.LIF(2, tau=10.0 * u.ms, V_th=1e3 * u.mV))
    proj = nn.DeltaProj(comm=lambda s: s * 2.0 * u.mV, post=post)
    proj(jnp.array([1.0, 0.0]))
    post(0.0 * u.mA)
    np.testing.assert_allclose(mv(post.V.value), [2.0, 0.0], atol=1e-6)


def test_current_projection_from_a_prefetched_variable():
    pre = nn.init_all_states(nn.Expon(2, tau=5.0 * u.ms))
    post = nn.init_all_states(nn.LIF(2, tau=10.0 * u.ms, V_th=1e3 * u.mV))
    proj = nn.CurrentProj(pre.prefetch("g"), comm=lambda g: g, out=nn.CUBA(), post=post)
    pre.g.value = jnp.array([1.0, 2.0]) * u.mS
    proj()
    post(0.0 * u.mA)
    expected = np.array([1.0, 2.0]) * (1 - np.exp(-DT / 10.0))  # 1 mS * 1 V * 1 ohm = 1 mV
    np.testing.assert_allclose(mv(post.V.value), expected, rtol=1e-5)
    with pytest.raises(TypeError, match="prefetch"):
        nn.CurrentProj(pre, comm=lambda g: g, out=nn.CUBA(), post=post)


def test_current_projection_without_prefetch_takes_its_input():
    post = nn.init_all_states(nn.LIF(2, tau=10.0 * u.ms, V_th=1e3 * u.mV))
    proj = nn.CurrentProj(comm=lambda x: x * u.mS, out=nn.CUBA(), post=post)
    proj(jnp.array([1.0, 2.0]))  # as in brainstate 0.1: the input goes to comm
    post(0.0 * u.mA)
    expected = np.array([1.0, 2.0]) * (1 - np.exp(-DT / 10.0))
    np.testing.assert_allclose(mv(post.V.value), expected, rtol=1e-5)


def test_labelled_align_post_projections_are_selected_and_not_merged():
    post = nn.LIF(2)
    exc = nn.AlignPostProj(
        comm=lambda s: s * u.mS, syn=nn.Expon.desc(2), out=nn.CUBA.desc(), post=post, label="exc"
    )
    inh = nn.AlignPostProj(
        comm=lambda s: s * u.mS, syn=nn.Expon.desc(2), out=nn.CUBA.desc(), post=post, label="inh"
    )
    plain = nn.AlignPostProj(
        comm=lambda s: s * u.mS, syn=nn.Expon.desc(2), out=nn.CUBA.desc(), post=post
    )
    assert exc.syn is not inh.syn and plain.syn is not exc.syn  # merged per label only
    nn.init_all_states(post)
    exc(jnp.array([1.0, 0.0]))
    inh(jnp.array([0.0, 3.0]))
    for proj in (exc, inh):
        proj.out.bind_cond(proj.syn())
    plain.out.bind_cond(plain.syn())
    v = -60.0 * u.mV
    np.testing.assert_allclose(
        u.get_mantissa(post.sum_current_inputs(0.0 * u.mA, v, label="exc")), [1.0, 0.0], rtol=1e-5
    )
    np.testing.assert_allclose(
        u.get_mantissa(post.sum_current_inputs(0.0 * u.mA, v, label="inh")), [0.0, 3.0], rtol=1e-5
    )


def test_a_synapse_of_one_s_own_declared_align_post_with_the_mixin():
    from brainstate_core.mixin import AlignPost

    class Decay(nn.Synapse, AlignPost):
        def init_state(self, batch_size=None, **kwargs):
            self.g = bsc.HiddenState(jnp.zeros(self.varshape) * u.mS)

        def update(self, x=None):
            self.g.value = self.sum_delta_inputs(self.g.value * 0.5)
            return self.g.value

    post = nn.LIF(2)
    proj = nn.AlignPostProj(
        comm=lambda s: s * u.mS, syn=Decay.desc(2), out=nn.COBA.desc(E=0.0 * u.mV), post=post
    )
    nn.init_all_states(post)
    proj(jnp.array([1.0, 0.0]))
    proj.syn()  # g = 0 * .5 + 1
    proj(jnp.array([1.0, 0.0]))
    np.testing.assert_allclose(u.get_mantissa(proj.syn()), [1.5, 0.0])  # 1 * .5 + 1
    assert isinstance(nn.Expon(1), AlignPost)


def test_a_projection_without_update_calls_the_projections_it_holds():
    post = nn.init_all_states(nn.LIF(2, tau=10.0 * u.ms, V_th=1e3 * u.mV))

    class Both(nn.Projection):
        def __init__(self):
            super().__init__()
            self.a = nn.DeltaProj(comm=lambda s: s * 1.0 * u.mV, post=post)
            self.b = nn.DeltaProj(comm=lambda s: s * 2.0 * u.mV, post=post)

    group = Both()
    group.post = post  # a population it refers to is not updated by it
    group(jnp.array([1.0, 0.0]))
    post(0.0 * u.mA)
    np.testing.assert_allclose(mv(post.V.value), [3.0, 0.0], atol=1e-6)
    with pytest.raises(NotImplementedError, match="must implement update"):
        nn.Projection()(jnp.ones(2))


def test_align_pre_description_without_a_size_gets_the_population_s():
    pre = nn.LIF(3)
    syn = pre.align_pre(nn.AMPA.desc())  # brainstate 0.1 fills in in_size
    assert syn.varshape == (3,) and pre.align_pre(nn.AMPA.desc()) is syn
    nn.init_all_states(pre)
    assert u.get_unit(syn.g.value) == u.mS  # g: open fraction x 1 mS, as in brainstate 0.1.5+
    bare = nn.init_all_states(nn.AMPA(3, g_initializer=nn.init.ZeroInit()))
    assert u.get_unit(bare.g.value) == u.get_unit(1.0)  # a unit-less fraction on request


def test_simulation_in_a_compiled_loop_matches_eager():
    def build():
        bsc.random.seed(3)
        post = nn.LIF(5, tau=10.0 * u.ms, V_th=1.0 * u.mV)
        proj = nn.AlignPostProj(
            comm=lambda s: s.astype(jnp.float32) @ (jnp.ones((5, 5)) * 0.1 * u.mS),
            syn=nn.Expon.desc(5, tau=5.0 * u.ms),
            out=nn.COBA.desc(E=0.0),
            post=post,
        )
        nn.init_all_states(post)
        return post, proj

    def run(post, proj, n, compiled):
        def step(i):
            proj(post.get_spike() > 0)
            return post(jnp.linspace(5.0, 30.0, 5) * u.mA)

        if compiled:
            return np.asarray(bc.for_loop(step, jnp.arange(n)))
        return np.stack([np.asarray(step(i)) for i in range(n)])

    a = run(*build(), 100, True)
    b = run(*build(), 100, False)
    np.testing.assert_array_equal(a, b)
    assert a.sum() > 0
    assert jax.tree.leaves(a)


def test_plain_number_weights_take_the_synapse_unit_and_unit_errors_name_the_input():
    post = nn.LIF(3, tau=10.0 * u.ms, V_th=1e3 * u.mV)
    plain = nn.AlignPostProj(
        comm=lambda s: s * 0.6,
        syn=nn.Expon.desc(3, tau=5.0 * u.ms),
        out=nn.COBA.desc(E=0.0),
        post=post,
    )
    nn.init_all_states(post)
    plain(jnp.ones(3))
    post(0.0 * u.mA)
    np.testing.assert_allclose(plain.syn.g.value.to_decimal(u.mS), 0.6, rtol=1e-6)
    wrong = nn.init_all_states(nn.Expon(3, tau=5.0 * u.ms))
    wrong.add_delta_input("w", jnp.ones(3) * u.mV)
    with pytest.raises(u.UnitMismatchError, match="input 'w' is in mV"):
        wrong()
    assert float(wrong().to_decimal(u.mS)[0]) == 0.0  # the bad value was consumed, not stuck


# -- fused synapse updates (comm.accumulate) ---------------------------------------------------


def _dense_comm(dense):
    return lambda s: (s.astype(jnp.float32) @ dense) * u.siemens


def _coba_pair(fused: bool, merged: bool):
    """Two E/I projections from one population onto itself: with ``bst.event.FixedProb``
    (fused into Expon's update) or with a dense matmul of the same connections."""
    import brainstate_event as be

    n, n_exc = 30, 20
    bsc.random.seed(1)
    post = nn.LIF(
        n,
        tau=10.0 * u.ms,
        V_th=-50.0 * u.mV,
        V_reset=-60.0 * u.mV,
        V_rest=-60.0 * u.mV,
        V_initializer=-55.0 * u.mV,
    )
    projs = []
    for (start, stop), w, tau, e in (((0, n_exc), 0.6, 5.0, 0.0), ((n_exc, n), 6.7, 10.0, -80.0)):
        fp = be.FixedProb(n, n, 0.2, w * u.siemens, seed=start, pre_range=(start, stop))
        if fused:
            comm = fp
        else:
            dense = np.zeros((n, n), np.float32)
            np.add.at(
                dense,
                (np.repeat(np.arange(start, stop), fp.n_conn), np.asarray(fp.indices).ravel()),
                w,
            )
            comm = _dense_comm(jnp.asarray(dense))
        syn = nn.Expon.desc(n, tau=tau * u.ms) if merged else nn.Expon(n, tau=tau * u.ms)
        out = nn.COBA.desc(E=e * u.mV) if merged else nn.COBA(E=e * u.mV)
        projs.append(nn.AlignPostProj(comm=comm, syn=syn, out=out, post=post))
    nn.init_all_states(post)
    for p in projs:
        nn.init_all_states(p)
    post.V.value = jnp.linspace(-58.0, -49.0, n) * u.mV  # some spike at once
    return post, projs


@pytest.mark.parametrize("merged", [True, False])
def test_fixed_prob_projection_fuses_the_decay_and_matches_the_dense_one(merged):
    runs = []
    for fused in (True, False):
        post, projs = _coba_pair(fused, merged)

        def step(i, post=post, projs=projs):
            spikes = post.get_spike() != 0.0
            for p in projs:
                p(spikes)
            post(12.0 * u.mA)
            return post.V.value.to_decimal(u.mV), projs[0].syn.g.value.to_decimal(u.mS)

        runs.append(jax.tree.map(np.asarray, bc.for_loop(step, jnp.arange(200))))
        if fused:  # the synapse update is one scatter_add, and no separate decay
            jaxpr = jax.make_jaxpr(lambda: step(0))()
            prims = [e.primitive.name for e in jaxpr.jaxpr.eqns]
            assert "fixed_prob_scatter_add" in str(jaxpr) and "fixed_prob_scatter " not in prims
    (v_fused, g_fused), (v_dense, g_dense) = runs
    assert np.abs(g_dense).max() > 1.0  # the synapses were active
    np.testing.assert_allclose(g_fused, g_dense, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(v_fused, v_dense, rtol=1e-4, atol=1e-3)


def test_expon_decay_factor_is_the_exponential_euler_step():
    syn = nn.init_all_states(nn.Expon(3, tau=jnp.array([2.0, 5.0, 40.0]) * u.ms))
    g0 = jnp.array([1.0, 2.0, 3.0]) * u.mS
    syn.g.value = g0
    plain = syn().to_decimal(u.mS)
    np.testing.assert_allclose(
        np.asarray(g0.to_decimal(u.mS)) * np.asarray(syn._decay()), plain, rtol=1e-6
    )
    np.testing.assert_allclose(
        plain, [1.0, 2.0, 3.0] * np.exp(-DT / np.array([2.0, 5.0, 40.0])), rtol=1e-6
    )


def test_increment_falls_back_where_it_cannot_fuse():
    import brainstate_event as be
    from brainstate_nn._src.dynamics import Increment

    fp = be.FixedProb(4, 3, 1.0, 2.0, seed=0)
    spikes = jnp.array([True, False, False, True])
    # DualExpon adds its delta inputs to a scalar zero: no fused call, the same sum
    syn = nn.init_all_states(nn.DualExpon(3, tau_rise=1.0 * u.ms, tau_decay=5.0 * u.ms))
    syn.add_delta_input("q", Increment(fp, spikes))
    syn()
    np.testing.assert_allclose(syn.g_decay.value.to_decimal(u.mS), fp(spikes), rtol=1e-6)
    # a synapse with a current input keeps the plain exponential-Euler path
    expon = nn.init_all_states(nn.Expon(3, tau=5.0 * u.ms))
    expon.add_current_input("leak", lambda: 0.0 * u.mS)
    expon.add_delta_input("q", Increment(fp, spikes))
    np.testing.assert_allclose(expon().to_decimal(u.mS), fp(spikes), rtol=1e-6)
    assert not expon.delta_inputs  # consumed


def test_compiled_steps_follow_init_all_states_making_new_states():
    # init_state puts new State objects on the model; compiled code must use those
    with bsc.environ.context(dt=0.1 * u.ms):
        lif = nn.LIF(3, tau=10.0 * u.ms, V_th=1.0 * u.mV)
        nn.init_all_states(lif)
        step = bc.jit(lambda x: lif(x))
        assert step(20.0 * u.mA).shape == (3,)
        nn.init_all_states(lif, batch_size=5)
        assert step(20.0 * u.mA).shape == (5, 3)
        assert u.get_mantissa(lif.V.value).shape == (5, 3)
        assert float(u.get_mantissa(lif.V.value).min()) > 0.0  # this State was integrated

        def simulate():
            return bc.for_loop(lambda i: lif(20.0 * u.mA), jnp.arange(60))

        trials = []
        for _ in range(3):  # the trials pattern: re-initialise, run the (cached) loop
            nn.init_all_states(lif)
            trials.append(np.asarray(simulate()))
        assert trials[0].sum() > 0
        np.testing.assert_array_equal(trials[0], trials[1])
        np.testing.assert_array_equal(trials[0], trials[2])


def _run_steps(step, n):
    def body(i):
        with bsc.environ.context(t=i * bsc.environ.get_dt()):
            return step(i)

    return bc.for_loop(body, jnp.arange(n))


def test_refractory_period_is_the_same_whole_number_of_steps_after_every_spike():
    # t = i·dt in float32 puts (k + 50)·dt - k·dt just below 5 ms for some k: periods must
    # be counted in steps, or identical spikes get 50 or 51 refractory steps
    with bsc.environ.context(dt=0.1 * u.ms):
        neuron = nn.LIFRef(
            1,
            tau=10.0 * u.ms,
            tau_ref=5.0 * u.ms,
            V_th=-50.0 * u.mV,
            V_reset=-60.0 * u.mV,
            V_rest=-60.0 * u.mV,
            spk_reset="hard",
        )
        nn.init_all_states(neuron)
        spikes = np.asarray(_run_steps(lambda i: neuron(1000.0 * u.mA), 3000)).ravel()
    intervals = np.diff(np.nonzero(spikes)[0])
    assert len(intervals) > 50
    assert len(set(intervals.tolist())) == 1, np.unique(intervals)


def test_transmitter_pulses_last_the_same_number_of_steps_for_every_spike():
    with bsc.environ.context(dt=0.1 * u.ms):
        syn = nn.AMPA(1)
        nn.init_all_states(syn)
        pre = jnp.arange(4000) % 97 == 0
        g = _run_steps(lambda i: syn(pre[i][None]), 4000)
    g = np.asarray(u.get_mantissa(g)).ravel()
    peaks = np.array([g[k : k + 97].max() for k in range(0, 3880, 97)])
    np.testing.assert_allclose(peaks[8:], peaks[8], rtol=1e-5)  # the periodic steady state


def test_dual_exponential_takes_brainstate_0_1_s_arguments():
    # brainstate 0.1's order: (in_size, name, tau_decay, tau_rise, A, g_initializer)
    a = nn.init_all_states(nn.DualExpon(1, None, 5.0 * u.ms, 1.0 * u.ms))
    b = nn.init_all_states(nn.DualExpon(1, tau_rise=1.0 * u.ms, tau_decay=5.0 * u.ms))
    assert float(a.a) == pytest.approx(float(b.a))
    scaled = nn.init_all_states(nn.DualExpon(1, tau_decay=5.0 * u.ms, tau_rise=1.0 * u.ms, A=2.0))
    g = [
        float(u.get_mantissa(scaled(jnp.ones(1) * u.mS if i == 0 else None)[0])) for i in range(200)
    ]
    t = np.arange(200) * DT  # an event at t = 0: g = A (e^{-t/τd} - e^{-t/τr})
    np.testing.assert_allclose(g, 2.0 * (np.exp(-t / 5.0) - np.exp(-t / 1.0)), atol=1e-5)
    with pytest.raises(u.UnitMismatchError, match="'A'"):
        nn.DualExpon(1, A=2.0 * u.ms)


def test_dual_exponential_with_equal_time_constants_is_refused():
    with pytest.raises(ValueError, match=r"tau_rise and tau_decay must differ.*Alpha"):
        nn.DualExpon(3, tau_rise=5.0 * u.ms, tau_decay=5.0 * u.ms)


@pytest.mark.parametrize("cls", [nn.LIF, nn.LIFRef, nn.ALIF, nn.Izhikevich, nn.AdEx])
def test_an_initial_potential_in_the_wrong_unit_names_the_parameter(cls):
    with bsc.environ.context(dt=0.1 * u.ms):
        neuron = cls(2, V_initializer=nn.init.Constant(-60.0 * u.ms))
        with pytest.raises(u.UnitMismatchError, match=rf"{cls.__name__}: V_initializer .* ms"):
            nn.init_all_states(neuron)
        neuron = cls(2, V_initializer=nn.init.Constant(-0.06 * u.volt))
        nn.init_all_states(neuron)
        np.testing.assert_allclose(np.asarray(neuron.V.value.to_decimal(u.mV)), -60.0)


def test_align_post_projection_sizes_are_checked_when_it_is_built():
    post = nn.LIF(20)
    out = nn.COBA.desc(E=0.0 * u.mV)
    with pytest.raises(ValueError, match=r"the synapse has size 10, but post \(LIF\) has 20"):
        nn.AlignPostProj(comm=nn.Linear(5, 20), syn=nn.Expon.desc(10), out=out, post=post)
    with pytest.raises(ValueError, match=r"comm's outputs \(out_size\) has size 10"):
        nn.AlignPostProj(comm=nn.Linear(5, 10), syn=nn.Expon.desc(20), out=out, post=post)
    assert not post._current_inputs  # a refused projection leaves post as it was
    nn.AlignPostProj(comm=nn.Linear(5, 20), syn=nn.Expon.desc(20), out=out, post=post)
    assert len(post._current_inputs) == 1


def test_an_event_weight_in_the_wrong_unit_names_the_synapse_and_the_projection():
    with bsc.environ.context(dt=0.1 * u.ms, t=0.0 * u.ms):
        post = nn.LIF(10)
        proj = nn.AlignPostProj(
            comm=be.FixedProb(10, 10, 0.5, 0.6 * u.mV, seed=0),
            syn=nn.Expon.desc(10),
            out=nn.COBA.desc(E=0.0 * u.mV),
            post=post,
        )
        nn.init_all_states([post, proj])
        proj(jnp.ones(10, bool))
        with pytest.raises(u.UnitMismatchError, match=r"Expon: input 'AlignPostProj\d+'.*in mS"):
            post(0.0 * u.mA)


def test_a_unit_less_conductance_into_coba_says_how_to_give_it():
    post = nn.LIF(3, V_initializer=nn.init.Constant(0.0))
    proj = nn.AlignPostProj(
        comm=lambda s: s * 0.5,
        syn=nn.Expon.desc(3, tau=5.0, g_initializer=nn.init.Constant(0.0)),
        out=nn.COBA.desc(E=5.0),
        post=post,
    )
    nn.init_all_states(post)
    proj(jnp.ones(3))
    with pytest.raises(u.UnitMismatchError, match=r"COBA gives g·\(E - V\).*0\.6 \* u\.S"):
        post(0.5)
