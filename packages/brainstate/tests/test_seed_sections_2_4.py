"""Key Concepts sections 2 (PyGraph: the MLP of ``bst.nn.Linear``) and 4 (SGD with
``bst.augment.grad``) run verbatim and print in the documented format."""

import itertools
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate as bst

# --- Key Concepts, section 2, cell [9] (verbatim) ---------------------------------------------
SECTION_2 = """
class MLP(bst.graph.Node):
    def __init__(self, din: int, dmid: int, dout: int, n_layer: int = 3):
        self.input = bst.nn.Linear(din, dmid)
        self.layers = [bst.nn.Linear(dmid, dmid) for _ in range(n_layer)]
        self.output = bst.nn.Linear(dmid, dout)

    def __call__(self, x):
        x = bst.functional.relu(self.input(x))
        for layer in self.layers:
            x = bst.functional.relu(layer(x))
        return self.output(x)


model = MLP(2, 1, 3)

model
"""

# --- Key Concepts, section 4, cell [16] (verbatim) --------------------------------------------
SECTION_4 = """
# <input, output> pair
x = jnp.ones((1, 2))
y = jnp.ones((1, 3))

# model
model = bst.nn.Linear(2, 3)


# loss function
def loss_fn(x, y):
    return jnp.mean((y - model(x)) ** 2)


prev_loss = loss_fn(x, y)

# gradients
weights = model.states()
grads = bst.augment.grad(loss_fn, weights)(x, y)

# SGD update
for key, grad in grads.items():
    updates = jax.tree.map(lambda p, g: p - 0.1 * g, weights[key].value, grad)
    weights[key].value = updates

# loss evaluation
assert loss_fn(x, y) < prev_loss
"""

NUM = r" *-?\d+\.\d*(?:e[+-]\d+)?"  # numpy pads numbers with spaces


def _run(code):
    namespace = {"bst": bst, "jax": jax, "jnp": jnp}
    exec(compile(code, "<key-concepts>", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def mlp():
    bst.random.seed(0)
    return _run(SECTION_2)["model"]


def _mask_numbers(text):
    """Replace the random weights by ``#`` so the layout can be compared exactly."""
    return re.sub(NUM, "#", text)


def test_section_2_mlp_repr(mlp):
    masked = _mask_numbers(repr(mlp))
    assert masked.startswith(
        "MLP(\n"
        "  input=Linear(\n"
        "    in_size=(2,),\n"
        "    out_size=(1,),\n"
        "    w_mask=None,\n"
        "    weight=ParamState(\n"
        "      value={'weight': Array([[#"
    )
    assert (
        "  layers=[Linear(\n"
        "    in_size=(1,),\n"
        "    out_size=(1,),\n"
        "    w_mask=None,\n"
        "    weight=ParamState(\n"
        "      value={'weight': Array([[#]], dtype=float32), 'bias': Array([#], dtype=float32)}\n"
        "    )\n"
        "  ), Linear(\n"
    ) in masked
    assert "  output=Linear(\n    in_size=(1,),\n    out_size=(3,),\n" in masked
    assert "'bias': Array([#,#,#], dtype=float32)}" in masked


def test_section_2_states(mlp):
    states = bst.graph.states(mlp)
    assert list(states.keys()) == [
        ("input", "weight"),
        ("layers", 0, "weight"),
        ("layers", 1, "weight"),
        ("layers", 2, "weight"),
        ("output", "weight"),
    ]
    text = _mask_numbers(repr(states))
    assert text.startswith(
        "FlattedDict({\n"
        "  ('input', 'weight'): ParamState(\n"
        "    value={'weight': Array([[#],\n"
        "           [#]], dtype=float32), 'bias': Array([#], dtype=float32)}\n"
        "  ),\n"
        "  ('layers', 0, 'weight'): ParamState(\n"
    )
    nest = repr(states.to_nest())
    assert nest.startswith("NestedDict({\n  'input': {\n    'weight': ParamState(\n")
    assert "  'layers': {\n    0: {\n      'weight': ParamState(\n" in nest


def test_section_2_nodes(mlp):
    nodes = bst.graph.nodes(mlp)
    keys = [k for k in nodes.keys() if k != ()]
    assert keys == [("input",), ("layers", 0), ("layers", 1), ("layers", 2), ("output",)]
    assert all(isinstance(nodes[k], bst.nn.Linear) for k in keys)
    assert "  ('input',): Linear(\n    in_size=(2,),\n    out_size=(1,),\n" in repr(nodes)


def test_section_2_forward(mlp):
    x = jnp.ones((4, 2))
    with jax.numpy_rank_promotion("allow"):  # the reference adds [n] biases to [4, n]
        h = jax.nn.relu(x @ mlp.input.weight.value["weight"] + mlp.input.weight.value["bias"])
        for layer in mlp.layers:
            h = jax.nn.relu(h @ layer.weight.value["weight"] + layer.weight.value["bias"])
        expected = h @ mlp.output.weight.value["weight"] + mlp.output.weight.value["bias"]
    np.testing.assert_allclose(mlp(x), expected, rtol=1e-5, atol=1e-6)  # fusion order may differ


def test_section_4_sgd_lowers_the_loss():
    bst.random.seed(1)
    ns = _run(SECTION_4)  # contains `assert loss_fn(x, y) < prev_loss`
    assert set(ns["grads"].keys()) == {("weight",)}
    assert set(ns["grads"][("weight",)]) == {"weight", "bias"}
    # a few more SGD steps keep lowering it
    losses = [float(ns["loss_fn"](ns["x"], ns["y"]))]
    for _ in range(5):
        grads = bst.augment.grad(ns["loss_fn"], ns["weights"])(ns["x"], ns["y"])
        for key, grad in grads.items():
            ns["weights"][key].value = jax.tree.map(
                lambda p, g: p - 0.1 * g, ns["weights"][key].value, grad
            )
        losses.append(float(ns["loss_fn"](ns["x"], ns["y"])))
    assert all(b < a for a, b in itertools.pairwise(losses))
