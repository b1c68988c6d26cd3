"""Page /cbs/gemeente/[code]: state, sections and the page, one module each."""

from cbs_monitor.ui.pages.cbs_municipality.page import register

__all__ = ["register"]
