"""Issue 12: the parsers of what a client controls, property-tested with hypothesis.

Each property is "anything in, a value or the one documented refusal out":
never a stray exception, which the server would answer with a 500.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.http_input import MAX_JSON_DEPTH, ascii_int, json_too_deep
from gateway.logs import escaped, mask, masked_path
from gateway.problems import ProblemError
from gateway.signature import SignatureError, signed_headers, verify
from gateway.store.views import decode_cursor, encode_cursor

SECRET = "whsec_dGVzdC1zZWNyZXQtMDEyMzQ1Njc4OWFiY2RlZg=="
EVERYTHING = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)


@given(EVERYTHING)
def test_ascii_int_answers_a_bounded_number_or_a_400(raw: str) -> None:
    try:
        value = ascii_int(raw, "query.limit", 1, 500)
    except ProblemError as exc:
        assert exc.response.status == 400
    else:
        assert raw.isascii() and raw.isdigit() and 1 <= value <= 500


@pytest.mark.parametrize("raw", ["²", "٣", "１", "1_0", "+5", "-1", "0x10", "9" * 19])
def test_ascii_int_refuses_what_int_would_take_or_choke_on(raw: str) -> None:
    with pytest.raises(ProblemError):
        ascii_int(raw, "query.limit", 0, 10**30)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@given(st.integers(min_value=0, max_value=200), st.text(max_size=20))
def test_json_depth_is_measured_without_parsing(depth: int, noise: str) -> None:
    # brackets inside strings do not count; escaped quotes do not end a string
    text = json.dumps({"s": noise + '"[[[{{', "n": json.loads(_nested(depth) or "null")})
    assert json_too_deep(text.encode()) == (depth + 1 > MAX_JSON_DEPTH)


@given(EVERYTHING)
def test_a_cursor_is_a_sequence_number_or_a_value_error(raw: str) -> None:
    try:
        value = decode_cursor(raw)
    except ValueError:
        return
    assert 0 <= value < 10**18
    assert decode_cursor(encode_cursor(value)) == value


@given(EVERYTHING, EVERYTHING, EVERYTHING)
def test_verify_refuses_any_header_with_a_signature_error_only(
    msg_id: str, stamp: str, signature: str
) -> None:
    headers = {"webhook-id": msg_id, "webhook-timestamp": stamp, "webhook-signature": signature}
    with pytest.raises(SignatureError):
        verify(headers, b"{}", [SECRET])


@given(st.binary(max_size=200))
def test_verify_takes_what_was_signed_whatever_the_body(body: bytes) -> None:
    verify(signed_headers(SECRET, "msg-1", body), body, [SECRET])


@given(EVERYTHING)
def test_escaped_text_has_no_control_character(text: str) -> None:
    assert not any(c < " " or c == "\x7f" for c in escaped(text))


@given(st.from_regex(r"[0-9]{8,9}", fullmatch=True), st.sampled_from(["business", "debts"]))
def test_no_lookup_key_survives_the_access_log(key: str, lookup: str) -> None:
    logged = masked_path(f"/v1/lookups/{lookup}/{key}?x=1")
    assert key not in logged and key[:6] not in logged


@given(st.from_regex(r"(EL|GR)?[0-9]{3}( |%20)?[0-9]{3}( |%20)?[0-9]{3}", fullmatch=True))
def test_every_afm_form_is_masked(afm: str) -> None:
    digits = "".join(c for c in afm.replace("%20", "") if c.isdigit())
    assert digits[:6] not in mask(f"x {afm} y").replace(" ", "").replace("%20", "")
