"""What a use case raises when it says no: a Dutch message the page, the API and the CLI show as is."""

from __future__ import annotations


class Refused(Exception):
    """The use case refused: bad input, a closed window, a rule. The message is Dutch and safe to
    show (it never holds a BSN or a stack trace)."""


class NotPermitted(Refused):
    """The actor may not do this for this municipality (or at all)."""

    def __init__(self, message: str = "U heeft geen toegang tot deze gegevens.") -> None:
        super().__init__(message)


class SignedOut(Exception):
    """No live session behind the request: the caller sends the user to the login page."""
