"""The SNN-training example's event-driven input projection trains exactly like the dense one."""

import importlib.util
import pathlib
import sys

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate as bst

EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "examples"


def _load(name):
    path = EXAMPLES / f"{name}.py"
    if not path.exists():
        pytest.skip("examples/ is not next to these tests")
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_event_and_dense_input_projections_give_the_same_loss_curve():
    snn = _load("snn_training")
    event = snn.train(10, progress=False)
    dense = snn.train(10, progress=False, event=False)
    np.testing.assert_allclose(event, dense, rtol=1e-4, atol=1e-5)
    assert np.mean(event[-3:]) < np.mean(event[:3])


def test_event_projection_is_event_driven_forward_and_backward():
    snn = _load("snn_training")
    with bst.environ.context(dt=1.0 * u.ms):
        bst.random.seed(0)
        net = snn.SNN()
    spikes, _ = snn.make_batch(jax.random.PRNGKey(0), batch=2)
    param = net.i2r.weight

    def loss(w):
        old = param.value
        param.value = w
        try:
            return jnp.sum(net.input_currents(spikes) ** 2)
        finally:
            param.value = old

    names = {e.primitive.name for e in jax.make_jaxpr(jax.grad(loss))(param.value).jaxpr.eqns}
    assert {"dense_event_mm", "dense_event_wgrad"} <= names, names
    assert "dot_general" not in names, names
