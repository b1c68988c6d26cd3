"""The portal's colours, in one place: the Reflex pages, the login pages, the .xlsx reports, the
mails and the stylesheet (assets/palette.css is written from here) all take them from this module."""

from __future__ import annotations

PRIMARY = "#154273"  # Rijkshuisstijl-like dark blue
PRIMARY_DARK = "#0f3358"
PRIMARY_DARKEST = "#0b2440"
PRIMARY_LIGHT = "#e8eef6"
ON_PRIMARY_MUTED = "#d0dbea"  # secondary text on the dark blue header
ACCENT_GREEN = "#39870c"  # the seed's green download arrow
DANGER = "#d52b1e"
DANGER_LIGHT = "#fdf0ef"
WARNING = "#b35c00"
BORDER = "#d5dbe3"
BORDER_STRONG = "#8a96a3"
BACKGROUND = "#f3f5f8"
TEXT = "#1f2a37"
TEXT_MUTED = "#52606d"
TEXT_REPLACED = "#6b7785"
FOCUS = "#ffb612"
# Charts: the current period in PRIMARY, earlier periods in lighter blues.
CHART_SECONDARY = "#7aa0cc"
CHART_PREVIOUS = "#8fa6c4"
CHART_YEAR_EARLIER = "#c8d3e2"

# The CSS custom properties of assets/palette.css, named --cbs-<name>.
CSS_VARIABLES = {
    name.lower().replace("_", "-"): value
    for name, value in sorted(globals().items())
    if name.isupper() and isinstance(value, str) and value.startswith("#")
}


def css() -> str:
    """The text of assets/palette.css (a test keeps the file equal to it)."""
    lines = [f"  --cbs-{name}: {value};" for name, value in CSS_VARIABLES.items()]
    return (
        "/* Written from cbs_monitor/palette.py by `python -m cbs_monitor.palette`; do not edit. */\n"
        ":root {\n" + "\n".join(lines) + "\n}\n"
    )


def hex_for_xlsx(color: str) -> str:
    """openpyxl wants RRGGBB without the hash."""
    return color.lstrip("#").upper()


if __name__ == "__main__":
    from pathlib import Path

    (Path(__file__).resolve().parent.parent / "assets" / "palette.css").write_text(css())
