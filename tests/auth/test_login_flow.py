"""The login round trip through the real routes and the built-in provider, in-process."""

from __future__ import annotations

from cbs_monitor import routes


def test_linked_user_lands_home_with_session(client):
    response = client.login("anna.devries")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == routes.HOME
    assert client.session_cookie
