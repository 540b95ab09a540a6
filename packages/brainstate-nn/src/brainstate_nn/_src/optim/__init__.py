"""Optimizers (on optax) and learning-rate schedulers; public API in ``brainstate_nn.optim``."""
