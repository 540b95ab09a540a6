"""Train an MLP on synthetic MNIST-like data with Adam, a learning-rate schedule and metrics.

The data are 10 classes of 784-dimensional Gaussian blobs (each class a random mean
"image" plus noise), so the script runs anywhere without downloads. It shows the usual
brainstate training loop:

- a model of ``bst.nn.Linear`` layers and ``bst.nn.functional.relu``;
- ``bst.augment.grad`` over ``model.states(bst.ParamState)`` and ``bst.optim.Adam`` with a
  ``bst.optim.StepLR`` schedule, the whole step compiled by ``bst.compile.jit``;
- ``bst.nn.metrics`` accumulating loss and accuracy inside the compiled steps.

Run it with ``uv run examples/mnist_like_mlp.py`` (``--epochs``, ``--steps-per-epoch``).
"""

from __future__ import annotations

import argparse
import itertools
import time

import jax
import optax

import brainstate as bst

N_IN, N_CLASSES = 784, 10


def make_data(n: int, key: jax.Array, separation: float = 0.1) -> tuple[jax.Array, jax.Array]:
    """``n`` samples of class-dependent Gaussian blobs: unit noise around fixed class means."""
    means = separation * jax.random.normal(jax.random.PRNGKey(0), (N_CLASSES, N_IN))
    k_label, k_noise = jax.random.split(key)
    labels = jax.random.randint(k_label, (n,), 0, N_CLASSES)
    x = means[labels] + jax.random.normal(k_noise, (n, N_IN))
    return x, labels


class MLP(bst.nn.Module):
    def __init__(self, sizes: tuple[int, ...]):
        super().__init__()
        self.layers = [bst.nn.Linear(a, b) for a, b in itertools.pairwise(sizes)]

    def update(self, x):
        for layer in self.layers[:-1]:
            x = bst.nn.functional.relu(layer(x))
        return self.layers[-1](x)


def main(argv: list[str] | None = None) -> list[float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--steps-per-epoch", type=int, default=50)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args(argv)

    model = MLP((N_IN, args.hidden, args.hidden, N_CLASSES))
    params = model.states(bst.ParamState)
    scheduler = bst.optim.StepLR(args.lr, step_size=2, gamma=0.5)
    optimizer = bst.optim.Adam(lr=scheduler).register_trainable_weights(params)
    metrics = bst.nn.metrics.MultiMetric(
        loss=bst.nn.metrics.Average("loss"), accuracy=bst.nn.metrics.Accuracy()
    )

    def loss_fn(x, y):
        logits = model(x)
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
        return loss, logits

    @bst.compile.jit
    def train_step(x, y):
        grads, loss, logits = bst.augment.grad(loss_fn, params, has_aux=True, return_value=True)(
            x, y
        )
        optimizer.update(grads)
        metrics.update(loss=loss, logits=logits, labels=y)

    @bst.compile.jit
    def eval_step(x, y):
        loss, logits = loss_fn(x, y)
        metrics.update(loss=loss, logits=logits, labels=y)

    x_test, y_test = make_data(1000, jax.random.PRNGKey(999))
    key = jax.random.PRNGKey(1)
    losses = []
    print(f"{'epoch':>5} | {'lr':>8} | {'train loss':>10} | {'train acc':>9} | {'test acc':>8}")
    t0 = time.perf_counter()
    for epoch in range(args.epochs):
        lr = float(scheduler())
        metrics.reset()
        for _ in range(args.steps_per_epoch):
            key, sub = jax.random.split(key)
            train_step(*make_data(args.batch, sub))
        train = {k: float(v) for k, v in metrics.compute().items()}
        metrics.reset()
        eval_step(x_test, y_test)
        test_acc = float(metrics.compute()["accuracy"])
        scheduler.step_epoch()
        losses.append(train["loss"])
        print(
            f"{epoch:>5} | {lr:>8.2e} | {train['loss']:>10.4f} | {train['accuracy']:>9.3f} "
            f"| {test_acc:>8.3f}"
        )
    print(f"trained {args.epochs * args.steps_per_epoch} steps in {time.perf_counter() - t0:.1f} s")
    return losses


if __name__ == "__main__":
    main()
