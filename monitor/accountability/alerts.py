"""Same-day alerts: each rep hears the day a customer of theirs starts advertising with a competitor.

After a day's crawl and matching, `detect_alerts` writes one `AdAlert` per (day, customer, competitor
site) for a customer matched (automatically or by a person) and seen on that site that day, but not in
the `gap_days` before: a first sighting, or back after a gap. `queue_alerts` then renders, per rep and per
team, one message per channel (the rep's or manager's mail, the chat robots of the settings) listing the
alerts not yet in a message to that channel (a later run the same day sends only what is new: a new
`round`), split to the channel's size limit. `send_alerts` claims each queued message with a conditional
UPDATE, sends it with no transaction open, paced to the robot's rate limit, tries again after a rate-limit
answer or a network fault, and records `sent` or `failed` with the error (logged): a failed message is
sent again by the next run, a sent one never. A crash while sending leaves a claim that the next run
takes over once older than `CLAIM_LEASE` (at least once, never lost).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from models import (
    AdAlert,
    AdvertiserMatch,
    AlertMessage,
    Assignment,
    Customer,
    Rep,
    Sighting,
    Team,
)
from models.enums import MatchDecision
from models.joins import slot_place
from models.sites import Page, Site, Slot
from monitor.core.chat import ChatError, ChatUrlError, Pacer, Robot, parse_robot, post_text, split_text
from monitor.core.evidence import open_evidence_store
from monitor.core.i18n import translator
from monitor.core.locks import job_lock
from monitor.core.settings import Settings
from monitor.core.siteconfig import PlaceNames, load_place_names

log = logging.getLogger("rivalwatch.alerts")

REP, TEAM = "rep", "team"
FIRST, BACK = "first", "back"
QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
MAIL = "mail"
CLAIM_LEASE = dt.timedelta(minutes=15)
MAIL_LIMIT_BYTES = 200_000
MAIL_THUMBNAILS = 12  # inline images a mail carries at most
_MATCHED = (MatchDecision.AUTO, MatchDecision.CONFIRMED)
_ONE_MAIL_FAILURES = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)
_SERVER_FAULT = "mail server: "

SendMail = Callable[[EmailMessage], Any]
PostChat = Callable[[Robot, str, str], None]  # (robot, title, text); raises ChatError


# --- detection ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Seen:
    customer_id: int
    site_id: int
    slot_id: int
    sighting_id: int


def detect_alerts(session: Session, day: dt.date, gap_days: int) -> list[AdAlert]:
    """Write the day's new alerts (none twice) and return them; reads only `day` and the look-back."""
    today = _seen_on(session, day)
    if not today:
        return []
    customers = {seen.customer_id for seen in today.values()}
    recent = _seen_between(session, customers, day - dt.timedelta(days=gap_days), day - dt.timedelta(days=1))
    earlier = _last_seen_before(session, customers, day - dt.timedelta(days=gap_days))
    existing = set(
        session.execute(
            select(AdAlert.customer_id, AdAlert.site_id).where(
                AdAlert.day == day, AdAlert.customer_id.in_(customers)
            )
        )
    )
    owners = _owners(session, customers, day)
    created = []
    for key, seen in sorted(today.items()):
        if key in recent or key in existing:
            continue
        rep_id, team_id = owners.get(seen.customer_id, (None, None))
        before = earlier.get(key)
        alert = AdAlert(
            day=day,
            customer_id=seen.customer_id,
            site_id=seen.site_id,
            slot_id=seen.slot_id,
            sighting_id=seen.sighting_id,
            rep_id=rep_id,
            team_id=team_id,
            reason=BACK if before else FIRST,
            last_seen_before=before,
        )
        session.add(alert)
        created.append(alert)
    session.flush()
    return created


def _matched_sightings(*columns: Any) -> Any:
    statement = (
        select(*columns)
        .select_from(Sighting)
        .join(AdvertiserMatch, AdvertiserMatch.advertiser_id == Sighting.advertiser_id)
        .join(Slot, Slot.id == Sighting.slot_id)
        .join(Page, Page.id == Slot.page_id)
        .where(
            AdvertiserMatch.decision.in_(_MATCHED),
            AdvertiserMatch.customer_id.is_not(None),
            Sighting.is_house_ad.is_(False),
        )
    )
    return statement


def _seen_on(session: Session, day: dt.date) -> dict[tuple[int, int], _Seen]:
    """(customer, site) -> the first sighting of the day (by site, page, slot, position)."""
    rows = session.execute(
        _matched_sightings(AdvertiserMatch.customer_id, Page.site_id, Sighting.slot_id, Sighting.id)
        .where(Sighting.seen_date == day)
        .order_by(Page.site_id, Page.id, Sighting.slot_id, Sighting.position, Sighting.id)
    )
    seen: dict[tuple[int, int], _Seen] = {}
    for customer_id, site_id, slot_id, sighting_id in rows:
        seen.setdefault((customer_id, site_id), _Seen(customer_id, site_id, slot_id, sighting_id))
    return seen


def _seen_between(
    session: Session, customers: set[int], first: dt.date, last: dt.date
) -> set[tuple[int, int]]:
    rows = session.execute(
        _matched_sightings(AdvertiserMatch.customer_id, Page.site_id)
        .where(Sighting.seen_date.between(first, last), AdvertiserMatch.customer_id.in_(customers))
        .distinct()
    )
    return set(rows)


def _last_seen_before(
    session: Session, customers: set[int], before: dt.date
) -> dict[tuple[int, int], dt.date]:
    rows = session.execute(
        _matched_sightings(AdvertiserMatch.customer_id, Page.site_id, func.max(Sighting.seen_date))
        .where(Sighting.seen_date < before, AdvertiserMatch.customer_id.in_(customers))
        .group_by(AdvertiserMatch.customer_id, Page.site_id)
    )
    return {(customer, site): last for customer, site, last in rows}


def _owners(session: Session, customers: set[int], day: dt.date) -> dict[int, tuple[int, int | None]]:
    rows = session.execute(
        select(Assignment.customer_id, Rep.id, Rep.team_id)
        .join(Rep, Rep.id == Assignment.rep_id)
        .where(
            Assignment.customer_id.in_(customers),
            Assignment.start_date <= day,
            or_(Assignment.end_date.is_(None), Assignment.end_date >= day),
        )
    )
    return {customer: (rep, team) for customer, rep, team in rows}


# --- the day's alerts as people read them ---------------------------------------------------------------


@dataclass(frozen=True)
class AlertRow:
    id: int
    day: dt.date
    customer_code: str
    customer_name: str
    site_display_name: str
    page_key: str
    slot_name: str
    reason: str
    last_seen_before: dt.date | None
    sighting_id: int | None
    thumbnail_sha256: str | None
    rep_code: str | None
    rep_name: str | None
    team_code: str | None
    team_name: str | None
    team_parent_id: int | None
    team_id: int | None
    slot_label: str  # the page and the slot, by their display names


def alert_rows(
    session: Session,
    first: dt.date,
    last: dt.date,
    alert_ids: Sequence[int] | None = None,
    names: PlaceNames | None = None,
) -> list[AlertRow]:
    """The alerts of the days `first`..`last` (or just `alert_ids`), oldest first, with names to show
    (`names`: the site configs' display names of sites, pages and slots)."""
    statement = slot_place(
        select(
            AdAlert.id,
            AdAlert.day,
            Customer.code,
            Customer.name,
            Site.display_name,
            Page.key,
            Slot.name,
            AdAlert.reason,
            AdAlert.last_seen_before,
            AdAlert.sighting_id,
            Sighting.element_screenshot_sha256,
            Rep.code,
            Rep.name,
            Team.code,
            Team.name,
            Team.parent_id,
            Team.id,
            Site.name,
            Slot.kind,
            Page.url,
        )
        .join(Customer, Customer.id == AdAlert.customer_id)
        .outerjoin(Sighting, Sighting.id == AdAlert.sighting_id)
        .outerjoin(Rep, Rep.id == AdAlert.rep_id)
        .outerjoin(Team, Team.id == AdAlert.team_id),
        AdAlert.slot_id,
    ).where(AdAlert.day.between(first, last))
    if alert_ids is not None:
        statement = statement.where(AdAlert.id.in_(alert_ids))
    names = names or PlaceNames()
    rows = []
    for *values, site, kind, url in session.execute(statement.order_by(AdAlert.day, AdAlert.id)):
        values[4] = names.site(site, values[4])  # the site's display name
        where = names.page_and_slot(site, values[5], values[6], kind.value, url)
        rows.append(AlertRow(*values, where))  # type: ignore[call-arg, arg-type]
    return rows


# --- planning and queueing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    key: str  # "mail:ADDRESS" or the robot's key
    label: str  # what the office sees
    robot: Robot | None  # None: mail
    address: str | None = None


@dataclass(frozen=True)
class Audience:
    kind: str  # rep or team
    code: str
    name: str
    alerts: tuple[AlertRow, ...]
    channels: tuple[Channel, ...]


def audiences(session: Session, settings: Settings, rows: Sequence[AlertRow]) -> list[Audience]:
    """Each rep with alerts, and each team (a team's alerts also go to its branch), with their channels."""
    config = settings.alerts
    by_rep: dict[str, list[AlertRow]] = defaultdict(list)
    by_team: dict[int, list[AlertRow]] = defaultdict(list)
    for row in rows:
        if row.rep_code is not None:
            by_rep[row.rep_code].append(row)
        if row.team_id is not None:
            by_team[row.team_id].append(row)
            if row.team_parent_id is not None:
                by_team[row.team_parent_id].append(row)
    reps = {
        code: (name, email)
        for code, name, email in session.execute(
            select(Rep.code, Rep.name, Rep.email).where(Rep.code.in_(by_rep))
        )
    }
    teams = {
        team_id: (code, name, email)
        for team_id, code, name, email in session.execute(
            select(Team.id, Team.code, Team.name, Team.manager_email).where(Team.id.in_(by_team))
        )
    }
    result = []
    for code, alerts in sorted(by_rep.items()):
        name, email = reps[code]
        channels = _channels(email if config.mail else None, config.rep_channels.get(code, []), f"rep {code}")
        result.append(Audience(REP, code, name, tuple(alerts), channels))
    for team_id, alerts in sorted(by_team.items(), key=lambda entry: teams[entry[0]][0]):
        code, name, email = teams[team_id]
        channels = _channels(
            email if config.mail else None, config.team_channels.get(code, []), f"team {code}"
        )
        result.append(Audience(TEAM, code, name, tuple(alerts), channels))
    return result


def _channels(email: str | None, urls: Sequence[str], owner: str) -> tuple[Channel, ...]:
    channels = []
    address = (email or "").strip().lower()
    if "@" in address:
        channels.append(Channel(f"{MAIL}:{address}"[:64], address, None, address))
    for url in urls:
        try:
            robot = parse_robot(url)
        except ChatUrlError as exc:
            log.error("alert channel unusable", extra={"owner": owner, "error": str(exc)})
            continue
        channels.append(Channel(robot.key, robot.label, robot))
    return tuple(channels)


def queue_alerts(session: Session, settings: Settings, day: dt.date, now: dt.datetime) -> int:
    """Queue a message per audience and channel for the day's alerts not in one yet; how many parts."""
    names = load_place_names(settings.sites_dir).translated(translator(settings.language).gettext)
    rows = alert_rows(session, day, day, names=names)
    covered = _covered(session, day)
    queued = 0
    for audience in audiences(session, settings, rows):
        for channel in audience.channels:
            done_round, done_up_to = covered.get((audience.kind, audience.code, channel.key), (0, 0))
            fresh = [row for row in audience.alerts if row.id > done_up_to]
            if not fresh:
                continue
            texts = render(settings, audience, fresh, channel)
            thumbs = " ".join(dict.fromkeys(r.thumbnail_sha256 for r in fresh if r.thumbnail_sha256))
            for part, text in enumerate(texts, start=1):
                session.add(
                    AlertMessage(
                        day=day,
                        audience=audience.kind,
                        target=audience.code,
                        channel_key=channel.key,
                        channel=channel.label,
                        round=done_round + 1,
                        part=part,
                        parts=len(texts),
                        alerts=len(fresh),
                        last_alert_id=max(row.id for row in fresh),
                        subject=text.split("\n", 1)[0][:300],
                        body=text,
                        thumbnails=(thumbs or None) if channel.robot is None else None,
                        status=QUEUED,
                        queued_at=now,
                    )
                )
                queued += 1
    session.flush()
    return queued


def _covered(session: Session, day: dt.date) -> dict[tuple[str, str, str], tuple[int, int]]:
    """(audience, target, channel) -> (last round, the newest alert id it covered)."""
    rows = session.execute(
        select(
            AlertMessage.audience,
            AlertMessage.target,
            AlertMessage.channel_key,
            func.max(AlertMessage.round),
            func.max(AlertMessage.last_alert_id),
        )
        .where(AlertMessage.day == day)
        .group_by(AlertMessage.audience, AlertMessage.target, AlertMessage.channel_key)
    )
    return {(kind, target, key): (round_, up_to) for kind, target, key, round_, up_to in rows}


def render(settings: Settings, audience: Audience, rows: Sequence[AlertRow], channel: Channel) -> list[str]:
    """The message's texts (one per part) in the settings' language, split to the channel's limit."""
    _ = translator(settings.language).gettext
    day = rows[0].day
    count = len({row.customer_code for row in rows})
    if audience.kind == REP:
        header = _(
            "Rivalwatch %(day)s: %(count)d of %(name)s's customers started advertising with a competitor"
        )
    else:
        header = _(
            "Rivalwatch %(day)s: %(count)d customers of team %(name)s started advertising with a competitor"
        )
    header = header % {"day": day.isoformat(), "count": count, "name": audience.name}
    base = settings.base_url.rstrip("/")
    lines = []
    for row in rows:
        if row.reason == BACK and row.last_seen_before:
            why = _("back after a gap (last seen %(date)s)") % {"date": row.last_seen_before.isoformat()}
        else:
            why = _("first sighting")
        owner = "" if audience.kind == REP or not row.rep_name else f" · {row.rep_name}"
        lines.append(f"• {row.customer_name}{owner} — {row.site_display_name} · {row.slot_label} · {why}")
        if row.sighting_id is not None and row.thumbnail_sha256:
            lines.append(
                "  "
                + _("Thumbnail: %(url)s") % {"url": f"{base}/evidence/sighting/{row.sighting_id}/element"}
            )
        lines.append("  " + _("Item page: %(url)s") % {"url": f"{base}/alerts/{row.id}"})
    limit = MAIL_LIMIT_BYTES if channel.robot is None else channel.robot.limit_bytes
    return split_text(header, _grouped(lines), limit)


def _grouped(lines: list[str]) -> list[str]:
    """Keep an alert's lines together when a message is split: one string per alert."""
    groups: list[str] = []
    for line in lines:
        if line.startswith("•") or not groups:
            groups.append(line)
        else:
            groups[-1] += "\n" + line
    return groups


# --- sending --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    sent: int
    failed: tuple[tuple[str, str], ...]  # (channel label, error)
    skipped: int  # sent, or being sent, by another run


def send_alerts(
    session: Session,
    settings: Settings,
    day: dt.date | None,
    now: Callable[[], dt.datetime],
    send_mail: SendMail,
    post_chat: PostChat | None = None,
    pacer: Pacer | None = None,
    sleep: Callable[[float], None] | None = None,
) -> SendResult:
    """Send the queued (and failed) messages of `day` (None: of every day), each at most once.

    Commits per message; no transaction is open while one is sent.
    """
    import time

    pacer = pacer or Pacer()
    sleep = sleep or time.sleep
    post = post_chat or (
        lambda robot, title, text: post_text(robot, title, text, settings.alerts.robot_base_url)
    )
    robots = _configured_robots(settings)
    statement = select(AlertMessage.id).where(AlertMessage.status.in_((QUEUED, FAILED, SENDING)))
    if day is not None:
        statement = statement.where(AlertMessage.day == day)
    ids = list(session.scalars(statement.order_by(AlertMessage.id)))
    session.rollback()
    sent, skipped = 0, 0
    failed: list[tuple[str, str]] = []
    broken: dict[str, str] = {}  # a robot (or the mail server) that failed all its tries: left for next run
    for row_id in ids:
        message = _claim(session, row_id, now())
        if message is None:
            skipped += 1
            continue
        route = MAIL if message.channel_key.startswith(f"{MAIL}:") else message.channel_key
        if route in broken:
            error: str | None = f"not tried after an earlier failure: {broken[route]}"
        else:
            error = _deliver(settings, message, robots, send_mail, post, pacer, sleep)
            if error is not None and (route != MAIL or error.startswith(_SERVER_FAULT)):
                broken[route] = error
        if error is None:
            _record(session, row_id, status=SENT, sent_at=now(), body=None, error=None)
            sent += 1
        else:
            log.warning("alert message not sent", extra={"channel": message.channel, "error": error})
            _record(session, row_id, status=FAILED, error=error)
            failed.append((message.channel, error))
    return SendResult(sent, tuple(failed), skipped)


def _configured_robots(settings: Settings) -> dict[str, Robot]:
    robots = {}
    for urls in [*settings.alerts.rep_channels.values(), *settings.alerts.team_channels.values()]:
        for url in urls:
            try:
                robot = parse_robot(url)
            except ChatUrlError:
                continue
            robots[robot.key] = robot
    return robots


@dataclass(frozen=True)
class _Claimed:
    channel_key: str
    channel: str
    subject: str
    body: str
    thumbnails: tuple[str, ...]


def _claim(session: Session, row_id: int, now: dt.datetime) -> _Claimed | None:
    stale = now - CLAIM_LEASE
    claimed = session.execute(
        update(AlertMessage)
        .where(
            AlertMessage.id == row_id,
            or_(
                AlertMessage.status.in_((QUEUED, FAILED)),
                and_(AlertMessage.status == SENDING, AlertMessage.claimed_at < stale),
            ),
        )
        .values(status=SENDING, claimed_at=now, attempts=AlertMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return None
    row = session.execute(
        select(
            AlertMessage.channel_key,
            AlertMessage.channel,
            AlertMessage.subject,
            AlertMessage.body,
            AlertMessage.thumbnails,
        ).where(AlertMessage.id == row_id)
    ).one()
    session.commit()
    return _Claimed(row[0], row[1], row[2], row[3] or "", tuple((row[4] or "").split()))


def _deliver(
    settings: Settings,
    message: _Claimed,
    robots: dict[str, Robot],
    send_mail: SendMail,
    post: PostChat,
    pacer: Pacer,
    sleep: Callable[[float], None],
) -> str | None:
    """Send one claimed message (no transaction open): None, or the last error."""
    config = settings.alerts
    robot = robots.get(message.channel_key)
    if robot is None and not message.channel_key.startswith(f"{MAIL}:"):
        return "channel no longer configured"
    wait = config.retry_seconds
    for attempt in range(config.retries + 1):
        try:
            if robot is None:
                send_mail(_mail(settings, message))
            else:
                pacer.wait(robot.key, robot.per_minute)
                post(robot, message.subject, message.body)
            return None
        except ChatError as exc:
            error, retry = str(exc), exc.retry
        except _ONE_MAIL_FAILURES as exc:  # this address refused: no use trying again now
            error, retry = f"{exc.__class__.__name__}: {exc}", False
        except OSError as exc:  # the mail server unreachable, or gone mid-way
            error, retry = f"{_SERVER_FAULT}{exc.__class__.__name__}: {exc}", True
        log.info(
            "alert send failed", extra={"channel": message.channel, "attempt": attempt + 1, "error": error}
        )
        if not retry or attempt == config.retries:
            return error
        sleep(wait)
        wait *= 2
    return None  # pragma: no cover - the loop returns


def _mail(settings: Settings, message: _Claimed) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = settings.smtp.sender
    mail["To"] = message.channel
    mail["Subject"] = message.subject
    mail.set_content(message.body)
    images = _thumbnails(settings, message.thumbnails)
    if images:
        from html import escape

        tags = "".join(
            f'<img src="cid:{cid}" alt="" style="max-width:240px;margin:4px">' for cid, _ in images
        )
        html = f'<pre style="font-family:sans-serif;white-space:pre-wrap">{escape(message.body)}</pre>{tags}'
        mail.add_alternative(html, subtype="html")
        payload = mail.get_payload()
        assert isinstance(payload, list)
        html_part = payload[-1]
        assert isinstance(html_part, EmailMessage)
        for cid, data in images:
            html_part.add_related(data, "image", "png", cid=f"<{cid}>")
    return mail


def _thumbnails(settings: Settings, shas: Sequence[str]) -> list[tuple[str, bytes]]:
    from PIL import Image

    store = open_evidence_store(settings)
    images = []
    for sha in shas[:MAIL_THUMBNAILS]:
        try:
            with Image.open(io.BytesIO(store.read(sha))) as picture:
                picture.thumbnail((240, 120))
                out = io.BytesIO()
                picture.convert("RGB").save(out, format="PNG")
        except (OSError, ValueError, KeyError):
            continue  # a pruned or unreadable file: the text still says where it was seen
        images.append((f"{sha[:24]}@rivalwatch", out.getvalue()))
    return images


def _record(session: Session, row_id: int, **values: Any) -> None:
    session.execute(
        update(AlertMessage)
        .where(AlertMessage.id == row_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()


# --- the office's view ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageRow:
    day: dt.date
    audience: str
    target: str
    channel: str
    part: int
    parts: int
    alerts: int
    status: str
    attempts: int
    error: str | None
    sent_at: dt.datetime | None


def message_rows(session: Session, first: dt.date, last: dt.date) -> list[MessageRow]:
    rows = session.execute(
        select(
            AlertMessage.day,
            AlertMessage.audience,
            AlertMessage.target,
            AlertMessage.channel,
            AlertMessage.part,
            AlertMessage.parts,
            AlertMessage.alerts,
            AlertMessage.status,
            AlertMessage.attempts,
            AlertMessage.error,
            AlertMessage.sent_at,
        )
        .where(AlertMessage.day.between(first, last))
        .order_by(AlertMessage.day.desc(), AlertMessage.audience, AlertMessage.target, AlertMessage.id)
    )
    return [MessageRow(*row) for row in rows]


# --- the one workflow the CLI, the daily job and the demo call ------------------------------------------


@dataclass(frozen=True)
class AlertRun:
    day: dt.date
    alerts: int  # written by this run
    queued: int  # message parts queued by this run
    result: SendResult


def run_alerts(
    factory: Callable[[], Session],
    settings: Settings,
    day: dt.date,
    now: Callable[[], dt.datetime],
    send_mail: SendMail,
    post_chat: PostChat | None = None,
) -> AlertRun:
    """Detect the day's alerts and queue their messages (one short transaction each), then send every
    message still queued or failed, of this day or an earlier one (a failure goes out with the next run)."""
    # One run at a time on this machine (two would number the same round); sending is safe anyway (claims).
    with job_lock(settings, "alerts"), factory() as session:
        alerts = len(detect_alerts(session, day, settings.alerts.gap_days))
        session.commit()
        queued = queue_alerts(session, settings, day, now())
        session.commit()
        result = send_alerts(session, settings, None, now, send_mail, post_chat)
    return AlertRun(day, alerts, queued, result)
