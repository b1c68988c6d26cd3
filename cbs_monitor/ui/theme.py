"""Shared styles of the Reflex pages; the colours come from cbs_monitor/palette.py."""

from cbs_monitor.palette import (  # noqa: F401  (the names the pages use)
    ACCENT_GREEN,
    BACKGROUND,
    BORDER,
    CHART_PREVIOUS,
    CHART_SECONDARY,
    CHART_YEAR_EARLIER,
    DANGER,
    DANGER_LIGHT,
    ON_PRIMARY_MUTED,
    PRIMARY,
    PRIMARY_LIGHT,
    TEXT_MUTED,
    WARNING,
)

card = {
    "background": "white",
    "border": f"1px solid {BORDER}",
    "border_radius": "6px",
    "padding": "1.25rem",
    "width": "100%",
}

# The palette first: styles.css uses its custom properties.
stylesheets = ["/palette.css", "/styles.css"]
