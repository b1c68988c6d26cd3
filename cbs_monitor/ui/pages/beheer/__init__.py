"""Page /beheer: state, form fields, tabs and the page, one module each."""

from cbs_monitor.ui.pages.beheer.page import register

__all__ = ["register"]
