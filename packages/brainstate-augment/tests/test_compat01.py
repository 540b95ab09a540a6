"""Code written for brainstate 0.1 keeps working: its keyword names for the grad family and
``vmap_new_states`` (each test failed before the compatibility layer)."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_augment as ba
import brainstate_core as bsc
import brainstate_graph as bg

# -- grad family: check_states= -----------------------------------------------------------------

GRAD_FAMILY = {
    "grad": lambda w, states, **kw: ba.grad(lambda: jnp.sum(w.value**2), states, **kw),
    "value_and_grad": lambda w, states, **kw: ba.value_and_grad(
        lambda: jnp.sum(w.value**2), states, **kw
    ),
    "vector_grad": lambda w, states, **kw: ba.vector_grad(lambda: w.value**2, states, **kw),
    "jacrev": lambda w, states, **kw: ba.jacrev(lambda: w.value**2, states, **kw),
    "jacobian": lambda w, states, **kw: ba.jacobian(lambda: w.value**2, states, **kw),
    "jacfwd": lambda w, states, **kw: ba.jacfwd(lambda: w.value**2, states, **kw),
    "hessian": lambda w, states, **kw: ba.hessian(lambda: jnp.sum(w.value**3), states, **kw),
}


def _grads(name, out):
    return out[1] if name == "value_and_grad" else out


@pytest.mark.parametrize("name", sorted(GRAD_FAMILY))
def test_check_states_false_takes_the_zero_gradient_silently(name):
    w = bsc.ParamState(jnp.array([1.0, 2.0]), name="w")
    unused = bsc.ParamState(jnp.ones(2), name="unused")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grads = _grads(name, GRAD_FAMILY[name](w, [w, unused], check_states=False)())
    ref = _grads(name, GRAD_FAMILY[name](w, [w])())
    if name == "hessian":  # H[a][b]: the blocks touching the unused State are zero
        np.testing.assert_allclose(grads[0][0], ref[0][0])
        zero = [grads[0][1], grads[1][0], grads[1][1]]
    else:
        np.testing.assert_allclose(grads[0], ref[0])
        zero = [grads[1]]
    assert not any(np.any(np.asarray(z)) for z in zero)


@pytest.mark.parametrize("name", sorted(GRAD_FAMILY))
def test_check_states_true_raises_naming_the_unused_state(name):
    w = bsc.ParamState(jnp.array([1.0, 2.0]), name="w")
    unused = bsc.ParamState(jnp.ones(2), name="readout")
    with pytest.raises(ba.GradStateError, match=r"'readout'.*never reads \(check_states=True\)"):
        GRAD_FAMILY[name](w, [w, unused], check_states=True)()


def test_check_states_true_leaves_written_states_unchanged():
    w = bsc.ParamState(jnp.array(2.0))
    unused = bsc.ParamState(jnp.array(1.0), name="unused")
    h = bsc.HiddenState(jnp.array(0.0))

    def loss():
        h.value = h.value + 1.0
        return w.value**2

    with pytest.raises(ba.GradStateError):
        ba.grad(loss, [w, unused], check_states=True)()
    assert float(h.value) == 0.0
    assert float(ba.grad(loss, w, check_states=True)()) == 4.0  # all used: no error
    assert float(h.value) == 1.0


def test_check_states_default_still_warns():
    w = bsc.ParamState(jnp.array(2.0))
    unused = bsc.ParamState(jnp.array(1.0), name="unused")
    with pytest.warns(ba.UnusedGradStateWarning, match="'unused'"):
        ba.grad(lambda: w.value**2, [w, unused])()


def test_gradient_transform_takes_check_states():
    w = bsc.ParamState(jnp.array(2.0))
    unused = bsc.ParamState(jnp.array(1.0), name="unused")
    g = ba.GradientTransform(lambda: w.value**2, jax.grad, [w, unused], check_states=True)
    with pytest.raises(ba.GradStateError, match="'unused'"):
        g()


# -- the function by 0.1's keyword name ---------------------------------------------------------


def test_func_keyword_of_vector_grad_jacfwd_hessian():
    w = bsc.ParamState(jnp.array([1.0, 2.0]))
    np.testing.assert_allclose(ba.vector_grad(func=lambda: w.value**2, grad_states=w)(), [2.0, 4.0])
    np.testing.assert_allclose(
        ba.jacfwd(func=lambda x: x**2)(jnp.array([1.0, 2.0])), np.diag([2.0, 4.0])
    )
    np.testing.assert_allclose(
        ba.hessian(func=lambda: jnp.sum(w.value**3), grad_states=w)(), np.diag([6.0, 12.0])
    )
    deco = ba.vector_grad(grad_states=w)  # still a decorator without the function
    np.testing.assert_allclose(deco(lambda: w.value**2)(), [2.0, 4.0])


@pytest.mark.parametrize("transform", [ba.vector_grad, ba.jacfwd, ba.hessian])
def test_function_given_twice_is_a_type_error(transform):
    with pytest.raises(TypeError, match=r"got the function twice: fun=.* and func="):
        transform(lambda x: x, func=lambda x: x)


def test_vector_grad_unit_aware():
    u = pytest.importorskip("brainunit")
    g = ba.vector_grad(lambda x: x**2, unit_aware=True)(jnp.array([1.0, 2.0]) * u.mV)
    assert u.get_unit(g) == u.mV
    np.testing.assert_allclose(u.get_mantissa(g), [2.0, 4.0])


# -- vmap_new_states: 0.1's default in_axes=0, fun=, state_to_exclude= --------------------------


class _Net(bg.Node):
    def __init__(self):
        self.w = bsc.ParamState(bsc.random.normal(size=(2,)))
        self.count = bsc.State(jnp.zeros(()))


def test_vmap_new_states_maps_arguments_on_axis_0_by_default():
    def build(x):
        return bsc.State(x * 2).value

    out = ba.vmap_new_states(build, axis_size=3)(jnp.arange(3.0))
    np.testing.assert_array_equal(out, [0.0, 2.0, 4.0])
    out = ba.vmap_new_states(build)(jnp.arange(4.0))  # axis_size from the argument, as 0.1
    np.testing.assert_array_equal(out, [0.0, 2.0, 4.0, 6.0])
    shared = ba.vmap_new_states(build, axis_size=2, in_axes=None)(jnp.arange(3.0))
    np.testing.assert_array_equal(shared, [[0.0, 2.0, 4.0]] * 2)


def test_vmap_new_states_fun_keyword():
    net = ba.vmap_new_states(fun=_Net, axis_size=3)()
    assert net.w.value.shape == (3, 2)
    with pytest.raises(TypeError, match=r"got the function twice: fn=.* and fun="):
        ba.vmap_new_states(_Net, fun=_Net, axis_size=3)


@pytest.mark.parametrize(
    "exclude",
    [lambda path, s: type(s) is bsc.State, "plain", [bsc.HiddenState, "plain"]],
    ids=["predicate", "tag", "list"],
)
def test_state_to_exclude_keeps_selected_states_unbatched_and_untagged(exclude):
    class Net(bg.Node):
        def __init__(self):
            self.w = bsc.ParamState(bsc.random.normal(size=(2,)))
            self.count = bsc.State(jnp.zeros(()), tag="plain")

    net = ba.vmap_new_states(Net, axis_size=4, state_tag="ens", state_to_exclude=exclude)()
    assert net.w.value.shape == (4, 2) and net.w.tag == "ens"
    assert net.count.value.shape == () and net.count.tag == "plain"
    assert isinstance(net.count.value, jax.Array)  # a concrete value, no leaked tracer
    assert len(bg.states(net, "ens")) == 1


def test_state_to_exclude_of_a_lane_dependent_state_is_a_clear_error():
    with pytest.raises(ba.BatchAxisError) as info:
        ba.vmap_new_states(_Net, axis_size=4, state_to_exclude=bsc.ParamState)()
    assert "state_to_exclude" in "\n".join(getattr(info.value, "__notes__", []))


def test_vmap_new_states_without_arguments_or_axis_size_says_what_is_missing():
    build = ba.vmap_new_states(lambda: bsc.ParamState(bsc.random.normal(size=(2,))))
    with pytest.raises(ba.BatchAxisError, match="axis_size=N"):
        build()
