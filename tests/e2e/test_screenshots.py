"""A screenshot of every page, as each kind of user sees it, kept in test-artifacts/pages/ to be
looked at: a page that works but looks broken is broken. Wide (1366) and narrow (1024) widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_tabs import accept_terms, open_period, sample_file, select_file

pytestmark = pytest.mark.e2e
# (name, who, route, an element that shows once the page's data is there)
PAGES = [
    ("login", None, "/login", "#ga-verder"),
    ("home", "anna.devries", "/", "#header-user"),
    ("aanleveren", "anna.devries", "/cbs-monitor/aanleveren", "#venster"),
    ("ophalen", "anna.devries", "/cbs-monitor/ophalen", "#rapporten"),
    ("intrekken", "anna.devries", "/cbs-monitor/intrekken", "#intrekken-tabel"),
    ("intrekken-delegerend", "hanna.kok", "/cbs-monitor/intrekken", "#delegerend"),
    (
        "berichtenlog",
        "anna.devries",
        "/cbs-monitor/berichtenlog",
        "#aantal-berichten, #geen-berichten",
    ),
    ("coordinator-aanleveren", "eva.mulder", "/cbs-monitor/aanleveren", "#venster"),
    ("cbs-overzicht", "frank.deboer", "/cbs", "#overzicht tbody tr"),
    ("cbs-gemeente", "frank.deboer", "/cbs/gemeente/0363", "#aanleveringen tbody tr"),
    ("beheer", "gerda.smit", "/beheer", "#gebruikers-tabel tbody tr"),
    ("geen-toegang", "anna.devries", "/beheer", "#geen-toegang"),
    ("voorwaarden", "anna.devries", "/algemene-voorwaarden", "h1"),
]


@pytest.mark.parametrize("width", [1366, 1024])
@pytest.mark.parametrize("name,who,route,loaded", PAGES, ids=[p[0] for p in PAGES])
def test_page_screenshot(page, login_as, name, who, route, loaded, width):
    page.set_viewport_size({"width": width, "height": 900})
    if who:
        login_as(page, who)
    page.goto(route)
    expect(page.locator(loaded).first).to_be_visible()
    (ARTIFACTS / "pages").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "pages" / f"{name}-{width}.png"), full_page=True)


def test_technical_report_screenshot(page, login_as, e2e_db, tmp_path):
    """The Aanleveren tab right after sending a file with errors."""
    login_as(page, "anna.devries")
    page.goto("/cbs-monitor/aanleveren")
    path = sample_file(tmp_path, "0363", open_period(e2e_db), error_rate=0.2, seed=5, records=200)
    select_file(page, path)
    accept_terms(page)
    page.get_by_role("button", name="Verstuur bestand").click()
    expect(page.locator("#technisch-rapport")).to_be_visible(timeout=30_000)
    (ARTIFACTS / "pages").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "pages" / "aanleveren-rapport-1366.png"), full_page=True)
