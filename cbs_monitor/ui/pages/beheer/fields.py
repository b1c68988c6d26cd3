"""Form fields of /beheer: labelled inputs, selects and the role boxes."""

from __future__ import annotations

import reflex as rx

from cbs_monitor.ui import theme
from cbs_monitor.ui.pages.beheer.state import ROLES

_FIELD_STYLE = {
    "padding": "0.4rem 0.5rem",
    "border": f"1px solid {theme.BORDER}",
    "border_radius": "4px",
    "min_width": "14rem",
}


def field(label: str, name: str, **props) -> rx.Component:
    field_id = f"beheer-{props.pop('id_suffix', '')}{name}"
    return rx.vstack(
        rx.el.label(label, html_for=field_id, font_weight="600", font_size="0.9rem"),
        rx.el.input(id=field_id, name=name, style=_FIELD_STYLE, **props),
        spacing="1",
    )


def select(
    label: str, name: str, options: rx.Var | list, field_id: str, placeholder: str
) -> rx.Component:
    items = (
        [rx.el.option(text, value=value) for value, text in options]
        if isinstance(options, list)
        else [rx.foreach(options, lambda o: rx.el.option(o.label, value=o.id))]
    )
    return rx.vstack(
        rx.el.label(label, html_for=field_id, font_weight="600", font_size="0.9rem"),
        rx.el.select(
            rx.el.option(placeholder, value=""), *items, id=field_id, name=name, style=_FIELD_STYLE
        ),
        spacing="1",
    )


def role_checkboxes(prefix: str, chosen: rx.Var | None = None, on_toggle=None) -> rx.Component:
    """Role boxes: named form controls (new user), or controlled by the state (role editor)."""

    def box(i: int, role: str) -> rx.Component:
        if chosen is None:
            return rx.el.input(type="checkbox", name=f"role_{i}", id=f"{prefix}-rol-{i}")
        return rx.el.input(
            type="checkbox",
            checked=chosen.contains(role),
            on_change=lambda _value: on_toggle(role),
            id=f"{prefix}-rol-{i}",
        )

    return rx.el.fieldset(
        rx.el.legend("Rollen", font_weight="600", font_size="0.9rem"),
        rx.hstack(
            *[
                rx.el.label(
                    box(i, role),
                    " " + role,
                    html_for=f"{prefix}-rol-{i}",
                    style={"display": "inline-flex", "gap": "0.35rem", "align_items": "center"},
                )
                for i, role in enumerate(ROLES)
            ],
            wrap="wrap",
            spacing="4",
        ),
        style={"border": "none", "padding": "0", "margin": "0"},
    )
