"""Surrogate-gradient spike functions; the public surface is :mod:`brainstate_nn.surrogate`."""
