"""The CBS reviewer's desk in the real prod server: overview, a municipality, release, form withdrawal, access."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from tests.e2e.conftest import ARTIFACTS, screenshot

pytestmark = pytest.mark.e2e


def _user_id(s, employee_id: str) -> int:
    from cbs_monitor.models import User

    return s.exec(select(User).where(User.employee_id == employee_id)).one().id


@pytest.fixture(scope="module")
def held_report(e2e_db):
    """Amsterdam delivered a file whose op-orde report waits for CBS and is past its deadline.

    The server releases automatically, so the held state is arranged here in the test process, which
    validates and records the file with readiness_release=review (same database and file storage)."""
    import os

    from cbs_monitor import clock
    from cbs_monitor.models import ReportKind
    from cbs_monitor.protocol import ValidationContext, validate_upload
    from cbs_monitor.protocol.sample import generate_sample
    from cbs_monitor.services import deliveries, periods, readiness_reports
    from cbs_monitor.services.permissions import load_actor
    from cbs_monitor.settings import reset_settings

    os.environ["CBS_MONITOR_READINESS_RELEASE"] = "review"
    reset_settings()
    try:
        with e2e_db.session() as s:
            period = periods.open_delivery_periods(s)[0].code
            name, data = generate_sample("0363", period, records=150, seed=11)
            result = validate_upload(
                name, data, context=ValidationContext(upload_date=clock.today())
            )
            anna = load_actor(s, _user_id(s, "anna.devries"))
            outcome = deliveries.record(s, anna, "0363", name, data, result)
            report = readiness_reports.report_of(s, outcome.delivery_id, ReportKind.readiness)
            report.due_at = clock.now() - dt.timedelta(days=3)  # overdue
            s.add(report)
            return {"report_id": report.id, "filename": name, "period": period}
    finally:
        os.environ.pop("CBS_MONITOR_READINESS_RELEASE", None)
        reset_settings()


@pytest.mark.smoke
def test_reviewer_filters_overdue_and_releases_a_held_report(
    page, login_as, e2e_db, held_report, browser, base_url
):
    from cbs_monitor.models import OutboxMail, Report, ReportStatus

    login_as(page, "frank.deboer")
    page.goto("/cbs")
    table = page.locator("#overzicht")
    expect(table.locator("tbody tr")).to_have_count(50)  # one page of the 342 municipalities
    expect(page.locator("#aantal-gemeenten")).to_contain_text("van 342 gemeenten")
    expect(page.locator("#grafiek .recharts-wrapper")).to_be_visible()
    screenshot(page, "cbs-overzicht")
    page.screenshot(path=str(ARTIFACTS / "cbs-overzicht-boven.png"))  # what a reviewer sees first

    page.locator("#filter-te-laat").click()
    expect(page.locator("#filter-te-laat")).to_have_attribute("aria-pressed", "true")
    expect(table.locator("tbody tr")).to_have_count(1)
    row = table.locator("tbody tr").first
    expect(row).to_contain_text("Amsterdam")
    expect(row).to_contain_text("te laat")
    expect(row).to_contain_text("wacht op vrijgave")
    screenshot(page, "cbs-overzicht-te-laat")
    with page.expect_download() as download:
        page.locator("#exporteer").click()
    assert re.fullmatch(r"CBS_overzicht_\d{4}H[12]_\d{8}\.xlsx", download.value.suggested_filename)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes()))["Overzicht"]
    assert [c.value for c in sheet[sheet.max_row]][:2] == [
        "0363",
        "Amsterdam",
    ]  # the filter travels along

    row.get_by_role("link", name="Amsterdam").click()
    page.wait_for_url("**/cbs/gemeente/0363**")
    expect(page.locator("#gemeente-naam")).to_contain_text("Amsterdam (0363)")
    expect(page.locator("#aanleveringen")).to_contain_text(held_report["filename"])
    screenshot(page, "cbs-gemeente-amsterdam")
    page.screenshot(path=str(ARTIFACTS / "cbs-gemeente-amsterdam-boven.png"))

    page.get_by_role(
        "button", name=f"Vrijgeven: Op orde rapport van {held_report['filename']}"
    ).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Op orde rapport vrijgeven")
    dialog.get_by_role("button", name="Bevestigen").click()
    expect(dialog).to_contain_text("Geef een reden op")  # the reason is required
    dialog.get_by_label("Reden").fill(
        "Cijfers nagekeken: de daling komt door een nieuwe aanbieder."
    )
    dialog.get_by_role("button", name="Bevestigen").click()
    expect(dialog).to_be_hidden()
    expect(
        page.get_by_role("button", name=f"Vrijgeven: Op orde rapport van {held_report['filename']}")
    ).to_have_count(0)
    expect(page.locator("#cbs-berichten")).to_contain_text("Besluit CBS")
    screenshot(page, "cbs-gemeente-vrijgegeven")

    with e2e_db.session() as s:
        report = s.get(Report, held_report["report_id"])
        assert report.status == ReportStatus.ready and report.released_at is not None
        assert report.released_by_user_id == _user_id(s, "frank.deboer")
        mails = s.exec(select(OutboxMail).where(OutboxMail.municipality_code == "0363")).all()
        to_anna = [m for m in mails if "anna.devries@amsterdam.example" in m.recipient]
        assert any(m.key.startswith("cbs-decision/release/") for m in to_anna)
        assert any(m.key.startswith("readiness-report/") for m in to_anna)

    # The municipality now finds the report in Ophalen and can download it.
    context = browser.new_context(base_url=base_url, accept_downloads=True, locale="nl-NL")
    anna_page = context.new_page()
    try:
        login_as(anna_page, "anna.devries")
        anna_page.goto("/cbs-monitor/ophalen")
        row = anna_page.locator("#rapporten tbody tr", has_text=held_report["filename"]).first
        expect(row).to_contain_text("gereed")
        with anna_page.expect_download() as download:
            row.get_by_role(
                "button", name=f"Download Op orde rapport van {held_report['filename']}"
            ).click()
        assert download.value.suggested_filename.endswith(".xlsx")
    finally:
        context.close()


def test_reviewer_registers_a_form_withdrawal_for_a_delegating_municipality(page, login_as, e2e_db):
    from cbs_monitor.models import WithdrawalPart
    from cbs_monitor.services import periods, withdrawals

    with e2e_db.session() as s:
        period = periods.open_withdrawal_periods(s)[0].code
    login_as(page, "frank.deboer")
    page.goto("/cbs/gemeente/0243")
    expect(page.locator("#gemeente-naam")).to_contain_text("Harderwijk (0243)")
    expect(page.locator("#delegerend")).to_contain_text("Samenwerkingsverband Noord-Veluwe")
    page.locator("#intrek-periode").select_option(period)
    choice = page.get_by_label("Aanlevering intrekken: Wijk- en buurtniveau")
    choice.click()  # the choice round-trips to the server before the radio shows it
    expect(choice).to_be_checked()
    page.locator("#formulier-registreren").click()
    expect(page.locator("#formulier-registreren").locator("xpath=..")).to_contain_text(
        "Geef een reden op"
    )
    page.locator("#formulier-reden").fill("Formulier ontvangen per e-mail, kenmerk CBS-2026-017.")
    page.locator("#formulier-registreren").click()
    history = page.locator("#intrek-geschiedenis")
    expect(history).to_contain_text("Wijk- en buurtniveau")
    expect(history).to_contain_text("formulier CBS")
    expect(history).to_contain_text("kenmerk CBS-2026-017")
    screenshot(page, "cbs-gemeente-harderwijk-intrekking")

    with e2e_db.session() as s:
        assert withdrawals.selection(s, "0243", period)[WithdrawalPart.neighbourhood] is True


def test_form_withdrawal_reaches_the_municipality(page, login_as, e2e_db):
    """Harderwijk (hanna.kok) reads CBS's decision in its Berichtenlog and got the mail."""
    from cbs_monitor.models import OutboxMail

    with e2e_db.session() as s:
        mails = s.exec(select(OutboxMail).where(OutboxMail.municipality_code == "0243")).all()
        assert any(
            "hanna.kok" in m.recipient and m.key.startswith("cbs-decision/form-withdrawal/")
            for m in mails
        )
    login_as(page, "hanna.kok")
    page.goto("/cbs-monitor/berichtenlog")
    expect(page.locator("#berichten")).to_contain_text("intrekkingsformulier")
    page.goto("/cbs-monitor/intrekken")
    expect(page.locator("#delegerend")).to_be_visible()


def test_form_withdrawal_shows_in_the_intrekken_tab(page, login_as):
    login_as(page, "hanna.kok")
    page.goto("/cbs-monitor/intrekken")
    expect(page.locator("#delegerend")).to_be_visible()
    table = page.locator("#intrekken-tabel")
    expect(table.locator("caption")).to_contain_text("Wat CBS heeft geregistreerd")
    row = table.get_by_role("row", name=re.compile("Wijk- en buurtniveau"))
    expect(row).to_contain_text("Ingetrokken")
    expect(page.get_by_role("radio")).to_have_count(0)  # read-only: words, not greyed radios


@pytest.mark.parametrize("employee_id", ["anna.devries", "eva.mulder"])
def test_others_are_sent_away_from_the_desk(page, login_as, employee_id):
    login_as(page, employee_id)
    page.goto("/cbs")
    page.wait_for_url(re.compile(r"/geen-toegang/?(\?.*)?$"))
    expect(page.get_by_role("heading", name="Geen toegang")).to_be_visible()
    expect(page.locator("#overzicht")).to_have_count(0)
    page.goto("/cbs/gemeente/0363")
    page.wait_for_url(re.compile(r"/geen-toegang/?(\?.*)?$"))
    expect(page.locator("#aanleveringen")).to_have_count(0)


def test_reviewer_manages_periods(page, login_as, e2e_db):
    from cbs_monitor.models import ReportingPeriod

    login_as(page, "frank.deboer")
    page.goto("/cbs")
    page.locator("#tab-perioden").click()
    expect(page.locator("#perioden tbody tr")).to_have_count(3)
    page.locator("#periode-code").fill("2030H1")
    page.locator("#aanlever-open").fill("2030-07-15")
    page.locator("#aanlever-sluit").fill("2030-07-01")
    page.locator("#intrek-open").fill("2030-09-10")
    page.locator("#intrek-sluit").fill("2030-09-21")
    page.locator("#periode-opslaan").click()
    expect(page.get_by_role("alert")).to_contain_text("De aanleverperiode sluit voordat hij opent.")
    page.locator("#aanlever-sluit").fill("2030-08-31")
    page.locator("#periode-opslaan").click()
    expect(page.locator("#periode-opgeslagen")).to_contain_text("2030H1 is opgeslagen")
    expect(page.locator("#perioden tbody tr")).to_have_count(4)
    screenshot(page, "cbs-perioden")
    with e2e_db.session() as s:
        assert s.get(ReportingPeriod, "2030H1").delivery_closes_on == dt.date(2030, 8, 31)
