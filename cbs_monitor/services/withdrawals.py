"""Intrekken aanlevering: per onderdeel withdraw from use and publication, inside the withdrawal window."""

from __future__ import annotations

from sqlmodel import Session, select

from cbs_monitor import clock
from cbs_monitor.models import ReportingPeriod, Withdrawal, WithdrawalChange, WithdrawalPart
from cbs_monitor.services import messages, periods
from cbs_monitor.services.permissions import Action, Actor, can

# The onderdelen of protocol §8, in the order the page shows them.
PARTS: list[tuple[WithdrawalPart, str]] = [
    (WithdrawalPart.totals, "Wmo-cliënten totaal en per hoofdgroep"),
    (WithdrawalPart.categories, "Wmo per productcategorie"),
    (WithdrawalPart.neighbourhood, "Wijk- en buurtniveau"),
    (WithdrawalPart.financing, "Financieringsvorm (PGB/ZIN)"),
    (WithdrawalPart.personal, "Persoonskenmerken (leeftijd, geslacht, inkomen, herkomst)"),
]
PART_LABELS = dict(PARTS)


class WithdrawalRefused(Exception):
    """The change may not be made; the message is Dutch and shown to the user."""


def selection(db: Session, municipality_code: str, period_code: str) -> dict[WithdrawalPart, bool]:
    """The current choice per onderdeel (True = withdrawn); default publication (False)."""
    rows = db.exec(
        select(Withdrawal).where(
            Withdrawal.municipality_code == municipality_code, Withdrawal.period_code == period_code
        )
    ).all()
    chosen = {row.part: row.withdrawn for row in rows}
    return {part: chosen.get(part, False) for part, _ in PARTS}


def _apply(
    db: Session,
    municipality_code: str,
    period_code: str,
    choices: dict[WithdrawalPart, bool],
    *,
    user_id: int | None,
    source: str,
    reason: str | None,
) -> list[WithdrawalPart]:
    current = {
        row.part: row
        for row in db.exec(
            select(Withdrawal).where(
                Withdrawal.municipality_code == municipality_code,
                Withdrawal.period_code == period_code,
            )
        )
    }
    changed = []
    now = clock.now()
    for part, _ in PARTS:
        if part not in choices:
            continue
        wanted = bool(choices[part])
        row = current.get(part)
        if (row.withdrawn if row else False) == wanted:
            continue
        if row is None:
            row = Withdrawal(
                municipality_code=municipality_code, period_code=period_code, part=part
            )
        row.withdrawn = wanted
        row.updated_at = now
        row.updated_by_user_id = user_id
        db.add(row)
        db.add(
            WithdrawalChange(
                municipality_code=municipality_code,
                period_code=period_code,
                part=part,
                withdrawn=wanted,
                changed_at=now,
                user_id=user_id,
                source=source,
                reason=reason,
            )
        )
        changed.append(part)
    db.flush()
    if changed:
        summary = "; ".join(
            f"{PART_LABELS[p]}: {'ingetrokken' if choices[p] else 'publiceren'}" for p in changed
        )
        via = " (via het formulier van CBS)" if source == "cbs-formulier" else ""
        messages.log_message(
            db,
            municipality_code,
            "intrekking_gewijzigd",
            f"Intrekking voor periode {period_code} gewijzigd{via}: {summary}.",
            period_code=period_code,
            user_id=user_id,
        )
    return changed


def save(
    db: Session,
    actor: Actor | None,
    municipality_code: str,
    period_code: str,
    choices: dict[WithdrawalPart, bool],
) -> list[WithdrawalPart]:
    """A municipal user's choice in the portal: permission (not delegating) and window are checked here."""
    if not can(actor, Action.withdraw, municipality_code, db=db):
        raise WithdrawalRefused(
            "Voor deze gemeente kunt u de aanlevering niet intrekken via het portaal. "
            "Gebruik het formulier op de website van CBS."
        )
    period = db.get(ReportingPeriod, period_code)
    if period is None or not periods.withdrawal_open(period):
        raise WithdrawalRefused(
            "De intrekperiode is gesloten. U kunt de selectie nu niet wijzigen."
        )
    assert actor is not None
    return _apply(
        db,
        municipality_code,
        period_code,
        choices,
        user_id=actor.user_id,
        source="portaal",
        reason=None,
    )


def register_form_withdrawal(
    db: Session,
    actor: Actor | None,
    municipality_code: str,
    period_code: str,
    choices: dict[WithdrawalPart, bool],
    reason: str,
) -> list[WithdrawalPart]:
    """CBS registers a withdrawal received through its form (for delegating municipalities)."""
    if not can(actor, Action.review):
        raise WithdrawalRefused("Alleen CBS kan een intrekking via het formulier registreren.")
    if not (reason or "").strip():
        raise WithdrawalRefused("Geef een reden op.")
    if db.get(ReportingPeriod, period_code) is None:
        raise WithdrawalRefused("Onbekende verslagperiode.")
    assert actor is not None
    return _apply(
        db,
        municipality_code,
        period_code,
        choices,
        user_id=actor.user_id,
        source="cbs-formulier",
        reason=reason.strip(),
    )


def history(
    db: Session, municipality_code: str, period_code: str | None = None
) -> list[WithdrawalChange]:
    query = select(WithdrawalChange).where(WithdrawalChange.municipality_code == municipality_code)
    if period_code:
        query = query.where(WithdrawalChange.period_code == period_code)
    return list(
        db.exec(
            query.order_by(WithdrawalChange.changed_at.desc(), WithdrawalChange.id.desc())
        ).all()
    )
