import time

import pytest

from gateway.signature import SignatureError, sign, signed_headers, verify
from tests.support.settings import OLD_SECRET, SECRET

BODY = b'{"id":"e1"}'


def test_valid_signature() -> None:
    verify(signed_headers(SECRET, "msg_1", BODY), BODY, [SECRET])


def test_rotated_secret_any_configured_may_match() -> None:
    verify(signed_headers(OLD_SECRET, "msg_1", BODY), BODY, [SECRET, OLD_SECRET])


def test_several_signatures_in_one_header() -> None:
    headers = signed_headers(SECRET, "msg_1", BODY)
    headers["webhook-signature"] = "v1,AAAA " + headers["webhook-signature"]
    verify(headers, BODY, [SECRET])


def test_spec_example_signature() -> None:
    # the example from the Standard Webhooks specification
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert (
        sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda h, b: (h, b + b" "), "no signature matches"),
        (lambda h, b: ({**h, "webhook-id": "other"}, b), "no signature matches"),
        (
            lambda h, b: ({k: v for k, v in h.items() if k != "webhook-signature"}, b),
            "missing header(s): webhook-signature",
        ),
        (
            lambda h, b: ({k: v for k, v in h.items() if k != "webhook-id"}, b),
            "missing header(s): webhook-id",
        ),
        (lambda h, b: ({**h, "webhook-signature": "v2,abc"}, b), "no v1 signature"),
        (lambda h, b: ({**h, "webhook-signature": "v1,!!!"}, b), "no v1 signature"),
        (lambda h, b: ({**h, "webhook-timestamp": "soon"}, b), "Unix seconds"),
    ],
)
def test_refusals(mutate, reason: str) -> None:  # type: ignore[no-untyped-def]
    headers, body = mutate(signed_headers(SECRET, "msg_1", BODY), BODY)
    with pytest.raises(SignatureError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        verify(headers, body, [SECRET])


@pytest.mark.parametrize(("offset", "word"), [(-301, "old"), (301, "ahead")])
def test_timestamp_tolerance(offset: int, word: str) -> None:
    now = time.time()
    headers = signed_headers(SECRET, "msg_1", BODY, timestamp=int(now) + offset)
    with pytest.raises(SignatureError, match=word):
        verify(headers, BODY, [SECRET], now=now)
    inside = signed_headers(SECRET, "msg_1", BODY, timestamp=int(now) - 290)
    verify(inside, BODY, [SECRET], now=now)


def test_wrong_secret_and_no_secret() -> None:
    with pytest.raises(SignatureError, match="no signature matches"):
        verify(signed_headers(OLD_SECRET, "m", BODY), BODY, [SECRET])
    with pytest.raises(SignatureError, match="no portal secret"):
        verify(signed_headers(SECRET, "m", BODY), BODY, [])
