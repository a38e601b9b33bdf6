"""Display labels for stored codes (statuses, reasons, slot kinds, day states), as translatable message ids.

Templates show `_(labels.item_status[code])`; the ids are marked with `N_` so that the extractor finds them.
The web app, the report and the mails use this one table, so a status reads the same everywhere.
"""

from __future__ import annotations

from types import SimpleNamespace

from monitor.core.i18n import N_

ITEM_STATUS = {"open": N_("open"), "withdrawn": N_("withdrawn"), "waived": N_("waived")}
EXPLANATION_STATUS = {
    "not_started": N_("not started"),  # no form yet (monitor.accountability.items.NOT_STARTED)
    "draft": N_("draft"),
    "submitted": N_("submitted"),
    "accepted": N_("accepted"),
    "sent_back": N_("sent back"),
}
SLOT_KIND = {"logo": N_("logo"), "banner": N_("banner")}
# monitor.accountability.timeline.DayState values.
DAY_STATE = {
    "seen": N_("seen"),
    "not_seen": N_("not seen"),
    "unknown": N_("unknown (page or slot could not be captured)"),
    "pending": N_("not captured yet"),
}
EXCLUSION_REASON = {
    "house_ad": N_("competitor's own ad"),
    "match_pending": N_("match waiting for review"),
    "not_matched": N_("not matched to a customer"),
    "match_rejected": N_("match rejected"),
    "not_ka": N_("no longer a KA customer"),
    "unassigned": N_("no rep owned the customer that day"),
    "deal_covers": N_("a deal with us covers the days"),
    "sighting_removed": N_("evidence removed"),
    "outside_period": N_("outside the period"),
}
MATCH_DECISION = {
    "auto": N_("matched automatically"),
    "review": N_("waiting for review"),
    "none": N_("no match"),
    "confirmed": N_("confirmed"),
    "rejected": N_("rejected"),
}
LEVEL = {"company": N_("Company"), "branch": N_("Branch"), "team": N_("Team"), "rep": N_("Rep")}
CAPTURE_STATUS = {
    "ok": N_("ok"),
    "http_error": N_("HTTP error"),
    "timeout": N_("timeout"),
    "blocked": N_("blocked"),
    "parse_error": N_("parse error"),
    "not captured": N_("not captured"),
}
# A page of a distributed crawl (models.enums.PageTaskStatus).
PAGE_TASK_STATUS = {
    "open": N_("waiting for a worker"),
    "claimed": N_("being crawled"),
    "done": N_("stored"),
    "failed": N_("given up"),
}
REVIEW_DECISION = {"accept": N_("accepted"), "send_back": N_("sent back")}
ALERT_KIND = {
    "page_failed": N_("page could not be seen"),
    "slot_missing": N_("slot not found (layout change?)"),
    "slot_empty": N_("slot yielded no ads"),
    "slot_low": N_("slot yielded far fewer ads than usual"),
    "run_failed": N_("crawl run failed"),
    "run_stopped": N_("crawl run stopped before it finished"),
    "run_abandoned": N_("crawl run abandoned (its process is gone)"),
}
ROLE = {"rep": N_("rep"), "manager": N_("manager"), "office": N_("office"), "admin": N_("admin")}
AUDIT_ACTION = {
    "account_created": N_("account created"),
    "account_disabled": N_("account disabled"),
    "account_enabled": N_("account enabled"),
    "account_unlocked": N_("sign-in unlocked"),
    "role_changed": N_("role changed"),
    "team_changed": N_("team changed"),
    "password_reset_sent": N_("password link sent (old password cleared, signed out)"),
    "password_set": N_("password set with the mailed link"),
    "password_changed": N_("password changed by its owner"),
    "password_set_by_operator": N_("password set on the command line"),
    "signed_out_everywhere": N_("signed out everywhere"),
}

MAIL_STATUS = {
    "queued": N_("queued"),
    "sending": N_("being sent"),
    "sent": N_("sent"),
    "failed": N_("failed"),
}

MAIL_KIND = {"rep": N_("rep"), "manager": N_("manager"), "escalation": N_("escalation")}

# What templates (pages, the report, mails) receive as `labels`: `labels.item_status[code]` and so on.
LABELS = SimpleNamespace(
    item_status=ITEM_STATUS,
    explanation_status=EXPLANATION_STATUS,
    slot_kind=SLOT_KIND,
    day_state=DAY_STATE,
    exclusion_reason=EXCLUSION_REASON,
    match_decision=MATCH_DECISION,
    level=LEVEL,
    capture_status=CAPTURE_STATUS,
    page_task_status=PAGE_TASK_STATUS,
    review_decision=REVIEW_DECISION,
    alert_kind=ALERT_KIND,
    role=ROLE,
    audit_action=AUDIT_ACTION,
    mail_status=MAIL_STATUS,
    mail_kind=MAIL_KIND,
)
