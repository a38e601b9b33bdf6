"""Display labels for stored codes (statuses, reasons, slot kinds, day states), as translatable message ids.

Templates show `_(labels.item_status[code])`; the ids are marked with `N_` so that the extractor finds them.
The web app uses the same labels, so a status reads the same on a page, in a report and in a mail.
"""

from __future__ import annotations

from types import SimpleNamespace

from monitor.core.i18n import N_

ITEM_STATUS = {"open": N_("open"), "withdrawn": N_("withdrawn"), "waived": N_("waived")}
EXPLANATION_STATUS = {
    "missing": N_("not started"),  # the report's name for "no form yet"
    "not started": N_("not started"),  # the web app's
    "draft": N_("draft"),
    "submitted": N_("submitted"),
    "accepted": N_("accepted"),
    "sent_back": N_("sent back"),
}
SLOT_KIND = {"logo": N_("logo"), "banner": N_("banner")}
DAY_STATE = {
    "seen": N_("seen"),
    "not_seen": N_("not seen"),
    "unknown": N_("unknown (page or slot could not be captured)"),
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

# What templates receive as `labels`: `labels.item_status[code]` and so on.
REPORT_LABELS = SimpleNamespace(
    item_status=ITEM_STATUS,
    explanation_status=EXPLANATION_STATUS,
    slot_kind=SLOT_KIND,
    day_state=DAY_STATE,
    exclusion_reason=EXCLUSION_REASON,
    match_decision=MATCH_DECISION,
    level=LEVEL,
)
