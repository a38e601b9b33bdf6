"""Sign-in accounts: creating one (the CLI, the accounts page) or a demo set for every team and rep, and
the checks every account must pass (a rep account has its rep, a manager its team)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Rep, Team, User
from models.enums import Role
from models.lookup import UnknownCode, by_code
from monitor.accounts.errors import UserError
from monitor.accounts.passwords import check_new_password, hash_password
from monitor.core.i18n import N_

__all__ = [
    "USERNAME",
    "UserError",
    "check_scope",
    "create_user",
    "roster_rep",
    "roster_team",
    "seed_demo_users",
]

# Letters (any script), digits and . _ @ + - : what the demo's and roster's names use, no spaces or ':'
# (the audit log writes the command line as "cli:<user>").
USERNAME = re.compile(r"^[\w.@+-]{1,100}$")


def roster_rep(session: Session, code: str | None) -> Rep | None:
    try:
        return by_code(session, Rep, code) if code else None
    except UnknownCode:  # reps come from the roster import
        raise UserError(N_("no rep with code '%(code)s' in the roster"), code=code) from None


def roster_team(session: Session, code: str | None) -> Team | None:
    try:
        return by_code(session, Team, code) if code else None
    except UnknownCode:
        raise UserError(N_("no team with code '%(code)s' in the roster"), code=code) from None


def check_scope(session: Session, role: Role, rep: Rep | None, team: Team | None, user: User | None) -> None:
    """A rep account needs its rep (one account per rep), a manager account its team."""
    if role == Role.REP and rep is None:
        raise UserError(N_("a rep account needs the rep's code from the roster (--rep CODE)"))
    if role == Role.MANAGER and team is None:
        raise UserError(N_("a manager account needs the code of the team it oversees (--team CODE)"))
    if role == Role.REP and rep is not None:
        holder = session.scalars(select(User).where(User.rep_id == rep.id)).one_or_none()
        if holder is not None and holder is not user:
            raise UserError(
                N_("rep %(code)s already has an account: %(username)s"),
                code=rep.code,
                username=holder.username,
            )


def create_user(
    session: Session,
    username: str,
    role: Role,
    password: str | None,
    *,
    rep_code: str | None = None,
    team_code: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
) -> User:
    """Add a user; a rep needs their roster rep, a manager their team. Without a password the account
    cannot sign in until its owner sets one (a mailed link). The caller commits."""
    if not USERNAME.match(username):
        raise UserError(
            N_("a username has 1 to 100 letters, digits or . _ @ + - (no spaces): %(username)s"),
            username=username,
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(N_("user %(username)s already exists"), username=repr(username))
    rep, team = roster_rep(session, rep_code), roster_team(session, team_code)
    check_scope(session, role, rep, team, None)
    if password is not None:
        check_new_password(password)
    user = User(
        username=username,
        display_name=display_name or (rep.name if rep else username),
        email=email or (rep.email if rep else None),
        password_hash=hash_password(password) if password is not None else None,
        role=role,
        rep_id=rep.id if rep and role == Role.REP else None,
        team_id=team.id if team and role == Role.MANAGER else None,
    )
    session.add(user)
    session.flush()
    return user


def seed_demo_users(session: Session, password: str) -> list[User]:
    """Demo accounts, all with `password`: `office`, `admin`, `manager-<team code>` per team, and the
    rep code for each rep. Existing usernames are kept as they are; returns every demo account."""
    # One hash for all: argon2 is deliberately slow and demo accounts share the password anyway.
    password_hash = hash_password(password)
    wanted = [
        User(username="office", display_name="KA销售管理部", role=Role.OFFICE),
        User(username="admin", display_name="Administrator", role=Role.ADMIN),
    ]
    for team in session.scalars(select(Team).order_by(Team.code)):
        wanted.append(
            User(
                username=f"manager-{team.code}",
                display_name=f"{team.name} 经理",
                email=team.manager_email,
                role=Role.MANAGER,
                team_id=team.id,
            )
        )
    for rep in session.scalars(select(Rep).order_by(Rep.code)):
        wanted.append(
            User(username=rep.code, display_name=rep.name, email=rep.email, role=Role.REP, rep_id=rep.id)
        )
    return [_existing_or_added(session, user, password_hash) for user in wanted]


def _existing_or_added(session: Session, user: User, password_hash: str) -> User:
    same = User.username == user.username
    if user.rep_id is not None:
        same = same | (User.rep_id == user.rep_id)
    existing = session.scalars(select(User).where(same)).first()
    if existing is not None:
        return existing
    user.password_hash = password_hash
    session.add(user)
    session.flush()
    return user
