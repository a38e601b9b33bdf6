"""Labels the pages show for stored codes, as translatable message ids (marked with `N_` for extraction).

Templates get them as `labels`: `_(labels.capture_status[code])`. Item and form statuses, day states,
match decisions and exclusion reasons are the report's (`monitor.core.labels`), so a status reads the
same everywhere.
"""

from __future__ import annotations

from types import SimpleNamespace

from monitor.core import labels as report_labels
from monitor.core.i18n import N_

NOT_CAPTURED = "not captured"
CAPTURE_STATUS = {
    "ok": N_("ok"),
    "http_error": N_("HTTP error"),
    "timeout": N_("timeout"),
    "blocked": N_("blocked"),
    "parse_error": N_("parse error"),
    NOT_CAPTURED: N_("not captured"),
}
REVIEW_DECISION = {"accept": N_("accepted"), "send_back": N_("sent back")}
# The item page's timeline (monitor.accountability.items.DayState values).
TIMELINE_DAY = {"seen": N_("seen"), "not seen": N_("not seen"), "unknown": N_("unknown")}
ALERT_KIND = {
    "page_failed": N_("page could not be seen"),
    "slot_missing": N_("slot not found (layout change?)"),
    "slot_empty": N_("slot yielded no ads"),
    "slot_low": N_("slot yielded far fewer ads than usual"),
}

WEB_LABELS = SimpleNamespace(
    **vars(report_labels.REPORT_LABELS),
    capture_status=CAPTURE_STATUS,
    review_decision=REVIEW_DECISION,
    timeline_day=TIMELINE_DAY,
    alert_kind=ALERT_KIND,
)
