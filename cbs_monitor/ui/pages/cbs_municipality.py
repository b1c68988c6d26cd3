"""Page /cbs/gemeente/[code]: one municipality for CBS: deliveries, reports, findings, withdrawals, decisions."""

from __future__ import annotations

import logging
import re

import reflex as rx

from cbs_monitor import clock, db, routes
from cbs_monitor.models import (
    Delivery,
    DeliveryStatus,
    Report,
    ReportKind,
    ReportStatus,
    WithdrawalPart,
)
from cbs_monitor.services import downloads, messages, review, withdrawals
from cbs_monitor.services.permissions import Actor
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import (
    data_table,
    download_arrow,
    error_notice,
    labelled_select,
    notice,
    page_count,
    pager,
    status_badge,
)
from cbs_monitor.ui.layout import page_frame
from cbs_monitor.ui.pages.cbs_desk import GENERIC_ERROR, desk_header, report_due_cell, reviewer
from cbs_monitor.ui.portal_state import PortalState

log = logging.getLogger(__name__)
ROUTE = routes.CBS_DESK + "/gemeente/[gemeentecode]"
MESSAGE_PAGE = 25
_CODE = re.compile(r"^\d{4}$")
GRANT_KINDS = {ReportKind.technical: "technisch_rapport", ReportKind.readiness: "op_orde_rapport"}
ACTION_TITLES = {
    "override": "Technisch oordeel wijzigen",
    "release": "Op orde rapport vrijgeven",
    "hold": "Op orde rapport vasthouden",
}


def _report_cells(summary: review.ReportSummary | None, prefix: str) -> dict[str, str]:
    if summary is None:
        return {
            f"{prefix}_id": "",
            f"{prefix}_status": "",
            f"{prefix}_date": "",
            f"{prefix}_due": "",
            f"{prefix}_overdue": "",
        }
    owed = summary.status in review.service_levels.OPEN_STATUSES
    return {
        f"{prefix}_id": str(summary.report_id),
        f"{prefix}_status": summary.status.value,
        f"{prefix}_date": "" if owed else clock.format_local(summary.shown_at),
        f"{prefix}_due": clock.format_local(summary.due_at, with_time=False) if owed else "",
        f"{prefix}_overdue": "1" if summary.overdue else "",
    }


def _delivery_cells(d: review.DeliveryDetail) -> dict[str, str]:
    verdict = review.VERDICT_LABELS.get(d.effective, "ontvangen")
    return {
        "id": str(d.delivery_id),
        "filename": d.filename,
        "period": d.period_code,
        "received": clock.format_local(d.received_at),
        "delivered_by": d.delivered_by
        + (f" ({d.delivered_by_user})" if d.delivered_by_user else ""),
        "verdict": verdict,
        "overridden": "1" if d.effective != d.status else "",
        "override_note": (
            f"CBS ({d.override_by}): {d.override_reason}" if d.override_reason else ""
        ),
        "replaced": "1" if d.replaced else "",
        "counts": "1" if d.counts else "",
        "records": f"{d.records_read} gelezen, {d.records_with_errors} met fouten",
        "findings": str(d.finding_count),
        # The override goes to the opposite verdict; a file still being checked has none yet.
        "can_override": "1"
        if d.technical is not None and d.effective != DeliveryStatus.received
        else "",
        "override_to": "afgekeurd" if d.effective == DeliveryStatus.approved else "goedgekeurd",
        "can_release": "1"
        if d.readiness is not None and d.readiness.status == ReportStatus.held
        else "",
        "can_hold": "1"
        if d.readiness is not None and d.readiness.status == ReportStatus.ready
        else "",
        **_report_cells(d.technical, "tech"),
        **_report_cells(d.readiness, "ready"),
    }


class CbsMunicipalityState(rx.State):
    """A municipality's file for CBS. Which municipality comes from the URL and is checked on every event."""

    code: str = ""
    name: str = ""
    delegating: bool = False
    cooperative: str = ""
    found: bool = True
    deliveries: list[dict[str, str]] = []
    findings_for: str = ""
    findings_title: str = ""
    findings: list[dict[str, str]] = []
    history: list[dict[str, str]] = []
    period_options: list[str] = []
    withdrawal_period: str = ""
    withdrawal_choices: dict[str, str] = {}
    withdrawal_parts: list[dict[str, str]] = []
    message_rows: list[dict[str, str]] = []
    message_total: int = 0
    message_page: int = 1
    # The decision being confirmed in the dialog (reason required).
    action_open: bool = False
    action_kind: str = ""
    action_target: str = ""
    action_text: str = ""
    action_error: str = ""
    withdrawal_error: str = ""
    error: str = ""

    @rx.var
    def message_page_count(self) -> int:
        return page_count(self.message_total, MESSAGE_PAGE)

    @rx.var
    def action_title(self) -> str:
        return ACTION_TITLES.get(self.action_kind, "")

    def _code_from_url(self) -> str:
        try:
            path = str(self.router.url.path)
        except AttributeError:
            path = ""
        last = path.rstrip("/").rsplit("/", 1)[-1]
        return last if _CODE.match(last) else ""

    def _fill(self, actor: Actor) -> None:
        with db.session() as s:
            file = review.municipality_file(s, actor, self.code)
            self.name, self.delegating, self.cooperative = (
                file.name,
                file.delegating,
                file.cooperative,
            )
            self.deliveries = [_delivery_cells(d) for d in file.deliveries]
            self.period_options = [p.code for p in review.period_list(s, actor)]
            if self.withdrawal_period not in self.period_options:
                self.withdrawal_period = review.default_withdrawal_period(s) or ""
            self._fill_withdrawal(s, actor)
            self.history = [
                {
                    "when": clock.format_local(h.changed_at),
                    "period": h.period_code,
                    "part": h.part,
                    "choice": "intrekken" if h.withdrawn else "publiceren",
                    "source": h.source,
                    "user": h.user,
                    "reason": h.reason,
                }
                for h in review.withdrawal_history(s, actor, self.code)
            ]
            self._fill_messages(s, actor)

    def _fill_withdrawal(self, s, actor: Actor) -> None:
        if not self.withdrawal_period:
            self.withdrawal_parts, self.withdrawal_choices = [], {}
            return
        chosen = review.withdrawal_state(s, actor, self.code, self.withdrawal_period)
        self.withdrawal_choices = {
            part.value: "intrekken" if chosen[part] else "publiceren"
            for part, _ in withdrawals.PARTS
        }
        self.withdrawal_parts = [
            {"part": part.value, "label": label} for part, label in withdrawals.PARTS
        ]

    def _fill_messages(self, s, actor: Actor) -> None:
        rows, total = review.message_page(
            s, actor, self.code, offset=(self.message_page - 1) * MESSAGE_PAGE, limit=MESSAGE_PAGE
        )
        self.message_total = total
        self.message_rows = [
            {
                "when": clock.format_local(m.created_at),
                "kind": messages.kind_label(m.kind),
                "period": m.period_code or "",
                "text": m.text,
                "decision": "1" if m.kind == review.DECISION_KIND else "",
            }
            for m in rows
        ]

    def _actor(self):
        """The reviewer and a valid municipality, or the event to return instead."""
        actor, away = reviewer(self)
        if actor is None:
            return None, away
        if not self.code:
            self.error = "Onbekende gemeente."
            return None, None
        return actor, None

    @rx.event
    def load(self):
        actor, away = reviewer(self)
        if actor is None:
            return away
        self.code = self._code_from_url()
        self.findings_for, self.findings, self.action_open = "", [], False
        self.error = self.withdrawal_error = ""
        self.message_page = 1
        if not self.code:
            self.found, self.name, self.deliveries = False, "", []
            return
        try:
            self._fill(actor)
            self.found = True
        except review.ReviewRefused as refused:
            self.found, self.name, self.deliveries = False, "", []
            self.error = str(refused)
        except Exception:
            log.exception("cbs municipality load failed")
            self.error = GENERIC_ERROR

    @rx.event
    def show_findings(self, delivery_id: str):
        actor, away = self._actor()
        if actor is None:
            return away
        if self.findings_for == delivery_id:
            self.findings_for, self.findings = "", []  # a second click folds them away
            return
        try:
            with db.session() as s:
                delivery = s.get(Delivery, int(delivery_id))
                if delivery is None or delivery.municipality_code != self.code:
                    self.error = "Deze aanlevering hoort niet bij deze gemeente."
                    return
                lines = review.findings(s, actor, delivery.id)
                self.findings_title = delivery.filename
        except review.ReviewRefused as refused:
            self.error = str(refused)
            return
        except (TypeError, ValueError):
            self.error = "Onbekende aanlevering."
            return
        except Exception:
            log.exception("findings failed")
            self.error = GENERIC_ERROR
            return
        self.findings_for = delivery_id
        self.findings = [
            {"severity": f.severity, "text": f.text, "count": str(f.count)} for f in lines
        ]

    @rx.event
    def download(self, report_id: str):
        actor, away = self._actor()
        if actor is None:
            return away
        try:
            with db.session() as s:
                report = s.get(Report, int(report_id))
                delivery = s.get(Delivery, report.delivery_id) if report else None
                if report is None or delivery is None or delivery.municipality_code != self.code:
                    self.error = "Dit rapport hoort niet bij deze gemeente."
                    return
                token = downloads.grant(
                    s, actor.user_id, GRANT_KINDS[report.kind], report_id=report.id
                )
        except (TypeError, ValueError):
            self.error = "Onbekend rapport."
            return
        except Exception:
            log.exception("cbs download grant failed")
            self.error = GENERIC_ERROR
            return
        self.error = ""
        return rx.download(url=routes.download(token))

    @rx.event
    def open_action(self, kind: str, target: str):
        actor, away = self._actor()
        if actor is None:
            return away
        if kind not in ACTION_TITLES:
            return
        row = next((d for d in self.deliveries if target in (d["id"], d["ready_id"])), None)
        if row is None:
            self.error = "Onbekende aanlevering."
            return
        self.action_kind, self.action_target, self.action_error = kind, target, ""
        if kind == "override":
            self.action_text = (
                f"Het technisch oordeel over {row['filename']} wordt {row['override_to']}. "
                "De gemeente krijgt hierover een bericht met uw reden."
            )
        elif kind == "release":
            self.action_text = (
                f"Het op orde rapport van {row['filename']} komt beschikbaar in het tabblad "
                "Ophalen van de gemeente, en de gemeente krijgt een e-mail."
            )
        else:
            self.action_text = (
                f"Het op orde rapport van {row['filename']} is niet meer te downloaden voor de "
                "gemeente totdat CBS het vrijgeeft."
            )
        self.action_open = True

    @rx.event
    def close_action(self):
        self.action_open, self.action_error = False, ""

    @rx.event
    def set_action_open(self, value: bool):
        # The dialog closes itself on Escape or a click outside it; it never opens itself.
        if not value:
            self.action_open, self.action_error = False, ""

    @rx.event
    def confirm_action(self, form: dict):
        actor, away = self._actor()
        if actor is None:
            return away
        reason = str(form.get("reden", ""))
        kind, target = self.action_kind, self.action_target
        row = next((d for d in self.deliveries if target in (d["id"], d["ready_id"])), None)
        try:
            with db.session() as s:
                if row is None:
                    raise review.ReviewRefused("Onbekende aanlevering.")
                if kind == "override":
                    verdict = (
                        DeliveryStatus.rejected
                        if row["override_to"] == "afgekeurd"
                        else DeliveryStatus.approved
                    )
                    review.override_verdict(s, actor, int(target), verdict, reason)
                    done = f"Het technisch oordeel over {row['filename']} is gewijzigd in {row['override_to']}."
                elif kind == "release":
                    review.release_readiness(s, actor, int(target), reason)
                    done = f"Het op orde rapport van {row['filename']} is vrijgegeven."
                elif kind == "hold":
                    review.hold_readiness(s, actor, int(target), reason)
                    done = f"Het op orde rapport van {row['filename']} wordt vastgehouden."
                else:
                    raise review.ReviewRefused("Onbekende actie.")
        except review.ReviewRefused as refused:
            self.action_error = str(refused)
            return
        except Exception:
            log.exception("cbs decision failed")
            self.action_error = GENERIC_ERROR
            return
        self.action_open, self.action_error = False, ""
        try:
            self._fill(actor)
        except Exception:
            log.exception("cbs municipality refresh failed")
            self.error = GENERIC_ERROR
        return rx.toast.success(done + " De gemeente is op de hoogte gebracht.")

    @rx.event
    def choose_withdrawal_period(self, period_code: str):
        actor, away = self._actor()
        if actor is None:
            return away
        if period_code not in self.period_options:
            self.withdrawal_error = "Onbekende verslagperiode."
            return
        self.withdrawal_period = period_code
        try:
            with db.session() as s:
                self._fill_withdrawal(s, actor)
        except Exception:
            log.exception("withdrawal state failed")
            self.withdrawal_error = GENERIC_ERROR

    @rx.event
    def set_withdrawal_choice(self, part: str, choice: str):
        if part not in {p.value for p, _ in withdrawals.PARTS} or choice not in (
            "publiceren",
            "intrekken",
        ):
            return
        self.withdrawal_choices = {**self.withdrawal_choices, part: choice}

    @rx.event
    def register_withdrawal(self, form: dict):
        actor, away = self._actor()
        if actor is None:
            return away
        choices = {
            WithdrawalPart(part): value == "intrekken"
            for part, value in self.withdrawal_choices.items()
        }
        try:
            with db.session() as s:
                changed = review.register_form_withdrawal(
                    s, actor, self.code, self.withdrawal_period, choices, str(form.get("reden", ""))
                )
        except review.ReviewRefused as refused:
            self.withdrawal_error = str(refused)
            return
        except Exception:
            log.exception("form withdrawal failed")
            self.withdrawal_error = GENERIC_ERROR
            return
        self.withdrawal_error = ""
        try:
            self._fill(actor)
        except Exception:
            log.exception("cbs municipality refresh failed")
            self.error = GENERIC_ERROR
        return [
            rx.set_value("formulier-reden", ""),
            rx.toast.success(
                f"Intrekking geregistreerd ({len(changed)} onderdeel/onderdelen gewijzigd). "
                "De gemeente is op de hoogte gebracht."
            ),
        ]

    @rx.event
    def next_messages(self):
        actor, away = self._actor()
        if actor is None:
            return away
        self.message_page = min(self.message_page + 1, self.message_page_count)
        with db.session() as s:
            self._fill_messages(s, actor)

    @rx.event
    def previous_messages(self):
        actor, away = self._actor()
        if actor is None:
            return away
        self.message_page = max(self.message_page - 1, 1)
        with db.session() as s:
            self._fill_messages(s, actor)


# --- components -----------------------------------------------------------------------------


def _section(title: str, *children, **props) -> rx.Component:
    return rx.box(
        rx.heading(title, size="4", as_="h2", margin_bottom="0.75rem"),
        *children,
        style=theme.card,
        **props,
    )


def _report_cell(row: rx.Var, prefix: str, label: str) -> rx.Component:
    return rx.el.td(
        rx.hstack(
            rx.cond(
                row[f"{prefix}_status"] != "",
                status_badge(row[f"{prefix}_status"]),
                rx.text("—", color=theme.TEXT_MUTED),
            ),
            rx.cond(
                row[f"{prefix}_id"] != "",
                download_arrow(
                    f"Download {label} van " + row["filename"],
                    CbsMunicipalityState.download(row[f"{prefix}_id"]),
                ),
            ),
            spacing="2",
            align="center",
        ),
        report_due_cell(
            None, row[f"{prefix}_date"], row[f"{prefix}_due"], row[f"{prefix}_overdue"]
        ),
    )


def _actions(row: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.cond(
            row["can_release"] == "1",
            rx.button(
                "Vrijgeven",
                size="1",
                white_space="nowrap",
                color_scheme="green",
                on_click=CbsMunicipalityState.open_action("release", row["ready_id"]),
                aria_label="Op orde rapport vrijgeven van " + row["filename"],
            ),
        ),
        rx.cond(
            row["can_hold"] == "1",
            rx.button(
                "Vasthouden",
                size="1",
                white_space="nowrap",
                variant="outline",
                color_scheme="amber",
                on_click=CbsMunicipalityState.open_action("hold", row["ready_id"]),
                aria_label="Op orde rapport vasthouden van " + row["filename"],
            ),
        ),
        rx.cond(
            row["can_override"] == "1",
            rx.button(
                "Oordeel wijzigen",
                size="1",
                white_space="nowrap",
                variant="outline",
                on_click=CbsMunicipalityState.open_action("override", row["id"]),
                aria_label="Technisch oordeel wijzigen van " + row["filename"],
            ),
        ),
        spacing="1",
        align="stretch",
    )


def _delivery_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(
            rx.text(row["filename"], font_weight="600", word_break="break-all"),
            rx.text(
                row["received"],
                " · ",
                row["delivered_by"],
                font_size="0.8rem",
                color=theme.TEXT_MUTED,
            ),
            rx.hstack(
                rx.badge(row["period"], variant="outline", color_scheme="gray"),
                rx.cond(
                    row["counts"] == "1", rx.badge("telt mee", color_scheme="green", variant="soft")
                ),
                rx.cond(
                    row["replaced"] == "1",
                    rx.badge("vervangen", color_scheme="gray", variant="soft"),
                ),
                spacing="1",
                wrap="wrap",
            ),
        ),
        rx.el.td(
            rx.text(
                row["verdict"],
                font_weight="600",
                color=rx.match(
                    row["verdict"],
                    ("goedgekeurd", theme.ACCENT_GREEN),
                    ("afgekeurd", theme.DANGER),
                    theme.TEXT_MUTED,
                ),
            ),
            rx.cond(
                row["overridden"] == "1",
                rx.badge("oordeel door CBS", color_scheme="amber", size="1"),
            ),
            rx.cond(
                row["override_note"] != "",
                rx.text(row["override_note"], font_size="0.75rem", color=theme.TEXT_MUTED),
            ),
            rx.text(row["records"], font_size="0.8rem", color=theme.TEXT_MUTED),
            rx.button(
                "Bevindingen (",
                row["findings"],
                ")",
                size="1",
                variant="ghost",
                on_click=CbsMunicipalityState.show_findings(row["id"]),
                aria_expanded=rx.cond(
                    CbsMunicipalityState.findings_for == row["id"], "true", "false"
                ),
            ),
        ),
        _report_cell(row, "tech", "Technisch rapport"),
        _report_cell(row, "ready", "Op orde rapport"),
        rx.el.td(_actions(row)),
        id="aanlevering-" + row["id"],
    )


def _findings() -> rx.Component:
    return rx.cond(
        CbsMunicipalityState.findings_for != "",
        rx.box(
            rx.heading(
                "Bevindingen bij ",
                CbsMunicipalityState.findings_title,
                size="3",
                as_="h3",
                margin_bottom="0.5rem",
            ),
            rx.cond(
                CbsMunicipalityState.findings.length() > 0,
                data_table(
                    ["Soort", "Bevinding", "Aantal"],
                    CbsMunicipalityState.findings,
                    lambda f: rx.el.tr(
                        rx.el.td(
                            rx.badge(
                                f["severity"],
                                color_scheme=rx.cond(f["severity"] == "fout", "red", "amber"),
                            )
                        ),
                        rx.el.td(f["text"]),
                        rx.el.td(f["count"]),
                    ),
                    id="bevindingen",
                ),
                notice("Geen bevindingen: het bestand voldoet aan het protocol.", "success"),
            ),
            width="100%",
            margin_top="1rem",
        ),
    )


def _deliveries() -> rx.Component:
    return _section(
        "Aanleveringen",
        rx.cond(
            CbsMunicipalityState.deliveries.length() > 0,
            rx.box(
                data_table(
                    [
                        "Bestand",
                        "Technisch oordeel",
                        "Technisch rapport",
                        "Op orde rapport",
                        "Besluit CBS",
                    ],
                    CbsMunicipalityState.deliveries,
                    _delivery_row,
                    id="aanleveringen",
                ),
                overflow_x="auto",
                width="100%",
            ),
            notice("Deze gemeente heeft nog niets aangeleverd.", "info"),
        ),
        _findings(),
    )


def _radio(part: rx.Var, value: str, column: str) -> rx.Component:
    return rx.el.td(
        rx.el.input(
            type="radio",
            name="cbs-keuze-" + part["part"],
            value=value,
            checked=CbsMunicipalityState.withdrawal_choices[part["part"]] == value,
            on_change=lambda _: CbsMunicipalityState.set_withdrawal_choice(part["part"], value),
            aria_label=column + ": " + part["label"],
            style={
                "width": "1.1rem",
                "height": "1.1rem",
                "cursor": "pointer",
                "accent_color": theme.PRIMARY,
            },
        ),
        text_align="center",
    )


def _withdrawals() -> rx.Component:
    return _section(
        "Intrekkingen",
        rx.cond(
            CbsMunicipalityState.delegating,
            notice(
                "Delegerende gemeente: levert aan via "
                + CbsMunicipalityState.cooperative
                + " en trekt in via "
                "het formulier van CBS. Registreer een ontvangen formulier hieronder.",
                "info",
                id="delegerend",
            ),
        ),
        # Outside the form: it is not form data.
        labelled_select(
            "Verslagperiode",
            "intrek-periode",
            CbsMunicipalityState.period_options,
            CbsMunicipalityState.withdrawal_period,
            CbsMunicipalityState.choose_withdrawal_period,
        ),
        rx.form(
            rx.vstack(
                rx.el.table(
                    rx.el.thead(
                        rx.el.tr(
                            rx.el.th("Onderdeel", scope="col"),
                            rx.el.th("Publiceren", scope="col", text_align="center"),
                            rx.el.th("Aanlevering intrekken", scope="col", text_align="center"),
                        )
                    ),
                    rx.el.tbody(
                        rx.foreach(
                            CbsMunicipalityState.withdrawal_parts,
                            lambda p: rx.el.tr(
                                rx.el.td(p["label"]),
                                _radio(p, "publiceren", "Publiceren"),
                                _radio(p, "intrekken", "Aanlevering intrekken"),
                            ),
                        )
                    ),
                    class_name="data-table",
                    id="cbs-intrekken",
                ),
                rx.el.label(
                    "Reden en kenmerk van het formulier",
                    html_for="formulier-reden",
                    font_weight="600",
                ),
                rx.el.textarea(
                    id="formulier-reden",
                    name="reden",
                    rows=2,
                    max_length=review.MAX_REASON,
                    placeholder="Bijvoorbeeld: formulier ontvangen op 14-03, kenmerk 2026-0042",
                    style={
                        "width": "100%",
                        "padding": "0.5rem",
                        "border": f"1px solid {theme.BORDER}",
                        "border_radius": "4px",
                    },
                ),
                error_notice(CbsMunicipalityState.withdrawal_error),
                rx.button(
                    "Intrekking via formulier registreren",
                    type="submit",
                    id="formulier-registreren",
                    style={"background": theme.PRIMARY},
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=CbsMunicipalityState.register_withdrawal,
            reset_on_submit=False,
        ),
        rx.heading(
            "Geschiedenis", size="3", as_="h3", margin_top="1.25rem", margin_bottom="0.5rem"
        ),
        rx.cond(
            CbsMunicipalityState.history.length() > 0,
            data_table(
                ["Datum en tijd", "Periode", "Onderdeel", "Keuze", "Via", "Door", "Reden"],
                CbsMunicipalityState.history,
                lambda h: rx.el.tr(
                    rx.el.td(h["when"], white_space="nowrap"),
                    rx.el.td(h["period"]),
                    rx.el.td(h["part"]),
                    rx.el.td(h["choice"]),
                    rx.el.td(h["source"]),
                    rx.el.td(h["user"]),
                    rx.el.td(h["reason"]),
                ),
                id="intrek-geschiedenis",
            ),
            rx.text(
                "Nog geen intrekkingen: alle onderdelen worden gepubliceerd.",
                color=theme.TEXT_MUTED,
            ),
        ),
    )


def _message_log() -> rx.Component:
    return _section(
        "Berichtenlog",
        rx.cond(
            CbsMunicipalityState.message_rows.length() > 0,
            rx.vstack(
                data_table(
                    ["Datum en tijd", "Soort", "Periode", "Bericht"],
                    CbsMunicipalityState.message_rows,
                    lambda m: rx.el.tr(
                        rx.el.td(m["when"], white_space="nowrap"),
                        rx.el.td(
                            rx.cond(
                                m["decision"] == "1",
                                rx.badge(m["kind"], color_scheme="amber"),
                                rx.text(m["kind"]),
                            )
                        ),
                        rx.el.td(m["period"]),
                        rx.el.td(m["text"]),
                    ),
                    id="cbs-berichten",
                ),
                pager(
                    CbsMunicipalityState.message_page,
                    CbsMunicipalityState.message_page_count,
                    CbsMunicipalityState.previous_messages,
                    CbsMunicipalityState.next_messages,
                    rx.text(
                        "(", CbsMunicipalityState.message_total, " berichten)", font_size="0.9rem"
                    ),
                    size="1",
                ),
                width="100%",
                spacing="3",
            ),
            rx.text("Nog geen berichten.", color=theme.TEXT_MUTED),
        ),
    )


def _action_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(CbsMunicipalityState.action_title),
            rx.dialog.description(CbsMunicipalityState.action_text, margin_bottom="0.75rem"),
            rx.form(
                rx.vstack(
                    rx.el.label(
                        "Reden (verplicht; de gemeente ziet deze)",
                        html_for="besluit-reden",
                        font_weight="600",
                    ),
                    rx.el.textarea(
                        id="besluit-reden",
                        name="reden",
                        rows=3,
                        max_length=review.MAX_REASON,
                        auto_focus=True,
                        style={
                            "width": "100%",
                            "padding": "0.5rem",
                            "border": f"1px solid {theme.BORDER}",
                            "border_radius": "4px",
                        },
                    ),
                    error_notice(CbsMunicipalityState.action_error),
                    rx.hstack(
                        rx.button(
                            "Annuleren",
                            type="button",
                            variant="soft",
                            color_scheme="gray",
                            on_click=CbsMunicipalityState.close_action,
                        ),
                        rx.button(
                            "Bevestigen",
                            type="submit",
                            id="besluit-bevestigen",
                            style={"background": theme.PRIMARY},
                        ),
                        justify="end",
                        width="100%",
                        spacing="3",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=CbsMunicipalityState.confirm_action,
                reset_on_submit=True,
            ),
            max_width="520px",
        ),
        open=CbsMunicipalityState.action_open,
        on_open_change=CbsMunicipalityState.set_action_open,
    )


def cbs_municipality_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.link("← Terug naar het overzicht", href=routes.CBS_DESK, id="terug-overzicht"),
            desk_header(
                rx.cond(
                    CbsMunicipalityState.name != "",
                    rx.hstack(
                        rx.heading(
                            CbsMunicipalityState.name,
                            " (",
                            CbsMunicipalityState.code,
                            ")",
                            size="5",
                            as_="h2",
                            id="gemeente-naam",
                        ),
                        rx.cond(
                            CbsMunicipalityState.delegating,
                            rx.badge("delegerend", color_scheme="purple", variant="outline"),
                        ),
                        align="center",
                        spacing="3",
                    ),
                    rx.text(""),
                )
            ),
            error_notice(CbsMunicipalityState.error),
            rx.cond(
                CbsMunicipalityState.found,
                rx.vstack(_deliveries(), _withdrawals(), _message_log(), spacing="4", width="100%"),
                notice("Deze gemeente bestaat niet.", "warning"),
            ),
            _action_dialog(),
            spacing="4",
            width="100%",
        )
    )


def register(app: rx.App) -> None:
    app.add_page(
        cbs_municipality_page,
        route=ROUTE,
        title="Gemeente | CBS-beoordeling",
        on_load=[PortalState.load, CbsMunicipalityState.load],
    )
