"""Roster import: CSV, XLSX and Chinese headers; every error located; all or nothing; idempotent; the CLI."""

from __future__ import annotations

import copy
import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.orm import Session

from models import Assignment, Customer, CustomerAlias, ListedCompany, Order, Rep, Team
from models.db import make_engine
from monitor.cli import main
from monitor.roster import ImportSummary, RosterInvalid, apply_roster, read_roster

# Both backends: apply is all-or-nothing, refused by triggers written in each dialect.
pytestmark = pytest.mark.both_backends

Tables = dict[str, list[list[Any]]]

GOOD: Tables = {
    "reps": [
        ["rep_id", "name", "email", "team", "branch", "manager_email", "active"],
        ["R001", "张伟", "zhangwei@example.com", "华东一组", "上海分公司", "boss.sh@example.com", "yes"],
        ["R002", "李娜", "lina@example.com", "华东一组", "上海分公司", "", "yes"],
        ["R003", "王强", "wangqiang@example.com", "北京分公司", "北京分公司", "boss.bj@example.com", "no"],
        ["R004", "赵敏", "", "华东一组", "上海分公司", "", ""],
    ],
    "customers": [
        ["customer_id", "name", "short_name", "english_name", "aliases", "website", "ka"],
        [
            "C001",
            "上海浦东发展银行股份有限公司",
            "浦发银行",
            "SPD Bank",
            "浦发|浦东发展银行",
            "https://www.spdb.com.cn",
            "yes",
        ],
        [
            "C002",
            "华晨宝马汽车有限公司",
            "华晨宝马",
            "BMW Brilliance",
            "",
            "https://www.bmw-brilliance.cn",
            "",
        ],
        ["C003", "游戏科学", "", "Game Science", "", "", "no"],
        ["C004", "AfterShip", "", "AfterShip", "", "https://www.aftership.com", "yes"],
    ],
    "assignments": [
        ["customer_id", "rep_id", "start_date", "end_date", "reason"],
        ["C001", "R001", "2026-01-01", "2026-05-31", ""],
        ["C001", "R002", "2026-06-01", "", "划转：区域调整"],
        ["C002", "R003", "2026/01/01", "", ""],
    ],
    "orders": [
        ["order_id", "customer_id", "signed_date", "start_date", "end_date", "amount", "product"],
        ["O001", "C002", "2026-03-01", "2026-03-01", "2027-02-28", "120,000.00", "首页Logo"],
        ["O002", "C003", "2026-04-01", "2026-04-15", "2026-10-14", "", ""],
    ],
}

CHINESE_HEADERS = {
    "reps": ["销售编号", "姓名", "邮箱", "团队", "分公司", "经理邮箱", "在职"],
    "customers": ["客户编号", "客户名称", "简称", "英文名", "别名", "官网", "KA"],
    "assignments": ["客户编号", "销售编号", "开始日期", "结束日期", "原因"],
    "orders": ["订单编号", "客户编号", "签约日期", "开始日期", "结束日期", "金额", "产品"],
}

ROSTER_MODELS = (Team, Rep, Customer, CustomerAlias, Assignment, Order)


def write_csv_set(folder: Path, tables: Tables, bom: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        with (folder / f"{table}.csv").open(
            "w", encoding="utf-8-sig" if bom else "utf-8", newline=""
        ) as handle:
            csv.writer(handle).writerows(rows)
    return folder


def write_workbook(path: Path, tables: Tables) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for table, rows in tables.items():
        sheet = book.create_sheet(table)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def edited(tables: Tables, table: str, row: int, column: str, value: Any) -> Tables:
    """A copy of `tables` with one cell changed; `row` counts as the user does (header = 1)."""
    result = copy.deepcopy(tables)
    result[table][row - 1][result[table][0].index(column)] = value
    return result


def row_counts(session: Session) -> dict[str, int]:
    session.expire_all()
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in ROSTER_MODELS
    }


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every roster row, every column, as stored."""
    session.expire_all()
    return {
        model.__name__: [tuple(row) for row in session.execute(select(model.__table__).order_by("id"))]
        for model in ROSTER_MODELS
    }


def import_files(session: Session, *paths: Path) -> ImportSummary:
    summary = apply_roster(session, read_roster(paths))
    session.commit()
    return summary


def created(summary: ImportSummary) -> dict[str, int]:
    return {table: counts.created for table, counts in summary.tables.items()}


def untouched(summary: ImportSummary) -> bool:
    return not summary.changed


def test_good_csv_set_imports_every_table(session: Session, tmp_path: Path) -> None:
    summary = import_files(session, write_csv_set(tmp_path / "roster", GOOD))

    assert created(summary) == {"teams": 3, "reps": 4, "customers": 4, "assignments": 3, "orders": 2}
    rep = session.scalars(select(Rep).where(Rep.code == "R001")).one()
    assert rep.team is not None and rep.team.code == "上海分公司/华东一组" and rep.team.name == "华东一组"
    assert rep.team.parent is not None and rep.team.parent.code == "上海分公司"
    assert rep.team.manager_email == "boss.sh@example.com"
    direct = session.scalars(select(Rep).where(Rep.code == "R003")).one()
    assert direct.team is not None and direct.team.code == "北京分公司" and direct.team.parent is None
    assert direct.active is False
    spdb = session.scalars(select(Customer).where(Customer.code == "C001")).one()
    assert [(alias.alias, alias.source) for alias in spdb.aliases] == [
        ("浦发", "roster"),
        ("浦东发展银行", "roster"),
    ]
    assert session.scalars(select(Customer.is_ka).order_by(Customer.code)).all() == [True, True, False, True]
    transfer = session.scalars(select(Assignment).where(Assignment.start_date == dt.date(2026, 6, 1))).one()
    assert (transfer.rep.code, transfer.end_date, transfer.reason) == ("R002", None, "划转：区域调整")
    order = session.scalars(select(Order).where(Order.code == "O001")).one()
    assert (order.customer.code, order.amount, order.end_date) == (
        "C002",
        Decimal("120000.00"),
        dt.date(2027, 2, 28),
    )


def test_reimport_of_the_same_files_changes_nothing(session: Session, tmp_path: Path) -> None:
    folder = write_csv_set(tmp_path / "roster", GOOD)
    import_files(session, folder)
    before = snapshot(session)

    again = import_files(session, folder)

    assert untouched(again)
    assert again.counts("customers").unchanged == 4 and again.counts("teams").unchanged == 3
    assert snapshot(session) == before


def test_workbook_imports_the_same_roster_as_the_csv_files(session: Session, tmp_path: Path) -> None:
    # Excel cells are typed: ids as numbers, dates as dates, amounts as numbers, yes/no as booleans.
    tables = edited(GOOD, "assignments", 2, "start_date", dt.datetime(2026, 1, 1))
    tables = edited(tables, "orders", 2, "amount", 120000)
    tables = edited(tables, "orders", 2, "signed_date", dt.date(2026, 3, 1))
    tables = edited(tables, "customers", 4, "ka", False)
    workbook = write_workbook(tmp_path / "roster.xlsx", tables)

    summary = import_files(session, workbook)

    assert created(summary) == {"teams": 3, "reps": 4, "customers": 4, "assignments": 3, "orders": 2}
    assert untouched(import_files(session, write_csv_set(tmp_path / "csv", GOOD)))


def test_numeric_excel_ids_read_as_codes(session: Session, tmp_path: Path) -> None:
    tables = {"reps": [GOOD["reps"][0], [1001, "张伟", "", "一组", "", "", True]]}
    import_files(session, write_workbook(tmp_path / "reps.xlsx", tables))

    assert session.scalars(select(Rep.code)).all() == ["1001"]


def test_chinese_headers_bom_and_office_dates_import_the_same_roster(
    session: Session, tmp_path: Path
) -> None:
    chinese = {table: [CHINESE_HEADERS[table], *rows[1:]] for table, rows in GOOD.items()}
    chinese = edited(chinese, "assignments", 2, "开始日期", "2026/1/1")
    chinese = edited(chinese, "orders", 3, "结束日期", "2026年10月14日")
    chinese = edited(chinese, "reps", 4, "在职", "否")
    import_files(session, write_csv_set(tmp_path / "zh", chinese, bom=True))

    assert untouched(import_files(session, write_csv_set(tmp_path / "en", GOOD)))


def test_changed_customer_name_and_aliases_update_and_keep_confirmed_aliases(
    session: Session, tmp_path: Path
) -> None:
    import_files(session, write_csv_set(tmp_path / "first", GOOD))
    spdb = session.scalars(select(Customer).where(Customer.code == "C001")).one()
    spdb.aliases.append(CustomerAlias(alias="SPDB", source="confirmed"))
    session.commit()
    tables = edited(GOOD, "customers", 2, "name", "上海浦东发展银行")
    tables = edited(tables, "customers", 2, "aliases", "浦发|SPDB")

    summary = import_files(session, write_csv_set(tmp_path / "second", {"customers": tables["customers"]}))

    counts = summary.counts("customers")
    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 3)
    session.refresh(spdb)
    assert spdb.name == "上海浦东发展银行"
    assert sorted((alias.alias, alias.source) for alias in spdb.aliases) == [
        ("SPDB", "confirmed"),
        ("浦发", "roster"),
    ]


def test_partial_import_of_orders_refers_to_customers_already_in_the_database(
    session: Session, tmp_path: Path
) -> None:
    import_files(session, write_csv_set(tmp_path / "first", {"customers": GOOD["customers"]}))
    orders = [GOOD["orders"][0], ["O003", "C001", "2026-05-01", "2026-05-01", "2026-05-31", "5000", "Banner"]]

    summary = import_files(session, write_csv_set(tmp_path / "second", {"orders": orders}))

    assert list(summary.tables) == ["orders"] and summary.counts("orders").created == 1


def test_rows_absent_from_a_reimport_are_kept(session: Session, tmp_path: Path) -> None:
    import_files(session, write_csv_set(tmp_path / "first", GOOD))
    before = row_counts(session)

    import_files(session, write_csv_set(tmp_path / "second", {"customers": GOOD["customers"][:2]}))

    assert row_counts(session) == before


def test_transfer_closes_an_open_assignment_listed_again(session: Session, tmp_path: Path) -> None:
    import_files(session, write_csv_set(tmp_path / "first", GOOD))
    transfer = [
        GOOD["assignments"][0],
        ["C002", "R003", "2026-01-01", "2026-08-31", ""],
        ["C002", "R001", "2026-09-01", "", "划转"],
    ]

    summary = import_files(session, write_csv_set(tmp_path / "second", {"assignments": transfer}))

    counts = summary.counts("assignments")
    assert (counts.created, counts.updated) == (1, 1)


COMPANIES: Tables = {
    "companies": [["name", "list"], ["金山股份有限公司", "2026 上市公司"], ["招商局集团有限公司", ""]],
}


def test_a_company_list_imports_known_non_customers_and_a_reimport_updates_its_list(
    session: Session, tmp_path: Path
) -> None:
    import_files(session, write_csv_set(tmp_path / "roster", GOOD))
    assert created(import_files(session, write_csv_set(tmp_path / "list", COMPANIES))) == {"companies": 2}
    listed = select(ListedCompany.name, ListedCompany.list_name).order_by(ListedCompany.id)
    rows = [("金山股份有限公司", "2026 上市公司"), ("招商局集团有限公司", None)]
    assert session.execute(listed).all() == rows
    renamed = edited(COMPANIES, "companies", 3, "list", "央企名录")
    counts = import_files(session, write_csv_set(tmp_path / "again", renamed)).counts("companies")
    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 1)
    assert session.execute(listed).all()[1] == ("招商局集团有限公司", "央企名录")


def test_a_listed_company_with_a_customer_s_name_or_listed_twice_is_refused_with_its_row(
    session: Session, tmp_path: Path
) -> None:
    import_files(session, write_csv_set(tmp_path / "roster", GOOD))
    listing = {"companies": [["公司名称"], ["华晨宝马汽车有限公司"], ["某某有限公司"], ["某某有限公司"]]}
    with pytest.raises(RosterInvalid) as refused:
        import_files(session, write_csv_set(tmp_path / "list", listing))
    session.rollback()
    messages = sorted(str(error) for error in refused.value.errors)
    assert len(messages) == 2, messages
    assert "companies.csv, row 2, column 公司名称 (name): is the name of customer 'C002'" in messages[0]
    assert "row 4" in messages[1] and "duplicate name '某某有限公司' (first on row 3)" in messages[1]
    assert session.scalar(select(func.count()).select_from(ListedCompany)) == 0
    # The same name as a customer in the same import is refused too.
    both = {**GOOD, "companies": [["name"], ["游戏科学"]]}
    with pytest.raises(RosterInvalid, match="is the name of customer 'C003'"):
        import_files(session, write_csv_set(tmp_path / "both", both))


def test_new_assignment_overlapping_one_kept_in_the_database_is_refused(
    session: Session, tmp_path: Path
) -> None:
    import_files(session, write_csv_set(tmp_path / "first", GOOD))
    before = snapshot(session)
    transfer = [GOOD["assignments"][0], ["C002", "R001", "2026-09-01", "", "划转"]]
    roster = read_roster([write_csv_set(tmp_path / "second", {"assignments": transfer})])

    with pytest.raises(RosterInvalid) as caught:
        apply_roster(session, roster)
    session.rollback()

    [error] = caught.value.errors
    assert (Path(error.source).name, error.row, error.column) == ("assignments.csv", 2, "start_date")
    assert "'R003' from 2026-01-01 to open already in the database" in error.message
    assert snapshot(session) == before


# (table, row as the user sees it, column, new value, expected error text after "file, row N, column X: ")
BAD_CELLS = [
    ("assignments", 3, "rep_id", "R999", "unknown rep 'R999'"),
    ("assignments", 4, "customer_id", "C999", "unknown customer 'C999'"),
    ("orders", 2, "customer_id", "C999", "unknown customer 'C999'"),
    ("reps", 5, "rep_id", "R001", "duplicate rep_id 'R001' (first on row 2)"),
    ("customers", 5, "customer_id", "C002", "duplicate customer_id 'C002' (first on row 3)"),
    ("orders", 3, "order_id", "O001", "duplicate order_id 'O001' (first on row 2)"),
    ("assignments", 2, "start_date", "2026-13-01", "no such date: '2026-13-01'"),
    ("orders", 2, "signed_date", "03/01/2026", "not a date: '03/01/2026'; use YYYY-MM-DD"),
    ("assignments", 2, "end_date", "2025-12-31", "ends (2025-12-31) before it starts (2026-01-01)"),
    ("orders", 3, "end_date", "2026-04-14", "ends (2026-04-14) before it starts (2026-04-15)"),
    ("customers", 3, "name", "  ", "required value is empty"),
    ("assignments", 4, "start_date", "", "required value is empty"),
    ("assignments", 3, "start_date", "", "required value is empty"),
    ("assignments", 3, "start_date", "2026-05-01", "overlaps the assignment of customer 'C001' on row 2"),
    ("customers", 2, "ka", "maybe", "expected yes or no (是/否), got 'maybe'"),
    ("reps", 2, "active", "在", "expected yes or no (是/否), got '在'"),
    ("reps", 2, "email", "zhangwei.example.com", "not an email address: 'zhangwei.example.com'"),
    (
        "reps",
        3,
        "manager_email",
        "other@example.com",
        "team '上海分公司/华东一组' has manager_email boss.sh@example.com on row 2",
    ),
    ("reps", 2, "team", "华东/一组", "must not contain '/': '华东/一组'"),
    ("orders", 2, "amount", "12万", "not a number: '12万'"),
    ("orders", 2, "amount", "10.005", "more than two decimal places: '10.005'"),
]


@pytest.mark.parametrize(("table", "row", "column", "value", "expected"), BAD_CELLS)
def test_bad_cell_is_reported_with_file_row_and_column_and_nothing_is_written(
    session: Session, tmp_path: Path, table: str, row: int, column: str, value: str, expected: str
) -> None:
    folder = write_csv_set(tmp_path / "roster", edited(GOOD, table, row, column, value))
    before = snapshot(session)

    with pytest.raises(RosterInvalid) as caught:
        apply_roster(session, read_roster([folder]))
    session.rollback()

    assert [str(error) for error in caught.value.errors] == [
        f"{folder / f'{table}.csv'}, row {row}, column {column}: {expected}"
    ]
    assert snapshot(session) == before


@pytest.mark.parametrize(
    ("table", "header", "expected"),
    [
        (
            "reps",
            ["rep_id", "name", "phone", "team"],
            "row 1, column C (phone): unknown column; expected: rep_id",
        ),
        ("customers", ["customer_id", "short_name"], "row 1, column name: required column is missing"),
        ("orders", ["order_id", "订单编号"], "row 1, column B (订单编号): order_id appears twice"),
    ],
)
def test_bad_header_is_refused(tmp_path: Path, table: str, header: list[str], expected: str) -> None:
    folder = write_csv_set(tmp_path / "roster", {table: [header]})

    errors = read_roster([folder]).errors

    assert any(str(error).startswith(f"{folder / f'{table}.csv'}, {expected}") for error in errors)


def test_every_error_is_collected_with_the_chinese_header_named(tmp_path: Path) -> None:
    chinese = {"customers": [CHINESE_HEADERS["customers"], *GOOD["customers"][1:]]}
    chinese = edited(chinese, "customers", 2, "KA", "也许")
    chinese = edited(chinese, "customers", 4, "客户编号", "C001")
    workbook = write_workbook(
        tmp_path / "名单.xlsx", {**GOOD, "customers": chinese["customers"], "Notes": [["x"]]}
    )

    errors = read_roster([workbook]).errors

    assert [str(error) for error in errors] == [
        f"{workbook}:Notes: unknown sheet; roster sheets are named "
        "reps, customers, assignments, orders, companies",
        f"{workbook}:customers, row 2, column KA (ka): expected yes or no (是/否), got '也许'",
        f"{workbook}:customers, row 4, column 客户编号 (customer_id): "
        "duplicate customer_id 'C001' (first on row 2)",
    ]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("clients.csv", "a,b\n", "not a roster file; expected reps.csv"),
        ("reps.csv", "rep_id,name,team\nR1,张伟,一组\n".encode("gbk"), "not UTF-8 text"),
        ("reps.csv", b"", "empty: no header row"),
        ("roster.xlsx", b"not a zip", "not a readable .xlsx workbook"),
    ],
)
def test_unreadable_files_are_reported(
    tmp_path: Path, name: str, content: str | bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)

    errors = read_roster([path]).errors

    assert str(errors[0]).startswith(f"{path}: {expected}")


CUSTOMERS_HEADER = "customer_id,name,ka\n"


@pytest.mark.parametrize(
    ("body", "row", "expected"),
    [
        # An unterminated quote swallowed the next row into a customer's name, and the import succeeded.
        ('C001,"上海浦东发展银行,yes\nC002,华晨宝马汽车有限公司,yes\nC003,游戏科学,no\n', 2, "never closed"),
        ('C001,上海浦东发展银行,yes\nC002,"华晨宝马\n汽车有限公司",yes\n', 3, "runs over a line break"),
        ('C001,上海浦东发展银行,yes\nC002,"华晨宝马"汽车,yes\n', 3, "cannot be read as CSV"),
        ('C001,上海浦东发展银行,yes\nC002,华晨宝马,"yes\n', 3, "never closed"),
    ],
)
def test_a_quote_left_open_or_a_line_break_in_a_value_names_the_file_and_row(
    session: Session, tmp_path: Path, body: str, row: int, expected: str
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(CUSTOMERS_HEADER + body, encoding="utf-8")

    roster = read_roster([path])

    errors = [error for error in roster.errors if error.row == row]
    assert errors and errors[0].source == str(path) and expected in errors[0].message, roster.errors
    with pytest.raises(RosterInvalid):
        apply_roster(session, roster)
    assert row_counts(session)["Customer"] == 0


def test_reading_reports_progress_as_rows_come(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    rows = "".join(f"C{n:05d},客户{n}有限公司,yes\n" for n in range(25_000))
    path.write_text(CUSTOMERS_HEADER + rows, encoding="utf-8")
    seen: list[tuple[str, int]] = []

    roster = read_roster([path], progress=lambda source, count: seen.append((source, count)))

    assert roster.errors == [] and len(roster.customers or []) == 25_000
    assert seen == [(str(path), 10_000), (str(path), 20_000), (str(path), 25_001)]


def test_same_table_given_twice_is_refused(tmp_path: Path) -> None:
    folder = write_csv_set(tmp_path / "roster", {"reps": GOOD["reps"]})
    workbook = write_workbook(tmp_path / "roster.xlsx", {"reps": GOOD["reps"]})

    [error] = read_roster([folder, workbook]).errors

    assert error.source == f"{workbook}:reps" and error.message.startswith("the reps table is also in")


# --- the command line ----------------------------------------------------------------------------


# Triggers that make the database itself refuse every new order.
REFUSE_ORDERS = {
    "sqlite": [
        "CREATE TRIGGER no_orders BEFORE INSERT ON customer_order BEGIN SELECT RAISE(ABORT, 'frozen'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION no_orders() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE 'frozen'; END $$",
        "CREATE TRIGGER no_orders BEFORE INSERT ON customer_order FOR EACH ROW EXECUTE FUNCTION no_orders()",
    ],
}


def invoke(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"RIVALWATCH_DATABASE_URL": database_url})


def engine_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return row_counts(session)


def test_cli_imports_then_reimport_reports_everything_unchanged(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    folder = write_csv_set(tmp_path / "roster", GOOD)

    first = invoke(database_url, "import", "roster", str(folder))
    second = invoke(database_url, "import", "roster", str(folder))

    assert first.exit_code == 0, first.output
    assert "customers    created      4  updated      0  unchanged      0" in first.stdout
    assert second.exit_code == 0, second.output
    assert "customers    created      0  updated      0  unchanged      4" in second.stdout
    assert engine_counts(engine)["Customer"] == 4


def test_cli_refuses_a_bad_later_table_and_writes_none_of_the_good_ones(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    tables = edited(GOOD, "orders", 3, "customer_id", "C404")
    tables = edited(tables, "reps", 1, "active", "在职状态")
    folder = write_csv_set(tmp_path / "roster", tables)
    before = engine_counts(engine)

    result = invoke(database_url, "import", "roster", str(folder))

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{folder / 'reps.csv'}, row 1, column G (在职状态): unknown column; expected: rep_id, name, email, "
        "team, branch, manager_email, active",
        f"{folder / 'orders.csv'}, row 3, column customer_id: unknown customer 'C404'",
        "2 error(s); nothing was imported.",
    ]
    assert engine_counts(engine) == before


def test_cli_rolls_back_tables_written_before_the_database_refused_a_later_one(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    # A real trigger makes the database itself refuse orders, after teams, reps and customers were written.
    with engine.begin() as connection:
        for statement in REFUSE_ORDERS[engine.dialect.name]:
            connection.execute(text(statement))
    before = engine_counts(engine)

    result = invoke(database_url, "import", "roster", str(write_csv_set(tmp_path / "roster", GOOD)))

    assert result.exit_code == 1
    assert (
        "the database refused the import; nothing was written" in result.stderr and "frozen" in result.stderr
    )
    assert engine_counts(engine) == before


def test_cli_dry_run_counts_but_writes_nothing(database_url: str, engine: Engine, tmp_path: Path) -> None:
    before = engine_counts(engine)

    result = invoke(
        database_url, "import", "roster", "--dry-run", str(write_csv_set(tmp_path / "roster", GOOD))
    )

    assert result.exit_code == 0, result.output
    assert "reps         created      4" in result.stdout and "dry run: nothing was written." in result.stdout
    assert engine_counts(engine) == before


def test_cli_import_on_a_fresh_database_migrates_first(empty_database_url: str, tmp_path: Path) -> None:
    workbook = write_workbook(tmp_path / "roster.xlsx", GOOD)

    result = invoke(empty_database_url, "import", "roster", str(workbook))

    assert result.exit_code == 0, result.output
    assert "orders       created      2" in result.stdout


def test_cli_db_upgrade_creates_the_schema(empty_database_url: str) -> None:
    result = invoke(empty_database_url, "db", "upgrade")

    assert result.exit_code == 0, result.output
    engine = make_engine(empty_database_url)
    try:
        assert {"customer", "rep", "team", "customer_order"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
