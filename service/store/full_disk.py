"""A full disk, however it shows (``ENOSPC``, a quota's ``EDQUOT``, SQLite's ``SQLITE_FULL``), becomes ``StorageFull``.

Why one place: the store writes through two layers (SQLite and the vector files) that report a full
disk differently; callers and the HTTP table should see one error, answered ``507``, not a 500.
"""

from __future__ import annotations

import errno
import functools
import sqlite3
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from service.errors import StorageFull

P = ParamSpec("P")
R = TypeVar("R")
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def _is_full_disk(error: BaseException) -> bool:
    if isinstance(error, sqlite3.Error):
        return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
    return isinstance(error, OSError) and error.errno in FULL_ERRNOS


def refused_when_full(write: Callable[P, R]) -> Callable[P, R]:
    """Decorate a store write: a full disk raises ``StorageFull`` (the write has already undone itself)."""

    @functools.wraps(write)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return write(*args, **kwargs)
        except (OSError, sqlite3.Error) as error:
            if _is_full_disk(error):
                raise StorageFull(
                    "the disk holding the store is full: nothing was written; free space and retry"
                ) from error
            raise

    return guarded
