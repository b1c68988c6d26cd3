"""Tab Aanleveren: select a file, accept the terms, send it, and see the technical report at once."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from cbs_monitor import clock, db, routes
from cbs_monitor.protocol import TechnicalResult
from cbs_monitor.services import deliveries, periods, validation_pool
from cbs_monitor.settings import get_settings
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import data_table, error_notice, notice, status_badge, window_notice
from cbs_monitor.ui.layout import cbs_monitor_page
from cbs_monitor.ui.tabs.common import GENERIC_ERROR, municipal_context, tab_page, to_login

log = logging.getLogger(__name__)
UPLOAD_ID = "wmo-bestand"
ACCEPT = {
    "text/csv": [".csv"],
    "text/plain": [".txt"],
    "application/zip": [".zip"],
    "application/x-zip-compressed": [".zip"],
}
# The browser checks the name before sending; the server checks everything again.
NAME_PATTERN_JS = r"/^WMO_\d{4}_\d{4}H[12]_\d{8}\.(csv|txt)$/i"
REJECTION_MESSAGES = {
    "file-too-large": "Het bestand is groter dan 2,5 MB. Verklein het bestand of lever het als .zip aan.",
    "file-invalid-type": "Dit bestandstype wordt niet geaccepteerd. Lever een .zip, .csv of .txt bestand aan.",
    "too-many-files": "Selecteer één bestand per keer (één bestand per gemeente).",
}


class DeliverState(rx.State):
    window_open: bool = False
    window_text: str = ""
    terms_accepted: bool = False
    sending: bool = False
    progress: int = 0
    error: str = ""
    # The technical report of the last file sent in this visit.
    has_result: bool = False
    verdict: str = ""
    result_filename: str = ""
    result_period: str = ""
    result_summary: list[dict[str, str]] = []
    findings: list[dict[str, str]] = []
    stored: bool = False

    @rx.event
    def load(self):
        context = municipal_context(self)
        if context is None:
            return to_login()
        self.error = ""
        self.terms_accepted = False  # the terms are accepted for each file anew
        with db.session() as s:
            open_periods = periods.open_delivery_periods(s)
            if open_periods:
                texts = [
                    f"De aanleverperiode voor verslagperiode {p.code} is open tot en met "
                    f"{p.delivery_closes_on:%d-%m-%Y}."
                    for p in open_periods
                ]
                self.window_open = True
                self.window_text = " ".join(texts)
                return
            self.window_open = False
            upcoming = periods.next_delivery_period(s)
            if upcoming is not None:
                self.window_text = (
                    f"De aanleverperiode is gesloten. De aanleverperiode voor {upcoming.code} opent op "
                    f"{upcoming.delivery_opens_on:%d-%m-%Y}."
                )
            else:
                last = periods.last_closed_delivery_period(s)
                self.window_text = "De aanleverperiode is gesloten." + (
                    f" De laatste aanleverperiode ({last.code}) sloot op {last.delivery_closes_on:%d-%m-%Y}."
                    if last
                    else ""
                )

    @rx.event
    def set_terms(self, checked: bool):
        self.terms_accepted = bool(checked)

    @rx.event
    def files_rejected(self, codes: list[str]):
        """The browser refused the selection (type or size); nothing was sent, only the reason codes."""
        codes = [c for c in codes or [] if isinstance(c, str)]
        for code in ("too-many-files", "file-too-large", "file-invalid-type"):
            if code in codes:
                self.error = REJECTION_MESSAGES[code]
                return
        self.error = "Dit bestand kan niet worden aangeleverd. Controleer type, grootte en naam."

    @rx.event
    def upload_progress(self, progress: dict):
        try:
            fraction = float((progress or {}).get("progress") or 0)
        except (TypeError, ValueError, AttributeError):
            return
        self.progress = max(0, min(100, round(100 * fraction)))

    @rx.event
    async def send(self, files: list[rx.UploadFile]):
        context = municipal_context(self)
        if context is None:
            yield to_login()
            return
        self.error = ""
        self.has_result = False
        if not self.terms_accepted:
            self.error = "Vink eerst het vak Algemene voorwaarden aan."
            return
        if len(files) != 1:
            self.error = "Selecteer één bestand."
            return
        upload = files[0]
        self.sending = True
        yield
        try:
            limit = get_settings().max_upload_bytes
            data = upload.file.read(limit + 1)
            name = (upload.name or "bestand").rsplit("/", 1)[-1]
            with db.session() as s:
                validation_context = deliveries.prepare(
                    s, context.actor, context.municipality_code, len(data)
                )
            result = await validation_pool.validate(name, data, validation_context)
            # Storing (with fsync), the op-orde figures and the mails: off the event loop too.
            outcome = await asyncio.to_thread(_record, context, name, data, result)
            self._show(outcome.result, stored=outcome.delivery_id is not None)
            self.terms_accepted = False
        except deliveries.DeliveryRefused as refused:
            self.error = str(refused)
        except Exception:
            log.exception("delivery failed")
            self.error = GENERIC_ERROR
        finally:
            self.sending = False
            self.progress = 0
        yield rx.clear_selected_files(UPLOAD_ID)

    def _show(self, result: TechnicalResult, stored: bool) -> None:
        self.has_result = True
        self.stored = stored
        self.verdict = result.status
        self.result_filename = result.filename
        self.result_period = result.period_code or ""
        self.result_summary = [
            {"label": "Gemeente", "value": result.municipality_code or "onbekend"},
            {"label": "Verslagperiode", "value": result.period_code or "onbekend"},
            {"label": "Records gelezen", "value": str(result.records_read)},
            {"label": "Records goed", "value": str(result.records_valid)},
            {"label": "Records met fouten", "value": str(result.records_with_errors)},
            {"label": "Records buiten de periode", "value": str(result.records_out_of_period)},
            {"label": "Ontvangen", "value": clock.format_local(clock.now())},
        ]
        self.findings = [
            {
                "code": f.code,
                "severity": f.severity,
                "message": f.describe(),
                "count": str(f.count),
            }
            for f in result.findings[:200]
        ]


def _record(context, name: str, data: bytes, result: TechnicalResult) -> deliveries.Outcome:
    with db.session() as s:
        return deliveries.record(s, context.actor, context.municipality_code, name, data, result)


def _requirements() -> rx.Component:
    return rx.box(
        rx.text("Eisen aan bestanden", font_weight="700", margin_bottom="0.25rem"),
        rx.el.ul(
            rx.el.li("Formaat: .zip, .csv of .txt, maximaal 2,5 MB."),
            rx.el.li(
                "Naam: ",
                rx.el.code("WMO_<gemeentecode>_<JJJJ>H<1|2>_<JJJJMMDD>.csv"),
                ", bijvoorbeeld ",
                rx.el.code("WMO_0363_2026H1_20260815.csv"),
                ". Een .zip mag elke naam hebben; de bestanden erin volgen dit patroon.",
            ),
            rx.el.li(
                "Eén gemeente per bestand. Bekijk de aanleverrichtlijnen in het aanleverprotocol."
            ),
            padding_left="1.25rem",
            font_size="0.92rem",
        ),
        background=theme.PRIMARY_LIGHT,
        padding="0.75rem 1rem",
        border_radius="6px",
        width="100%",
    )


def _rejection_codes(rejections: rx.Var) -> rx.Var:
    """Only the reason codes go to the server: the File objects stay in the browser."""
    return rx.Var(
        f"({rejections!s}).flatMap((r) => (r.errors || []).map((e) => e.code))", _var_type=list[str]
    )


def _selected_name_invalid() -> rx.Var:
    names = rx.selected_files(UPLOAD_ID)
    return rx.Var(
        f"({names!s}).some((n) => !{NAME_PATTERN_JS}.test(n) && !/\\.zip$/i.test(n))",
        _var_type=bool,
        _var_data=names._get_all_var_data(),
    )


def _labelled_upload(*children, **props) -> rx.Component:
    """rx.upload whose hidden file input carries an accessible name (axe: every input has a label)."""
    upload = rx.upload(*children, **props)
    file_input = upload.children[0].children[0]
    file_input.custom_attrs["aria-label"] = "Selecteer bestand"
    return upload


def _file_picker() -> rx.Component:
    names = rx.selected_files(UPLOAD_ID)
    return rx.vstack(
        _labelled_upload(
            rx.hstack(
                rx.el.span("Selecteer bestand", class_name="select-file-button"),
                rx.text("of sleep het bestand hierheen", color=theme.TEXT_MUTED),
                align="center",
                spacing="3",
            ),
            id=UPLOAD_ID,
            accept=ACCEPT,
            max_size=get_settings().max_upload_bytes,
            multiple=False,
            max_files=1,
            disabled=~DeliverState.window_open | DeliverState.sending,
            on_drop_rejected=lambda rejections: DeliverState.files_rejected(
                _rejection_codes(rejections)
            ),
            border=f"2px dashed {theme.BORDER}",
            border_radius="6px",
            padding="1rem",
            width="100%",
            aria_label="Selecteer bestand",
            class_name="file-drop",
        ),
        rx.cond(
            names.length() > 0,
            rx.text("Geselecteerd: ", rx.el.strong(names.join(", ")), id="geselecteerd-bestand"),
            rx.text("Nog geen bestand geselecteerd.", color=theme.TEXT_MUTED, font_size="0.9rem"),
        ),
        rx.cond(
            _selected_name_invalid(),
            notice(
                "De bestandsnaam volgt het aanleverprotocol niet. Gebruik "
                "WMO_<gemeentecode>_<JJJJ>H<1|2>_<JJJJMMDD>.csv (of .txt), of lever een .zip aan.",
                "error",
                role="alert",
                id="naam-fout",
            ),
        ),
        width="100%",
        spacing="2",
    )


def _send_row() -> rx.Component:
    names = rx.selected_files(UPLOAD_ID)
    return rx.vstack(
        rx.hstack(
            rx.checkbox(
                checked=DeliverState.terms_accepted,
                on_change=DeliverState.set_terms,
                id="algemene-voorwaarden",
                size="3",
            ),
            rx.el.label(
                "Ik ga akkoord met de ",
                rx.el.span("Algemene voorwaarden"),
                html_for="algemene-voorwaarden",
            ),
            rx.link(
                "(lees de Algemene voorwaarden)",
                href=routes.TERMS,
                is_external=True,
                font_size="0.9rem",
            ),
            align="center",
            spacing="2",
        ),
        rx.button(
            rx.cond(DeliverState.sending, "Bezig met versturen…", "Verstuur bestand"),
            on_click=DeliverState.send(
                rx.upload_files(
                    upload_id=UPLOAD_ID, on_upload_progress=DeliverState.upload_progress
                )
            ),
            disabled=(
                ~DeliverState.terms_accepted
                | (names.length() == 0)
                | _selected_name_invalid()
                | DeliverState.sending
                | ~DeliverState.window_open
            ),
            size="3",
            id="verstuur-bestand",
        ),
        rx.cond(
            DeliverState.sending,
            rx.vstack(
                rx.progress(
                    value=DeliverState.progress,
                    max=100,
                    width="320px",
                    aria_label="Voortgang versturen",
                ),
                rx.text(
                    "Het bestand wordt verstuurd en gecontroleerd…",
                    font_size="0.9rem",
                    role="status",
                ),
                spacing="1",
            ),
        ),
        spacing="3",
        align="start",
    )


def _finding_row(finding: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(finding["code"]),
        rx.el.td(
            rx.cond(
                finding["severity"] == "fout",
                rx.badge("fout", color_scheme="red"),
                rx.badge("waarschuwing", color_scheme="amber"),
            )
        ),
        rx.el.td(finding["message"]),
        rx.el.td(finding["count"]),
    )


def _result() -> rx.Component:
    return rx.cond(
        DeliverState.has_result,
        rx.vstack(
            rx.hstack(
                rx.heading("Technisch rapport", size="4", as_="h3"),
                status_badge(DeliverState.verdict),
                align="center",
                spacing="3",
            ),
            rx.text("Bestand: ", rx.el.strong(DeliverState.result_filename)),
            rx.cond(
                DeliverState.verdict == "Goedgekeurd",
                notice(
                    "Het bestand is technisch goedgekeurd. Het op orde rapport staat klaar in het tabblad "
                    "Ophalen.",
                    "success",
                    id="uitslag",
                ),
                notice(
                    rx.cond(
                        DeliverState.stored,
                        "Het bestand is afgekeurd. Bekijk de meldingen hieronder, verbeter het bestand "
                        "en lever het opnieuw aan.",
                        "Het bestand is geweigerd en niet opgeslagen. Bekijk de meldingen hieronder.",
                    ),
                    "error",
                    id="uitslag",
                ),
            ),
            rx.el.dl(
                rx.foreach(
                    DeliverState.result_summary,
                    lambda item: rx.hstack(
                        rx.el.dt(item["label"], font_weight="600", min_width="220px"),
                        rx.el.dd(item["value"], margin="0"),
                    ),
                ),
            ),
            rx.cond(
                DeliverState.findings.length() > 0,
                data_table(
                    ["Code", "Soort", "Melding", "Aantal"],
                    DeliverState.findings,
                    _finding_row,
                    id="meldingen",
                ),
                rx.text("Geen meldingen.", color=theme.TEXT_MUTED),
            ),
            rx.link("Naar het tabblad Ophalen", href=routes.RETRIEVE),
            spacing="3",
            width="100%",
            border_top=f"1px solid {theme.BORDER}",
            padding_top="1rem",
            id="technisch-rapport",
            role="region",
            aria_label="Technisch rapport",
        ),
    )


@cbs_monitor_page(routes.DELIVER, "Aanleveren")
def deliver_page() -> rx.Component:
    return rx.vstack(
        window_notice(DeliverState.window_open, DeliverState.window_text, "venster"),
        _requirements(),
        _file_picker(),
        _send_row(),
        error_notice(DeliverState.error, id="fout"),
        _result(),
        spacing="4",
        width="100%",
    )


def register(app: rx.App) -> None:
    tab_page(app, deliver_page, routes.DELIVER, "Aanleveren", DeliverState.load)
