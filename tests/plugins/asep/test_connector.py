"""The asep connector alone, with respx: the request against our contract, every answer mapped."""

from __future__ import annotations

import httpx
import pytest
import respx

from gateway.contracts import contracts_dir
from gateway.errors import (
    ConfigurationError,
    ConnectionFailed,
    NotFoundError,
    PermanentError,
    ThrottledError,
    TransientError,
)
from gateway.schemas import EventSchemas
from plugins.asep.connector import AsepConnector
from plugins.asep.settings import AsepSettings
from tests.plugins.asep.support import COMPETITION, SEGMENT, application_event, ranking

URL = "https://ranking.test/api/v1"
SUBMIT = f"{URL}/competitions/{SEGMENT}/applications"
SCHEMAS = EventSchemas(contracts_dir() / "events")


@pytest.fixture
async def asep():  # type: ignore[no-untyped-def]
    made = AsepConnector(AsepSettings(url=URL, token="T0KEN", timeout=5))
    yield made
    await made.aclose()


@respx.mock
async def test_an_application_is_ranked_and_the_ranking_derived(asep) -> None:  # type: ignore[no-untyped-def]
    route = respx.post(SUBMIT).mock(return_value=ranking(201))
    result = await asep.deliver(application_event())
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer T0KEN"
    assert request.headers["Idempotency-Key"].endswith(":asep")
    assert b'"application_id":"REQ-2026-0004"' in request.content.replace(b" ", b"")
    assert result.reference == "RNK-1"
    assert result.result["first_ranked_now"] is True and result.result["points"] == "2000.00"
    (emit,) = result.emit
    assert emit.type == "application.ranked"
    envelope = {
        "specversion": "1.0", "id": "x", "source": "/gateway/plugins/asep",
        "type": emit.type, "data": dict(emit.data),
    }  # fmt: skip
    assert SCHEMAS.validate(envelope) == []  # what it derives fits the contract


@respx.mock
async def test_a_second_submission_learns_the_first_ranking(asep) -> None:  # type: ignore[no-untyped-def]
    respx.post(SUBMIT).mock(return_value=ranking(200, position=2, candidates=3))
    result = await asep.deliver(application_event())
    assert result.result["first_ranked_now"] is False and result.result["position"] == 2


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, ConfigurationError),
        (403, ConfigurationError),
        (404, PermanentError),
        (409, PermanentError),
        (422, PermanentError),
        (429, ThrottledError),
        (500, TransientError),
        (503, TransientError),
        (302, ConfigurationError),
    ],
)
@respx.mock
async def test_every_refusal_is_mapped_with_the_backends_words(asep, status, error) -> None:  # type: ignore[no-untyped-def]
    respx.post(SUBMIT).mock(
        return_value=httpx.Response(
            status, json={"error": "ο διαγωνισμός έκλεισε"}, headers={"Location": "http://x/"}
        )
    )
    with pytest.raises(error) as caught:
        await asep.deliver(application_event())
    if status != 302:
        assert "ο διαγωνισμός έκλεισε" in caught.value.message
    if status in (401, 403):  # /readyz shows the refused token until a call succeeds
        respx.get(f"{URL}/health").mock(return_value=httpx.Response(200, json={}))
        health = await asep.health()
        assert health.ok is False and f"HTTP {status}" in health.detail


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(201, text="<html>ok</html>"),
        httpx.Response(201, json={"position": 1}),
        ranking(201, application_id="REQ-OTHER"),
        ranking(201, competition="ΣΟΧ 2/2026"),
        ranking(201, points=12.5),
    ],
)
@respx.mock
async def test_an_answer_off_the_contract_is_tried_again(asep, answer) -> None:  # type: ignore[no-untyped-def]
    respx.post(SUBMIT).mock(return_value=answer)
    with pytest.raises(TransientError, match=r"does not fit|answered for competition"):
        await asep.deliver(application_event())


@respx.mock
async def test_an_unreachable_backend_is_a_connection_failure(asep) -> None:  # type: ignore[no-untyped-def]
    respx.post(SUBMIT).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ConnectionFailed):
        await asep.deliver(application_event())
    respx.get(f"{URL}/health").mock(side_effect=httpx.ConnectError("refused"))
    assert (await asep.health()).ok is False


@respx.mock
async def test_the_lookup_reads_the_ranking_as_it_stands(asep) -> None:  # type: ignore[no-untyped-def]
    respx.get(f"{SUBMIT}/REQ-2026-0004/ranking").mock(
        return_value=ranking(200, position=2, candidates=2)
    )
    found = await asep.ranking("REQ-2026-0004", {"competition": COMPETITION})
    assert found["position"] == 2 and found["candidates"] == 2
    respx.get(f"{SUBMIT}/REQ-9/ranking").mock(
        return_value=httpx.Response(404, json={"error": "no"})
    )
    with pytest.raises(NotFoundError):
        await asep.ranking("REQ-9", {"competition": COMPETITION})


@pytest.mark.parametrize(
    ("key", "query"), [("", {"competition": "C"}), ("R", {}), ("R", {"competition": "x" * 65})]
)
async def test_the_lookup_needs_both_parts(asep, key, query) -> None:  # type: ignore[no-untyped-def]
    from gateway.errors import InvalidInputError

    with pytest.raises(InvalidInputError):
        await asep.ranking(key, query)


@respx.mock
async def test_health_asks_the_health_path(asep) -> None:  # type: ignore[no-untyped-def]
    respx.get(f"{URL}/health").mock(return_value=httpx.Response(200, json={"version": "1"}))
    assert (await asep.health()).ok is True
    respx.get(f"{URL}/health").mock(return_value=httpx.Response(503, json={"error": "down"}))
    health = await asep.health()
    assert health.ok is False and "down" in health.detail
