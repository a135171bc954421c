"""`make demo` runs its story to the end on a fresh database and says what happened."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from plugins.protocol.settings import REQUEST_TYPES
from tests.support.process import ROOT

pytestmark = pytest.mark.slow


def test_demo_tells_every_story_and_stops_cleanly() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "demo"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    out = run.stdout
    for request_type in REQUEST_TYPES:
        assert f"({request_type}): done" in out
    assert (
        len(re.findall(r"\d{2}\.\d{3}  protocol number \d+/\d{2}-\d{2}-\d{4} \(irida\)", out)) == 6
    )
    assert "fee exemption: ΚΑΦΕΝΕΙΟ Η ΠΛΑΤΕΙΑ ΙΚΕ ELIGIBLE" in out
    assert "debts look-up for ******216: owes 12.05 EUR for ΤΑΠ" in out
    assert "(el/request_completed_staff)" in out and "(en/request_registered)" in out
    assert "«Απόδειξη είσπραξης ΓΡ-2026-000001: 125,40 €»" in out
    # the ASEP story: ranked, the e-mail says so, and a later candidate moves the first one down
    assert "ranked 1 of 1 in ΣΟΧ 1/2026 with 2000.00 points (provisional)" in out
    assert "(el/application_ranked)" in out
    assert re.search(r"ranking look-up of REQ-2026-0004 .*→ 200: now 2 of 2 with 2000.00", out)
    # the follower story: each change mails every follower once; the link's token unfollows
    assert (
        "status in_progress: e-mails to m***@example.gr, n***@example.gr, j***@example.com" in out
    )
    assert "j***@example.com clicks the unfollow link: removed" in out
    assert "status completed: e-mails to m***@example.gr, k***@serres.gr, n***@example.gr" in out
    # the citizen's choice of the platform only, then a clerk's change of it
    assert "protocol number e-mail: no e-mail; not sent: the citizen chose the platform only" in out
    assert 'sets notify = ["email"]: e-mails to m***@example.gr' in out
    assert "E-mails in the mock inbox: 22" in out
    assert "maria.papadopoulou" not in out  # addresses are masked
    assert "every application and payment went all the way" in out
    # a DIAS payment: GENESIS imports it from the bank's file, so it is not posted twice
    assert "not posted to GENESIS: dias payments are not in post_channels" in out
    assert re.search(
        r"Reconciliation of \d{4}-\d{2}-\d{2}: 2 matched, 0 missing in GENESIS, 0 amount mismatch, "
        r"0 unknown to the portal \(report payments-\d{4}-\d{2}-\d{2}\.csv; payment\.reconciled → webhook\)",
        out,
    ), out[-1500:]
