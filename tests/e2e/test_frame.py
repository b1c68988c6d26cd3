"""The portal frame in the real prod server: header, right-hand menu and the four tabs."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def test_login_page_has_ga_verder(page):
    page.goto("/login")
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
    expect(page.get_by_role("link", name="Ga verder")).to_be_visible()


def test_without_session_portal_sends_to_login(page):
    page.goto("/cbs-monitor/aanleveren")
    page.wait_for_url("**/login**")


def test_frame_menu_and_tabs(page, login_as):
    login_as(page, "anna.devries")
    page.goto("/")
    expect(page.locator("#header-user")).to_have_text("Anna de Vries")
    expect(page.locator("#header-organisation")).to_have_text("Gemeente Amsterdam")
    menu = page.get_by_role("navigation", name="Rechtermenu")
    menu.get_by_role("link", name="CBS Monitor").click()
    page.wait_for_url("**/cbs-monitor/aanleveren**")
    tabs = page.get_by_role("navigation", name="Tabbladen CBS Monitor")
    for label in ("Aanleveren", "Ophalen", "Intrekken aanlevering", "Berichtenlog"):
        expect(tabs.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(page.locator("#gemeente-huidig")).to_contain_text("Amsterdam")
    screenshot(page, "frame-aanleveren")
    tabs.get_by_role("link", name="Berichtenlog", exact=True).click()
    page.wait_for_url("**/cbs-monitor/berichtenlog**")
    expect(page.get_by_role("heading", name="Berichtenlog", level=2)).to_be_visible()
