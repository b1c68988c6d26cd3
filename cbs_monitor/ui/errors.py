"""What a user sees when an event fails unexpectedly: a Dutch message, never a stack trace."""

import logging

import reflex as rx

from cbs_monitor.ui.service_call import GENERIC_ERROR

log = logging.getLogger("cbs_monitor.ui")


# No `from __future__ import annotations` here: Reflex checks this signature's real types.
def backend_exception_handler(exception: Exception):
    """Log the details for the servicedesk; show the user a calm Dutch message."""
    log.error("unhandled error in an event handler", exc_info=exception)
    return rx.toast.error(GENERIC_ERROR, id="backend_error", position="top-center")
