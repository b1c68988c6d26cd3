"""What a clerk sees (issue 13): dates as dd-mm-jjjj in any browser language, a form that empties
after it did its work, and a read-only selection that reads as words."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_dates_are_dd_mm_jjjj_in_an_english_browser(browser, base_url, login_as):
    context = browser.new_context(
        base_url=base_url, locale="en-US", viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        login_as(page, "anna.devries")
        page.goto("/cbs-monitor/berichtenlog")
        start = page.get_by_label("Startdatum")
        expect(start).to_have_value(re.compile(r"^\d{2}-\d{2}-\d{4}$"))
        start.fill("2026-01-05")  # what a calendar sends
        expect(start).to_have_value("05-01-2026")
    finally:
        context.close()


def test_the_add_user_form_is_empty_after_adding(page, login_as):
    login_as(page, "gerda.smit")
    page.goto("/beheer")
    expect(page.locator("#gebruikers-tabel tbody tr").first).to_be_visible()
    page.locator("#beheer-organisatie").select_option(label="Gemeente Amsterdam (Gemeente)")
    page.locator("#beheer-user-name").fill("Iris Formulier")
    page.locator("#beheer-email").fill("iris.formulier@amsterdam.example")
    page.locator("#beheer-employee_id").fill("iris.formulier")
    page.locator("#nieuw-rol-0").check()
    page.get_by_role("button", name="Gebruiker toevoegen").click()
    expect(page.locator("#beheer-melding")).to_contain_text("Iris Formulier")
    expect(page.locator("#beheer-user-name")).to_have_value("")
    expect(page.locator("#beheer-email")).to_have_value("")
    expect(page.locator("#nieuw-rol-0")).not_to_be_checked()
    # A refused form keeps what was typed.
    page.locator("#beheer-user-name").fill("Zonder Organisatie")
    page.get_by_role("button", name="Gebruiker toevoegen").click()
    expect(page.locator("#beheer-fout")).to_contain_text("organisatie")
    expect(page.locator("#beheer-user-name")).to_have_value("Zonder Organisatie")
