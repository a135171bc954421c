"""Department specs read and resolved against ΙΡΙΔΑ's lists, without I/O."""

from __future__ import annotations

import pytest

from plugins.protocol.mapping import keys_folded
from plugins.protocol.recipients import DepartmentSpec, Recipient, parse_spec, resolve

POSITIONS = [
    keys_folded(p)
    for p in [
        {"PositionId": 101, "PositionName": "Τμήμα Εσόδων", "DutyId": 1, "DutyName": "Προϊστάμενος"},
        {"positionId": 106, "positionName": "Γραφείο Πρωτοκόλλου", "dutyId": 3, "dutyName": "Χειριστής", "unitName": "Δήμος Σερρών"},
        {"positionId": 106, "positionName": "Γραφείο Πρωτοκόλλου", "dutyId": 1, "dutyName": "Προϊστάμενος", "displayName": "Πρωτόκολλο (Προϊστάμενος)"},
    ]
]  # fmt: skip
ROOTS = [keys_folded({"Id": 7002, "Description": "Δήμος Δράμας"})]


@pytest.mark.parametrize(
    ("raw", "spec"),
    [
        ("101-1", DepartmentSpec("101-1", "inner", id="101-1")),
        (" 101 - 1 ", DepartmentSpec(" 101 - 1 ", "inner", id="101-1")),
        ("Τμήμα Εσόδων", DepartmentSpec("Τμήμα Εσόδων", "inner", name="Τμήμα Εσόδων")),
        ("Γραφείο Πρωτοκόλλου / Χειριστής", DepartmentSpec("Γραφείο Πρωτοκόλλου / Χειριστής", "inner", name="Γραφείο Πρωτοκόλλου", duty="Χειριστής")),
        ("root:7002", DepartmentSpec("root:7002", "root", id="7002")),
        ("ROOT: Δήμος Δράμας", DepartmentSpec("ROOT: Δήμος Δράμας", "root", name="Δήμος Δράμας")),
    ],
)  # fmt: skip
def test_specs(raw: str, spec: DepartmentSpec) -> None:
    assert parse_spec(raw) == spec


@pytest.mark.parametrize("raw", ["", "   ", "root:", "root:  ", "/ Χειριστής"])
def test_specs_that_name_nothing(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_spec(raw)


def test_resolving_by_id_name_duty_and_root() -> None:
    assert resolve(parse_spec("101-1"), POSITIONS, []) == Recipient(
        "inner", "101-1", "Τμήμα Εσόδων"
    )
    assert (
        resolve(parse_spec("ΤΜΗΜΑ ΕΣΟΔΩΝ"), POSITIONS, []).id == "101-1"
    )  # accents and case aside
    assert resolve(parse_spec("Γραφείο Πρωτοκόλλου / ΧΕΙΡΙΣΤΗΣ"), POSITIONS, []).id == "106-3"
    assert (
        resolve(parse_spec("Πρωτόκολλο (Προϊστάμενος)"), POSITIONS, []).id == "106-1"
    )  # displayName
    assert resolve(parse_spec("δήμος σερρών / Χειριστής"), POSITIONS, []).id == "106-3"  # unitName
    assert resolve(parse_spec("root:δημος δραμας"), [], ROOTS) == Recipient(
        "root", "7002", "Δήμος Δράμας"
    )
    assert resolve(parse_spec("root:7002"), [], ROOTS).id == "7002"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("Γραφείο Πρωτοκόλλου", 'names 2 positions with different duties (Προϊστάμενος, Χειριστής); write "Γραφείο Πρωτοκόλλου / DUTY"'),
        ("Αρχείο", "no inner position named 'Αρχείο'; ΙΡΙΔΑ's positions: "),
        ("999-1", "no inner position '999-1'"),
        ("root:Δήμος Κιλκίς", "no root (organisation) 'root:Δήμος Κιλκίς'; ΙΡΙΔΑ's roots: Δήμος Δράμας (7002)"),
    ],
)  # fmt: skip
def test_what_cannot_be_resolved_says_what_there_is(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=None) as caught:
        resolve(parse_spec(raw), POSITIONS, ROOTS)
    assert message in str(caught.value)
