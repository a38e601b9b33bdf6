"""Who may see what: reps their own items, managers their team and its child teams, the office everything.

Out-of-scope objects are reported as missing (404), so that ids of other people's items reveal nothing.
"""

from __future__ import annotations

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from models import AccountabilityItem, Explanation, ItemEvidence, Rep, Sighting, Team, User
from models.enums import Role

OFFICE_ROLES = frozenset({Role.OFFICE, Role.ADMIN})
REVIEW_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


class NotInScope(Exception):
    """The object does not exist or the user may not see it (both answer 404)."""


class RoleForbidden(Exception):
    """The user's role may never use this page (answers 403)."""


def team_ids_under(session: Session, team_id: int) -> set[int]:
    """`team_id` and every team below it."""
    found = {team_id}
    frontier = {team_id}
    while frontier:
        children = set(session.scalars(select(Team.id).where(Team.parent_id.in_(frontier))))
        frontier = children - found
        found |= frontier
    return found


def visible_rep_ids(session: Session, user: User) -> set[int] | None:
    """The reps whose items `user` may read; None means all of them."""
    if user.role in OFFICE_ROLES:
        return None
    if user.role == Role.REP:
        return {user.rep_id} if user.rep_id is not None else set()
    if user.team_id is None:
        return set()
    teams = team_ids_under(session, user.team_id)
    return set(session.scalars(select(Rep.id).where(Rep.team_id.in_(teams))))


def restrict_items(statement: Select, session: Session, user: User) -> Select:  # type: ignore[type-arg]
    """`statement` over AccountabilityItem limited to what `user` may read.

    A rep reads the items they own and the ones whose form they wrote (the customer may have been
    transferred since: the form stays theirs).
    """
    reps = visible_rep_ids(session, user)
    if reps is None:
        return statement
    written = select(Explanation.item_id).where(Explanation.rep_id.in_(reps))
    return statement.where(or_(AccountabilityItem.rep_id.in_(reps), AccountabilityItem.id.in_(written)))


def form_owner(item: AccountabilityItem) -> int:
    """The rep whose form this is: who wrote it, else the item's owner."""
    explanation = item.explanation
    return explanation.rep_id if explanation is not None and explanation.rep_id is not None else item.rep_id


def readable_item(session: Session, user: User, item_id: int) -> AccountabilityItem:
    item = session.get(AccountabilityItem, item_id)
    reps = visible_rep_ids(session, user)
    if item is None or (reps is not None and item.rep_id not in reps and form_owner(item) not in reps):
        raise NotInScope(item_id)
    return item


def writable_item(session: Session, user: User, item_id: int) -> AccountabilityItem:
    """An item whose form `user` may fill in: only the account of the rep the form belongs to."""
    item = readable_item(session, user, item_id)
    if user.role != Role.REP or form_owner(item) != user.rep_id:
        raise RoleForbidden(item_id)
    return item


def reviewable_item(session: Session, user: User, item_id: int) -> AccountabilityItem:
    item = readable_item(session, user, item_id)
    if user.role not in REVIEW_ROLES:
        raise RoleForbidden(item_id)
    return item


def require_role(user: User, roles: frozenset[Role]) -> None:
    if user.role not in roles:
        raise RoleForbidden(user.role)


def readable_sighting(session: Session, user: User, sighting_id: int) -> Sighting:
    """A sighting that is evidence for at least one item `user` may read (the office: any)."""
    sighting = session.get(Sighting, sighting_id)
    if sighting is None or not _evidence_visible(session, user, ItemEvidence.sighting_id == sighting_id):
        raise NotInScope(sighting_id)
    return sighting


def capture_visible(session: Session, user: User, capture_id: int) -> bool:
    """Whether any sighting of this page capture is evidence for an item `user` may read."""
    in_capture = ItemEvidence.sighting_id.in_(select(Sighting.id).where(Sighting.capture_id == capture_id))
    return _evidence_visible(session, user, in_capture)


def _evidence_visible(session: Session, user: User, condition: object) -> bool:
    reps = visible_rep_ids(session, user)
    if reps is None:
        return True
    query = restrict_items(
        select(ItemEvidence.id)
        .join(AccountabilityItem, AccountabilityItem.id == ItemEvidence.item_id)
        .where(condition),  # type: ignore[arg-type]
        session,
        user,
    )
    return bool(session.scalar(select(exists(query))))
