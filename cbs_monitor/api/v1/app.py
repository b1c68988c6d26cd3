"""The supplier API under /api/v1 (FastAPI, for validation and the OpenAPI 3.1 document): each
endpoint authenticates the bearer token and calls one service function."""

from __future__ import annotations

import dataclasses
import logging
import urllib.parse
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from authlib.oauth2.rfc6749.util import extract_basic_authorization
from fastapi import Depends, FastAPI, File, Form, Header, Path, Request, Security, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import OAuth2
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from cbs_monitor import db
from cbs_monitor.api.v1 import docs, oauth, schemas
from cbs_monitor.api.v1.limits import LIMITER, BodyLimit, retry_after
from cbs_monitor.models import ReportKind
from cbs_monitor.protocol.table_schema import table_schema
from cbs_monitor.services import supplier_api
from cbs_monitor.services.api_clients import SCOPE_DELIVER, SCOPE_READ, SCOPES, ApiCaller
from cbs_monitor.services.errors import NotPermitted, Refused
from cbs_monitor.settings import get_settings

log = logging.getLogger("cbs_monitor.api")
PREFIX = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GENERIC_ERROR = "Er ging iets mis aan onze kant. Probeer het later opnieuw."
T = TypeVar("T")


class ApiError(Exception):
    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


def _problem(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": schemas.Problem} for code in codes}


# --- who is calling -------------------------------------------------------------------------


# Only describes the scheme in the OpenAPI document; authlib checks the token (`_authenticated`).
CLIENT_CREDENTIALS = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(
            tokenUrl=PREFIX + "/token", scopes=dict(SCOPES)
        )
    ),
    scheme_name="clientCredentials",
    description="OAuth 2.0 client credentials: HTTP Basic met client_id en client_secret.",
    auto_error=False,
)


def _authenticated(request: Request) -> ApiCaller:
    """The bearer token's caller, counted against its client's rate limit."""
    with db.session() as session:
        try:
            caller = oauth.authenticate(session, request.headers)
        except oauth.BearerRefused as refused:
            raise ApiError(refused.status, oauth.dutch(refused.error), refused.headers) from None
    wait = LIMITER.hit("client:" + caller.client_id, get_settings().api_rate_per_minute)
    if wait:
        raise ApiError(
            429,
            "Te veel verzoeken van deze client. Wacht even en probeer het dan opnieuw.",
            {"Retry-After": retry_after(wait)},
        )
    return caller


# The Security parameters only describe each operation's scope in the OpenAPI document; the
# service functions check the scope of the token itself.
def _any_caller(
    request: Request, _: Annotated[str | None, Security(CLIENT_CREDENTIALS)] = None
) -> ApiCaller:
    return _authenticated(request)


def _delivering_caller(
    request: Request,
    _: Annotated[str | None, Security(CLIENT_CREDENTIALS, scopes=[SCOPE_DELIVER])] = None,
) -> ApiCaller:
    return _authenticated(request)


def _reading_caller(
    request: Request,
    _: Annotated[str | None, Security(CLIENT_CREDENTIALS, scopes=[SCOPE_READ])] = None,
) -> ApiCaller:
    return _authenticated(request)


Caller = Annotated[ApiCaller, Depends(_any_caller)]
DeliveringCaller = Annotated[ApiCaller, Depends(_delivering_caller)]
ReadingCaller = Annotated[ApiCaller, Depends(_reading_caller)]
# Bounded: an id past the database's integer range is a 422, not a driver error.
DeliveryId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _run(use_case: Callable[[Session], T], *, not_permitted: int = 403) -> T:
    """One use case in one transaction; its refusals as the right status with Dutch detail."""
    try:
        with db.session() as session:
            return use_case(session)
    except supplier_api.ScopeMissing as refused:
        raise ApiError(403, str(refused)) from None
    except NotPermitted as refused:
        raise ApiError(not_permitted, str(refused)) from None
    except supplier_api.TooLarge as refused:
        raise ApiError(413, str(refused)) from None
    except supplier_api.NotReady as refused:
        raise ApiError(404, str(refused)) from None
    except Refused as refused:
        raise ApiError(422, str(refused)) from None


# --- the app ----------------------------------------------------------------------------------

DESCRIPTION = """\
Aanleveren door de software van een leverancier, namens gemeenten die de leverancier daarvoor
toestemming gaven (tab Koppelingen in het portaal). Dezelfde regels als in het portaal: naam,
type, grootte (2,5 MB), ZIP-regels, aanleverperiode; dezelfde rapporten en Berichtenlog.

1. `POST /api/v1/token` met HTTP Basic (client_id, client_secret) en
   `grant_type=client_credentials` geeft een kortlevend bearer-token.
2. `POST /api/v1/deliveries` (multipart, veld `file`) geeft `202` met de ontvangstbevestiging.
3. `GET /api/v1/deliveries/{id}` tot `stage` = `klaar`: dan staat `technical_report` erin.
"""


def build_v1() -> FastAPI:
    api = FastAPI(
        title="CBS Monitor aanlever-API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,  # the stock pages load their scripts from a CDN; ours is self-contained
        redoc_url=None,
    )
    api.add_middleware(BodyLimit)

    @api.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> JSONResponse:
        return _problem(error.status, error.detail, error.headers)

    @api.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        fields = sorted({str(e.get("loc", ["?"])[-1]) for e in error.errors()})
        return _problem(422, "Het verzoek is ongeldig; controleer: " + ", ".join(fields) + ".")

    @api.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        texts = {404: "Niet gevonden.", 405: "Deze methode is hier niet toegestaan."}
        detail = texts.get(error.status_code, str(error.detail))
        return _problem(error.status_code, detail, getattr(error, "headers", None))

    @api.exception_handler(Exception)
    async def _crash(request: Request, error: Exception) -> JSONResponse:
        log.exception("API request failed")  # the trace names no BSN: files are never logged
        return _problem(500, GENERIC_ERROR)

    _routes(api)
    return api


def _routes(api: FastAPI) -> None:
    @api.post(
        "/token",
        response_model=schemas.TokenResponse,
        responses={
            400: {"model": schemas.TokenError},
            401: {"model": schemas.TokenError},
            422: {"model": schemas.Problem},
            429: {"model": schemas.Problem},
        },
        summary="Token aanvragen (OAuth 2.0 client credentials)",
        tags=["token"],
    )
    def token(
        request: Request,
        grant_type: Annotated[str, Form(examples=["client_credentials"])],
        scope: Annotated[str | None, Form()] = None,
    ) -> Response:
        client_id, _ = extract_basic_authorization(request.headers)
        address = request.client.host if request.client else "?"
        per_minute = get_settings().api_token_rate_per_minute
        # Per client id, and per address for guesses spread over many client ids.
        wait = LIMITER.hit("token:" + (client_id or address), per_minute) or LIMITER.hit(
            "token-address:" + address, per_minute * 5
        )
        if wait:
            raise ApiError(
                429,
                "Te veel tokenaanvragen. Wacht even en probeer het dan opnieuw.",
                {"Retry-After": retry_after(wait)},
            )
        form = {"grant_type": grant_type, **({"scope": scope} if scope is not None else {})}
        with db.session() as session:
            status, body, headers = oauth.issue_token(session, request.headers, form)
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        if status == 401:
            headers.setdefault("WWW-Authenticate", 'Basic realm="cbs-monitor"')
        return JSONResponse(body, status_code=status, headers=headers)

    @api.get(
        "/periods",
        response_model=list[schemas.Period],
        responses=_errors(401, 429),
        summary="Verslagperioden met hun aanleverperiode",
        tags=["aanleveren"],
    )
    def periods(caller: Caller) -> list[schemas.Period]:
        rows = _run(lambda s: supplier_api.list_periods(s, caller))
        return [schemas.Period(**dataclasses.asdict(row)) for row in rows]

    @api.post(
        "/deliveries",
        status_code=202,
        response_model=schemas.Receipt,
        responses={
            **_errors(400, 401, 403, 409, 413, 429),
            422: {"model": schemas.RefusedUpload},
        },
        summary="Een bestand aanleveren",
        tags=["aanleveren"],
    )
    def deliver(
        caller: DeliveringCaller,
        file: Annotated[UploadFile, File(description=".csv, .txt of .zip, ten hoogste 2,5 MB")],
        gemeentecode: Annotated[
            str | None,
            Form(
                description="Alleen nodig als de bestandsnaam geen gemeente noemt (een ZIP).",
                max_length=4,
            ),
        ] = None,
        idempotency_key: Annotated[
            str | None, Header(alias="Idempotency-Key", max_length=200)
        ] = None,
    ) -> Response:
        def use_case(session: Session) -> supplier_api.SendResult:
            return supplier_api.deliver(
                session,
                caller,
                file.filename or "",
                file.file.read,
                municipality_code=gemeentecode,
                idempotency_key=idempotency_key,
            )

        try:
            sent = _run(use_case)
        except supplier_api.IdempotencyRace:
            try:  # the other request has committed by now: this run finds its delivery
                file.file.seek(0)
                sent = _run(use_case)
            except supplier_api.IdempotencyRace:
                raise ApiError(
                    409, "Een ander verzoek met dezelfde Idempotency-Key is nog bezig."
                ) from None
        if sent.refused is not None:
            refused = sent.refused
            if refused.not_permitted:
                raise ApiError(403, refused.detail)
            body = schemas.RefusedUpload(
                detail=refused.detail,
                status=refused.status,
                filename=refused.filename,
                findings=[
                    schemas.RefusedFinding(**dataclasses.asdict(f)) for f in refused.findings
                ],
            )
            return JSONResponse(body.model_dump(mode="json"), status_code=422)
        assert sent.receipt is not None
        url = f"{PREFIX}/deliveries/{sent.receipt.id}"
        receipt = schemas.Receipt(**dataclasses.asdict(sent.receipt), status_url=url)
        return JSONResponse(
            receipt.model_dump(mode="json"), status_code=202, headers={"Location": url}
        )

    @api.get(
        "/deliveries/{delivery_id}",
        response_model=schemas.DeliveryStatus,
        responses=_errors(401, 403, 404, 422, 429),
        summary="Status en technisch rapport van een aanlevering",
        tags=["rapporten"],
    )
    def delivery(caller: ReadingCaller, delivery_id: DeliveryId) -> schemas.DeliveryStatus:
        view = _run(
            lambda s: supplier_api.delivery_status(s, caller, delivery_id), not_permitted=404
        )
        base = f"{PREFIX}/deliveries/{view.id}"
        return schemas.DeliveryStatus(
            **dataclasses.asdict(view),
            technical_report_xlsx_url=f"{base}/technical-report.xlsx",
            readiness_report_xlsx_url=f"{base}/readiness-report.xlsx",
        )

    xlsx_response: dict[int | str, dict[str, Any]] = {
        200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}
    }

    def _xlsx(caller: ApiCaller, delivery_id: int, kind: ReportKind) -> Response:
        filename, data = _run(
            lambda s: supplier_api.report_file(s, caller, delivery_id, kind), not_permitted=404
        )
        quoted = urllib.parse.quote(filename)
        return Response(
            data,
            media_type=XLSX,
            headers={
                "Content-Disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quoted}",
                "Cache-Control": "no-store",
            },
        )

    @api.get(
        "/deliveries/{delivery_id}/technical-report.xlsx",
        response_class=Response,
        responses={**xlsx_response, **_errors(401, 403, 404, 422, 429)},
        summary="Technisch rapport (.xlsx)",
        tags=["rapporten"],
    )
    def technical_xlsx(caller: ReadingCaller, delivery_id: DeliveryId) -> Response:
        return _xlsx(caller, delivery_id, ReportKind.technical)

    @api.get(
        "/deliveries/{delivery_id}/readiness-report.xlsx",
        response_class=Response,
        responses={**xlsx_response, **_errors(401, 403, 404, 422, 429)},
        summary="Op orde rapport (.xlsx)",
        tags=["rapporten"],
    )
    def readiness_xlsx(caller: ReadingCaller, delivery_id: DeliveryId) -> Response:
        return _xlsx(caller, delivery_id, ReportKind.readiness)

    @api.get(
        "/protocol",
        response_model=dict[str, Any],
        summary="Het aanleverprotocol als Frictionless Table Schema",
        tags=["protocol"],
    )
    def protocol_schema() -> dict[str, Any]:
        return table_schema()

    @api.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs_page(request: Request) -> HTMLResponse:
        return HTMLResponse(docs.render(api.openapi(), PREFIX))
