"""axe-core in the page on every tab and page: no serious or critical violations."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e
AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# (route, an element that only shows once the page's on_load data is there, who is logged in)
PAGES = [
    ("/cbs-monitor/aanleveren", "#venster", "anna.devries"),
    ("/cbs-monitor/ophalen", "#rapporten", "anna.devries"),
    ("/cbs-monitor/intrekken", "#intrekken-tabel", "anna.devries"),
    ("/cbs-monitor/intrekken", "#delegerend", "hanna.kok"),
    ("/cbs-monitor/berichtenlog", "#aantal-berichten, #geen-berichten", "anna.devries"),
    ("/", "#header-user", "anna.devries"),
    ("/algemene-voorwaarden", "h1", "anna.devries"),
    ("/login", "#ga-verder", None),
    ("/cbs", "#overzicht tbody tr", "frank.deboer"),
    ("/cbs/gemeente/0363", "#aanleveringen tbody tr", "frank.deboer"),
    ("/beheer", "#gebruikers-tabel tbody tr", "gerda.smit"),
]


def serious_violations(page) -> list[str]:
    # Evaluated through the DevTools protocol: a <script> tag with axe's source would be inline
    # script, which the portal's CSP (rightly) refuses.
    page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("route,loaded,who", PAGES)
def test_no_serious_violations(page, login_as, route, loaded, who):
    assert AXE.exists(), "run `make test-deps` (npm ci in tests/e2e/axe)"
    if who:
        login_as(page, who)
    page.goto(route)
    expect(page.locator(loaded).first).to_be_visible()
    assert serious_violations(page) == []


@pytest.mark.parametrize("route,loaded,who", PAGES)
def test_accessible_names_contain_the_visible_label(page, login_as, route, loaded, who):
    """WCAG 2.5.3 (label in name): a control with visible text is named starting with that text,
    so a speech user who says what they see reaches it."""
    if who:
        login_as(page, who)
    page.goto(route)
    expect(page.locator(loaded).first).to_be_visible()
    mismatches = page.evaluate(
        """() => [...document.querySelectorAll('button[aria-label], a[aria-label]')]
            .map(el => [el.innerText.trim(), el.getAttribute('aria-label')])
            .filter(([text, label]) => text && !label.toLowerCase().startsWith(text.toLowerCase()))"""
    )
    assert mismatches == []
