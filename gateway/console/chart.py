"""The overview's small chart: attempts per hour for 24 hours, stacked by outcome, as inline SVG.

Drawn on the server, so no script and no library; the numbers are also in the
text alternative beside it, for screen readers and for anyone who prefers text.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from gateway.console.overview import Queue
from gateway.states import Outcome

WIDTH, HEIGHT, BAR = 240, 48, 10
#: outcome → (CSS class, which the stylesheet colours with contrast ≥ 3:1 against white)
_CLASSES: dict[str, str] = {
    Outcome.SUCCEEDED: "ok",
    Outcome.TRANSIENT: "retry",
    Outcome.OUTCOME_UNKNOWN: "doubt",
}


def bars(queue: Queue, label: str) -> Markup:
    peak = max((sum(hour.values()) for hour in queue.hours), default=0) or 1
    parts = []
    for index, hour in enumerate(queue.hours):
        bottom = float(HEIGHT)
        for outcome in (*_CLASSES, "other"):
            if outcome == "other":
                number = sum(n for kind, n in hour.items() if kind not in _CLASSES)
            else:
                number = hour.get(outcome, 0)
            if not number:
                continue
            tall = max(1.0, number / peak * HEIGHT)
            bottom -= tall
            parts.append(
                f'<rect class="{_CLASSES.get(outcome, "other")}" x="{index * BAR}" '
                f'y="{bottom:.1f}" width="{BAR - 2}" height="{tall:.1f}"></rect>'
            )
    return Markup(
        f'<svg class="chart" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">'
        f"<title>{escape(label)}</title>"
        f'<line class="axis" x1="0" y1="{HEIGHT}" x2="{WIDTH}" y2="{HEIGHT}"></line>'
        + "".join(parts)
        + "</svg>"
    )
