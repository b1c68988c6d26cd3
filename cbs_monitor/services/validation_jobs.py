"""The validation job of one received delivery: claim it, validate the stored file, record the
reports once; retry a failure, and end in 'technische fout' when it keeps failing.

A job may arrive twice (a sweep re-queues what looks lost) and a worker may die at any moment, so
every step is a conditional update on the delivery row:

- *claim*: only a delivery still 'ontvangen' whose last claim is not live; one live claim per
  municipality at a time (fairness: twenty uploads of one municipality take turns with the rest);
- *record*: only while this worker's claim is the current one, so the reports are written once;
- *sweep*: a claim older than the lease, or held by a process on this host that no longer runs,
  is a worker that died: the delivery is queued again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import socket
import uuid
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, col, select

from cbs_monitor import clock, db, dutch, protocol
from cbs_monitor.models import Delivery, DeliveryStatus, Municipality
from cbs_monitor.protocol import TechnicalResult, ValidationContext
from cbs_monitor.services import messages, notifications, storage, validation_queue
from cbs_monitor.settings import get_settings

log = logging.getLogger("cbs_monitor.validation")

RECEIVED = DeliveryStatus.received
# A delivery queued this long ago and never claimed is queued again (its job was lost with the
# process that queued it); at most once per this interval, so a long queue does not grow.
REQUEUE_AFTER_SECONDS = 60.0
FAILED_KIND = "technische_fout"


# --- what a job checks against ---------------------------------------------------------------


def context_to_json(context: ValidationContext) -> dict[str, Any]:
    """The facts of the moment of receipt, as stored on the delivery (the known codes are not:
    they are the register of municipalities, read again when the job runs)."""
    facts = dataclasses.asdict(context)
    facts.pop("known_municipality_codes", None)
    for name, value in list(facts.items()):
        if isinstance(value, frozenset | set):
            facts[name] = sorted(value)
        elif isinstance(value, dt.date):
            facts[name] = value.isoformat()
    return facts


def context_from_json(session: Session, facts: dict[str, Any]) -> ValidationContext:
    fields = {f.name for f in dataclasses.fields(ValidationContext)}
    values: dict[str, Any] = {k: v for k, v in facts.items() if k in fields}
    if "upload_date" in values:
        values["upload_date"] = dt.date.fromisoformat(values["upload_date"])
    for name in ("allowed_municipality_codes", "open_period_codes"):
        if values.get(name) is not None:
            values[name] = frozenset(values[name])
    values["known_municipality_codes"] = frozenset(session.exec(select(Municipality.code)).all())
    return ValidationContext(**values)


# --- claims ----------------------------------------------------------------------------------


def _host() -> str:
    return socket.gethostname()


def _new_claim() -> str:
    return f"{_host()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _claim_is_dead(claimed_by: str | None) -> bool:
    """True when the claim was made by a process on this host that no longer runs."""
    if not claimed_by:
        return False
    host, _, rest = claimed_by.partition(":")
    pid_text = rest.partition(":")[0]
    if host != _host() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _live_claim(delivery: Delivery, now: dt.datetime, lease: float) -> bool:
    if delivery.validation_claimed_at is None:
        return False
    if _claim_is_dead(delivery.validation_claimed_by):
        return False
    return delivery.validation_claimed_at > now - dt.timedelta(seconds=lease)


@dataclasses.dataclass(frozen=True)
class Claim:
    delivery_id: int
    token: str
    filename: str
    storage_key: str
    context: ValidationContext


class _Busy:
    """Another file of the same municipality is being validated: try again shortly."""


BUSY = _Busy()


def claim(delivery_id: int) -> Claim | _Busy | None:
    """Take the delivery for validation; None when there is nothing to do (done, or claimed)."""
    settings = get_settings()
    now = clock.now()
    lease = settings.validation_lease_seconds
    with db.session() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.status != RECEIVED:
            return None
        # One claim at a time per municipality: PostgreSQL serialises them on the municipality
        # row (SQLite serialises every write anyway).
        session.exec(
            select(Municipality.code)
            .where(Municipality.code == delivery.municipality_code)
            .with_for_update()
        ).first()
        session.refresh(delivery)
        if delivery.status != RECEIVED or _live_claim(delivery, now, lease):
            return None
        if delivery.validation_attempts >= settings.validation_max_attempts:
            _give_up(session, delivery)
            return None
        others = session.exec(
            select(Delivery).where(
                Delivery.municipality_code == delivery.municipality_code,
                Delivery.status == RECEIVED,
                Delivery.id != delivery.id,
                col(Delivery.validation_claimed_at).is_not(None),
            )
        ).all()
        if any(_live_claim(other, now, lease) for other in others):
            return BUSY
        token = _new_claim()
        taken = session.exec(
            update(Delivery)
            .where(
                col(Delivery.id) == delivery.id,
                col(Delivery.status) == RECEIVED,
                col(Delivery.validation_attempts) == delivery.validation_attempts,
            )
            .values(
                validation_claimed_by=token,
                validation_claimed_at=now,
                validation_attempts=delivery.validation_attempts + 1,
            )
        ).rowcount
        if taken != 1 or delivery.storage_key is None:
            return None
        return Claim(
            delivery_id=delivery.id,
            token=token,
            filename=delivery.filename,
            storage_key=delivery.storage_key,
            context=context_from_json(session, delivery.validation_context),
        )


def _still_mine(session: Session, claim: Claim) -> Delivery | None:
    """The delivery, locked by the update, when this claim is still the current one."""
    held = session.exec(
        update(Delivery)
        .where(
            col(Delivery.id) == claim.delivery_id,
            col(Delivery.status) == RECEIVED,
            col(Delivery.validation_claimed_by) == claim.token,
        )
        .values(validation_claimed_at=clock.now())
    ).rowcount
    if held != 1:
        return None
    delivery = session.get(Delivery, claim.delivery_id)
    if delivery is not None:
        session.refresh(delivery)
    return delivery


# --- one job ---------------------------------------------------------------------------------


def run(delivery_id: int) -> None:
    """The body of the queue's job: validate a delivery and record its reports, once."""
    taken = claim(delivery_id)
    if isinstance(taken, _Busy):
        validation_queue.enqueue(delivery_id, delay=validation_queue.BUSY_RETRY_SECONDS)
        return
    if taken is None:
        return
    try:
        data = storage.get(taken.storage_key)
        result = protocol.validate_upload(taken.filename, data, context=taken.context)
    except Exception as error:  # noqa: BLE001 — any failure is retried, then reported
        failed(taken, error)
        return
    complete(taken, result)


def complete(taken: Claim, result: TechnicalResult) -> bool:
    """Record the reports of a validated delivery; False when another worker did (or will)."""
    from cbs_monitor.services import deliveries  # the recording rules live with the deliveries

    with db.session() as session:
        delivery = _still_mine(session, taken)
        if delivery is None:
            log.info("delivery %s: claim %s no longer current", taken.delivery_id, taken.token)
            return False
        deliveries.record_result(session, delivery, result)
        return True


def failed(taken: Claim, error: BaseException) -> None:
    """A job that raised: free the claim and queue again, or give up after the last attempt."""
    settings = get_settings()
    reason = type(error).__name__  # never the message: it may quote the file
    log.warning("delivery %s: validation failed (%s)", taken.delivery_id, reason)
    with db.session() as session:
        delivery = _still_mine(session, taken)
        if delivery is None:
            return
        delivery.validation_error = reason
        delivery.validation_claimed_by = None
        delivery.validation_claimed_at = None
        if delivery.validation_attempts >= settings.validation_max_attempts:
            _give_up(session, delivery)
            return
        delivery.validation_queued_at = clock.now()
        session.add(delivery)
        queue_after_commit(session, delivery.id)


def _give_up(session: Session, delivery: Delivery) -> None:
    """'Technische fout': the municipality and CBS hear of it, in the log and by mail."""
    delivery.status = DeliveryStatus.technical_error
    delivery.validated_at = clock.now()
    delivery.validation_claimed_by = None
    delivery.validation_claimed_at = None
    delivery.validation_error = delivery.validation_error or "claims expired"
    session.add(delivery)
    session.flush()
    messages.log_message(
        session,
        delivery.municipality_code,
        FAILED_KIND,
        f"Bestand {delivery.filename} kon door een technische fout niet worden gecontroleerd "
        f"(ontvangen op {clock.format_local(delivery.received_at)}). CBS is gewaarschuwd en "
        "neemt contact met u op; het bestand is bewaard en u hoeft het niet opnieuw aan te leveren.",
        period_code=delivery.period_code,
        delivery_id=delivery.id,
        user_id=delivery.user_id,
    )
    notifications.validation_failed(session, delivery)
    log.error(
        "delivery %s: technische fout after %s attempts (%s)",
        delivery.id,
        delivery.validation_attempts,
        delivery.validation_error,
    )


def queue_after_commit(session: Session, delivery_id: int, *, delay: float = 0.0) -> None:
    """Queue the job once the row it needs is committed."""
    db.after_commit(session, lambda: _enqueue_quietly(delivery_id, delay))


def _enqueue_quietly(delivery_id: int, delay: float) -> None:
    try:
        validation_queue.enqueue(delivery_id, delay=delay)
    except Exception as error:  # noqa: BLE001 — the sweep queues it again; the receipt stands
        log.warning("delivery %s: could not queue (%s)", delivery_id, type(error).__name__)


# --- the sweep -------------------------------------------------------------------------------


def sweep(*, started_at: dt.datetime | None = None) -> int:
    """Queue again every delivery whose job looks lost: a dead or expired claim, or never claimed
    long after it was queued. Run by every worker every few seconds; safe to run anywhere.

    A worker that has just started passes its start: a job taken off the queue by a worker that
    was killed before it claimed it is then queued again at once, not a minute later (a job
    that was still in the queue runs twice at worst, and is recorded once)."""
    settings = get_settings()
    now = clock.now()
    lease = dt.timedelta(seconds=settings.validation_lease_seconds)
    requeue_before = started_at or now - dt.timedelta(seconds=REQUEUE_AFTER_SECONDS)
    queued: list[int] = []
    with db.session() as session:
        waiting = session.exec(select(Delivery).where(Delivery.status == RECEIVED)).all()
        for delivery in waiting:
            claimed = delivery.validation_claimed_at
            if claimed is not None:
                if claimed > now - lease and not _claim_is_dead(delivery.validation_claimed_by):
                    continue
            elif (delivery.validation_queued_at or delivery.received_at) > requeue_before:
                continue
            # The lost claim is freed (a worker that still runs can no longer record) and the
            # delivery queued again, once: the next sweep sees a fresh, unclaimed queue time.
            marked = session.exec(
                update(Delivery)
                .where(
                    col(Delivery.id) == delivery.id,
                    col(Delivery.status) == RECEIVED,
                    or_(
                        col(Delivery.validation_queued_at).is_(None),
                        col(Delivery.validation_queued_at) == delivery.validation_queued_at,
                    ),
                    # Only the claim judged lost: a worker may have claimed it since it was read.
                    col(Delivery.validation_claimed_by).is_(None)
                    if delivery.validation_claimed_by is None
                    else col(Delivery.validation_claimed_by) == delivery.validation_claimed_by,
                )
                .values(
                    validation_queued_at=now,
                    validation_claimed_by=None,
                    validation_claimed_at=None,
                )
            ).rowcount
            if marked == 1:
                queued.append(delivery.id)
        for delivery_id in queued:
            queue_after_commit(session, delivery_id)
    if queued:
        log.info("sweep queued %s deliveries again: %s", len(queued), queued)
    return len(queued)


# --- the queue in figures --------------------------------------------------------------------


def waiting_counts(session: Session, municipality_code: str) -> tuple[int, int]:
    """Deliveries still waiting for their report: of this municipality, and in all."""
    mine, total = session.exec(
        select(
            func.count().filter(col(Delivery.municipality_code) == municipality_code),
            func.count(),
        ).where(Delivery.status == RECEIVED)
    ).one()
    return int(mine or 0), int(total or 0)


def position(session: Session, delivery: Delivery) -> int:
    """How many deliveries are before this one in the queue (0: it is being validated or next)."""
    if delivery.status != RECEIVED or delivery.validation_claimed_at is not None:
        return 0
    ahead = session.exec(
        select(func.count()).where(
            Delivery.status == RECEIVED,
            col(Delivery.validation_claimed_at).is_(None),
            or_(
                col(Delivery.received_at) < delivery.received_at,
                and_(
                    col(Delivery.received_at) == delivery.received_at,
                    col(Delivery.id) < delivery.id,
                ),
            ),
        )
    ).one()
    return int(ahead or 0)


def describe_position(ahead: int) -> str:
    if ahead == 0:
        return "Uw bestand is als eerste aan de beurt."
    return f"Er {'is' if ahead == 1 else 'zijn'} nog {dutch.plural(ahead, 'bestand', 'bestanden')} voor uw bestand."
