import logging

import pytest

from gateway.logs import MaskingFilter, configure_logging, mask


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


def test_filter_masks_messages_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.masking")
    handler = logging.Handler()
    seen: list[logging.LogRecord] = []
    handler.emit = seen.append  # type: ignore[method-assign]
    handler.addFilter(MaskingFilter())
    logger.addHandler(handler)
    try:
        logger.warning("taxpayer %s wrote from %s", "094259216", "a.b@example.gr")
        try:
            raise ValueError("bad ΑΦΜ 090165560")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
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
