"""`[plugins.protocol]`: each driver's credentials, departments, bad values reported with their keys."""

from __future__ import annotations

import pytest

from gateway.config import ConfigError
from plugins.protocol.settings import DEFAULT_DEPARTMENTS
from tests.support.settings import build_settings

ROUTES = [{"type": "request.submitted", "plugins": ["protocol"]}]


def problems(section: dict) -> list[str]:  # type: ignore[type-arg]
    with pytest.raises(ConfigError) as caught:
        build_settings("sqlite+aiosqlite:///x.db", {"protocol": section}, ROUTES)
    return [str(p) for p in caught.value.problems]


def test_defaults_and_partial_department_map() -> None:
    settings = build_settings(
        "sqlite+aiosqlite:///x.db",
        {
            "protocol": {
                "url": "http://r.test/api/v1/",
                "token": "t",
                "departments": {"everyday_report": "Τμήμα Πρασίνου"},
            }
        },
        ROUTES,
    )
    protocol = settings.plugins["protocol"]
    assert protocol.driver == "rest" and protocol.registry == "e-protocol"
    assert protocol.url == "http://r.test/api/v1"
    assert protocol.departments == {**DEFAULT_DEPARTMENTS, "everyday_report": "Τμήμα Πρασίνου"}


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"url": "http://r.test"}, "driver rest needs token"),
        ({"driver": "irida", "url": "http://r.test", "username": "u"}, "needs username and password"),
        ({"driver": "soap", "url": "http://r.test", "token": "t"}, "plugins.protocol.driver"),
        ({"url": "ftp://r.test", "token": "t"}, "plugins.protocol.url"),
        ({"url": "http://r.test", "token": "t", "departments": {"parking": "X"}}, "unknown request type(s): parking"),
        ({"url": "http://r.test", "token": "t", "departments": {"fee_exemption": " "}}, "empty department for: fee_exemption"),
        ({"url": "http://r.test", "token": "t", "colour": "red"}, "plugins.protocol.colour"),
        ({"driver": "irida", "url": "http://r.test", "username": "u", "password": "p", "verify_by_inbox": False}, "verify_by_inbox was removed: ΙΡΙΔΑ's inbox lists replies"),
        ({"driver": "irida", "url": "http://r.test", "username": "u", "password": "p", "departments": {"fee_exemption": "root:"}}, 'fee_exemption: "root:" needs a root id or description'),
        ({"driver": "irida", "url": "http://r.test", "username": "u", "password": "p", "departments": {"fee_exemption": "/ Προϊστάμενος"}}, "names no position"),
        ({"driver": "irida", "url": "http://r.test", "username": "u", "password": "p", "health_interval": -1}, "plugins.protocol.health_interval"),
    ],
)  # fmt: skip
def test_bad_sections_name_the_key(section, expected) -> None:  # type: ignore[no-untyped-def]
    found = problems(section)
    assert any(expected in p for p in found), found
