"""models.lookup.by_code: one row by its exact code, or UnknownCode naming the kind and the code."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from models import Customer, Order, Rep, Team
from models.lookup import UnknownCode, by_code


@pytest.fixture
def coded(session: Session) -> Session:
    team = Team(code="上海分公司/华东一组", name="华东一组")
    customer = Customer(code="C001", name="游戏科学")
    session.add_all(
        [
            team,
            Rep(code="R001", name="张伟", team=team),
            Rep(code="R002", name="李娜", team=team),
            customer,
            Order(
                code="O001",
                customer=customer,
                signed_date=dt.date(2026, 3, 1),
                start_date=dt.date(2026, 3, 1),
                end_date=dt.date(2027, 2, 28),
            ),
        ]
    )
    session.commit()
    return session


def test_each_coded_model_is_found_by_its_code(coded: Session) -> None:
    assert by_code(coded, Rep, "R002").name == "李娜"
    assert by_code(coded, Team, "上海分公司/华东一组").name == "华东一组"
    assert by_code(coded, Customer, "C001").name == "游戏科学"
    assert by_code(coded, Order, "O001").customer.code == "C001"


@pytest.mark.parametrize(
    ("model", "code", "message"),
    [
        (Customer, "C404", "no customer with code 'C404'"),
        (Customer, "c001", "no customer with code 'c001'"),  # codes are exact, on both backends
        (Customer, "R001", "no customer with code 'R001'"),  # a rep's code is not a customer's
        (Rep, "R001 ", "no rep with code 'R001 '"),
        (Team, "华东一组", "no team with code '华东一组'"),  # the name, not the code
        (Order, "", "no order with code ''"),
    ],
)
def test_a_missing_code_raises_a_lookup_error_naming_kind_and_code(
    coded: Session, model: Any, code: str, message: str
) -> None:
    with pytest.raises(UnknownCode) as missing:
        by_code(coded, model, code)

    assert isinstance(missing.value, LookupError) and str(missing.value) == message
    assert (missing.value.kind, missing.value.code) == (message.split()[1], code)


def test_a_row_added_in_the_callers_transaction_is_found(session: Session) -> None:
    session.add(Customer(code="C900", name="AfterShip"))  # not committed: the caller owns the transaction

    assert by_code(session, Customer, "C900").name == "AfterShip"
