"""The Aanleveren tab's state: sending one file, then following its check until the report is there."""

from __future__ import annotations

import asyncio
import time

import reflex as rx

from cbs_monitor.services import deliveries, delivery_views, retrieval
from cbs_monitor.services.delivery_views import ReceiptView, SentView
from cbs_monitor.ui.portal_state import show_frame
from cbs_monitor.ui.service_call import run
from cbs_monitor.ui.session_guard import session_key, take_upload_key

UPLOAD_ID = "wmo-bestand"
RULES = delivery_views.upload_rules()
REJECTION_MESSAGES = {
    "file-too-large": (
        f"Het bestand is groter dan {RULES.max_text}. Verklein het bestand of lever het als .zip aan."
    ),
    "file-invalid-type": (
        "Dit bestandstype wordt niet geaccepteerd. Lever een .zip, .csv of .txt bestand aan."
    ),
    "too-many-files": "Selecteer één bestand per keer (één bestand per gemeente).",
}
# How often the page asks where a received file stands, and for how long it keeps asking.
POLL_SECONDS = (0.3, 0.5, 1.0, 2.0)
FOLLOW_SECONDS = 15 * 60
STILL_WAITING = (
    "Het Technisch rapport is nog niet klaar. Het verschijnt in het tabblad Ophalen zodra het er "
    "is; u krijgt er ook een e-mail over."
)


class DeliverState(rx.State):
    window_open: bool = False
    window_text: str = ""
    terms_accepted: bool = False
    sending: bool = False
    progress: int = 0
    error: str = ""
    # The ontvangstbevestiging of the last file sent in this visit, where its check stands
    # (wachtrij, controle, klaar, fout) and, once there, its technical report.
    receipt: ReceiptView | None = None
    stage: str = ""
    stage_text: str = ""
    following: int = 0  # the delivery whose report this tab is waiting for
    sent: SentView | None = None

    @rx.event
    async def load(self):
        self.error = ""
        self.terms_accepted = False  # the terms are accepted for each file anew
        outcome = await run(
            self,
            lambda db, context: deliveries.deliver_page(
                db, context.actor, context.require_municipality()
            ),
            page_load=True,
        )
        await show_frame(self, outcome)
        if outcome.value is not None:
            self.window_open = outcome.value.window_open
            self.window_text = outcome.value.window_text
        else:
            self.error = outcome.error
        return outcome.event

    @rx.event
    def set_terms(self, checked: bool):
        self.terms_accepted = bool(checked)

    @rx.event
    def files_rejected(self, codes: list[str]):
        """The browser refused the selection (type or size); nothing was sent, only the reason codes."""
        codes = [c for c in codes or [] if isinstance(c, str)]
        for code in ("too-many-files", "file-too-large", "file-invalid-type"):
            if code in codes:
                self.error = REJECTION_MESSAGES[code]
                return
        self.error = "Dit bestand kan niet worden aangeleverd. Controleer type, grootte en naam."

    @rx.event
    def upload_progress(self, progress: dict):
        try:
            fraction = float((progress or {}).get("progress") or 0)
        except (TypeError, ValueError, AttributeError):
            return
        self.progress = max(0, min(100, round(100 * fraction)))

    @rx.event
    async def send(self, files: list[rx.UploadFile]):
        self.error = ""
        self.sent = None
        self.receipt = None
        self.following = 0
        self.stage = self.stage_text = ""
        if len(files) != 1:
            self.error = "Selecteer één bestand."
            return
        upload, accepted = files[0], self.terms_accepted
        # The upload request's own session, checked by UploadIdentity; it must be this tab's.
        key = take_upload_key(self.router.session.client_token)
        if key is None or key != session_key(self):
            self.error = "Uw sessie is verlopen of gewijzigd. Log opnieuw in en verstuur het bestand opnieuw."
            return
        self.sending = True
        yield
        try:
            outcome = await run(
                self,
                lambda db, context: deliveries.deliver(
                    db,
                    context.actor,
                    context.require_municipality(),
                    upload.name or "",
                    upload.file.read,
                    terms_accepted=accepted,
                ),
                key=key,
            )
        finally:
            self.sending = False
            self.progress = 0
        if outcome.value is not None:
            self.terms_accepted = False
            self.sent = outcome.value.refused
            self.receipt = outcome.value.receipt
            if self.receipt is not None:
                self.following = self.receipt.delivery_id
                self.stage = "wachtrij"
                self.stage_text = "Het bestand is ontvangen en wordt gecontroleerd…"
        else:
            self.error = outcome.error
        if outcome.event is not None:
            yield outcome.event
        yield rx.clear_selected_files(UPLOAD_ID)
        if self.following:
            yield DeliverState.follow(self.following)

    @rx.event(background=True)
    async def follow(self, delivery_id: int):
        """Ask where the received file stands until its report is there; one call per round."""
        deadline = time.monotonic() + FOLLOW_SECONDS
        for round_number in range(100_000):
            await asyncio.sleep(POLL_SECONDS[min(round_number, len(POLL_SECONDS) - 1)])
            async with self:
                if self.following != delivery_id:
                    return  # another file was sent, or the page was left and came back
                key = session_key(self)
            outcome = await run(
                self,
                lambda db, context: deliveries.delivery_progress(db, context.actor, delivery_id),
                key=key,
            )
            async with self:
                if self.following != delivery_id:
                    return
                view = outcome.value
                if view is None:
                    self.following = 0
                    self.error = outcome.error
                    return
                self.stage, self.stage_text, self.sent = view.stage, view.text, view.report
                if view.stage in ("klaar", "fout"):
                    self.following = 0
                    return
                if time.monotonic() > deadline:
                    self.following = 0
                    self.stage_text = STILL_WAITING
                    return

    @rx.event
    async def download_report(self, municipality_code: str, report_id: int):
        """The Technisch rapport of the file just sent, through a single-use link (for the
        municipality it was recorded for, which a coordinator's file name may have chosen)."""
        outcome = await run(
            self,
            lambda db, context: retrieval.report_download(
                db, context.actor, municipality_code, report_id
            ),
        )
        if outcome.value is None:
            self.error = outcome.error
            return outcome.event
        return rx.download(url=outcome.value)
