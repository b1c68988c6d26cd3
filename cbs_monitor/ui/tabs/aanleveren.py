"""Tab Aanleveren: select a file, accept the terms, send it; the ontvangstbevestiging shows at once
and the technical report as soon as a worker has checked the file (live, without reload)."""

from __future__ import annotations

import json

import reflex as rx

from cbs_monitor import routes
from cbs_monitor.services.delivery_views import FindingRow, SummaryLine
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import (
    data_table,
    error_notice,
    finding_severity_badge,
    notice,
    status_badge,
    window_notice,
)
from cbs_monitor.ui.layout import cbs_monitor_page
from cbs_monitor.ui.tabs.aanleveren_state import RULES, UPLOAD_ID, DeliverState
from cbs_monitor.ui.tabs.common import tab_page


def _requirements() -> rx.Component:
    return rx.box(
        rx.text("Eisen aan bestanden", font_weight="700", margin_bottom="0.25rem"),
        rx.el.ul(
            rx.el.li(f"Formaat: .zip, .csv of .txt, maximaal {RULES.max_text}."),
            rx.el.li(
                "Naam: ",
                rx.el.code(RULES.name_template),
                ", bijvoorbeeld ",
                rx.el.code(RULES.name_example),
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
    """The browser's check of the file name, with the protocol's own pattern (a .zip may be named
    freely; its entries are checked on the server)."""
    names = rx.selected_files(UPLOAD_ID)
    pattern = f"new RegExp({json.dumps(RULES.name_pattern_js)}, 'i')"
    return rx.Var(
        f"({names!s}).some((n) => !{pattern}.test(n) && !/\\.zip$/i.test(n))",
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
            accept=RULES.accept,
            max_size=RULES.max_bytes,
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
                "Let op: de bestandsnaam volgt het aanleverprotocol niet "
                f"({RULES.name_template}, of .txt, of een .zip). U kunt het bestand versturen: "
                "het Technisch rapport noemt dan alle fouten, ook die in de inhoud, maar het "
                "bestand wordt afgekeurd.",
                "warning",
                role="status",
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
                    "Het bestand wordt verstuurd…",
                    font_size="0.9rem",
                    role="status",
                ),
                spacing="1",
            ),
        ),
        spacing="3",
        align="start",
    )


def _finding_row(finding: rx.Var[FindingRow]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(finding.code),
        rx.el.td(finding_severity_badge(finding.severity)),
        rx.el.td(finding.message),
        rx.el.td(finding.count, text_align="right"),
    )


def _summary_line(line: rx.Var[SummaryLine]) -> rx.Component:
    return rx.hstack(
        rx.el.dt(line.label, font_weight="600", min_width="250px"),
        rx.el.dd(line.value, margin="0"),
    )


def _receipt() -> rx.Component:
    receipt = DeliverState.receipt
    line = lambda label, value: rx.hstack(  # noqa: E731
        rx.el.dt(label, font_weight="600", min_width="250px"),
        rx.el.dd(value, margin="0", class_name="figure"),
    )
    return rx.cond(
        receipt,
        rx.vstack(
            rx.heading("Ontvangstbevestiging", size="4", as_="h3"),
            notice(
                "Uw bestand is ontvangen en veilig opgeslagen. Het telt als aangeleverd op het "
                "moment hieronder, ook als de controle later klaar is.",
                "success",
                id="ontvangen",
            ),
            rx.el.dl(
                line("Bestand", receipt.filename),
                line("Gemeente", receipt.municipality),
                line("Verslagperiode", receipt.period_code),
                line("Ontvangen", receipt.received_at),
                line("Grootte", receipt.size),
                line("Controlegetal (SHA-256)", rx.el.code(receipt.sha256, font_size="0.8rem")),
            ),
            rx.cond(
                receipt.municipality_note != "",
                notice(receipt.municipality_note, "info", id="andere-gemeente"),
            ),
            rx.hstack(
                rx.cond(
                    (DeliverState.stage == "wachtrij") | (DeliverState.stage == "controle"),
                    rx.spinner(size="2"),
                ),
                rx.text(DeliverState.stage_text, id="controle-status"),
                align="center",
                spacing="2",
                role="status",
                aria_live="polite",
            ),
            rx.cond(
                DeliverState.stage == "fout",
                notice(DeliverState.stage_text, "error", id="technische-fout"),
            ),
            spacing="3",
            width="100%",
            border_top=f"1px solid {theme.BORDER}",
            padding_top="1rem",
            id="ontvangstbevestiging",
            role="region",
            aria_label="Ontvangstbevestiging",
        ),
    )


VERDICT_TEXT = {
    "Goedgekeurd": (
        "Het bestand is technisch goedgekeurd. Het Op orde rapport staat klaar in het tabblad "
        "Ophalen.",
        "success",
    ),
    "Afgekeurd": (
        "Het bestand is afgekeurd. Bekijk de meldingen hieronder, verbeter het bestand en lever "
        "het opnieuw aan.",
        "error",
    ),
    "Geweigerd": (
        "Het bestand is geweigerd en niet opgeslagen: het kan niet worden verwerkt. Bekijk de "
        "melding hieronder.",
        "error",
    ),
}


def _verdict_notice(verdict: rx.Var) -> rx.Component:
    return rx.match(
        verdict,
        *((name, notice(text, tone, id="uitslag")) for name, (text, tone) in VERDICT_TEXT.items()),
        notice(VERDICT_TEXT["Afgekeurd"][0], "error", id="uitslag"),
    )


def _result() -> rx.Component:
    sent = DeliverState.sent
    return rx.cond(
        sent,
        rx.vstack(
            rx.hstack(
                rx.heading("Technisch rapport", size="4", as_="h3"),
                status_badge(sent.verdict),
                align="center",
                spacing="3",
            ),
            rx.text("Bestand: ", rx.el.strong(sent.filename)),
            rx.cond(
                ~DeliverState.receipt & (sent.municipality_note != ""),
                notice(sent.municipality_note, "info", id="andere-gemeente"),
            ),
            _verdict_notice(sent.verdict),
            rx.el.dl(rx.foreach(sent.summary, _summary_line)),
            rx.cond(
                sent.findings.length() > 0,
                data_table(
                    ["Code", "Soort", "Melding", "Aantal"],
                    sent.findings,
                    _finding_row,
                    id="meldingen",
                ),
                rx.text("Geen meldingen.", color=theme.TEXT_MUTED),
            ),
            rx.cond(sent.more_findings != "", rx.text(sent.more_findings, id="meer-meldingen")),
            rx.hstack(
                rx.cond(
                    sent.report_id > 0,
                    rx.button(
                        "Download Technisch rapport",
                        on_click=DeliverState.download_report(
                            sent.municipality_code, sent.report_id
                        ),
                        variant="outline",
                        id="download-technisch-rapport",
                    ),
                ),
                rx.link("Naar het tabblad Ophalen", href=routes.RETRIEVE),
                align="center",
                spacing="4",
            ),
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
        _receipt(),
        _result(),
        spacing="4",
        width="100%",
    )


def register(app: rx.App) -> None:
    tab_page(app, deliver_page, routes.DELIVER, "Aanleveren", DeliverState.load)
