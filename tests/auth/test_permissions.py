"""permissions.can: one table of who may do what for which municipality (demo data)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from cbs_monitor.models import User
from cbs_monitor.services import permissions
from cbs_monitor.services.errors import NotPermitted
from cbs_monitor.services.permissions import Action

V, D, W, R, A = Action.view, Action.deliver, Action.withdraw, Action.review, Action.administer
ALL = (V, D, W, R, A)

# (employee id, municipality code or None, actions allowed); every other action is refused.
TABLE = [
    ("anna.devries", "0363", {V, D, W}),  # Amsterdam, own municipality
    ("anna.devries", "0344", set()),  # Utrecht: another municipality
    ("anna.devries", None, set()),
    ("carla.bakker", "0344", {V, D, W}),
    ("carla.bakker", "0363", set()),
    (
        "hanna.kok",
        "0243",
        {V, D},
    ),  # Harderwijk delegated to the cooperative: no withdrawal via the portal
    ("eva.mulder", "0243", {V, D}),  # coordinator for a delegating municipality: never withdraws
    ("eva.mulder", "0233", {V, D}),
    ("eva.mulder", "0302", {V, D}),
    ("eva.mulder", "0363", set()),  # outside its delegations
    ("eva.mulder", None, set()),
    ("frank.deboer", None, {R}),
    ("frank.deboer", "0363", {R}),  # CBS reviews every municipality, but delivers for none
    ("gerda.smit", None, {A}),
    ("gerda.smit", "0363", {A}),  # the servicedesk administers, and sees no municipal data
]


@pytest.mark.parametrize("employee_id, code, allowed", TABLE)
def test_can(dbs, employee_id, code, allowed):
    user = dbs.exec(select(User).where(User.employee_id == employee_id)).one()
    actor = permissions.load_actor(dbs, user.id)
    for action in ALL:
        expected = action in allowed
        assert permissions.can(actor, action, code, db=dbs) is expected, (employee_id, code, action)


@pytest.mark.parametrize("action", ALL)
@pytest.mark.parametrize("code", ["0363", None])
def test_nobody_may_do_anything(dbs, action, code):
    assert permissions.can(None, action, code, db=dbs) is False
    with pytest.raises(NotPermitted):
        permissions.require(None, action, code, db=dbs)


def test_rights_come_from_the_account_not_from_the_identity_link(dbs):
    # daan.visser is not linked yet: the login is what he lacks, not the rights.
    user = dbs.exec(select(User).where(User.employee_id == "daan.visser")).one()
    actor = permissions.load_actor(dbs, user.id)
    assert permissions.can(actor, V, "0014", db=dbs)
