"""The four tabs of the seed card, as a municipal user clicks them (labels exactly as on the card)."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlmodel import select

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def open_period(e2e_db) -> str:
    from cbs_monitor.services import periods

    with e2e_db.session() as s:
        return periods.open_delivery_periods(s)[0].code


def sample_file(
    tmp_path, code: str, period: str, *, error_rate: float = 0.0, seed: int = 1, records: int = 300
):
    from cbs_monitor import clock
    from cbs_monitor.protocol.sample import generate_sample

    name, data = generate_sample(
        code, period, records=records, seed=seed, created=clock.today(), error_rate=error_rate
    )
    path = tmp_path / name
    path.write_bytes(data)
    return path


def via_menu_to_tab(page, tab: str) -> None:
    """Card: 'Selecteer CBS Monitor (rechtermenu)', then 'Klik tabblad ...'."""
    page.goto("/")
    page.get_by_role("navigation", name="Rechtermenu").get_by_role(
        "link", name="CBS Monitor"
    ).click()
    page.wait_for_url("**/cbs-monitor/aanleveren**")
    page.get_by_role("navigation", name="Tabbladen CBS Monitor").get_by_role(
        "link", name=tab, exact=True
    ).click()
    expect(page.get_by_role("heading", name=tab, level=2)).to_be_visible()


def select_file(page, path) -> None:
    expect(page.locator("#venster")).to_contain_text("is open")  # the tab has loaded its window
    with page.expect_file_chooser() as chooser:
        page.get_by_text("Selecteer bestand", exact=True).click()
    chooser.value.set_files(str(path))


def accept_terms(page) -> None:
    """Card: 'Vink het vak Algemene voorwaarden aan' (the tick round-trips to the server)."""
    box = page.get_by_label("Algemene voorwaarden")
    box.click()
    expect(box).to_be_checked()


def xlsx_cells(download) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    return [list(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


@pytest.mark.smoke
def test_aanleveren_valid_file_then_ophalen_both_reports(page, login_as, e2e_db, tmp_path):
    login_as(page, "anna.devries")
    path = sample_file(tmp_path, "0363", open_period(e2e_db))
    via_menu_to_tab(page, "Aanleveren")
    select_file(page, path)
    expect(page.locator("#geselecteerd-bestand")).to_contain_text(path.name)
    accept_terms(page)
    page.get_by_role("button", name="Verstuur bestand").click()
    result = page.get_by_role("region", name="Technisch rapport")
    expect(result.get_by_text("Goedgekeurd", exact=True)).to_be_visible(timeout=30_000)
    expect(result).to_contain_text("Records gelezen")
    expect(result).to_contain_text("300")
    screenshot(page, "tab-aanleveren-goedgekeurd")

    page.get_by_role("navigation", name="Tabbladen CBS Monitor").get_by_role(
        "link", name="Ophalen"
    ).click()
    row = page.locator("#rapporten tbody tr", has_text=path.name).first
    expect(row).to_be_visible()
    screenshot(page, "tab-ophalen")
    with page.expect_download() as technical:
        row.get_by_role("button", name=re.compile("Download Technisch rapport")).click()
    cells = [str(c) for r in xlsx_cells(technical.value) for c in r if c is not None]
    assert path.name in cells and "Goedgekeurd" in cells
    assert technical.value.suggested_filename.endswith(".xlsx")
    with page.expect_download() as readiness:
        row.get_by_role("button", name=re.compile("Download Op orde rapport")).click()
    text = " ".join(str(c) for r in xlsx_cells(readiness.value) for c in r if c is not None)
    assert "Hulp bij het huishouden" in text
    # No BSN anywhere in either report.
    from cbs_monitor.protocol.sample import elfproef_ok

    for value in re.findall(r"\b\d{9}\b", " ".join(cells) + " " + text):
        assert not elfproef_ok(value)


def test_aanleveren_invalid_file_shows_findings(page, login_as, e2e_db, tmp_path):
    login_as(page, "carla.bakker")
    path = sample_file(tmp_path, "0344", open_period(e2e_db), error_rate=0.3, seed=7)
    page.goto("/cbs-monitor/aanleveren")
    select_file(page, path)
    accept_terms(page)
    page.get_by_role("button", name="Verstuur bestand").click()
    result = page.get_by_role("region", name="Technisch rapport")
    expect(result.get_by_text("Afgekeurd", exact=True)).to_be_visible(timeout=30_000)
    findings = page.locator("#meldingen tbody tr")
    expect(findings.first).to_be_visible()
    assert findings.count() >= 2
    expect(page.locator("#meldingen")).to_contain_text("Regel")
    screenshot(page, "tab-aanleveren-afgekeurd")


def test_browser_refuses_too_big_and_wrong_type_and_warns_of_a_wrong_name(page, login_as, tmp_path):
    login_as(page, "anna.devries")
    page.goto("/cbs-monitor/aanleveren")
    big = tmp_path / "WMO_0363_2026H1_20260815.csv"
    big.write_bytes(b"x" * 2_700_000)
    select_file(page, big)
    expect(page.get_by_role("alert")).to_contain_text("groter dan 2,5 MB")
    expect(page.get_by_role("button", name="Verstuur bestand")).to_be_disabled()

    pdf = tmp_path / "rapport.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    select_file(page, pdf)
    expect(page.get_by_role("alert")).to_contain_text("bestandstype")

    # A wrong name is a file-level error of the technical report (protocol §5): the page warns,
    # and sending gives the full report, content errors included.
    badname = tmp_path / "wmo-amsterdam.csv"
    badname.write_bytes(b"a;b\n")
    select_file(page, badname)
    expect(page.locator("#naam-fout")).to_contain_text("bestandsnaam")
    accept_terms(page)
    page.get_by_role("button", name="Verstuur bestand").click()
    expect(page.get_by_role("region", name="Ontvangstbevestiging")).to_contain_text(badname.name)
    result = page.get_by_role("region", name="Technisch rapport")
    expect(result.get_by_text("Afgekeurd", exact=True)).to_be_visible(timeout=30_000)
    expect(page.locator("#meldingen")).to_contain_text("bestandsnaam")
    screenshot(page, "tab-aanleveren-verkeerde-naam")


def test_upload_with_keyboard_only(page, login_as, e2e_db, tmp_path):
    login_as(page, "bram.jansen")
    path = sample_file(tmp_path, "0363", open_period(e2e_db), seed=3, records=50)
    page.goto("/cbs-monitor/aanleveren")
    expect(page.locator("#venster")).to_contain_text("is open")
    dropzone = page.locator(".file-drop")
    for _ in range(40):  # Tab until the file selector has focus
        page.keyboard.press("Tab")
        if dropzone.evaluate("el => el.contains(document.activeElement)"):
            break
    else:
        pytest.fail("the file selector cannot be reached with Tab")
    for attempt in range(
        2
    ):  # under load the first key press can land before the dropzone is interactive
        try:
            with page.expect_file_chooser(timeout=8_000) as chooser:
                page.keyboard.press("Enter")
            break
        except Exception:
            if attempt:
                raise
    chooser.value.set_files(str(path))
    checkbox = page.get_by_label("Algemene voorwaarden")
    for _ in range(10):
        page.keyboard.press("Tab")
        if checkbox.evaluate("el => el === document.activeElement"):
            break
    page.keyboard.press("Space")
    expect(checkbox).to_be_checked()
    send = page.get_by_role("button", name="Verstuur bestand")
    for _ in range(10):
        page.keyboard.press("Tab")
        if send.evaluate("el => el === document.activeElement"):
            break
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("region", name="Technisch rapport").get_by_text("Goedgekeurd", exact=True)
    ).to_be_visible(timeout=30_000)


@pytest.mark.smoke
def test_intrekken_choice_saved_and_shown_on_next_visit(page, login_as):
    login_as(page, "anna.devries")
    via_menu_to_tab(page, "Intrekken aanlevering")
    expect(page.locator("#intrekvenster")).to_contain_text("intrekken van")
    radio = page.get_by_role("radio", name="Aanlevering intrekken: Wijk- en buurtniveau")
    radio.click()
    expect(radio).to_be_checked()
    expect(page.get_by_text("Uw keuze is opgeslagen.")).to_be_visible()
    screenshot(page, "tab-intrekken")
    page.reload()
    expect(
        page.get_by_role("radio", name="Aanlevering intrekken: Wijk- en buurtniveau")
    ).to_be_checked()
    expect(page.get_by_role("radio", name="Publiceren: Wijk- en buurtniveau")).not_to_be_checked()
    expect(page.get_by_role("radio", name="Publiceren: Wmo per productcategorie")).to_be_checked()
    # ... and the Berichtenlog tells what happened.
    page.get_by_role("navigation", name="Tabbladen CBS Monitor").get_by_role(
        "link", name="Berichtenlog"
    ).click()
    page.get_by_role("button", name="Tonen").click()
    expect(page.locator("#berichten")).to_contain_text("Wijk- en buurtniveau: ingetrokken")


def test_delegating_municipality_sees_notice_and_cbs_form(page, login_as):
    login_as(page, "hanna.kok")
    page.goto("/cbs-monitor/intrekken")
    expect(page.locator("#delegerend")).to_contain_text("delegerende gemeenten")
    expect(
        page.get_by_role("link", name="Naar het formulier op de website van CBS")
    ).to_be_visible()
    # The selection CBS registered is shown read-only, in words, with its period.
    expect(page.get_by_role("radio")).to_have_count(0)
    expect(page.locator("#intrekken-tabel caption")).to_contain_text("verslagperiode")
    expect(page.locator("#intrekken-tabel")).to_contain_text("Wordt gepubliceerd")
    screenshot(page, "tab-intrekken-delegerend")


def test_berichtenlog_range_show_and_download(page, login_as, e2e_db):
    from cbs_monitor import clock
    from cbs_monitor.services import messages

    with e2e_db.session() as s:
        for i in range(30):
            messages.log_message(s, "0363", "notificatie_verstuurd", f"Testbericht {i:02d}")
    login_as(page, "anna.devries")
    via_menu_to_tab(page, "Berichtenlog")
    today = clock.today()
    # Dates are typed as dd-mm-jjjj, whatever the browser's language.
    page.get_by_label("Startdatum").fill(f"{today - dt.timedelta(days=7):%d-%m-%Y}")
    page.get_by_label("Einddatum").fill(f"{today:%d-%m-%Y}")
    page.get_by_role("button", name="Tonen").click()
    expect(page.locator("#berichten")).to_contain_text("Testbericht")
    total = int(page.locator("#aantal-berichten").inner_text().split()[0])
    assert total >= 30
    expect(page.locator("#berichten tbody tr")).to_have_count(25)
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_text(re.compile(r"Pagina 2 van"))).to_be_visible()
    screenshot(page, "tab-berichtenlog")
    with page.expect_download() as overview:
        page.get_by_role("button", name="Download overzicht").click()
    rows = xlsx_cells(overview.value)
    texts = [
        r[3]
        for r in rows
        if r and len(r) > 3 and isinstance(r[3], str) and r[3].startswith("Testbericht")
    ]
    assert len(texts) == 30
    # An end date before the start date is refused with a Dutch message, nothing lost.
    page.get_by_label("Einddatum").fill(f"{today - dt.timedelta(days=10):%d-%m-%Y}")
    page.get_by_role("button", name="Tonen").click()
    expect(page.get_by_role("alert")).to_contain_text("einddatum ligt voor de startdatum")


@pytest.mark.smoke
def test_coordinator_switches_municipality_and_sees_only_its_data(page, login_as, e2e_db, tmp_path):
    from cbs_monitor.services import messages

    with e2e_db.session() as s:
        messages.log_message(s, "0233", "notificatie_verstuurd", "Alleen voor Ermelo")
        messages.log_message(s, "0302", "notificatie_verstuurd", "Alleen voor Nunspeet")
    login_as(page, "eva.mulder")
    page.goto("/cbs-monitor/berichtenlog")
    switcher = page.get_by_label("Gemeente")
    switcher.select_option("0233")
    expect(page.get_by_label("Gemeente")).to_have_value("0233")
    page.get_by_role("button", name="Tonen").click()
    expect(page.locator("#berichten")).to_contain_text("Alleen voor Ermelo")
    expect(page.locator("#berichten")).not_to_contain_text("Alleen voor Nunspeet")
    page.reload()  # the choice survives a reload
    expect(page.get_by_label("Gemeente")).to_have_value("0233")
    page.get_by_label("Gemeente").select_option("0302")
    expect(page.get_by_label("Gemeente")).to_have_value("0302")
    page.get_by_role("button", name="Tonen").click()
    expect(page.locator("#berichten")).to_contain_text("Alleen voor Nunspeet")
    expect(page.locator("#berichten")).not_to_contain_text("Alleen voor Ermelo")
    # Deliver for Nunspeet; Ophalen of Ermelo does not show it.
    path = sample_file(tmp_path, "0302", open_period(e2e_db), seed=11, records=40)
    page.goto("/cbs-monitor/aanleveren")
    select_file(page, path)
    accept_terms(page)
    page.get_by_role("button", name="Verstuur bestand").click()
    expect(
        page.get_by_role("region", name="Technisch rapport").get_by_text("Goedgekeurd", exact=True)
    ).to_be_visible(timeout=30_000)
    page.goto("/cbs-monitor/ophalen")
    expect(page.locator("#rapporten")).to_contain_text(path.name)
    page.get_by_label("Gemeente").select_option("0233")
    expect(page.get_by_label("Gemeente")).to_have_value("0233")
    expect(page.get_by_text(path.name)).to_have_count(0)
    # With Ermelo chosen, a Nunspeet file is delivered for Nunspeet: the file name decides
    # (protocol §1), and the page says so.
    page.goto("/cbs-monitor/aanleveren")
    select_file(page, path)
    accept_terms(page)
    page.get_by_role("button", name="Verstuur bestand").click()
    expect(
        page.get_by_role("region", name="Technisch rapport").get_by_text("Goedgekeurd", exact=True)
    ).to_be_visible(timeout=30_000)
    expect(page.locator("#andere-gemeente")).to_contain_text("Nunspeet (0302)")
    from cbs_monitor.models import Delivery

    with e2e_db.session() as s:
        stored = s.exec(select(Delivery).where(Delivery.filename == path.name)).all()
        assert [d.municipality_code for d in stored] == ["0302", "0302"]


def test_ophalen_shows_op_orde_report_on_screen_with_comparison(page, login_as):
    """The demo history has approved deliveries for two earlier periods: the later one compares."""
    login_as(page, "carla.bakker")
    via_menu_to_tab(page, "Ophalen")
    view = page.get_by_role("button", name=re.compile("Bekijk Op orde rapport van WMO_0344_")).first
    view.click()
    panel = page.get_by_role("region", name="Op orde rapport")
    expect(panel).to_contain_text("niet bestemd voor publicatie")
    expect(panel).to_contain_text("Unieke cliënten")
    expect(panel.locator(".recharts-surface").first).to_be_visible()
    expect(page.locator("#op-orde-vergelijking tbody tr").first).to_be_visible()
    screenshot(page, "tab-ophalen-op-orde")
