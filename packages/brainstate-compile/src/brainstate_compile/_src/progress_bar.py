"""A tqdm progress bar for compiled loops, fed by a host callback."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

__all__ = ["ProgressBar", "as_progress_bar"]


class ProgressBar:
    """Show the progress of ``for_loop``/``scan``/``checkpointed_*`` with tqdm.

    The compiled loop reports to the host every ``freq`` steps (or ``count`` times in all);
    a loop without a progress bar has no callback at all.

    Args:
        freq: Report every ``freq`` steps. Defaults to about 20 reports per loop.
        count: Report this many times over the loop (alternative to ``freq``).
        desc: Text shown before the bar; or, as in brainstate 0.1, a pair ``(fmt, fn)``
            giving a text made at every report: inside the loop body ``fn`` receives the
            dict ``{"i": step, "carry": carry, "y": y}`` (the 0-based step, the carry and
            the output of the step; ``for_loop``'s carry is ``None``) and returns a dict of
            arrays, and the bar shows ``fmt.format(**that_dict)``.
        **tqdm_kwargs: Passed to ``tqdm.tqdm``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_compile as bc
        >>> import brainstate_core as bsc
        >>> total = bsc.State(jnp.zeros(()))
        >>> def step(i):
        ...     total.value += i
        >>> _ = bc.for_loop(step, jnp.arange(100.), pbar=bc.ProgressBar(freq=50, disable=True))
        >>> float(total.value)
        4950.0

        A text made from each step's output:

        >>> bar = bc.ProgressBar(
        ...     freq=50, desc=("mean {m:.1f}", lambda d: {"m": d["y"].mean()}), disable=True
        ... )
        >>> ys = bc.for_loop(lambda x: x * jnp.ones(3), jnp.arange(100.0), pbar=bar)
    """

    def __init__(
        self,
        freq: int | None = None,
        count: int | None = None,
        desc: str | tuple[str, Callable[[dict[str, Any]], dict[str, Any]]] = "Running",
        **tqdm_kwargs: Any,
    ) -> None:
        if isinstance(desc, (tuple, list)):
            if not (len(desc) == 2 and isinstance(desc[0], str) and callable(desc[1])):
                raise TypeError(
                    "ProgressBar(desc=...) must be a str or a pair (format string, function "
                    "returning a dict of values for it), got "
                    f"({', '.join(type(d).__name__ for d in desc)})."
                )
            desc = (desc[0], desc[1])
        elif desc is not None and not isinstance(desc, str):
            raise TypeError(
                "ProgressBar(desc=...) must be a str or a pair (format string, function "
                f"returning a dict of values for it), got {type(desc).__name__}."
            )
        if freq is not None and count is not None:
            raise ValueError("ProgressBar takes `freq` or `count`, not both.")
        if freq is not None and freq <= 0:
            raise ValueError(f"ProgressBar(freq=...) must be a positive int, got {freq!r}.")
        if count is not None and count <= 0:
            raise ValueError(f"ProgressBar(count=...) must be a positive int, got {count!r}.")
        try:
            import tqdm  # noqa: F401
        except ImportError as e:  # pragma: no cover - tqdm is a dependency
            raise ImportError("ProgressBar needs tqdm: `pip install tqdm`.") from e
        self.freq = freq
        self.count = count
        self.desc = desc
        self.tqdm_kwargs = tqdm_kwargs
        self._bar: Any = None
        self._done = 0
        self._lock = threading.Lock()

    def _period(self, length: int) -> int:
        if self.freq is not None:
            return self.freq
        count = self.count if self.count is not None else 20
        return max(1, length // count)

    def _report(self, n: Any, total: int, values: dict[str, Any] | None = None) -> None:
        import tqdm

        n = int(n)
        desc = self.desc
        text = desc[0].format(**(values or {})) if isinstance(desc, tuple) else desc
        with self._lock:
            if self._bar is None or n < self._done:
                if self._bar is not None:
                    self._bar.close()
                self._bar = tqdm.tqdm(total=total, desc=text, **self.tqdm_kwargs)
                self._done = 0
            elif values is not None:
                self._bar.set_description(text, refresh=False)
            self._bar.update(n - self._done)
            self._done = n
            if n >= total:
                self._bar.close()
                self._bar = None
                self._done = 0

    def step(self, i: Any, length: int, carry: Any = None, y: Any = None) -> None:
        """Inside the loop body: report step ``i`` (0-based) of ``length`` when it is due.

        ``carry`` and ``y`` (the step's carry and output) reach the function of a
        ``desc=(fmt, fn)`` pair.
        """
        period = self._period(length)
        n = i + 1
        due = jnp.logical_or(n % period == 0, n == length)
        values = None
        if isinstance(self.desc, tuple):
            fmt, fn = self.desc
            values = fn({"i": i, "carry": carry, "y": y})
            if not isinstance(values, dict):
                raise TypeError(
                    f"ProgressBar(desc=({fmt!r}, fn)): fn must return a dict of the values "
                    f"for the format string, got {type(values).__name__}."
                )

        def report() -> None:
            jax.debug.callback(lambda k, v: self._report(k, length, v), n, values, ordered=True)

        lax.cond(due, report, lambda: None)


def as_progress_bar(pbar: ProgressBar | bool | int | None) -> ProgressBar | None:
    """Accept ``pbar=ProgressBar(...)``, ``True`` (defaults) or an int (report frequency)."""
    if pbar is None or pbar is False:
        return None
    if pbar is True:
        return ProgressBar()
    if isinstance(pbar, ProgressBar):
        return pbar
    if isinstance(pbar, int):
        return ProgressBar(freq=pbar)
    raise TypeError(
        "pbar must be a ProgressBar, True/False/None or an int frequency, got "
        f"{type(pbar).__name__}."
    )
