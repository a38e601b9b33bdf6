"""create_user refuses an account whose rep or team is not in the roster, naming the code."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Rep, Team, User
from models.enums import Role
from monitor.accounts.users import UserError, create_user


@pytest.mark.parametrize(
    ("role", "rep_code", "team_code", "message"),
    [
        (Role.REP, "R404", None, "no rep with code 'R404' in the roster"),
        (Role.MANAGER, None, "SH/404", "no team with code 'SH/404' in the roster"),
        (Role.MANAGER, "R404", "SH", "no rep with code 'R404' in the roster"),
        (Role.REP, None, None, "a rep account needs the rep's code from the roster (--rep CODE)"),
    ],
)
def test_unknown_rep_or_team_is_refused_and_no_user_is_added(
    session: Session, role: Role, rep_code: str | None, team_code: str | None, message: str
) -> None:
    session.add_all([Team(code="SH", name="上海分公司"), Rep(code="R001", name="张伟")])
    session.flush()

    with pytest.raises(UserError) as refused:
        create_user(session, "someone", role, "a long password", rep_code=rep_code, team_code=team_code)

    assert str(refused.value) == message
    assert session.scalar(select(func.count()).select_from(User)) == 0
