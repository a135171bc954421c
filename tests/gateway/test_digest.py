"""The daily digest: yesterday per backend and what still needs a person, to IT and to a
department, once a day however many processes run, through the email plugin's server."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from gateway import appkeys, digest
from gateway.devtools.demo import demo_assembly
from gateway.devtools.runner import running_gateway
from gateway.devtools.stories import story_events
from gateway.store import jobs
from gateway.store.models import deliveries
from tests.support.console import IRIDA_SEND, World, console_world, staff_config

DIGEST = {
    "digest": {
        "enabled": True,
        "to": ["it@serres.gr"],
        "at": "00:00",
        "departments": {"treasury": ["tameio@serres.gr"]},
    }
}


def digests(world: World) -> list[dict[str, Any]]:
    return [m for m in world.mocks["email"].messages if "σύνοψη" in m["subject"]]


async def wait_for(check: Any, within: float = 10.0) -> None:
    for _ in range(int(within / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("did not happen in time")


async def seeded(world: World) -> None:
    """A payment whose webhook deliveries die, an application in doubt; all finished yesterday."""
    world.mocks["webhook"].set_faults(fail_next=100, error_status=400)
    payment = copy.deepcopy(next(e for e in story_events() if e["type"] == "payment.completed"))
    world.mocks["protocol"].set_faults(fail_next=1, error_phase="after", only_path=IRIDA_SEND)
    application = list(story_events())[1]
    for event in (payment, application):
        assert (await world.portal.post_event(event)).status_code == 202
        view = await world.portal.wait_settled(event["id"])
        for delivery in view["deliveries"]:
            for derived in delivery["emitted"]:
                await world.portal.wait_settled(derived)
        world.mocks["webhook"].set_faults()
    store = world.app[appkeys.STORE]
    async with store.write() as connection:
        rows = (await connection.execute(select(deliveries.c.id, deliveries.c.finished_at))).all()
        for row in rows:
            if row.finished_at is not None:
                await connection.execute(
                    update(deliveries)
                    .where(deliveries.c.id == row.id)
                    .values(finished_at=row.finished_at - timedelta(days=1))
                )


async def test_the_digest_counts_yesterday_and_links_what_needs_a_person(
    tmp_path: Path, database_url: str
) -> None:
    async with console_world(tmp_path, database_url) as world:
        await seeded(world)
        app = world.app
        settings = app[appkeys.SETTINGS].model_copy(
            update={"digest": app[appkeys.SETTINGS].digest.model_copy(update=DIGEST["digest"])}
        )
        yesterday = (datetime.now(UTC).astimezone(digest.ATHENS) - timedelta(days=1)).date()
        it, treasury = digest.audiences(settings, app[appkeys.DEPARTMENTS])
        subject, text = await digest.compose(app[appkeys.STORE], settings, yesterday, it)
        assert "2 αποτυχημένες, 1 αβέβαιες" in subject and yesterday.strftime("%d/%m/%Y") in subject
        assert "webhook: 2 απέτυχαν" in text and "protocol: 1 απέτυχαν" in text
        assert "/console/events/evt-" in text and "ΙΡΙΔΑ" in text
        subject, text = await digest.compose(app[appkeys.STORE], settings, yesterday, treasury)
        assert (
            "Ταμειακή Υπηρεσία" in subject and "0 αβέβαιες" in subject
        )  # the application is not theirs
        empty = await digest.compose(
            app[appkeys.STORE], settings, yesterday - timedelta(days=3), it
        )
        assert "καμία" in empty[1] or "—" in empty[1]


async def test_two_processes_send_it_once_a_day_through_the_mail_server(
    tmp_path: Path, database_url: str
) -> None:
    async with console_world(tmp_path, database_url, sections=DIGEST) as world:
        await wait_for(lambda: len(digests(world)) == 2)  # IT's and the treasury's
        raw, env = staff_config(tmp_path / "second")
        raw["gateway"]["database_url"] = database_url
        raw.update(DIGEST)
        for name, section in raw["plugins"].items():  # the same mocks as the first process
            section["url"] = world.app[appkeys.SETTINGS].plugins[name].url
        async with running_gateway(demo_assembly(raw, {**env, **world.env})) as (_url, second):
            await asyncio.sleep(1.0)
            assert await jobs.done_on(second[appkeys.STORE], digest.JOB, _today())
        assert len(digests(world)) == 2
        sent = {tuple(m["envelope_to"]): m for m in digests(world)}
        assert set(sent) == {("it@serres.gr",), ("tameio@serres.gr",)}
        assert "Ταμειακή Υπηρεσία" in sent[("tameio@serres.gr",)]["subject"]


def _today() -> str:
    return datetime.now(UTC).astimezone(digest.ATHENS).date().isoformat()


async def test_the_lease_lets_one_holder_run_and_another_take_over_a_dead_one(
    tmp_path: Path, database_url: str
) -> None:
    async with console_world(tmp_path, database_url) as world:
        store = world.app[appkeys.STORE]
        day = date(2026, 12, 6).isoformat()
        taken = await asyncio.gather(*(jobs.take(store, "job", day, f"p{n}", 60) for n in range(5)))
        assert sorted(taken) == [False] * 4 + [True]
        assert await jobs.take(store, "other", day, "p1", 0.05) is not False  # a lease that expires
        await asyncio.sleep(0.1)
        assert await jobs.take(store, "other", day, "p2", 60)  # p1 died: p2 takes the day over
        await jobs.finish(store, "other", day, "p2", done=True)
        assert await jobs.done_on(store, "other", day)
        assert not await jobs.take(store, "other", day, "p3", 60)  # done: never again that day
