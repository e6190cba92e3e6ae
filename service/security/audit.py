"""The audit trail: a log line (logger ``service.audit``) for every change to what the service believes and
every write refused, saying who (key name and address, or address) and what; the log line carries the time.

Ids are written with ``repr`` so that a made-up id cannot forge a line; keys are never written, only names.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from service.security.access import Client
from service.store.records import AddResult

log = logging.getLogger("service.audit")  # a stable name operators filter on


def passages_added(client: Client, results: Sequence[AddResult]) -> None:
    for result in results:
        held_by = f" (as {result.existing_id!r})" if result.existing_id not in (None, result.id) else ""
        log.info("%s: passage %r %s%s", client, result.id, result.status, held_by)


def passage_deleted(client: Client, passage_id: str) -> None:
    log.info("%s: passage %r deleted", client, passage_id)


def memory_deleted(client: Client, claim_id: int) -> None:
    log.info("%s: memory %d deleted", client, claim_id)


def memory_cleared(client: Client, count: int) -> None:
    log.info("%s: memory cleared (claims deleted: %d)", client, count)


def refused(client: Client, method: str, path: str, status: int) -> None:
    log.warning("%s: %s %r refused with %d", client, method, path, status)
