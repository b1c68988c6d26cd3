"""The Dutch e-mails of the portal, each rendered as plain text and as HTML from one description."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re

from cbs_monitor import clock, dutch, glossary, palette, routes
from cbs_monitor.protocol.periods import parse_period
from cbs_monitor.settings import get_settings

_MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
_WEEKDAYS = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
_NINE_DIGITS = re.compile(r"\d{9,}")


@dataclasses.dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


@dataclasses.dataclass(frozen=True)
class _Layout:
    """What a mail says; rendered twice (text and HTML) so both always say the same."""

    subject: str
    greeting: str
    paragraphs: list[str]
    facts: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    link: tuple[str, str] | None = None  # (label, url)
    table: tuple[list[str], list[list[str]]] | None = None  # (header, rows)
    closing: list[str] = dataclasses.field(default_factory=list)


def long_date(day: dt.date) -> str:
    """'vrijdag 27 februari 2026'."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def short_date(day: dt.date) -> str:
    return dutch.date(day)


def period_label(code: str) -> str:
    """2026H1 -> 'eerste halfjaar 2026' (the protocol's Period says it)."""
    period = parse_period(code)
    return period.label if period else code


def safe_filename(name: str) -> str:
    """A delivered file name for a mail. Protocol names hold no nine-digit run; a free ZIP name
    might, and a nine-digit number could be a BSN, which never goes into a mail."""
    return _NINE_DIGITS.sub(lambda m: "*" * len(m.group()), name)


def _url(path: str) -> str:
    return get_settings().base_url.rstrip("/") + path


def _render(layout: _Layout) -> Mail:
    signature = ["Met vriendelijke groet,", "CBS Monitor Sociaal Domein"]
    footer = "Dit is een automatisch bericht van de CBS Monitor; u kunt er niet op antwoorden."

    lines = [layout.greeting, ""]
    for paragraph in layout.paragraphs:
        lines += [paragraph, ""]
    if layout.facts:
        width = max(len(label) for label, _ in layout.facts) + 1
        lines += [f"{(label + ':').ljust(width)} {value}" for label, value in layout.facts] + [""]
    if layout.table:
        header, rows = layout.table
        widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        lines += [fmt.format(*header).rstrip(), fmt.format(*("-" * w for w in widths))]
        lines += [fmt.format(*row).rstrip() for row in rows] + [""]
    if layout.link:
        lines += [f"{layout.link[0]}: {layout.link[1]}", ""]
    for paragraph in layout.closing:
        lines += [paragraph, ""]
    lines += [*signature, "", "--", footer]
    text = "\n".join(lines) + "\n"

    e = html.escape
    parts = [f"<p>{e(layout.greeting)}</p>"]
    parts += [f"<p>{e(p)}</p>" for p in layout.paragraphs]
    if layout.facts:
        rows_html = "".join(
            f'<tr><th style="text-align:left;padding:2px 12px 2px 0">{e(label)}</th>'
            f'<td style="padding:2px 0">{e(value)}</td></tr>'
            for label, value in layout.facts
        )
        parts.append(f'<table style="border-collapse:collapse">{rows_html}</table>')
    if layout.table:
        header, rows = layout.table
        head = "".join(
            f'<th style="text-align:left;padding:4px 8px;border-bottom:1px solid {palette.BORDER_STRONG}">{e(h)}</th>'
            for h in header
        )
        body = "".join(
            "<tr>" + "".join(f'<td style="padding:4px 8px">{e(str(c))}</td>' for c in row) + "</tr>"
            for row in rows
        )
        parts.append(f'<table style="border-collapse:collapse"><tr>{head}</tr>{body}</table>')
    if layout.link:
        parts.append(f'<p><a href="{e(layout.link[1], quote=True)}">{e(layout.link[0])}</a></p>')
    parts += [f"<p>{e(p)}</p>" for p in layout.closing]
    parts.append("<p>" + "<br>".join(e(s) for s in signature) + "</p>")
    parts.append(f'<p style="color:{palette.TEXT_MUTED};font-size:12px">{e(footer)}</p>')
    body_html = (
        '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">'
        f"<title>{e(layout.subject)}</title></head>"
        f'<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:{palette.TEXT}">'
        + "\n".join(parts)
        + "</body></html>\n"
    )
    return Mail(subject=layout.subject, text=text, html=body_html)


def _greeting(name: str) -> str:
    return f"Beste {name}," if name else "Beste collega,"


def _on_behalf(municipality_name: str, via_cooperative: bool) -> list[str]:
    if not via_cooperative:
        return []
    return [
        f"U ontvangt dit bericht als coördinator van het samenwerkingsverband, omdat gemeente "
        f"{municipality_name} de aanlevering aan het samenwerkingsverband heeft gedelegeerd."
    ]


# --- the mails ----------------------------------------------------------------------------


def delivery_window_opened(
    *,
    name: str,
    municipality_code: str,
    municipality_name: str,
    period_code: str,
    opens_on: dt.date,
    closes_on: dt.date,
    via_cooperative: bool,
) -> Mail:
    return _render(
        _Layout(
            subject=f"U kunt starten met aanleveren: CBS Monitor {period_code} "
            f"(gemeente {municipality_name})",
            greeting=_greeting(name),
            paragraphs=[
                "U kunt starten met aanleveren.",
                f"De aanleverperiode van de CBS Monitor Sociaal Domein (Wmo) voor het "
                f"{period_label(period_code)} ({period_code}) is geopend. Lever het bestand aan "
                f"vóór het einde van de aanleverperiode op {long_date(closes_on)}.",
            ],
            facts=[
                ("Gemeente", f"{municipality_name} ({municipality_code})"),
                ("Verslagperiode", period_code),
                ("Aanleverperiode", f"{short_date(opens_on)} tot en met {short_date(closes_on)}"),
            ],
            link=("Aanleveren in de CBS Monitor", _url(routes.DELIVER)),
            closing=_on_behalf(municipality_name, via_cooperative),
        )
    )


def _delivery_facts(
    municipality_code: str,
    municipality_name: str,
    period_code: str,
    filename: str,
    received_at: dt.datetime,
) -> list[tuple[str, str]]:
    return [
        ("Gemeente", f"{municipality_name} ({municipality_code})"),
        ("Verslagperiode", period_code),
        ("Bestand", safe_filename(filename)),
        ("Ontvangen op", clock.format_local(received_at)),
    ]


def technical_report_ready(
    *,
    name: str,
    municipality_code: str,
    municipality_name: str,
    period_code: str,
    filename: str,
    received_at: dt.datetime,
    verdict: str,
    approved: bool,
    records_read: int,
    records_valid: int,
    records_with_errors: int,
    delivery_closes_on: dt.date | None,
    via_cooperative: bool,
) -> Mail:
    paragraphs = [
        f"Het Technisch rapport van uw aanlevering voor de CBS Monitor ({period_code}) "
        f"staat klaar. Uitslag: {verdict}."
    ]
    if approved:
        paragraphs.append("Het Op orde rapport volgt; u ontvangt een bericht zodra het klaarstaat.")
    elif delivery_closes_on is not None:
        paragraphs.append(
            "In het rapport staat wat er aan het bestand moet worden verbeterd. Lever "
            f"vóór het einde van de aanleverperiode op {long_date(delivery_closes_on)} "
            "een nieuw bestand aan."
        )
    facts = _delivery_facts(
        municipality_code, municipality_name, period_code, filename, received_at
    )
    facts += [
        ("Uitslag", verdict),
        (glossary.RECORDS_READ, dutch.number(records_read)),
        (glossary.RECORDS_VALID, dutch.number(records_valid)),
        (glossary.RECORDS_WITH_ERRORS, dutch.number(records_with_errors)),
    ]
    return _render(
        _Layout(
            subject=f"Technisch rapport beschikbaar: CBS Monitor {period_code} "
            f"(gemeente {municipality_name})",
            greeting=_greeting(name),
            paragraphs=paragraphs,
            facts=facts,
            link=("Rapport ophalen in de CBS Monitor", _url(routes.RETRIEVE)),
            closing=_on_behalf(municipality_name, via_cooperative),
        )
    )


def validation_failed(
    *,
    name: str,
    municipality_code: str,
    municipality_name: str,
    period_code: str,
    filename: str,
    received_at: dt.datetime,
    for_cbs: bool,
    via_cooperative: bool,
) -> Mail:
    if for_cbs:
        paragraphs = [
            f"Een aanlevering van gemeente {municipality_name} ({period_code}) kon na herhaalde "
            "pogingen niet worden gecontroleerd door een technische fout. Het bestand is bewaard.",
            "Zoek de oorzaak uit, laat de controle opnieuw uitvoeren of neem contact op met de "
            "gemeente. De gemeente heeft hierover ook een bericht gekregen.",
        ]
        link = ("Naar de CBS-omgeving van de CBS Monitor", _url(routes.CBS_DESK))
    else:
        paragraphs = [
            f"Uw aanlevering voor de CBS Monitor ({period_code}) is ontvangen, maar kon door een "
            "technische fout niet worden gecontroleerd. Het bestand is bewaard; u hoeft het niet "
            "opnieuw aan te leveren.",
            "CBS is gewaarschuwd en neemt contact met u op. De aanlevering telt als ontvangen op "
            "het tijdstip hieronder.",
        ]
        link = ("Naar de CBS Monitor", _url(routes.RETRIEVE))
    return _render(
        _Layout(
            subject=f"Technische fout bij controle: CBS Monitor {period_code} "
            f"(gemeente {municipality_name})",
            greeting=_greeting(name),
            paragraphs=paragraphs,
            facts=_delivery_facts(
                municipality_code, municipality_name, period_code, filename, received_at
            ),
            link=link,
            closing=[] if for_cbs else _on_behalf(municipality_name, via_cooperative),
        )
    )


def readiness_report_ready(
    *,
    name: str,
    municipality_code: str,
    municipality_name: str,
    period_code: str,
    filename: str,
    received_at: dt.datetime,
    via_cooperative: bool,
) -> Mail:
    return _render(
        _Layout(
            subject=f"Op orde rapport beschikbaar: CBS Monitor {period_code} "
            f"(gemeente {municipality_name})",
            greeting=_greeting(name),
            paragraphs=[
                f"Het Op orde rapport van uw aanlevering voor de CBS Monitor ({period_code}) "
                "staat klaar. Het rapport laat de cijfers zien die het CBS uit uw aanlevering "
                "afleidt; controleer of ze kloppen.",
                "Kloppen de cijfers niet? Lever dan vóór het einde van de aanleverperiode een "
                "nieuw bestand aan.",
            ],
            facts=_delivery_facts(
                municipality_code, municipality_name, period_code, filename, received_at
            ),
            link=("Rapport ophalen in de CBS Monitor", _url(routes.RETRIEVE)),
            closing=_on_behalf(municipality_name, via_cooperative),
        )
    )


def reminder(
    *,
    name: str,
    municipality_code: str,
    municipality_name: str,
    period_code: str,
    closes_on: dt.date,
    has_delivery: bool,
    via_cooperative: bool,
) -> Mail:
    state = (
        "Wij hebben wel een aanlevering ontvangen, maar die is (nog) niet goedgekeurd."
        if has_delivery
        else "Wij hebben nog geen aanlevering ontvangen."
    )
    return _render(
        _Layout(
            subject=f"Herinnering: aanleverperiode CBS Monitor {period_code} sluit op "
            f"{short_date(closes_on)} (gemeente {municipality_name})",
            greeting=_greeting(name),
            paragraphs=[
                f"De aanleverperiode van de CBS Monitor voor het {period_label(period_code)} "
                f"({period_code}) sluit op {long_date(closes_on)}.",
                f"Voor gemeente {municipality_name} is er nog geen goedgekeurde aanlevering. "
                f"{state} Lever vóór het sluiten van de aanleverperiode een bestand aan.",
            ],
            facts=[
                ("Gemeente", f"{municipality_name} ({municipality_code})"),
                ("Verslagperiode", period_code),
                ("Aanleverperiode sluit", long_date(closes_on)),
            ],
            link=("Aanleveren in de CBS Monitor", _url(routes.DELIVER)),
            closing=_on_behalf(municipality_name, via_cooperative),
        )
    )


def withdrawal_window_opened(
    *,
    name: str,
    municipality_code: str,
    municipality_name: str,
    period_code: str,
    opens_on: dt.date,
    closes_on: dt.date,
    delegating: bool,
    via_cooperative: bool,
) -> Mail:
    paragraphs = [
        f"De intrekperiode van de CBS Monitor voor het {period_label(period_code)} ({period_code}) "
        f"is geopend, van {long_date(opens_on)} tot en met {long_date(closes_on)}.",
        "In deze periode kunt u per onderdeel aangeven of het CBS de cijfers van uw gemeente "
        "publiceert. Standaard worden alle onderdelen gepubliceerd; u hoeft alleen iets te doen "
        "als u een onderdeel wilt intrekken.",
    ]
    if delegating:
        settings = get_settings()
        paragraphs.append(
            f"Gemeente {municipality_name} heeft de aanlevering gedelegeerd aan een "
            "samenwerkingsverband. Intrekken kan daarom niet in het portaal, maar alleen met het "
            f"formulier van het CBS: {settings.cbs_form_url}"
        )
        link = ("Formulier van het CBS", settings.cbs_form_url)
    else:
        link = ("Aanlevering intrekken in de CBS Monitor", _url(routes.WITHDRAW))
    return _render(
        _Layout(
            subject=f"Intrekperiode geopend: CBS Monitor {period_code} "
            f"(gemeente {municipality_name})",
            greeting=_greeting(name),
            paragraphs=paragraphs,
            facts=[
                ("Gemeente", f"{municipality_name} ({municipality_code})"),
                ("Verslagperiode", period_code),
                ("Intrekperiode", f"{short_date(opens_on)} tot en met {short_date(closes_on)}"),
            ],
            link=link,
            closing=_on_behalf(municipality_name, via_cooperative),
        )
    )


def cbs_decision(
    *,
    name: str,
    municipality_code: str,
    municipality_name: str,
    subject: str,
    text: str,
    via_cooperative: bool,
) -> Mail:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return _render(
        _Layout(
            subject=f"{subject} (gemeente {municipality_name})",
            greeting=_greeting(name),
            paragraphs=[
                "Het CBS heeft een besluit genomen over de aanlevering van gemeente "
                f"{municipality_name} ({municipality_code}) voor de CBS Monitor.",
                *paragraphs,
            ],
            link=("Berichtenlog in de CBS Monitor", _url(routes.MESSAGE_LOG)),
            closing=_on_behalf(municipality_name, via_cooperative),
        )
    )


def cbs_digest(*, name: str, day: dt.date, rows: list[list[str]], overdue: int, due: int) -> Mail:
    """rows: [gemeente, periode, rapport, status, uiterlijk, stand]."""
    return _render(
        _Layout(
            subject=f"Servicelevels CBS Monitor {short_date(day)}: {overdue} te laat, "
            f"{due} binnenkort af",
            greeting=_greeting(name),
            paragraphs=[
                f"Overzicht van de rapporten per {long_date(day)}: {overdue} rapport(en) over "
                f"de servicetermijn en {due} rapport(en) die vandaag of de volgende werkdag af "
                "moeten.",
                "Servicelevels: Technisch rapport uiterlijk 3 werkdagen na ontvangst, Op orde "
                "rapport uiterlijk 2 werkdagen na technische goedkeuring.",
            ],
            table=(["Gemeente", "Periode", "Rapport", "Status", "Uiterlijk", "Stand"], rows),
            link=("Naar de CBS-pagina", _url(routes.CBS_DESK)),
        )
    )
