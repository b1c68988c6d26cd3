"""Aanleverprotocol Wmo v1 as data: columns, code lists, rules, finding codes and limits."""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType as _frozen

from cbs_monitor.protocol.spec import (
    BESTAND,
    FOUT,
    RECORD,
    WAARSCHUWING,
    Column,
    FigureColumns,
    ProtocolSpec,
    Rule,
    ZipLimits,
    register,
)

PRODUCT_CATEGORIES = _frozen(
    {
        "01": "Hulp bij het huishouden",
        "02": "Begeleiding",
        "03": "Persoonlijke verzorging",
        "04": "Kortdurend verblijf",
        "05": "Woondiensten",
        "06": "Overige ondersteuning gericht op het individu of huishouden/gezin",
        "07": "Dagbesteding",
        "08": "Vervoerdiensten",
        "09": "Overige groepsgerichte ondersteuning",
        "10": "Overige maatwerkarrangementen",
        "11": "Rolstoelen",
        "12": "Vervoervoorzieningen",
        "13": "Woonvoorzieningen",
        "14": "Overige hulpmiddelen",
        "15": "Beschermd wonen",
        "16": "Opvang",
        "17": "Spoedopvang",
        "18": "Overige beschermd wonen en opvang",
    }
)

# CBS main groups (hoofdgroepen), in CBS table order.
MAIN_GROUPS = _frozen(
    {
        "Hulp bij het huishouden": ("01",),
        "Ondersteuning thuis": ("02", "03", "04", "06", "07", "09", "10"),
        "Hulpmiddelen en diensten": ("05", "08", "11", "12", "13", "14"),
        "Verblijf en opvang": ("15", "16", "17", "18"),
    }
)

FINANCING_FORMS = _frozen({"ZIN": "Zorg in natura", "PGB": "Persoonsgebonden budget"})

PROVIDER_TYPES = _frozen(
    {
        "01": "Zorgaanbieder",
        "02": "Sociaal wijkteam/gemeente",
        "03": "Pgb-budgethouder",
        "99": "Onbekend",
    }
)

UNITS = _frozen(
    {"01": "Minuut", "04": "Uur", "14": "Etmaal", "16": "Dagdeel", "82": "Stuks", "83": "Euro"}
)

FREQUENCIES = _frozen(
    {"1": "Per dag", "2": "Per week", "4": "Per maand", "6": "Totaal binnen geldigheidsduur"}
)

END_REASONS = _frozen(
    {
        "01": "Doel bereikt",
        "02": "Verhuisd",
        "03": "Overleden",
        "04": "Wlz-indicatie",
        "05": "Op verzoek cliënt",
        "99": "Overig",
    }
)

_DATE = "datum JJJJMMDD"

COLUMNS = (
    Column("Gemeentecode", "text", required=True, pattern=r"[0-9]{4}", format_text="4 cijfers"),
    Column("Aanmaakdatum_bestand", "date", required=True, format_text=_DATE),
    Column(
        "Periode", "text", required=True, pattern=r"[0-9]{4}H[12]", format_text="JJJJH1 of JJJJH2"
    ),
    Column("BSN", "text", required=True, pattern=r"[0-9]{9}", format_text="9 cijfers"),
    Column(
        "Toewijzingsnummer",
        "text",
        pattern=r"[^\x00-\x1f\x7f]{1,20}",
        format_text="maximaal 20 tekens",
    ),
    Column("Type_maatwerkarrangement", "code", required=True, codes=PRODUCT_CATEGORIES),
    Column("Productcode", "text", pattern=r"[0-9A-Za-z]{5}", format_text="5 letters of cijfers"),
    Column("Leveringsvorm", "code", required=True, codes=FINANCING_FORMS),
    Column("Type_aanbieder", "code", codes=PROVIDER_TYPES),
    Column("Beoogde_startdatum", "date", format_text=_DATE),
    Column("Beoogde_einddatum", "date", format_text=_DATE),
    Column("Datum_start_ondersteuning", "date", format_text=_DATE),
    Column("Einddatum_ondersteuning", "date", format_text=_DATE),
    Column(
        "Omvang_volume",
        "text",
        pattern=r"[0-9]{1,6}",
        format_text="een heel getal van maximaal 6 cijfers",
    ),
    Column("Omvang_eenheid", "code", codes=UNITS),
    Column("Beschikte_frequentie", "code", codes=FREQUENCIES),
    Column("Reden_beeindiging", "code", codes=END_REASONS),
)

RULES = (
    Rule("R001", "required", FOUT, RECORD, "Het verplichte veld {column} is leeg."),
    Rule(
        "R002",
        "format",
        FOUT,
        RECORD,
        "{column} heeft niet de juiste lengte of bevat ongeldige tekens (verwacht: {format}).",
    ),
    Rule("R003", "date", FOUT, RECORD, "{column} is geen geldige datum (verwacht: JJJJMMDD)."),
    Rule(
        "R004",
        "elfproef",
        FOUT,
        RECORD,
        "Het BSN voldoet niet aan de elfproef.",
        columns=("BSN",),
        params={"reject": ("000000000",)},
    ),
    Rule(
        "R005",
        "code_list",
        FOUT,
        RECORD,
        "{column} bevat een code die niet in de codelijst staat (toegestaan: {codes}).",
    ),
    Rule(
        "R006",
        "not_before",
        FOUT,
        RECORD,
        "{column} ligt vóór {other}.",
        columns=("Beoogde_einddatum", "Einddatum_ondersteuning"),
        params={"other": ("Beoogde_startdatum", "Datum_start_ondersteuning")},
    ),
    Rule(
        "R007",
        "prefix_equals",
        FOUT,
        RECORD,
        "De eerste twee tekens van {column} wijken af van {other}.",
        columns=("Productcode",),
        params={"other": "Type_maatwerkarrangement", "length": 2},
    ),
    Rule(
        "R008",
        "requires",
        FOUT,
        RECORD,
        "{column} is ingevuld terwijl {other} leeg is.",
        columns=("Reden_beeindiging",),
        params={"other": "Einddatum_ondersteuning"},
    ),
    Rule(
        "R009",
        "either_or",
        FOUT,
        RECORD,
        "{columns} zijn allebei leeg; minstens één moet zijn ingevuld.",
        columns=("Beoogde_startdatum", "Datum_start_ondersteuning"),
    ),
    Rule(
        "R010",
        "min_date",
        FOUT,
        RECORD,
        "{column} ligt vóór {min}.",
        columns=("Datum_start_ondersteuning",),
        params={"min": dt.date(2015, 1, 1)},
    ),
    Rule(
        "R011",
        "positive_when",
        FOUT,
        RECORD,
        "{column} moet een heel getal groter dan 0 zijn als {when} is ingevuld.",
        columns=("Omvang_volume",),
        params={"when": ("Omvang_eenheid", "Beschikte_frequentie")},
    ),
    Rule(
        "R012",
        "equals_filename",
        FOUT,
        RECORD,
        "{column} wijkt af van de aanmaakdatum {expected} in de bestandsnaam.",
        columns=("Aanmaakdatum_bestand",),
        params={"part": "created"},
    ),
    Rule(
        "F034",
        "equals_filename",
        FOUT,
        BESTAND,
        "De gemeentecode in de regel wijkt af van de gemeentecode {expected} in de bestandsnaam.",
        columns=("Gemeentecode",),
        params={"part": "municipality"},
        fallback_message="De gemeentecode in de regel wijkt af van {expected}, de gemeente waarvoor "
        "is aangeleverd (de bestandsnaam noemt geen geldige gemeentecode).",
    ),
    Rule(
        "F035",
        "equals_filename",
        FOUT,
        BESTAND,
        "De periode in de regel wijkt af van de periode {expected} in de bestandsnaam.",
        columns=("Periode",),
        params={"part": "period"},
        fallback_message="De periode in de regel wijkt af van {expected}, de verslagperiode "
        "waarvoor is aangeleverd (de bestandsnaam noemt geen geldige verslagperiode).",
    ),
    Rule(
        "W001",
        "out_of_period",
        WAARSCHUWING,
        RECORD,
        "Het record valt buiten de verslagperiode en telt niet mee in de cijfers.",
    ),
    Rule(
        "W002",
        "duplicate_row",
        WAARSCHUWING,
        RECORD,
        "De regel is precies gelijk aan een eerdere regel.",
    ),
    Rule(
        "W003",
        "duplicate_key",
        WAARSCHUWING,
        RECORD,
        "Dezelfde cliënt (BSN) heeft al een record met dezelfde productcategorie en startdatum.",
        columns=("BSN", "Type_maatwerkarrangement"),
    ),
    Rule(
        "W004",
        "after_date",
        WAARSCHUWING,
        RECORD,
        "{column} ligt na de aanmaakdatum van het bestand.",
        columns=("Einddatum_ondersteuning",),
        params={"other": "Aanmaakdatum_bestand"},
    ),
    Rule(
        "W005",
        "filled_without",
        WAARSCHUWING,
        RECORD,
        "{column} is ingevuld maar {other} is leeg.",
        columns=("Omvang_volume",),
        params={"other": "Omvang_eenheid"},
    ),
)

# Values in braces are filled in by the validator from the spec, the context and the file, so
# a limit or a list is written once (e.g. {limit} comes from the size limit in use).
FILE_CHECKS = _frozen(
    {
        "extension": (
            "F001",
            "Dit bestandstype wordt niet geaccepteerd: lever een {types} aan.",
        ),
        "size": ("F002", "Het bestand is te groot: {size}; de grens is {limit}."),
        "filename": (
            "F003",
            "De bestandsnaam voldoet niet aan het voorgeschreven patroon "
            "WMO_<gemeentecode>_<JJJJ>H<1 of 2>_<aanmaakdatum JJJJMMDD>.csv (of .txt), "
            "bijvoorbeeld {example}.",
        ),
        "unknown_municipality": (
            "F004",
            "De gemeentecode {municipality} in de bestandsnaam bestaat niet.",
        ),
        "created_invalid": (
            "F005",
            "De aanmaakdatum {created} in de bestandsnaam is geen bestaande datum.",
        ),
        "created_future": (
            "F005",
            "De aanmaakdatum {created} in de bestandsnaam ligt na de dag van aanleveren "
            "({upload_date}).",
        ),
        "not_allowed": ("F006", "U mag geen bestanden aanleveren voor gemeente {municipality}."),
        "window_closed": ("F007", "De aanleverperiode voor verslagperiode {period} is niet open."),
        "zip_invalid": ("F010", "Het ZIP-bestand is beschadigd of kan niet worden gelezen."),
        "zip_entries": ("F011", "Het ZIP-bestand bevat meer dan {max_entries}."),
        "zip_entry_type": (
            "F012",
            "Het ZIP-bestand bevat een bestand dat geen {types} is.",
        ),
        "zip_nested": (
            "F013",
            "Het ZIP-bestand bevat een ander archief; een archief in een archief is niet toegestaan.",
        ),
        "zip_path": (
            "F014",
            "Het ZIP-bestand bevat een bestand met een absoluut pad of met '..' in het pad.",
        ),
        "zip_link": (
            "F015",
            "Het ZIP-bestand bevat een snelkoppeling (link); links zijn niet toegestaan.",
        ),
        "zip_encrypted": (
            "F016",
            "Het ZIP-bestand bevat een versleuteld bestand; versleuteling is niet toegestaan.",
        ),
        "zip_total": ("F017", "Het ZIP-bestand is uitgepakt groter dan {limit}."),
        "zip_ratio": (
            "F018",
            "Een bestand in het ZIP-bestand is meer dan {max_ratio} keer gecomprimeerd "
            "(bescherming tegen zip-bommen).",
        ),
        "zip_mixed": (
            "F019",
            "Het ZIP-bestand bevat bestanden voor meer dan één gemeente ({municipalities}); "
            "lever per gemeente apart aan.",
        ),
        "zip_empty": ("F020", "Het ZIP-bestand bevat geen {types}."),
        "zip_method": (
            "F021",
            "Het ZIP-bestand gebruikt een compressiemethode die niet wordt ondersteund; "
            "gebruik de standaard ZIP-compressie (deflate).",
        ),
        "zip_periods": (
            "F022",
            "Het ZIP-bestand bevat een combinatie van verslagperiodes die niet is toegestaan "
            "({periods}): één periode, of een tweede halfjaar met een herlevering van het eerste "
            "halfjaar van hetzelfde jaar.",
        ),
        "zip_duplicate": ("F023", "Het ZIP-bestand bevat twee bestanden met dezelfde naam."),
        "empty": ("F030", "Het bestand bevat geen records."),
        "encoding": (
            "F031",
            "Het bestand is niet in UTF-8 gecodeerd; de eerste ongeldige tekens staan op regel {line}. "
            "Sla het bestand op als UTF-8.",
        ),
        "header": ("F032", "De kopregel is niet correct: {detail}."),
        "field_count": (
            "F033",
            "De regel heeft niet precies {columns} velden, gescheiden door '{delimiter}'.",
        ),
        "unclosed_quote": (
            "F036",
            "Een aanhalingsteken wordt niet gesloten; de regel telt als record met een fout en "
            "de regels erna zijn gewoon gelezen.",
        ),
        "threshold": (
            "F040",
            "{percent} van de records bevat een fout; dat is meer dan de grens van {threshold}.",
        ),
        "internal": (
            "F099",
            "Het bestand kon door een interne fout niet worden gecontroleerd. "
            "Probeer het later opnieuw of neem contact op met de servicedesk.",
        ),
    }
)

# The phrases of the header finding (F032), most telling first; {found} is never a value that
# looks like data (a header that is really a record is said to be one, not echoed).
HEADER_PROBLEMS = _frozen(
    {
        "cr_only": "de regels eindigen op alleen een CR-teken (carriage return) in plaats van "
        "CRLF of LF; voor deze controle zijn de regels op CR gesplitst",
        "sep_line": "regel {line} is `{text}`, een aanwijzing voor Excel die niet in het bestand "
        "hoort; de kopregel op regel {next} is gebruikt",
        "blank_line": "regel {line} is leeg; de kopregel op regel {next} is gebruikt",
        "separator": "de kolommen zijn gescheiden door {found} in plaats van door '{delimiter}'",
        "invisible": "kolom {position} (`{expected}`) bevat een onzichtbaar teken: {char}",
        "renamed": "kolom {position} heet `{found}`, verwacht `{expected}`",
        "renamed_hidden": "kolom {position} heet niet `{expected}`",
        "more_renamed": "en nog {more} met een andere naam",
        "count": "de kopregel heeft {found} in plaats van {expected}",
        "missing": "ontbrekend: {names}",
        "unknown": "onbekend: {names}",
        "record": "de kopregel ontbreekt: regel {line} is een record en is als record gelezen",
        "expected": "verwacht worden de {count} kolomnamen {names}, in deze volgorde, "
        "gescheiden door '{delimiter}'",
    }
)
ALTERNATIVE_DELIMITERS = _frozen({",": "komma's (,)", "\t": "tabs", "|": "verticale strepen (|)"})

SPEC_WMO_V1 = register(
    ProtocolSpec(
        version="wmo-v1",
        title="Aanleverprotocol Wmo v1",
        text_extensions=(".csv", ".txt"),
        archive_extension=".zip",
        max_upload_bytes=2_621_440,
        zip=ZipLimits(
            max_entries=10,
            max_total_uncompressed=50 * 1024 * 1024,
            max_ratio=100.0,
            entry_extensions=(".csv", ".txt"),
            archive_extensions=(
                ".zip",
                ".7z",
                ".rar",
                ".gz",
                ".tgz",
                ".tar",
                ".bz2",
                ".xz",
                ".zst",
                ".jar",
                ".cab",
                ".arj",
                ".lz",
            ),
        ),
        filename_pattern=(
            r"WMO_(?P<municipality>[0-9]{4})_(?P<year>[0-9]{4})H(?P<half>[12])_(?P<created>[0-9]{8})\.(?:csv|txt)"
        ),
        filename_example="WMO_0363_2026H1_20260815.csv",
        delimiter=";",
        quote_char='"',
        columns=COLUMNS,
        rules=RULES,
        file_checks=FILE_CHECKS,
        header_problems=HEADER_PROBLEMS,
        alternative_delimiters=ALTERNATIVE_DELIMITERS,
        figures=FigureColumns(
            client="BSN",
            category="Type_maatwerkarrangement",
            financing="Leveringsvorm",
            start=("Datum_start_ondersteuning", "Beoogde_startdatum"),
            end="Einddatum_ondersteuning",
            reason="Reden_beeindiging",
        ),
        categories=PRODUCT_CATEGORIES,
        main_groups=MAIN_GROUPS,
        reasons=END_REASONS,
        financing_forms=FINANCING_FORMS,
    )
)
