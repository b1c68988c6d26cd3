"""Login in the real prod server: eHerkenning (the built-in OIDC provider) for each demo identity,
first login with a verification code, blocking after five wrong codes, logout, an expired
session, and the servicedesk issuing a code on /beheer."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

GRONINGEN = "00000001001589623000"


def follow_link(page: Page, name: str, href: str) -> None:
    """Follow a link of the portal frame in this tab (see test_ga_verder_stays_in_this_tab)."""
    link = page.get_by_role("link", name=name)
    expect(link).to_have_attribute("href", href)
    page.goto(href)


def eherkenning_login(page: Page, employee_id: str) -> None:
    """The seed's way in: Ga verder → the provider's page → pick the identity."""
    page.goto("/login")
    follow_link(page, "Ga verder", "/auth/login")
    expect(page.get_by_role("heading", name="Kies een testidentiteit")).to_be_visible()
    page.locator(f"button[data-employee-id='{employee_id}']").click()


def test_ga_verder_stays_in_this_tab(page):
    page.goto("/login")
    page.get_by_role("link", name="Ga verder").click()
    expect(page.get_by_role("heading", name="Kies een testidentiteit")).to_be_visible(timeout=5000)


def _path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url).split("?")[0].rstrip("/") or "/"


@pytest.mark.parametrize(
    "employee_id, landing, who",
    [
        ("anna.devries", "/", "Anna de Vries"),
        ("eva.mulder", "/", "Eva Mulder"),
        ("frank.deboer", "/cbs", "Frank de Boer"),
        ("gerda.smit", "/beheer", "Gerda Smit"),
    ],
)
def test_each_demo_identity_lands_on_its_page(page, employee_id, landing, who):
    eherkenning_login(page, employee_id)
    page.wait_for_url(lambda url: _path_of(url) == landing)
    if landing != "/cbs":  # the CBS desk is another page's business; landing there is what counts
        expect(page.locator("#header-user")).to_have_text(who)
    if landing == "/beheer":
        expect(page.get_by_role("heading", name="Beheer", level=1)).to_be_visible()
        expect(page.locator("#gebruikers-tabel")).to_contain_text("Daan Visser")


def test_provider_page_is_marked_as_test_environment(page):
    page.goto("/login")
    follow_link(page, "Ga verder", "/auth/login")
    expect(page.locator("#testomgeving")).to_contain_text("TESTOMGEVING")
    table = page.get_by_role("table", name="Testidentiteiten")
    expect(table).to_contain_text("Gemeente Amsterdam")
    expect(table).to_contain_text("coördinator samenwerkingsverband")
    screenshot(page, "idp-kies-testidentiteit")


def test_first_login_with_the_verification_code(page, e2e_db):
    from cbs_monitor.services.accounts import DEMO_VERIFICATION_CODE, codes

    with e2e_db.session() as s:
        code = codes.issue_demo_code(s)
    assert code == DEMO_VERIFICATION_CODE
    eherkenning_login(page, "daan.visser")
    page.wait_for_url("**/verificatiecode")
    expect(page.get_by_role("heading", name="Verificatiecode")).to_be_visible()
    page.get_by_label("Verificatiecode").fill("WRON-GCOD")
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.locator("#foutmelding")).to_contain_text("nog 4 pogingen")
    screenshot(page, "verificatiecode-onjuist")
    page.get_by_label("Verificatiecode").fill("demo-2026")
    page.get_by_role("button", name="Bevestigen").click()
    page.wait_for_url(lambda url: _path_of(url) == "/")
    expect(page.locator("#header-user")).to_have_text("Daan Visser")
    expect(page.locator("#header-organisation")).to_have_text("Gemeente Groningen")


def _new_user_with_code(e2e_db, employee_id: str) -> str:
    from cbs_monitor.models import Organisation, User
    from cbs_monitor.services.accounts import administration
    from cbs_monitor.services.permissions import load_actor

    with e2e_db.session() as s:
        org = s.exec(select(Organisation).where(Organisation.identifier == GRONINGEN)).one()
        desk = load_actor(s, s.exec(select(User).where(User.employee_id == "gerda.smit")).one().id)
        user = administration.add_user(
            s,
            desk,
            organisation_id=org.id,
            name=f"Test {employee_id}",
            email=f"{employee_id}@groningen.example",
            employee_id=employee_id,
            roles=["gebruiker"],
        )
        return administration.issue_code(s, desk, user.id)


def test_five_wrong_codes_block_and_the_servicedesk_sees_it(page, e2e_db, login_as):
    _new_user_with_code(e2e_db, "blok.test")
    eherkenning_login(page, "blok.test")
    page.wait_for_url("**/verificatiecode")
    for left in (4, 3, 2, 1):
        page.get_by_label("Verificatiecode").fill("ZZZZ-ZZZZ")
        page.get_by_role("button", name="Bevestigen").click()
        expect(page.locator("#foutmelding")).to_contain_text(f"nog {left} poging")
    page.get_by_label("Verificatiecode").fill("ZZZZ-ZZZZ")
    page.get_by_role("button", name="Bevestigen").click()
    alert = page.locator("#foutmelding")
    expect(alert).to_contain_text("geblokkeerd")
    expect(alert).to_contain_text("servicedesk@inlichtingenbureau.nl of 0800 222 11 22")
    expect(page.get_by_role("button", name="Bevestigen")).to_have_count(0)
    screenshot(page, "verificatiecode-geblokkeerd")
    # The servicedesk sees the blocked user.
    page.context.clear_cookies()
    login_as(page, "gerda.smit")
    page.goto("/beheer")
    page.get_by_role("tab", name=re.compile("Geblokkeerd")).click()
    expect(page.locator("#geblokkeerd-tabel")).to_contain_text("blok.test")


@pytest.mark.smoke
def test_servicedesk_adds_a_user_and_issues_a_code_that_works(page, browser, base_url):
    eherkenning_login(page, "gerda.smit")
    page.wait_for_url(lambda url: _path_of(url) == "/beheer")
    page.get_by_label("Organisatie", exact=True).select_option(label="Gemeente Utrecht (Gemeente)")
    page.locator("#beheer-user-name").fill("Joost Nieuw")
    page.get_by_label("E-mailadres").fill("joost@utrecht.example")
    page.get_by_label("Medewerkernummer (eHerkenning)").fill("joost.nieuw")
    page.locator("#nieuw-rol-0").check()
    page.get_by_role("button", name="Gebruiker toevoegen").click()
    expect(page.locator("#beheer-melding")).to_contain_text("Joost Nieuw is toegevoegd")
    page.locator("[id='code-joost.nieuw']").click()
    code = page.locator("#uitgegeven-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    screenshot(page, "beheer-code-uitgegeven")
    page.get_by_role("button", name="Verbergen").click()
    expect(page.locator("#uitgegeven-code")).to_have_count(0)
    # The new user logs in for the first time with that code, in another browser.
    other = browser.new_context(base_url=base_url, locale="nl-NL")
    try:
        newcomer = other.new_page()
        eherkenning_login(newcomer, "joost.nieuw")
        newcomer.wait_for_url("**/verificatiecode")
        newcomer.get_by_label("Verificatiecode").fill(code)
        newcomer.get_by_role("button", name="Bevestigen").click()
        newcomer.wait_for_url(lambda url: _path_of(url) == "/")
        expect(newcomer.locator("#header-organisation")).to_have_text("Gemeente Utrecht")
    finally:
        other.close()


@pytest.mark.smoke
def test_logout_ends_the_session(page, e2e_db):
    from cbs_monitor.services import sessions

    eherkenning_login(page, "carla.bakker")
    page.wait_for_url(lambda url: _path_of(url) == "/")
    expect(page.locator("#header-user")).to_have_text("Carla Bakker")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == sessions.COOKIE_NAME)
    page.get_by_role("button", name="Uitloggen").click()  # a form POST with its CSRF token
    page.wait_for_url("**/login**")
    assert not any(c["name"] == sessions.COOKIE_NAME for c in page.context.cookies())
    with e2e_db.session() as s:
        assert sessions.resolve_session(s, token, touch=False) is None
    # The old cookie, put back, opens nothing.
    page.context.add_cookies([{"name": sessions.COOKIE_NAME, "value": token, "url": page.url}])
    page.goto("/cbs-monitor/aanleveren")
    page.wait_for_url("**/login**")


def test_expired_session_sends_the_user_to_login(page, e2e_db):
    from cbs_monitor.models import UserSession
    from cbs_monitor.services import sessions

    eherkenning_login(page, "hanna.kok")
    page.wait_for_url(lambda url: _path_of(url) == "/")
    expect(page.locator("#header-user")).to_have_text("Hanna Kok")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == sessions.COOKIE_NAME)
    with e2e_db.session() as s:
        row = s.exec(
            select(UserSession).where(UserSession.token_hash == sessions.key_of(token))
        ).one()
        row.last_seen_at = row.last_seen_at - dt.timedelta(minutes=16)
        row.created_at = row.created_at - dt.timedelta(minutes=16)
        s.add(row)
    # The next event of the open page finds no live session: back to the login page.
    page.get_by_role("navigation", name="Rechtermenu").get_by_role(
        "link", name="CBS Monitor"
    ).click()
    page.wait_for_url("**/login**")
    expect(page.get_by_role("link", name="Ga verder")).to_be_visible()


def test_non_servicedesk_cannot_open_beheer(page, login_as):
    login_as(page, "anna.devries")
    page.goto("/beheer")
    page.wait_for_url(lambda url: _path_of(url).rstrip("/") == "/geen-toegang")
    page.context.clear_cookies()
    page.goto("/beheer")
    page.wait_for_url("**/login**")
