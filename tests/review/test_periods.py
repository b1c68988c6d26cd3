"""Creating a reporting period and changing its windows, with Dutch validation messages."""

from __future__ import annotations

import datetime as dt

import pytest

from cbs_monitor.models import ReportingPeriod
from cbs_monitor.services import periods
from cbs_monitor.services.review import common
from cbs_monitor.services.review import periods as review_periods
from tests.review.conftest import actor

WINDOWS = {
    "delivery_opens_on": "2027-07-15",
    "delivery_closes_on": "2027-08-31",
    "withdrawal_opens_on": "2027-09-10",
    "withdrawal_closes_on": "2027-09-21",
}


def test_create_then_change_windows(world):
    with world.session() as s:
        cbs = actor(s, "frank.deboer")
        period = review_periods.create_period(
            s, cbs, " 2027h1 ", publication_date="2027-10-15", **WINDOWS
        )
        assert period.code == "2027H1" and period.start_date == dt.date(2027, 1, 1)
        assert period.delivery_closes_on == dt.date(
            2027, 8, 31
        ) and period.publication_date == dt.date(2027, 10, 15)
    with world.session() as s:
        cbs = actor(s, "frank.deboer")
        changed = review_periods.update_period(
            s, cbs, "2027H1", **{**WINDOWS, "delivery_closes_on": "2027-09-03"}, publication_date=""
        )
        assert (
            changed.delivery_closes_on == dt.date(2027, 9, 3) and changed.publication_date is None
        )
    with world.session() as s:
        # The scheduler reads the windows from the database: the change is there.
        stored = s.get(ReportingPeriod, "2027H1")
        assert stored.delivery_closes_on == dt.date(2027, 9, 3)
        assert "2027H1" in [p.code for p in periods.all_periods(s)]


@pytest.mark.parametrize(
    ("code", "values", "message"),
    [
        ("2026H1", WINDOWS, "bestaat al"),
        ("2027X1", WINDOWS, "geen geldige verslagperiode"),
        ("2027H1", {**WINDOWS, "delivery_opens_on": ""}, "Vul de openingsdatum aanleverperiode in"),
        (
            "2027H1",
            {**WINDOWS, "withdrawal_closes_on": "31-02-2027"},
            "sluitingsdatum intrekperiode is geen geldige",
        ),
        (
            "2027H1",
            {**WINDOWS, "delivery_closes_on": "2027-07-01"},
            "aanleverperiode sluit voordat hij opent",
        ),
        (
            "2027H1",
            {**WINDOWS, "withdrawal_opens_on": "2027-08-01"},
            "intrekperiode moet beginnen na",
        ),
    ],
)
def test_create_refuses_in_dutch(world, code, values, message):
    with world.session() as s, pytest.raises(common.ReviewRefused, match=message):
        review_periods.create_period(s, actor(s, "frank.deboer"), code, **values)


def test_update_needs_an_existing_period_and_a_sensible_publication(world):
    with world.session() as s:
        cbs = actor(s, "frank.deboer")
        with pytest.raises(common.ReviewRefused, match="bestaat niet"):
            review_periods.update_period(s, cbs, "2030H2", **WINDOWS)
        review_periods.create_period(s, cbs, "2027H1", **WINDOWS)
        with pytest.raises(common.ReviewRefused, match="publicatiedatum"):
            review_periods.update_period(s, cbs, "2027H1", publication_date="2027-09-01", **WINDOWS)
