"""axe-core in the page on every tab: no serious or critical violations."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e
AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TABS = [
    ("/cbs-monitor/aanleveren", "Aanleveren"),
    ("/cbs-monitor/ophalen", "Ophalen"),
    ("/cbs-monitor/intrekken", "Intrekken aanlevering"),
    ("/cbs-monitor/berichtenlog", "Berichtenlog"),
    ("/", None),
    ("/login", None),
]


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("route,heading", TABS)
def test_no_serious_violations(page, login_as, route, heading):
    assert AXE.exists(), "run `make test-deps` (npm ci in tests/e2e/axe)"
    if route != "/login":
        login_as(page, "anna.devries")
    page.goto(route)
    if heading:
        expect(page.get_by_role("heading", name=heading, level=2)).to_be_visible()
    else:
        page.wait_for_load_state("networkidle")
    assert serious_violations(page) == []
