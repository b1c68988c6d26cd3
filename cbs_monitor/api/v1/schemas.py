"""The JSON shapes of /api/v1 as pydantic models: they validate what goes out and make the
OpenAPI document."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Problem(BaseModel):
    """Every error: a Dutch text that says what went wrong and what to do."""

    detail: str = Field(examples=["U mag geen bestanden aanleveren voor gemeente 0599."])


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = Field(examples=["Bearer"])
    expires_in: int = Field(description="Seconden dat het token geldig is.")
    scope: str = Field(examples=["aanleveren rapporten"])


class TokenError(BaseModel):
    """RFC 6749 §5.2: the standard `error` code, with a Dutch `detail`."""

    error: str = Field(examples=["invalid_client"])
    detail: str


class Period(BaseModel):
    code: str = Field(examples=["2026H1"])
    start_date: dt.date
    end_date: dt.date
    delivery_opens_on: dt.date
    delivery_closes_on: dt.date
    delivery_window_open: bool
    withdrawal_opens_on: dt.date
    withdrawal_closes_on: dt.date


class Receipt(BaseModel):
    """The ontvangstbevestiging: the file is stored; the technical report follows."""

    id: int
    municipality_code: str
    period_code: str
    filename: str
    received_at: dt.datetime
    size: int
    sha256: str
    status: str = Field(examples=["ontvangen"])
    replayed: bool = Field(
        description="True: dit is de eerdere aanlevering onder dezelfde Idempotency-Key."
    )
    status_url: str


class RefusedFinding(BaseModel):
    code: str
    severity: str
    message: str
    count: int


class RefusedUpload(BaseModel):
    """422: `detail` always; `status` Geweigerd, `filename` and `findings` when the file was
    refused (not stored; the refusal is in the Berichtenlog), not when the request was invalid."""

    detail: str
    status: str | None = Field(default=None, examples=["Geweigerd"])
    filename: str | None = None
    findings: list[RefusedFinding] = []


class Finding(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str
    severity: str
    level: str
    message: str
    count: int
    lines: list[int]
    column: str | None = None
    file: str | None = None


class TechnicalReport(BaseModel):
    """The technisch rapport: the same JSON as `cbs-monitor validate --json`. Never a BSN."""

    model_config = ConfigDict(extra="allow")
    filename: str
    size: int
    sha256: str
    status: str = Field(examples=["Goedgekeurd"])
    municipality_code: str | None = None
    period_code: str | None = None
    period_codes: list[str]
    name_valid: bool
    records_read: int
    records_valid: int
    records_with_errors: int
    records_out_of_period: int
    error_threshold_percent: float
    findings: list[Finding]
    files: list[dict[str, Any]]
    figures_by_period: dict[str, Any]
    spec_version: str
    refused: bool


class DeliveryStatus(BaseModel):
    id: int
    municipality_code: str
    period_code: str
    filename: str
    received_at: dt.datetime
    size: int
    sha256: str
    delivered_by: str = Field(description="De organisatie die aanleverde.")
    status: str = Field(examples=["goedgekeurd"])
    stage: str = Field(description="wachtrij, controle, klaar of fout.")
    stage_text: str
    replaced: bool
    technical_report: TechnicalReport | None
    readiness_report_available: bool
    technical_report_xlsx_url: str
    readiness_report_xlsx_url: str
