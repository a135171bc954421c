import httpx
import pytest

from gateway.errors import ConnectionFailed, TransientError
from gateway.plugin_kit.http_errors import http_failures_as


@pytest.mark.parametrize(
    ("failure", "kind", "words"),
    [
        (httpx.ConnectError("refused"), ConnectionFailed, "cannot reach http://x"),
        (httpx.ConnectTimeout("slow"), ConnectionFailed, "cannot reach http://x"),
        (httpx.ReadTimeout("slow"), TransientError, "did not answer in time (ReadTimeout)"),
        (
            httpx.RemoteProtocolError("dropped"),
            TransientError,
            "RemoteProtocolError talking to http://x",
        ),
    ],
)
def test_failures_are_named(failure: Exception, kind: type, words: str) -> None:
    with (
        pytest.raises(kind, match=words.replace("(", r"\(").replace(")", r"\)")),
        http_failures_as("http://x"),
    ):
        raise failure


def test_other_errors_pass_through() -> None:
    with pytest.raises(ValueError), http_failures_as("http://x"):
        raise ValueError("not ours")
