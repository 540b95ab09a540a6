"""Optimizers against optax applied directly to the same pytree, eager and under jit."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, settings, strategies as st

import brainstate_augment as ba
import brainstate_compile as bc
import brainstate_core as bsc
import brainstate_graph as graph
from brainstate_nn import optim

STEPS = 4


class Net(graph.Node):
    """Two layers: a dict-valued ParamState and an array-valued one."""

    def __init__(self, seed: int = 0, din: int = 3, dh: int = 4, dout: int = 2):
        k1, k2, k3 = jax.random.split(jax.random.PRNGKey(seed), 3)
        self.layer = bsc.ParamState(
            {"weight": jax.random.normal(k1, (din, dh)), "bias": jax.random.normal(k2, (dh,))}
        )
        self.out = bsc.ParamState(jax.random.normal(k3, (dh, dout)))
        self.counter = bsc.ShortTermState(jnp.zeros(()))  # not trained


def pure_loss(values, x, y):
    layer, out = values
    h = jnp.tanh(x @ layer["weight"] + layer["bias"][None])
    return jnp.mean((h @ out - y) ** 2)


def data(din=3, dout=2, batch=5):
    x = jax.random.normal(jax.random.PRNGKey(10), (batch, din))
    y = jax.random.normal(jax.random.PRNGKey(11), (batch, dout))
    return x, y


def run_ours(make_opt, jit: bool, steps: int = STEPS, lbfgs: bool = False, epoch_every=None):
    net = Net()
    params = graph.states(net, bsc.ParamState)
    opt = make_opt().register_trainable_weights(params)
    x, y = data()

    def loss_fn():
        return pure_loss([net.layer.value, net.out.value], x, y)

    def step():
        grads, loss = ba.grad(loss_fn, params, return_value=True)()
        if lbfgs:
            opt.update(grads, value=loss, value_fn=loss_fn)
        else:
            opt.update(grads)
        return loss

    step = bc.jit(step) if jit else step
    history = []
    for i in range(steps):
        step()
        if epoch_every and (i + 1) % epoch_every == 0:
            opt.lr.step_epoch()
        history.append([jax.tree.map(np.asarray, net.layer.value), np.asarray(net.out.value)])
    return history, opt


def run_optax(tx, steps: int = STEPS, lbfgs: bool = False):
    net = Net()
    values = [net.layer.value, net.out.value]
    x, y = data()
    state = tx.init(values)

    def loss(v):
        return pure_loss(v, x, y)

    @jax.jit
    def step(values, state):
        value, g = jax.value_and_grad(loss)(values)
        extra = dict(value=value, grad=g, value_fn=loss) if lbfgs else {}
        updates, state = tx.update(g, state, values, **extra)
        return optax.apply_updates(values, updates), state

    history = []
    for _ in range(steps):
        values, state = step(values, state)
        history.append(jax.tree.map(np.asarray, values))
    return history


def assert_history_close(ours, ref, rtol=2e-5, atol=2e-6):
    assert len(ours) == len(ref)
    for step, (a, b) in enumerate(zip(ours, ref)):
        for la, lb in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
            np.testing.assert_allclose(la, lb, rtol=rtol, atol=atol, err_msg=f"step {step}")


def _adan_prox_reference(lr, wd):
    base = optax.adan(lr, b1=0.98, b2=0.92, b3=0.99, eps=1e-8, eps_root=0.0, weight_decay=0.0)

    def update(g, state, params):
        u, state = base.update(g, state, params)
        new = jax.tree.map(lambda p, d: (p + d) / (1 + lr * wd) - p, params, u)
        return new, state

    return optax.GradientTransformation(base.init, update)


CASES = {
    "sgd": (lambda: optim.SGD(0.1), optax.sgd(0.1)),
    "sgd_l2": (
        lambda: optim.SGD(0.1, weight_decay=0.05),
        optax.chain(optax.add_decayed_weights(0.05), optax.sgd(0.1)),
    ),
    "momentum": (lambda: optim.Momentum(0.1, momentum=0.8), optax.sgd(0.1, momentum=0.8)),
    "nesterov": (
        lambda: optim.MomentumNesterov(0.1, momentum=0.8),
        optax.sgd(0.1, momentum=0.8, nesterov=True),
    ),
    "adagrad": (
        lambda: optim.Adagrad(0.1),
        optax.adagrad(0.1, initial_accumulator_value=0.0, eps=1e-6),
    ),
    "adadelta": (lambda: optim.Adadelta(), optax.adadelta(1.0, rho=0.95, eps=1e-6)),
    "rmsprop": (
        lambda: optim.RMSProp(0.01),
        optax.rmsprop(0.01, decay=0.9, eps=1e-6, eps_in_sqrt=True),
    ),
    "rmsprop_centered": (
        lambda: optim.RMSProp(0.01, centered=True, momentum=0.5),
        optax.rmsprop(0.01, decay=0.9, eps=1e-6, centered=True, momentum=0.5),
    ),
    "adam": (lambda: optim.Adam(0.01), optax.adam(0.01)),
    "adam_l2": (
        lambda: optim.Adam(0.01, weight_decay=0.1),
        optax.chain(optax.add_decayed_weights(0.1), optax.adam(0.01)),
    ),
    "adamw": (lambda: optim.AdamW(0.01), optax.adamw(0.01, weight_decay=0.01)),
    "adamw_amsgrad": (
        lambda: optim.AdamW(0.01, amsgrad=True),
        optax.chain(
            optax.scale_by_amsgrad(),
            optax.add_decayed_weights(0.01),
            optax.scale_by_learning_rate(0.01),
        ),
    ),
    "lars": (
        lambda: optim.LARS(0.1),
        optax.lars(0.1, weight_decay=1e-4, trust_coefficient=1e-3, eps=1e-5, momentum=0.9),
    ),
    "adan_no_prox": (
        lambda: optim.Adan(0.01, no_prox=True),
        optax.adan(0.01, b1=0.98, b2=0.92, b3=0.99, eps=1e-8, eps_root=0.0, weight_decay=0.02),
    ),
    "adan_prox": (lambda: optim.Adan(0.01), _adan_prox_reference(0.01, 0.02)),
    # call-based scheduler == optax schedule counted in updates
    "adam_exp_decay": (
        lambda: optim.Adam(optim.ExponentialDecayLR(0.01, decay_steps=1, decay_rate=0.5)),
        optax.adam(optax.exponential_decay(0.01, transition_steps=1, decay_rate=0.5)),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_optimizer_matches_optax_under_jit(name):
    make, tx = CASES[name]
    ours, _ = run_ours(make, jit=True)
    assert_history_close(ours, run_optax(tx))


# Eager updates dispatch op by op (slow on small CPUs): a representative subset.
@pytest.mark.parametrize("name", ["sgd_l2", "adam", "adan_prox"])
def test_optimizer_matches_optax_eager(name):
    make, tx = CASES[name]
    ours, _ = run_ours(make, jit=False, steps=2)
    assert_history_close(ours, run_optax(tx, steps=2))


def test_lbfgs_matches_optax():
    ours, _ = run_ours(lambda: optim.LBFGS(), jit=True, steps=3, lbfgs=True)
    ref = run_optax(optax.lbfgs(), steps=3, lbfgs=True)
    assert_history_close(ours, ref, rtol=1e-4, atol=1e-5)


def test_lbfgs_without_linesearch_needs_only_grads():
    ours, _ = run_ours(lambda: optim.LBFGS(lr=0.1, linesearch=None), jit=True, steps=3)
    assert_history_close(ours, run_optax(optax.lbfgs(0.1, linesearch=None), steps=3))


def test_lbfgs_with_linesearch_needs_the_loss():
    net = Net()
    opt = optim.LBFGS().register_trainable_weights(graph.states(net, bsc.ParamState))
    grads = jax.tree.map(jnp.zeros_like, opt._param_values())
    with pytest.raises(optim.OptimizerError, match="value_fn"):
        opt.update(grads)


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_epoch_scheduler_advanced_by_step_epoch(jit):
    # StepLR advanced every 2 updates == an optax schedule of the update count
    ours, opt = run_ours(
        lambda: optim.Adam(optim.StepLR(0.01, step_size=1, gamma=0.5)), jit, epoch_every=2
    )
    ref = run_optax(optax.adam(lambda c: 0.01 * 0.5 ** (c // 2)))
    assert_history_close(ours, ref)
    assert int(opt.lr.last_epoch.value) == STEPS // 2 - 1


def test_adam_bias_correction_counts_updates_not_epochs():
    # brainstate 0.1 counted epochs; with no epoch ever stepped, we still follow optax
    ours, opt = run_ours(lambda: optim.Adam(0.01), jit=True, steps=6)
    assert_history_close(ours, run_optax(optax.adam(0.01), steps=6))
    assert int(opt.lr.last_epoch.value) == -1
    assert int(opt.opt_state.value[0].count) == 6


def test_changing_lr_takes_effect_in_compiled_step():
    w = bsc.ParamState(jnp.array([1.0]))
    opt = optim.SGD(0.5).register_trainable_weights({("w",): w})

    @bc.jit
    def step():
        opt.update(ba.grad(lambda: jnp.sum(w.value), opt.param_states)())

    step()
    np.testing.assert_allclose(w.value, [0.5])
    opt.lr.lr = 0.25
    step()
    np.testing.assert_allclose(w.value, [0.25])


def test_lr_may_be_a_state():
    rate = bsc.State(jnp.asarray(0.5))
    w = bsc.ParamState(jnp.array([1.0]))
    opt = optim.SGD(rate).register_trainable_weights({"w": w})
    opt.update({"w": jnp.array([1.0])})
    rate.value = jnp.asarray(0.1)
    opt.update({"w": jnp.array([1.0])})
    np.testing.assert_allclose(w.value, [0.4], rtol=1e-6)


def test_optax_optimizer_with_any_transformation():
    net = Net()
    params = graph.states(net, bsc.ParamState)
    tx = optax.chain(optax.clip_by_global_norm(0.1), optax.adam(0.01))
    opt = optim.OptaxOptimizer(tx).register_trainable_weights(params)
    ours = []
    x, y = data()
    step = bc.jit(
        lambda: opt.update(
            ba.grad(lambda: pure_loss([net.layer.value, net.out.value], x, y), params)()
        )
    )
    for _ in range(STEPS):
        step()
        ours.append([net.layer.value, net.out.value])
    assert_history_close(ours, run_optax(tx))


def test_grads_in_any_order():
    net = Net()
    params = graph.states(net, bsc.ParamState)
    opt_a = optim.SGD(0.1).register_trainable_weights(params)
    grads = ba.grad(lambda: jnp.sum(net.out.value) + jnp.sum(net.layer.value["bias"]), params)()
    reversed_grads = dict(reversed(list(grads.items())))
    before = np.asarray(net.out.value)
    opt_a.update(reversed_grads)
    np.testing.assert_allclose(net.out.value, before - 0.1, rtol=1e-6)
    opt_a.update(dict(grads))
    np.testing.assert_allclose(net.out.value, before - 0.2, rtol=1e-6)


def test_optimizer_states_are_found_by_graph():
    net = Net()
    opt = optim.Adam(optim.StepLR(0.1, 2)).register_trainable_weights(
        graph.states(net, bsc.ParamState)
    )
    found = graph.states(opt, optim.OptimState)
    assert opt.opt_state in found.values()
    assert opt.lr.last_epoch in found.values()
    assert all(isinstance(s, bsc.LongTermState) for s in found.values())
    # the registered weights are reachable too (and are not OptimStates)
    assert net.out in graph.states(opt, bsc.ParamState).values()


def test_registering_more_weights_later():
    a = bsc.ParamState(jnp.ones(2))
    b = bsc.ParamState(jnp.ones(3))
    opt = optim.Adam(0.1).register_trainable_weights({"a": a})
    opt.register_trainable_weights({"a": a, "b": b})  # "a" again: ignored
    assert list(opt.param_states) == ["a", "b"]
    opt.update({"a": jnp.ones(2), "b": jnp.ones(3)})
    np.testing.assert_allclose(b.value, 0.9 * np.ones(3), rtol=1e-5)


# -- bad input ------------------------------------------------------------------------------
def _snapshot(*states):
    return [jax.tree.map(np.asarray, s.value) for s in states]


def _assert_unchanged(before, *states):
    for b, s in zip(before, states):
        for lb, la in zip(jax.tree.leaves(b), jax.tree.leaves(s.value)):
            np.testing.assert_array_equal(lb, la)


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_mismatched_grad_keys_list_missing_and_unexpected(jit):
    net = Net()
    params = graph.states(net, bsc.ParamState)
    opt = optim.Adam(0.1).register_trainable_weights(params)
    grads = {("out",): jnp.zeros((4, 2)), ("extra", "w"): jnp.zeros(3)}
    update = bc.jit(opt.update) if jit else opt.update
    before = _snapshot(net.layer, net.out, opt.opt_state, opt.lr._lr)
    with pytest.raises(optim.OptimizerError) as info:
        update(grads)
    msg = str(info.value)
    assert "missing gradients for ('layer',)" in msg
    assert "unexpected gradients for ('extra', 'w')" in msg
    _assert_unchanged(before, net.layer, net.out, opt.opt_state, opt.lr._lr)


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_wrong_grad_shape_names_the_path(jit):
    net = Net()
    params = graph.states(net, bsc.ParamState)
    opt = optim.SGD(0.1).register_trainable_weights(params)
    grads = {k: jax.tree.map(jnp.zeros_like, s.value) for k, s in params.items()}
    grads[("out",)] = jnp.zeros((2, 4))
    update = bc.jit(opt.update) if jit else opt.update
    before = _snapshot(net.layer, net.out)
    with pytest.raises(optim.OptimizerError, match=r"\('out',\) has shape \(2, 4\).*\(4, 2\)"):
        update(grads)
    _assert_unchanged(before, net.layer, net.out)
    grads[("out",)] = {"weight": jnp.zeros((4, 2))}
    with pytest.raises(optim.OptimizerError, match="tree structure"):
        update(grads)


def test_non_state_weights_are_rejected():
    opt = optim.SGD(0.1)
    with pytest.raises(optim.OptimizerError, match=r"\('w',\) is a ArrayImpl, not a State"):
        opt.register_trainable_weights({("w",): jnp.zeros(2)})
    assert len(opt.param_states) == 0
    with pytest.raises(optim.OptimizerError, match="dict or FlattedDict"):
        opt.register_trainable_weights([bsc.ParamState(jnp.zeros(2))])


def test_same_state_twice_is_rejected():
    w = bsc.ParamState(jnp.zeros(2))
    with pytest.raises(optim.OptimizerError, match="already registered"):
        optim.SGD(0.1).register_trainable_weights({"a": w, "b": w})
    opt = optim.SGD(0.1).register_trainable_weights({"a": w})
    with pytest.raises(optim.OptimizerError, match="already registered with another State"):
        opt.register_trainable_weights({"a": bsc.ParamState(jnp.zeros(2))})


def test_update_before_registration():
    with pytest.raises(optim.OptimizerError, match="register_trainable_weights"):
        optim.Adam(0.1).update({"w": jnp.zeros(2)})


@pytest.mark.parametrize(
    "make",
    [
        lambda: optim.OptaxOptimizer("adam"),
        lambda: optim.SGD("0.1"),
        lambda: optim.SGD(-0.1),
        lambda: optim.SGD(0.1, weight_decay=-1.0),
        lambda: optim.Adam(0.1, beta1=1.0),
        lambda: optim.Adan(betas=(0.1, 0.2)),
        lambda: optim.LBFGS(memory_size=0),
    ],
)
def test_bad_hyper_parameters(make):
    with pytest.raises(optim.OptimizerError):
        make()


# -- varying shapes -------------------------------------------------------------------------
@given(
    shapes=st.lists(
        st.lists(st.integers(1, 4), min_size=0, max_size=2).map(tuple), min_size=1, max_size=3
    ),
    lr=st.floats(1e-3, 0.5),
    seed=st.integers(0, 100),
)
@settings(max_examples=5)
def test_adam_any_shapes_matches_optax(shapes, lr, seed):
    keys = jax.random.split(jax.random.PRNGKey(seed), len(shapes))
    init = [jax.random.normal(k, s) for k, s in zip(keys, shapes)]
    states = {(f"p{i}",): bsc.ParamState(v) for i, v in enumerate(init)}
    opt = optim.Adam(lr).register_trainable_weights(states)

    def loss_of(values):
        return sum(jnp.sum(jnp.sin(v) * v) for v in values)

    ref_values, tx = list(init), optax.adam(lr)
    ref_state = tx.init(ref_values)
    step = bc.jit(
        lambda: opt.update(ba.grad(lambda: loss_of([s.value for s in states.values()]), states)())
    )
    for _ in range(2):
        step()
        g = jax.grad(loss_of)(ref_values)
        u, ref_state = tx.update(g, ref_state, ref_values)
        ref_values = optax.apply_updates(ref_values, u)
    for s, r in zip(states.values(), ref_values):
        np.testing.assert_allclose(s.value, r, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("opt_cls", [optim.SGD, optim.Momentum, optim.Adam])
def test_register_trainable_weights_takes_brainstate_0_1_s_keywords(opt_cls):
    w = bsc.ParamState(jnp.ones(2))
    for keyword in ("param_states", "train_states", "states"):
        opt = opt_cls(lr=0.1)
        assert opt.register_trainable_weights(**{keyword: {"w": w}}) is opt
        assert list(opt.param_states.values()) == [w]
    opt = opt_cls(lr=0.1)
    assert opt.register_trainable_weights() is opt and len(opt.param_states) == 0
    with pytest.raises(optim.OptimizerError, match="not under two names"):
        opt.register_trainable_weights({"w": w}, train_states={"w": w})
    assert len(opt.param_states) == 0
