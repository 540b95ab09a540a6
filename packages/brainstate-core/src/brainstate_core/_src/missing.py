"""The ``Missing`` sentinel: a default that no user value can equal."""

from __future__ import annotations

__all__ = ["Missing", "MISSING"]


class Missing:
    """Sentinel type for "no value was given" where ``None`` is a legitimate value.

    Examples:
        >>> from brainstate_core import MISSING, Missing
        >>> def get(default=MISSING):
        ...     return "nothing given" if default is MISSING else default
        >>> get(), get(None)
        ('nothing given', None)
    """

    _instance: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self):
        return (Missing, ())


MISSING = Missing()
