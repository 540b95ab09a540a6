"""Stateless functions: activations, normalization helpers, spike bitwise ops (public home:
:mod:`brainstate_nn.functional`)."""
