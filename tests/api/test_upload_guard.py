"""The server-side upload cap and the closed public upload folder."""

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from cbs_monitor.api.upload_guard import UploadGuard


async def _echo(request):
    body = await request.body()
    return PlainTextResponse(f"got {len(body)}")


@pytest.fixture
def client(data_dir):
    inner = Starlette(
        routes=[
            Route("/_upload", _echo, methods=["POST"]),
            Route("/_upload/{name}", _echo),
            Route("/other", _echo, methods=["POST"]),
        ]
    )
    return TestClient(UploadGuard(inner))


def test_small_upload_passes(client):
    assert client.post("/_upload", content=b"x" * 1000).text == "got 1000"


def test_declared_oversize_refused_before_reading(client):
    response = client.post("/_upload", content=b"x" * 3_000_000)
    assert response.status_code == 413 and "2,5 MB" in response.text


def test_streamed_oversize_without_length_refused(client):
    def chunks():
        for _ in range(30):
            yield b"x" * 100_000

    response = client.post("/_upload", content=chunks())
    assert response.status_code == 413


def test_public_upload_folder_is_closed(client):
    assert client.get("/_upload/WMO_0363_2026H1_20260815.csv").status_code == 404


def test_other_paths_untouched(client):
    assert client.post("/other", content=b"x" * 3_000_000).text == "got 3000000"
