import contextlib
import logging
import time
from collections.abc import Iterator

import pytest

from gateway.logs import MaskingFilter, configure_logging, escaped, mask, masked_path


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("looking up 094259216 now", "looking up ******216 now"),
        ("EL094259216", "******216"),
        ("GET /v1/lookups/business/090165560 200", "GET /v1/lookups/business/******560 200"),
        ("mail maria.papadopoulou@example.gr sent", "mail m***@example.gr sent"),
        (
            "protocol 28635/26-08-2022 and RF18539007547034",
            "protocol 28635/26-08-2022 and RF18539007547034",
        ),
        ("a 12-digit 123456789012 id", "a 12-digit 123456789012 id"),
    ],
)
def test_mask(text: str, masked: str) -> None:
    assert mask(text) == masked


def test_a_long_run_without_an_address_is_masked_in_one_pass() -> None:
    """A backend's answer can be one long token (base64, a hash): each character is looked at once.

    Scanned again from each of its characters, 100,000 characters took about
    20 s; in one pass, milliseconds. The bound is a thousandfold above that.
    """
    run = "x" * 100_000
    started = time.perf_counter()
    assert mask(run) == run
    assert mask(run + "@example.gr") == "x***@example.gr"
    assert time.perf_counter() - started < 2.0


@contextlib.contextmanager
def _filtered(name: str) -> Iterator[tuple[logging.Logger, list[logging.LogRecord]]]:
    """A logger whose records pass the masking filter and are kept, for reading back."""
    logger = logging.getLogger(name)
    handler = logging.Handler()
    seen: list[logging.LogRecord] = []
    handler.emit = seen.append  # type: ignore[method-assign]
    handler.addFilter(MaskingFilter())
    logger.addHandler(handler)
    try:
        yield logger, seen
    finally:
        logger.removeHandler(handler)


def test_filter_masks_messages_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    with _filtered("test.masking") as (logger, seen):
        logger.warning("taxpayer %s wrote from %s", "094259216", "a.b@example.gr")
        try:
            raise ValueError("bad ΑΦΜ 090165560")
        except ValueError:
            logger.exception("failed")
    assert seen[0].getMessage() == "taxpayer ******216 wrote from a***@example.gr"
    assert "090165560" not in (seen[1].exc_text or "") and "******560" in (seen[1].exc_text or "")


def test_configure_logging_installs_the_filter() -> None:
    root = logging.getLogger()
    before = root.handlers[:], root.level
    try:
        configure_logging("DEBUG")
        assert any(isinstance(f, MaskingFilter) for h in root.handlers for f in h.filters)
        assert root.level == logging.DEBUG
    finally:
        root.handlers[:], level = before
        root.setLevel(level)


# -- issue 12, findings 7 and 12: forged lines and ΑΦΜ forms in the access log ----------------


@pytest.mark.parametrize(
    "text",
    [
        "090 165 560",
        "090%20165%20560",
        "EL 090165560",
        "GR090165560",
        "el090165560",
    ],
)
def test_every_afm_form_the_api_accepts_is_masked(text: str) -> None:
    assert "165" not in mask(f"GET /x/{text} 200")


def test_ids_with_digit_runs_are_not_taken_for_an_afm() -> None:
    assert mask("evt-050920569e4c4f4e") == "evt-050920569e4c4f4e"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/lookups/business/90165560",
        "/v1/lookups/business/090%20165%20560",
        "/v1/lookups/debts/EL090165560?category=TAP",
        "/v1/lookups/receipts/PAY-2026-000123",
    ],
)
def test_a_lookups_key_never_reaches_the_access_log(path: str) -> None:
    logged = masked_path(path)
    assert "165" not in logged and "000123" not in logged
    assert logged.startswith("/v1/lookups/") and "***" in logged


def test_control_characters_are_escaped_not_written() -> None:
    assert escaped("a\r\nForged: line\x1b[31m") == "a\\r\\nForged: line\\x1b[31m"


def test_the_filter_escapes_every_message(caplog: pytest.LogCaptureFixture) -> None:
    with _filtered("test.escaping") as (logger, seen):
        logger.error("unhandled error on %s %s", "GET", "/v1/x\r\n2026 FAKE line\x1b[0m")
    (record,) = seen
    message = record.getMessage()
    assert "\r" not in message and "\n" not in message and "\x1b" not in message


async def test_the_access_log_of_a_running_gateway(start_gateway, sqlite_url, caplog) -> None:  # type: ignore[no-untyped-def]
    from aiohttp import web

    from gateway.app import create_app
    from gateway.http_server import listening
    from tests.support.settings import PORTAL_TOKEN, build_settings

    caplog.set_level(logging.INFO, "aiohttp.access")
    settings = build_settings(sqlite_url)
    app: web.Application = create_app(settings)
    async with listening(app, "127.0.0.1", 0, settings.gateway.server) as runner:
        port = runner.addresses[0][1]
        import httpx

        async with httpx.AsyncClient() as client:
            headers = {"Authorization": f"Bearer {PORTAL_TOKEN}"}
            for path in (
                "/v1/lookups/business/90165560",
                "/v1/lookups/business/090%20165%20560",
                "/v1/events/a%0d%0a2026-12-06%20FORGED%1b%5b31m",
            ):
                await client.get(f"http://127.0.0.1:{port}{path}", headers=headers)
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert len(lines) == 3
    for line in lines:
        assert "90165560" not in line and "165%20560" not in line
        assert "\r" not in line and "\n" not in line and "\x1b" not in line
