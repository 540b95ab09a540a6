"""The grad family: return conventions, written States, bad input, against pure-JAX references."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_augment as ba
import brainstate_compile as bc
import brainstate_core as bsc
import brainstate_graph as bg

X = jnp.array([0.5, -1.0, 2.0])


def _close(a, b, tol=1e-5):
    jax.tree.map(lambda u, v: np.testing.assert_allclose(u, v, rtol=tol, atol=tol), a, b)


class TwoLayer(bg.Node):
    def __init__(self):
        self.w1 = bsc.ParamState(jnp.array([[1.0, -0.5], [0.3, 0.2], [-1.0, 0.7]]))
        self.w2 = bsc.ParamState({"k": jnp.array([0.4, -0.9]), "b": jnp.array(0.1)})
        self.h = bsc.HiddenState(jnp.zeros(2))

    def __call__(self, x):
        self.h.value = jnp.tanh(x @ self.w1.value)
        return self.h.value @ self.w2.value["k"] + self.w2.value["b"]


def _pure_loss(w1, w2, x):
    return (jnp.tanh(x @ w1) @ w2["k"] + w2["b"]) ** 2


def _ref_grads(model, x):
    return jax.grad(_pure_loss, argnums=(0, 1, 2))(model.w1.value, model.w2.value, x)


# -- container shapes ------------------------------------------------------------------


def test_single_state_gives_a_bare_gradient():
    m = TwoLayer()
    g = ba.grad(lambda x: m(x) ** 2, m.w1)(X)
    _close(g, _ref_grads(m, X)[0])


@pytest.mark.parametrize(
    "make, pick",
    [
        (lambda m: [m.w1, m.w2], lambda g: (g[0], g[1])),
        (lambda m: (m.w1, m.w2), lambda g: (g[0], g[1])),
        (lambda m: {"a": m.w1, "b": m.w2}, lambda g: (g["a"], g["b"])),
        (lambda m: {"outer": {"a": m.w1}, "b": [m.w2]}, lambda g: (g["outer"]["a"], g["b"][0])),
    ],
    ids=["list", "tuple", "dict", "nested"],
)
def test_containers_keep_their_shape(make, pick):
    m = TwoLayer()
    states = make(m)
    g = ba.grad(lambda x: m(x) ** 2, states)(X)
    assert type(g) is type(states)
    ref = _ref_grads(m, X)
    _close(pick(g), ref[:2])


def test_graph_states_collection_gives_the_same_keys():
    m = TwoLayer()
    params = bg.states(m, bsc.ParamState)
    g = ba.grad(lambda x: m(x) ** 2, params)(X)
    assert type(g) is type(params) and set(g.keys()) == set(params.keys())
    ref = _ref_grads(m, X)
    _close(g[("w1",)], ref[0])
    _close(g[("w2",)], ref[1])


def test_argnums_only_and_default():
    f = lambda x, y: jnp.sum(jnp.sin(x) * y)
    y = jnp.array([1.0, 2.0, 3.0])
    _close(ba.grad(f)(X, y), jax.grad(f)(X, y))
    _close(ba.grad(f, argnums=1)(X, y), jax.grad(f, argnums=1)(X, y))
    _close(ba.grad(f, argnums=(0, 1))(X, y), jax.grad(f, argnums=(0, 1))(X, y))
    _close(ba.grad(f, argnums=-1)(X, y), jax.grad(f, argnums=1)(X, y))


def test_states_and_argnums_give_a_pair():
    m = TwoLayer()
    ref = _ref_grads(m, X)
    sg, xg = ba.grad(lambda x: m(x) ** 2, [m.w1], argnums=0)(X)
    _close(sg[0], ref[0])
    _close(xg, ref[2])
    sg, xg = ba.grad(lambda x: m(x) ** 2, [m.w1], argnums=(0,))(X)
    assert isinstance(xg, tuple) and len(xg) == 1
    _close(xg[0], ref[2])


@pytest.mark.parametrize("has_aux", [False, True])
@pytest.mark.parametrize("return_value", [False, True])
def test_aux_and_value_combinations(has_aux, return_value):
    w = bsc.ParamState(jnp.array([1.0, 2.0]))

    def f(x):
        loss = jnp.sum(w.value * x) ** 2
        return (loss, {"x2": x * 2}) if has_aux else loss

    out = ba.grad(f, w, has_aux=has_aux, return_value=return_value)(jnp.array([3.0, 1.0]))
    expected_grad = 2 * 5.0 * jnp.array([3.0, 1.0])
    if not has_aux and not return_value:
        _close(out, expected_grad)
        return
    assert isinstance(out, tuple)
    _close(out[0], expected_grad)
    rest = list(out[1:])
    if return_value:
        assert float(rest.pop(0)) == 25.0
    if has_aux:
        _close(rest.pop(0)["x2"], jnp.array([6.0, 2.0]))
    assert rest == []


def test_value_and_grad_follows_jax_order():
    w = bsc.ParamState(jnp.array(3.0))
    value, g = ba.value_and_grad(lambda: w.value**2, w)()
    assert float(value) == 9.0 and float(g) == 6.0
    (value, aux), g = ba.value_and_grad(lambda x: (w.value * x, x + 1), w, has_aux=True)(2.0)
    assert (float(value), float(aux), float(g)) == (6.0, 3.0, 2.0)
    value, g = ba.value_and_grad(lambda x: jnp.sum(x**2))(X)
    _close(g, 2 * X)


def test_decorator_forms():
    w = bsc.ParamState(jnp.array(2.0))

    @ba.grad(grad_states=w, return_value=True)
    def f(x):
        return w.value * x

    g, v = f(5.0)
    assert float(g) == 5.0 and float(v) == 10.0

    @ba.grad
    def h(x):
        return x**3

    assert float(h(2.0)) == 12.0


# -- writes, reads, re-derivation ------------------------------------------------------


def test_written_states_are_written_back_and_read_ones_get_no_gradient():
    m = TwoLayer()
    counter = bsc.State(jnp.array(0))
    scale = bsc.State(jnp.array(2.0))  # read only

    def loss(x):
        counter.value = counter.value + 1
        return scale.value * m(x) ** 2

    g = ba.grad(loss, [m.w1])(X)
    _close(g[0], 2.0 * _ref_grads(m, X)[0])
    _close(m.h.value, jnp.tanh(X @ m.w1.value))
    assert int(counter.value) == 1 and float(scale.value) == 2.0
    assert isinstance(m.h.value, jax.Array)


def test_written_set_is_derived_per_trace_signature():
    # brainstate 0.1 froze the written set at the first call: the write made only for
    # 2-D inputs was then lost.
    w = bsc.ParamState(jnp.array(1.5))
    seen_2d = bsc.State(jnp.array(0.0))

    def loss(x):
        if x.ndim == 2:
            seen_2d.value = seen_2d.value + x.shape[0]
        return jnp.sum(w.value * x)

    g = ba.grad(loss, w)
    assert float(g(jnp.ones(3))) == 3.0 and float(seen_2d.value) == 0.0
    assert float(g(jnp.ones((2, 3)))) == 6.0 and float(seen_2d.value) == 2.0


def test_grad_state_that_is_also_written():
    h = bsc.HiddenState(jnp.array(2.0))

    def f():
        h.value = h.value * 3.0
        return h.value**2

    g = ba.grad(f, h)()
    assert float(g) == 2 * 6.0 * 3.0 and float(h.value) == 6.0


def test_states_created_inside_stay_local():
    w = bsc.ParamState(jnp.array(2.0))
    made = []

    def f(x):
        tmp = bsc.State(w.value * x)
        made.append(tmp)
        tmp.value = tmp.value + 1.0
        return tmp.value**2

    assert float(ba.grad(f, w)(3.0)) == 2 * 7.0 * 3.0
    assert float(w.value) == 2.0
    with pytest.raises(bsc.LeakedTracerError):  # a local State kept past its trace
        _ = made[-1].value


def test_transforming_a_state_leaked_by_a_plain_jax_jit_names_the_state():
    made = []

    @jax.jit
    def build(x):
        made.append(bsc.ParamState(x * 2.0, name="leaky"))
        return x

    build(jnp.ones(3))
    leaky = made[0]
    loss = lambda: (leaky.value**2).sum()
    with pytest.raises(bsc.LeakedTracerError, match=r"ParamState 'leaky'.*plain `jax.jit`"):
        ba.grad(loss, grad_states=leaky)()
    with pytest.raises(bsc.LeakedTracerError, match=r"ParamState 'leaky'"):
        ba.vmap(lambda x: leaky.value * x, in_states=leaky)(jnp.ones(3))
    with pytest.raises(bsc.LeakedTracerError, match=r"ParamState 'leaky'"):
        bc.for_loop(lambda i: leaky.value.sum() * i, jnp.arange(3))


# -- nesting -----------------------------------------------------------------------------


def test_jitted_training_step_matches_pure_jax():
    m = TwoLayer()
    params = bg.states(m, bsc.ParamState)
    ref_w1, ref_w2 = m.w1.value, m.w2.value

    @bc.jit
    def step(x):
        grads, loss = ba.grad(lambda x: m(x) ** 2, params, return_value=True)(x)
        for k, g in grads.items():
            params[k].value = jax.tree.map(lambda p, d: p - 0.1 * d, params[k].value, g)
        return loss

    @jax.jit
    def ref_step(w1, w2, x):
        loss, (g1, g2) = jax.value_and_grad(_pure_loss, argnums=(0, 1))(w1, w2, x)
        return w1 - 0.1 * g1, jax.tree.map(lambda p, d: p - 0.1 * d, w2, g2), loss

    for i in range(3):
        x = X * (i + 1)
        w1_before = ref_w1
        loss = step(x)
        ref_w1, ref_w2, ref_loss = ref_step(ref_w1, ref_w2, x)
        _close(loss, ref_loss)
    _close(m.w1.value, ref_w1)
    _close(m.w2.value, ref_w2)
    _close(m.h.value, jnp.tanh((X * 3) @ w1_before))  # written inside the jitted step


def test_training_loop_inside_for_loop():
    w = bsc.ParamState(jnp.array([1.0, -1.0]))
    target = jnp.array([0.3, 0.7])

    def body(i):
        g = ba.grad(lambda: jnp.sum((w.value - target) ** 2), w)()
        w.value = w.value - 0.25 * g
        return jnp.sum((w.value - target) ** 2)

    losses = bc.for_loop(body, jnp.arange(20))
    assert losses[-1] < losses[0] * 1e-3
    _close(w.value, target, tol=1e-3)


def test_grad_of_grad():
    w = bsc.ParamState(jnp.array(1.5))
    dd = ba.grad(lambda x: ba.grad(lambda y: w.value * y**3)(x))(2.0)
    assert float(dd) == pytest.approx(6 * 1.5 * 2.0)


def test_under_disable_jit():
    m = TwoLayer()
    with jax.disable_jit():
        g = ba.grad(lambda x: m(x) ** 2, m.w1)(X)
    _close(g, _ref_grads(m, X)[0])


# -- bad input -----------------------------------------------------------------------------


def test_non_state_in_grad_states_names_its_position():
    w = bsc.ParamState(jnp.ones(2))
    with pytest.raises(ba.GradStateError, match=r"grad_states\['b'\] must be a State.*Array"):
        ba.grad(lambda: jnp.sum(w.value), {"a": w, "b": jnp.ones(2)})


def test_state_listed_twice():
    w = bsc.ParamState(jnp.ones(2), name="w")
    with pytest.raises(ba.GradStateError, match=r"'w'.*more than once"):
        ba.grad(lambda: jnp.sum(w.value), [w, w])


def test_argnums_out_of_range_leaves_states_alone():
    h = bsc.State(jnp.array(1.0))

    def f(x):
        h.value = h.value + x
        return h.value

    with pytest.raises(ba.GradStateError, match=r"argnums=1 is out of range.*1 positional"):
        ba.grad(f, argnums=1)(1.0)
    assert float(h.value) == 1.0


def test_bad_argnums_type():
    with pytest.raises(ba.GradStateError, match="argnums"):
        ba.grad(lambda x: x, argnums="x")
    with pytest.raises(ba.GradStateError, match="twice"):
        ba.grad(lambda x: x, argnums=(0, 0))


def test_argnums_naming_one_argument_by_two_positions_are_refused_at_the_call():
    def f(x, y):
        return jnp.sum(x * y * x)

    x, y = jnp.array([1.0, 2.0]), jnp.array([3.0, 4.0])
    for transform in (ba.grad, ba.hessian, ba.jacrev):
        with pytest.raises(ba.GradStateError, match=r"twice.*\(0, 0\)"):
            transform(f, argnums=(0, -2))(x, y)


def test_has_aux_without_pair():
    w = bsc.ParamState(jnp.array(1.0))
    with pytest.raises(bsc.StateTraceError, match=r"has_aux=True expects .* pair"):
        ba.grad(lambda: w.value * 2, w, has_aux=True)()
    with pytest.raises(bsc.StateTraceError, match=r"returned an array \(float32\[\]\)"):
        ba.grad(lambda: w.value * 2, w, has_aux=True)()
    with pytest.raises(bsc.StateTraceError, match=r"returned a tuple of length 3"):
        ba.grad(lambda: (w.value, 1, 2), w, has_aux=True)()


def test_integer_states_and_arguments_are_named_when_differentiated():
    count = bsc.ParamState(jnp.arange(3), name="count")
    w = bsc.ParamState(jnp.ones(3), name="w")
    with pytest.raises(TypeError, match=r"ParamState 'count'.*\(int32\) is not"):
        ba.grad(lambda: (count.value * w.value).sum(), grad_states=[w, count])()
    with pytest.raises(TypeError, match=r"argument 0 \(int32\) is not"):
        ba.jacfwd(lambda x: w.value * x, argnums=0)(jnp.arange(3))
    with pytest.raises(TypeError, match=r"not callable"):  # other TypeErrors pass
        ba.grad(lambda: w.value.sum()(), grad_states=w)()
    assert count.value.tolist() == [0, 1, 2]


def test_unused_grad_state_warns_with_its_name_and_gets_zeros():
    w = bsc.ParamState(jnp.array(2.0))
    unused = bsc.ParamState(jnp.ones(3), name="readout")
    with pytest.warns(ba.UnusedGradStateWarning, match=r"'readout'.*never reads"):
        g = ba.grad(lambda: w.value**2, [w, unused])()
    assert float(g[0]) == 4.0
    np.testing.assert_array_equal(g[1], jnp.zeros(3))


def test_failure_inside_leaves_every_state_as_it_was():
    w = bsc.ParamState(jnp.array(2.0))
    h = bsc.HiddenState(jnp.array(1.0))

    def f():
        h.value = h.value + w.value
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        ba.grad(f, w)()
    assert float(h.value) == 1.0 and float(w.value) == 2.0


def test_returning_a_state_is_an_error():
    w = bsc.ParamState(jnp.array(2.0))
    with pytest.raises(bsc.StateTraceError, match="returned"):
        ba.grad(lambda: (w.value, w), w, has_aux=True)()


def test_non_scalar_output_is_jaxs_error():
    w = bsc.ParamState(jnp.ones(2))
    with pytest.raises(TypeError, match="scalar"):
        ba.grad(lambda: w.value * 2, w)()
    assert isinstance(w.value, jax.Array)


def test_warning_is_emitted_only_for_unused():
    w = bsc.ParamState(jnp.array(2.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ba.grad(lambda: w.value**2, w)()


def test_unit_aware_gradients_carry_units():
    u = pytest.importorskip("brainunit")
    w = bsc.ParamState(jnp.array([1.0, 2.0]) * u.mV)
    x = jnp.array([3.0, 4.0]) * u.ms

    g = ba.grad(lambda: u.math.sum(w.value * x), w, unit_aware=True)()
    assert u.get_unit(g) == u.get_unit(x)
    np.testing.assert_allclose(u.get_magnitude(g), [3.0, 4.0])


def test_unit_aware_without_brainunit_is_a_clear_error(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "brainunit", None)
    with pytest.raises(ImportError, match="pip install brainunit"):
        ba.grad(lambda x: x, unit_aware=True)


def test_grad_and_vmap_of_a_jitted_function_trace_it_once_across_calls():
    w = bsc.ParamState(jnp.array([0.5, -1.0, 2.0]))
    traced = []

    @bc.jit
    def loss(x):
        traced.append(1)
        return jnp.sum(jnp.tanh(w.value * x))

    grad_fn = ba.grad(loss, w)
    x = jnp.array([1.0, 2.0, 3.0])
    for _ in range(4):
        g = grad_fn(x)
    np.testing.assert_allclose(g, x * (1 - jnp.tanh(w.value * x) ** 2), rtol=1e-6, atol=1e-8)
    batched = ba.vmap(loss)
    for _ in range(3):
        out = batched(jnp.stack([x, 2 * x]))
    reference = [jnp.sum(jnp.tanh(w.value * v)) for v in (x, 2 * x)]
    np.testing.assert_allclose(out, reference, rtol=1e-6)
    assert len(traced) == 1


def test_a_state_or_model_given_at_an_argnums_position_is_named():
    w = bsc.ParamState(jnp.ones(3), name="w")
    with pytest.raises(ba.GradStateError, match=r"argument 0 \(in argnums\) is ParamState 'w'"):
        ba.grad(lambda s: (s.value * 2).sum(), argnums=0)(w)

    class Model(bg.Node):
        def __init__(self):
            self.w = bsc.ParamState(jnp.ones(3))

    with pytest.raises(ba.GradStateError, match=r"argument 0 \(in argnums\) is a Model"):
        ba.grad(lambda m, x: (m.w.value * x).sum(), argnums=0)(Model(), jnp.ones(3))


def test_nothing_to_differentiate_says_so():
    w = bsc.ParamState(jnp.ones(2))
    with pytest.raises(ba.GradStateError, match=r"without positional arguments.*grad_states"):
        ba.grad(lambda: w.value.sum())()
