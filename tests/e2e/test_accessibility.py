"""axe-core in the page on every tab and page: no serious or critical violations."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e
AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# (route, level-2 heading to wait for, who is logged in)
PAGES = [
    ("/cbs-monitor/aanleveren", "Aanleveren", "anna.devries"),
    ("/cbs-monitor/ophalen", "Ophalen", "anna.devries"),
    ("/cbs-monitor/intrekken", "Intrekken aanlevering", "anna.devries"),
    ("/cbs-monitor/intrekken", "Intrekken aanlevering", "hanna.kok"),
    ("/cbs-monitor/berichtenlog", "Berichtenlog", "anna.devries"),
    ("/", None, "anna.devries"),
    ("/algemene-voorwaarden", None, "anna.devries"),
    ("/login", None, None),
    ("/cbs", None, "frank.deboer"),
    ("/cbs/gemeente/0363", None, "frank.deboer"),
    ("/beheer", None, "gerda.smit"),
]


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("route,heading,who", PAGES)
def test_no_serious_violations(page, login_as, route, heading, who):
    assert AXE.exists(), "run `make test-deps` (npm ci in tests/e2e/axe)"
    if who:
        login_as(page, who)
    page.goto(route)
    if heading:
        expect(page.get_by_role("heading", name=heading, level=2)).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)  # let the on_load data render
    assert serious_violations(page) == []
