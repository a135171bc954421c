"""Issue 17, parts 3 and 4: followers of a request and the citizen's choice of how to be told.

Through the email connector, on the SMTP mock, with the gateway's own cache and send log on
SQLite and PostgreSQL: every status change mails every follower once, in their language, with a
signed unfollow link; the citizen's `notify` is honoured and remembered.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from gateway.errors import ConfigurationError, InvalidInputError, PermanentError
from gateway.store.cache import Cache
from gateway.store.send_records import SendRecordTable
from mocks.smtp import FakeSmtp
from plugins.email.connector import EmailConnector
from tests.plugins.email.support import ADMIN, CITIZEN, connector, event

SECRET = "s" * 32
NEIGHBOUR = "nikos.georgiou@example.gr"
VISITOR = "jane.doe@example.com"
TOKEN = re.compile(r"token=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)")


@pytest.fixture
def sender(smtp, store):  # type: ignore[no-untyped-def]
    def build(**changes: Any) -> EmailConnector:
        keys = {"follow_secret": SECRET, "portal_url": "https://eservices.serres.gr", **changes}
        return connector(smtp, SendRecordTable(store, "email"), Cache(store, "email"), **keys)

    return build


def follow(address: str, locale: str = "el", request_id: str = "REQ-2026-0001") -> Any:
    return event("request.followed", request_id=request_id, email=address, locale=locale)


def status(event_id: str, status: str = "in_progress", **data: Any) -> Any:
    changed = event("request.status_changed", status=status, **data)
    return type(changed)(**{**changed.__dict__, "id": event_id})


def to(smtp: FakeSmtp, address: str) -> list[dict[str, Any]]:
    return [m for m in smtp.messages if m["envelope_to"] == [address]]


def link_token(message: dict[str, Any]) -> str:
    found = TOKEN.search(message["text"])
    assert found, message["text"]
    return found.group(1)


async def test_a_follower_is_told_they_follow_with_a_link_to_stop(sender, smtp) -> None:  # type: ignore[no-untyped-def]
    result = (await sender().deliver(follow(NEIGHBOUR))).result
    assert result["followed"] == "n***@example.gr" and result["sent"][0]["to"] == "n***@example.gr"
    (message,) = to(smtp, NEIGHBOUR)
    assert message["subject"] == "Παρακολουθείτε την αίτηση REQ-2026-0001"
    assert "https://eservices.serres.gr/unfollow?token=" in message["text"]
    assert NEIGHBOUR not in json.dumps(result)  # results keep masked addresses only


async def test_each_status_change_mails_every_follower_once_in_their_language(sender, smtp) -> None:  # type: ignore[no-untyped-def]
    mailer = sender()
    await mailer.deliver(follow(NEIGHBOUR, "el"))
    await mailer.deliver(follow(VISITOR, "en"))
    await mailer.deliver(follow(VISITOR, "en"))  # following twice keeps one follower
    changed = status("evt-status-1", comment="Φέρτε την ταυτότητά σας.")
    first = (await mailer.deliver(changed)).result
    again = (await mailer.deliver(changed)).result  # a retry or a replay
    assert sorted(line["to"] for line in first["sent"]) == [
        "j***@example.com", "m***@example.gr", "n***@example.gr",
    ]  # fmt: skip
    assert again["sent"] == [] and len(again["already_sent"]) == 3
    assert NEIGHBOUR not in json.dumps(first) and VISITOR not in json.dumps(first)
    (greek,) = [m for m in to(smtp, NEIGHBOUR) if "που παρακολουθείτε" in m["subject"]]
    (english,) = [m for m in to(smtp, VISITOR) if "you follow" in m["subject"]]
    assert greek["subject"] == "Αίτηση REQ-2026-0001 που παρακολουθείτε: Σε επεξεργασία"
    assert english["subject"] == "Application REQ-2026-0001 you follow: in progress"
    # a follower learns the status, not the applicant's name nor the note meant for them
    for message in (greek, english):
        assert "Παπαδοπούλου" not in message["text"] and "ταυτότητά" not in message["text"]
    second = (await mailer.deliver(status("evt-status-2", "completed"))).result
    assert len(second["sent"]) == 3 + 1  # and the department's administrator
    assert len(to(smtp, NEIGHBOUR)) == 3  # following, in progress, completed


async def test_the_links_token_unfollows_and_the_next_change_skips_them(sender, smtp) -> None:  # type: ignore[no-untyped-def]
    mailer = sender()
    await mailer.deliver(follow(NEIGHBOUR))
    await mailer.deliver(follow(VISITOR, "en"))
    token = link_token(to(smtp, VISITOR)[0])
    unfollowed = event("request.unfollowed", request_id="REQ-2026-0001", token=token)
    result = (await mailer.deliver(unfollowed)).result
    assert result["was_following"] is True and VISITOR not in json.dumps(result)
    assert (await mailer.deliver(unfollowed)).result["was_following"] is False
    sent = (await mailer.deliver(status("evt-status-3"))).result["sent"]
    assert sorted(line["to"] for line in sent) == ["m***@example.gr", "n***@example.gr"]


async def test_unfollowing_by_address_from_the_portal(sender, smtp) -> None:  # type: ignore[no-untyped-def]
    mailer = sender()
    await mailer.deliver(follow(NEIGHBOUR))
    gone = event("request.unfollowed", request_id="REQ-2026-0001", email=NEIGHBOUR.upper())
    assert (await mailer.deliver(gone)).result["was_following"] is True
    sent = (await mailer.deliver(status("evt-status-4"))).result["sent"]
    assert [line["to"] for line in sent] == ["m***@example.gr"]


@pytest.mark.parametrize(
    ("tamper", "words"),
    [
        (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "does not verify"),
        (lambda t: "x" + t, "does not verify"),
        (lambda t: t.replace(".", ""), "does not verify"),
    ],
)
async def test_a_forged_token_removes_nobody(sender, smtp, tamper, words) -> None:  # type: ignore[no-untyped-def]
    mailer = sender()
    await mailer.deliver(follow(VISITOR, "en"))
    forged = tamper(link_token(to(smtp, VISITOR)[0]))
    with pytest.raises(InvalidInputError, match=words):
        await mailer.deliver(event("request.unfollowed", request_id="REQ-2026-0001", token=forged))
    assert len((await mailer.deliver(status("evt-status-5"))).result["sent"]) == 2


async def test_a_token_for_another_request_or_under_another_secret_is_refused(sender, smtp) -> None:  # type: ignore[no-untyped-def]
    mailer = sender()
    await mailer.deliver(follow(VISITOR, "en", request_id="REQ-2026-0009"))
    token = link_token(to(smtp, VISITOR)[0])
    with pytest.raises(InvalidInputError, match="another request"):
        await mailer.deliver(event("request.unfollowed", request_id="REQ-2026-0001", token=token))
    rotated = sender(follow_secret="t" * 32)
    with pytest.raises(InvalidInputError, match="does not verify"):
        await rotated.deliver(event("request.unfollowed", request_id="REQ-2026-0009", token=token))


async def test_followers_of_one_request_are_not_those_of_a_longer_id(sender, smtp) -> None:  # type: ignore[no-untyped-def]
    mailer = sender()
    await mailer.deliver(follow(NEIGHBOUR, request_id="R:1"))
    await mailer.deliver(follow(VISITOR, request_id="R_%"))
    assert [f.address for f in await mailer.audience.followers("R")] == []
    assert [f.address for f in await mailer.audience.followers("R:1")] == [NEIGHBOUR]
    assert [f.address for f in await mailer.audience.followers("R_%")] == [VISITOR]
    assert [f.address for f in await mailer.audience.followers("Rx%")] == []


async def test_a_request_holds_at_most_max_followers(sender) -> None:  # type: ignore[no-untyped-def]
    mailer = sender(max_followers=2)
    await mailer.deliver(follow("a@example.gr"))
    await mailer.deliver(follow("b@example.gr"))
    await mailer.deliver(follow("a@example.gr"))  # already following: not a new one
    with pytest.raises(PermanentError, match="2 followers already"):
        await mailer.deliver(follow("c@example.gr"))


async def test_followers_need_a_secret_and_a_page_to_link(smtp, store) -> None:  # type: ignore[no-untyped-def]
    records, cache = SendRecordTable(store, "email"), Cache(store, "email")
    with pytest.raises(ConfigurationError, match="follow_secret"):
        await connector(smtp, records, cache).deliver(follow(NEIGHBOUR))
    with pytest.raises(ConfigurationError, match="unfollow_url"):
        await connector(smtp, records, cache, follow_secret=SECRET).deliver(follow(NEIGHBOUR))
    custom = connector(
        smtp, records, cache, follow_secret=SECRET, unfollow_url="https://p.example/u/{token}"
    )
    await custom.deliver(follow(NEIGHBOUR))
    assert "https://p.example/u/" in to(smtp, NEIGHBOUR)[0]["text"]


# -- the citizen's choice ------------------------------------------------------------------


async def test_platform_only_is_honoured_and_remembered_until_changed(sender, smtp) -> None:  # type: ignore[no-untyped-def]
    mailer = sender()
    registered = (await mailer.deliver(event("request.registered", notify=[]))).result
    assert registered["sent"] == [] and registered["recipients"] == 0
    assert registered["citizen"] == "not sent: the citizen chose the platform only"
    # the portal's next change says nothing of notify: the recorded choice holds
    quiet = (await mailer.deliver(status("evt-status-6"))).result
    assert quiet["sent"] == [] and quiet["citizen"].startswith("not sent")
    # completed: the department is told all the same; the citizen is not
    done = (await mailer.deliver(status("evt-status-7", "completed"))).result
    assert [line["to"] for line in done["sent"]] == ["e***@serres.gr"]
    assert to(smtp, CITIZEN) == [] and len(to(smtp, ADMIN)) == 1
    # an administrator switches the citizen to e-mail with a status change
    switched = (await mailer.deliver(status("evt-status-8", notify=["email"]))).result
    assert [line["to"] for line in switched["sent"]] == ["m***@example.gr"]
    later = (await mailer.deliver(status("evt-status-9", "needs_info"))).result
    assert [line["to"] for line in later["sent"]] == ["m***@example.gr"]


async def test_a_followers_mail_goes_even_when_the_citizen_chose_the_platform(sender, smtp) -> None:  # type: ignore[no-untyped-def]
    mailer = sender()
    await mailer.deliver(follow(NEIGHBOUR))
    result = (await mailer.deliver(status("evt-status-10", notify=[]))).result
    assert [line["to"] for line in result["sent"]] == ["n***@example.gr"]
    assert result["citizen"] == "not sent: the citizen chose the platform only"


async def test_a_ranking_is_mailed_unless_the_citizen_chose_the_platform(sender, smtp) -> None:  # type: ignore[no-untyped-def]
    mailer = sender()
    ranked = (await mailer.deliver(event("application.ranked"))).result
    (message,) = to(smtp, "maria.papadopoulou@example.gr")
    assert ranked["sent"][0]["template"] == "el/application_ranked"
    assert (
        message["subject"] == "Η αίτησή σας REQ-2026-0004 καταχωρίστηκε και κατατάχθηκε προσωρινά"
    )
    assert "Θέση: 3 από 17" in message["text"] and "Μόρια: 1350,00" in message["text"]
    silent = event("application.ranked", request_id="REQ-2026-0010", notify=[])
    assert (await mailer.deliver(silent)).result["sent"] == []


async def test_a_citizen_following_their_own_request_gets_one_mail_a_change(sender, smtp) -> None:  # type: ignore[no-untyped-def]
    mailer = sender()
    await mailer.deliver(follow(CITIZEN.upper()))
    sent = (await mailer.deliver(status("evt-status-11"))).result["sent"]
    assert [line["template"] for line in sent] == ["el/status_changed"]
