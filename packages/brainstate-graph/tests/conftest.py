"""Shared fixtures: strict JAX settings and the model classes of the key-concepts tutorial."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

import brainstate_core as bsc
import brainstate_graph as graph

jax.config.update("jax_numpy_rank_promotion", "raise")


class Linear(graph.Node):
    """The tutorial's ``Linear(bst.graph.Node)``: din, dout, w, b."""

    def __init__(self, din: int, dout: int, seed: int = 0) -> None:
        self.din, self.dout = din, dout
        self.w = bsc.ParamState(jax.random.uniform(jax.random.key(seed), (din, dout)))
        self.b = bsc.ParamState(jnp.zeros((dout,)))

    def __call__(self, x):
        return x @ self.w.value + self.b.value


class NNLinear(graph.Node):
    """A stand-in for ``bst.nn.Linear``: prints in_size, out_size, w_mask, weight."""

    def __init__(self, din: int, dout: int, seed: int = 0) -> None:
        self._name = f"linear{seed}"  # private: not printed
        self.in_size = (din,)
        self.out_size = (dout,)
        self.w_mask = None
        self.weight = bsc.ParamState(
            {
                "weight": jax.random.normal(jax.random.key(seed), (din, dout)),
                "bias": jnp.zeros((dout,)),
            }
        )

    def __call__(self, x):
        w = self.weight.value
        return x @ w["weight"] + w["bias"]


class MLP(graph.Node):
    """The tutorial's MLP: input, a list of layers, output."""

    def __init__(self, din: int, dmid: int, dout: int, n_layer: int = 3) -> None:
        self.input = NNLinear(din, dmid, 0)
        self.layers = [NNLinear(dmid, dmid, i + 1) for i in range(n_layer)]
        self.output = NNLinear(dmid, dout, 9)

    def __call__(self, x):
        x = jax.nn.relu(self.input(x))
        for layer in self.layers:
            x = jax.nn.relu(layer(x))
        return self.output(x)


@pytest.fixture
def mlp() -> MLP:
    return MLP(2, 1, 3)


@pytest.fixture
def models():
    """The model classes (test modules cannot import conftest under importlib mode)."""
    import types

    return types.SimpleNamespace(Linear=Linear, NNLinear=NNLinear, MLP=MLP)
