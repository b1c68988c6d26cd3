"""Colours and shared styles of the portal (Rijkshuisstijl-like dark blue, calm greys)."""

PRIMARY = "#154273"
PRIMARY_LIGHT = "#e8eef6"
ACCENT_GREEN = "#39870c"
DANGER = "#d52b1e"
WARNING = "#b35c00"
BORDER = "#d5dbe3"
BACKGROUND = "#f3f5f8"
TEXT_MUTED = "#52606d"

card = {
    "background": "white",
    "border": f"1px solid {BORDER}",
    "border_radius": "6px",
    "padding": "1.25rem",
    "width": "100%",
}

stylesheet = "/styles.css"
