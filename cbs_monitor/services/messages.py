"""The Berichtenlog: write a message for a municipality, read a date range of them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from cbs_monitor import clock
from cbs_monitor.models import Message

# A CBS decision (override, release, hold, form withdrawal): the municipality must notice it.
DECISION_KIND = "cbs_besluit"
# A mail that went out (written by the mailer once the SMTP server took it).
NOTIFICATION_KIND = "notificatie_verstuurd"
# Kinds of messages, with the Dutch label shown in the Berichtenlog.
KIND_LABELS = {
    "bestand_ontvangen": "Bestand ontvangen",
    "technisch_rapport": "Technisch rapport beschikbaar",
    "technische_fout": "Technische fout bij controle",
    "op_orde_rapport": "Op orde rapport beschikbaar",
    "op_orde_vastgehouden": "Op orde rapport wacht op vrijgave CBS",
    "intrekking_gewijzigd": "Intrekking gewijzigd",
    "notificatie_verstuurd": "Notificatie verstuurd",
    "aanleverperiode_geopend": "Aanleverperiode geopend",
    "aanleverperiode_gesloten": "Aanleverperiode gesloten",
    "intrekperiode_geopend": "Intrekperiode geopend",
    "intrekperiode_gesloten": "Intrekperiode gesloten",
    "herinnering": "Herinnering",
    "cbs_besluit": "Besluit CBS",
    "rapport_gedownload": "Rapport gedownload",
    "koppeling_gewijzigd": "Koppeling softwareleverancier",
}


def log_message(
    db: Session,
    municipality_code: str,
    kind: str,
    text: str,
    *,
    period_code: str | None = None,
    user_id: int | None = None,
    delivery_id: int | None = None,
    key: str | None = None,
) -> Message | None:
    """Add a Berichtenlog line. With a key, a second call with the same key adds nothing."""
    if key is not None:
        existing = db.exec(select(Message).where(Message.key == key)).first()
        if existing is not None:
            return None
    message = Message(
        municipality_code=municipality_code,
        period_code=period_code,
        kind=kind,
        text=text,
        user_id=user_id,
        delivery_id=delivery_id,
        key=key,
        created_at=clock.now(),
    )
    if key is None:
        db.add(message)
        db.flush()
        return message
    try:
        with db.begin_nested():
            db.add(message)
    except IntegrityError:
        return None  # a concurrent writer added the same key first
    return message


def _range_filter(municipality_code: str, start: dt.date, end: dt.date):
    """Local dates start..end inclusive, as UTC bounds."""
    zone = clock.local_zone()
    lower = dt.datetime.combine(start, dt.time.min, tzinfo=zone).astimezone(clock.UTC)
    upper = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone).astimezone(
        clock.UTC
    )
    return (
        Message.municipality_code == municipality_code,
        Message.created_at >= lower,
        Message.created_at < upper,
    )


def count_messages(db: Session, municipality_code: str, start: dt.date, end: dt.date) -> int:
    where = _range_filter(municipality_code, start, end)
    return db.exec(select(func.count()).select_from(Message).where(*where)).one()


def list_messages(
    db: Session,
    municipality_code: str,
    start: dt.date,
    end: dt.date,
    *,
    offset: int = 0,
    limit: int | None = 50,
) -> list[Message]:
    """Messages of a municipality between two local dates (inclusive), newest first."""
    where = _range_filter(municipality_code, start, end)
    query = select(Message).where(*where).order_by(Message.created_at.desc(), Message.id.desc())
    query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(db.exec(query).all())


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())
