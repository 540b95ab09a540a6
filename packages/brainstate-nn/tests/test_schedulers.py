"""Learning-rate schedulers against closed forms, eager and under jit."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, strategies as st

import brainstate_compile as bc
import brainstate_core as bsc
import brainstate_graph as graph
from brainstate_nn import optim

N = 12


def warm_restarts_reference(i, lr, per_epoch, t0, t_mult, eta_min):
    """SGDR by walking the periods (no logarithms)."""
    epoch = i // per_epoch
    t_i, start = t0, 0
    while epoch >= start + t_i:
        start += t_i
        t_i *= t_mult
    t_cur = epoch - start
    return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2


# name -> (factory, closed form of step i, counted in calls?)
CASES = {
    "constant": (lambda: optim.ConstantLR(0.3), lambda i: 0.3, False),
    "step": (lambda: optim.StepLR(1.0, step_size=3, gamma=0.5), lambda i: 0.5 ** (i // 3), False),
    "multistep": (
        lambda: optim.MultiStepLR(1.0, milestones=[2, 5, 9], gamma=0.1),
        lambda i: 0.1 ** sum(i >= m for m in (2, 5, 9)),
        False,
    ),
    "cosine": (
        lambda: optim.CosineAnnealingLR(0.5, T_max=7, eta_min=0.1),
        lambda i: 0.1 + 0.4 * (1 + math.cos(math.pi * i / 7)) / 2,
        False,
    ),
    "warm_restarts": (
        lambda: optim.CosineAnnealingWarmRestarts(
            1.0, num_call_per_epoch=1, T_0=2, T_mult=2, eta_min=0.05
        ),
        lambda i: warm_restarts_reference(i, 1.0, 1, 2, 2, 0.05),
        True,
    ),
    "warm_restarts_flat": (
        lambda: optim.CosineAnnealingWarmRestarts(0.2, num_call_per_epoch=2, T_0=3),
        lambda i: warm_restarts_reference(i, 0.2, 2, 3, 1, 0.0),
        True,
    ),
    "exponential": (lambda: optim.ExponentialLR(0.5, gamma=0.9), lambda i: 0.5 * 0.9**i, False),
    "exp_decay": (
        lambda: optim.ExponentialDecayLR(0.5, decay_steps=4, decay_rate=0.3),
        lambda i: 0.5 * 0.3 ** (i / 4),
        True,
    ),
    "exp_decay_staircase": (
        lambda: optim.ExponentialDecayLR(0.5, decay_steps=4, decay_rate=0.3, staircase=True),
        lambda i: 0.5 * 0.3 ** (i // 4),
        True,
    ),
    "inverse_time": (
        lambda: optim.InverseTimeDecayLR(0.5, decay_steps=3, decay_rate=0.7),
        lambda i: 0.5 / (1 + 0.7 * i / 3),
        True,
    ),
    "inverse_time_staircase": (
        lambda: optim.InverseTimeDecayLR(0.5, decay_steps=3, decay_rate=0.7, staircase=True),
        lambda i: 0.5 / (1 + 0.7 * (i // 3)),
        True,
    ),
    "polynomial": (
        lambda: optim.PolynomialDecayLR(1.0, decay_steps=8, final_lr=0.1, power=2.0),
        lambda i: 0.9 * (1 - min(i, 8) / 8) ** 2 + 0.1,
        True,
    ),
    "piecewise": (
        lambda: optim.PiecewiseConstantLR(boundaries=[2, 6], values=[1.0, 0.5, 0.1]),
        lambda i: 1.0 if i <= 2 else (0.5 if i <= 6 else 0.1),
        True,
    ),
}


def advance(sch, call_based):
    if call_based:
        sch.step_call()
    else:
        sch.step_epoch()


@pytest.mark.parametrize("name", sorted(CASES))
def test_closed_form_eager(name):
    make, ref, call_based = CASES[name]
    sch = make()
    got = []
    for _ in range(N):
        got.append(float(sch()))
        advance(sch, call_based)
    np.testing.assert_allclose(got, [ref(i) for i in range(N)], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", sorted(CASES))
def test_counter_advances_inside_jit(name):
    make, ref, call_based = CASES[name]
    sch = make()

    @bc.jit
    def step():
        lr = sch()
        advance(sch, call_based)
        return lr

    got = [float(step()) for _ in range(N)]
    np.testing.assert_allclose(got, [ref(i) for i in range(N)], rtol=1e-5, atol=1e-7)
    counter = sch.last_call if call_based else sch.last_epoch
    assert int(counter.value) == N - 1


@pytest.mark.parametrize("name", sorted(CASES))
def test_usable_as_an_optax_schedule(name):
    make, ref, _ = CASES[name]
    sch = make()
    counts = jnp.arange(N)
    np.testing.assert_allclose(jax.jit(sch)(counts), [ref(i) for i in range(N)], rtol=1e-5)
    tx = optax.sgd(sch)
    state = tx.init(jnp.zeros(()))
    for i in range(3):
        upd, state = tx.update(jnp.ones(()), state)
        np.testing.assert_allclose(-upd, ref(i), rtol=1e-5)


def test_step_is_step_epoch():
    sch = optim.StepLR(1.0, step_size=1, gamma=0.5)
    sch.step()
    sch.step_call()  # epoch-based: no call counter
    assert int(sch.last_epoch.value) == 0
    assert float(sch()) == 0.5


def test_last_epoch_resumes():
    sch = optim.StepLR(1.0, step_size=2, gamma=0.5, last_epoch=3)
    assert float(sch()) == 0.25  # epoch 4


def test_counters_are_optim_states():
    sch = optim.CosineAnnealingWarmRestarts(1.0, 10, T_0=2)
    found = set(map(id, graph.states(sch, optim.OptimState).values()))
    assert {id(sch.last_epoch), id(sch.last_call), id(sch._lr)} <= found


def test_base_lr_setter():
    sch = optim.ExponentialLR(1.0, gamma=0.5)
    sch.lr = 2.0
    assert float(sch(1)) == 1.0
    with pytest.raises(optim.OptimizerError, match="scalar"):
        sch.lr = jnp.ones(2)
    sch.lr = bsc.State(jnp.asarray(4.0))
    assert float(sch(0)) == 4.0


@pytest.mark.parametrize(
    "make",
    [
        lambda: optim.StepLR(0.1, step_size=0),
        lambda: optim.StepLR(0.1, step_size=1, gamma=1.5),
        lambda: optim.MultiStepLR(0.1, milestones=[]),
        lambda: optim.MultiStepLR(0.1, milestones=[3, 2]),
        lambda: optim.CosineAnnealingLR(0.1, T_max=0),
        lambda: optim.CosineAnnealingWarmRestarts(0.1, 1, T_0=0),
        lambda: optim.CosineAnnealingWarmRestarts(0.1, 1, T_0=2, T_mult=1.5),
        lambda: optim.ExponentialLR(0.1, gamma=-0.1),
        lambda: optim.ExponentialDecayLR(0.1, decay_steps=0, decay_rate=0.5),
        lambda: optim.PiecewiseConstantLR([1, 2], [0.1]),
        lambda: optim.PiecewiseConstantLR([2, 1], [0.1, 0.2, 0.3]),
        lambda: optim.StepLR(0.1, 1, last_epoch=-2),
        lambda: optim.ConstantLR(jnp.ones(2)),
        lambda: optim.make_schedule("0.1"),
    ],
)
def test_bad_arguments(make):
    with pytest.raises(optim.OptimizerError):
        make()


@given(
    t0=st.integers(1, 4),
    t_mult=st.integers(1, 3),
    per_epoch=st.integers(1, 3),
    i=st.integers(0, 200),
)
def test_warm_restarts_any_period(t0, t_mult, per_epoch, i):
    sch = optim.CosineAnnealingWarmRestarts(
        1.0, num_call_per_epoch=per_epoch, T_0=t0, T_mult=t_mult, eta_min=0.1
    )
    expected = warm_restarts_reference(i, 1.0, per_epoch, t0, t_mult, 0.1)
    np.testing.assert_allclose(float(sch(i)), expected, rtol=1e-5, atol=1e-6)
