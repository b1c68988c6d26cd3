"""Finds every page: each module under ui/pages and ui/tabs may define register(app)."""

from __future__ import annotations

import importlib
import pkgutil

import reflex as rx

from cbs_monitor.ui import pages, tabs


def register_all(app: rx.App) -> None:
    for package in (pages, tabs):
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            register = getattr(module, "register", None)
            if callable(register):
                register(app)
