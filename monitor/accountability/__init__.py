"""Accountability (问责): who is held to account for which customer, and what they answer.

Pure (plain values, no session, no clock): `periods` (the biweekly calendar), `timeline` (a day's state:
seen, not seen, unknown, not captured yet), `rule` (which sightings make an item).
With a session (the caller owns the transaction): `generate` (run the rule over a period and upsert its
items), `captures` (what was looked at), `items` (the one read model of items, their evidence, placements
and timelines: the item page, the report, the workbook and the mails all read it), `store` (periods),
`explanations`, `escalation`, `waivers`.
"""
