"""The hot path's statements in the driver's own words: placeholders, padding, stored forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from gateway.store.dbapi import (
    for_driver,
    in_list,
    json_text,
    padded,
    read_json,
    read_time,
    stamper,
)


def test_placeholders_are_numbered_for_asyncpg_and_left_alone_for_sqlite() -> None:
    sql = "UPDATE t SET a = ? WHERE id IN (?, ?)"
    assert for_driver(sql, "sqlite") == sql
    assert for_driver(sql, "postgresql") == "UPDATE t SET a = $1 WHERE id IN ($2, $3)"


def test_padding_repeats_the_last_id_to_a_power_of_two() -> None:
    assert padded(["a"]) == ["a"]
    assert padded(["a", "b", "c"]) == ["a", "b", "c", "c"]
    assert len(padded([str(i) for i in range(17)])) == 32
    assert in_list([7, 8, 9]) == ("(?, ?, ?, ?)", [7, 8, 9, 9])


def test_a_time_is_stored_in_utc_and_read_back_aware() -> None:
    athens = datetime(2026, 12, 6, 21, 30, 0, 5, tzinfo=timezone(timedelta(hours=2)))
    stored = stamper("sqlite")(athens)
    assert stored == "2026-12-06 19:30:00.000005"
    assert read_time(stored) == athens and read_time(stored).tzinfo == UTC  # type: ignore[union-attr]
    assert stamper("postgresql")(athens).tzinfo == UTC
    assert read_time(athens) == athens and read_time(None) is None


def test_json_is_stored_as_text_and_read_whether_or_not_the_driver_decoded_it() -> None:
    assert json_text({"ok": "ναι"}) == '{"ok":"ναι"}'
    assert json_text(None) == "null"  # as SQLAlchemy's JSON type stores None
    assert read_json('{"ok":"ναι"}') == {"ok": "ναι"}
    assert read_json({"ok": True}) == {"ok": True}
    assert read_json("null") is None and read_json(None) is None
