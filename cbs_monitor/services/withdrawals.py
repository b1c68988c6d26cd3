"""Intrekken aanlevering: per onderdeel withdraw from use and publication, inside the withdrawal window."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, select

from cbs_monitor import clock, dutch
from cbs_monitor.models import ReportingPeriod, Withdrawal, WithdrawalChange, WithdrawalPart
from cbs_monitor.services import messages, periods
from cbs_monitor.services.errors import Refused
from cbs_monitor.services.permissions import Action, Actor, can, require
from cbs_monitor.settings import get_settings

# The onderdelen of protocol §8, in the order the page shows them.
PARTS: list[tuple[WithdrawalPart, str]] = [
    (WithdrawalPart.totals, "Wmo-cliënten totaal en per hoofdgroep"),
    (WithdrawalPart.categories, "Wmo per productcategorie"),
    (WithdrawalPart.neighbourhood, "Wijk- en buurtniveau"),
    (WithdrawalPart.financing, "Financieringsvorm (PGB/ZIN)"),
    (WithdrawalPart.personal, "Persoonskenmerken (leeftijd, geslacht, inkomen, herkomst)"),
]
PART_LABELS = dict(PARTS)
PORTAL_SOURCE = "portaal"
FORM_SOURCE = "cbs-formulier"  # registered by CBS from the form delegating municipalities use
PUBLISH = "publiceren"
WITHDRAW = "intrekken"


def choice_label(withdrawn: bool) -> str:
    return WITHDRAW if withdrawn else PUBLISH


class WithdrawalRefused(Refused):
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
        via = " (via het formulier van CBS)" if source == FORM_SOURCE else ""
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
    require(actor, Action.view, municipality_code)
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
        source=PORTAL_SOURCE,
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
    require(
        actor, Action.review, message="Alleen CBS kan een intrekking via het formulier registreren."
    )
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
        source=FORM_SOURCE,
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


# --- the Intrekken aanlevering tab ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PartChoice:
    part: str
    label: str
    choice: str  # PUBLISH or WITHDRAW


def part_choices(chosen: dict[WithdrawalPart, bool]) -> tuple[PartChoice, ...]:
    return tuple(PartChoice(part.value, label, choice_label(chosen[part])) for part, label in PARTS)


@dataclasses.dataclass(frozen=True)
class WithdrawView:
    period_code: str
    window_open: bool
    window_text: str
    delegating: bool  # the page shows the CBS form instead of the radios
    form_url: str
    parts: tuple[PartChoice, ...]
    saved_text: str
    saved_now: bool = False  # the last event saved a change ("Uw keuze is opgeslagen.")


def target_period(db: Session) -> tuple[ReportingPeriod | None, bool]:
    """The period the tab is about: the one whose withdrawal window is open, else the next one to
    open, else the last closed one; and whether its window is open today."""
    open_now = periods.open_withdrawal_periods(db)
    if open_now:
        return open_now[0], True
    today = clock.today()
    every = periods.all_periods(db)
    upcoming = [p for p in every if p.withdrawal_opens_on > today]
    if upcoming:
        return min(upcoming, key=lambda p: p.withdrawal_opens_on), False
    closed = [p for p in every if p.withdrawal_closes_on < today]
    return (max(closed, key=lambda p: p.withdrawal_closes_on) if closed else None), False


def withdrawal_page(db: Session, actor: Actor, municipality_code: str) -> WithdrawView:
    """What the tab shows: the window, the selection of the last visit, or the CBS form notice."""
    require(actor, Action.view, municipality_code)
    period, is_open = target_period(db)
    delegating = not can(actor, Action.withdraw, municipality_code, db=db)
    form_url = get_settings().cbs_form_url
    if period is None:
        return WithdrawView(
            "", False, "Er is nog geen intrekperiode vastgesteld.", delegating, form_url, (), ""
        )
    window = dutch.date_range(period.withdrawal_opens_on, period.withdrawal_closes_on)
    window_text = (
        f"U kunt de publicatie van verslagperiode {period.code} intrekken van {window}."
        if is_open
        else f"De intrekperiode voor verslagperiode {period.code} loopt van {window}. "
        "Buiten deze periode kunt u de selectie niet wijzigen."
    )
    latest = history(db, municipality_code, period.code)
    saved_text = (
        f"Laatst gewijzigd op {clock.format_local(latest[0].changed_at)}."
        if latest
        else "Er is nog niets ingetrokken: alle onderdelen worden gepubliceerd."
    )
    return WithdrawView(
        period_code=period.code,
        window_open=is_open,
        window_text=window_text,
        delegating=delegating,
        form_url=form_url,
        parts=part_choices(selection(db, municipality_code, period.code)),
        saved_text=saved_text,
    )


def choose(
    db: Session, actor: Actor, municipality_code: str, part: str, choice: str
) -> WithdrawView:
    """One radio click, saved at once, for the period whose withdrawal window is open."""
    try:
        wanted = {WithdrawalPart(part): choice == WITHDRAW}
    except ValueError:
        raise WithdrawalRefused("Onbekend onderdeel.") from None
    if choice not in (PUBLISH, WITHDRAW):
        raise WithdrawalRefused("Kies publiceren of intrekken.")
    period, is_open = target_period(db)
    if period is None or not is_open:
        raise WithdrawalRefused(
            "De intrekperiode is gesloten. U kunt de selectie nu niet wijzigen."
        )
    save(db, actor, municipality_code, period.code, wanted)
    return dataclasses.replace(withdrawal_page(db, actor, municipality_code), saved_now=True)
