"""The bare app's one state: a count and an increment event (`bench/rush_browse.py` names the
event from this class, as the compiled page does)."""

import reflex as rx


class CounterState(rx.State):
    count: int = 0

    @rx.event
    def increment(self):
        self.count += 1
