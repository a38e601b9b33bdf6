"""Roster cells: each format's accepted and refused values (docs/roster.md, "Value formats"), and headers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from monitor.roster.cells import (
    Cell,
    Parser,
    cell_text,
    column_lookup,
    name_parser,
    normalize_key,
    parse_aliases,
    parse_amount,
    parse_date,
    parse_email,
    parse_yes_no,
    text_parser,
)

DAY = dt.date(2026, 1, 5)


def refusal(parse: Parser, cell: Cell) -> str:
    """The message the user sees for a cell the parser refuses."""
    with pytest.raises(ValueError) as refused:
        parse(cell)
    return str(refused.value)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-01-05", DAY),
        ("2026/01/05", DAY),
        ("2026/1/5", DAY),
        ("2026.1.5", DAY),
        ("2026年1月5日", DAY),
        (" 2026 - 1 - 5 ", DAY),
        ("2026-01-05 00:00:00", DAY),
        ("2026-01-05T00:00", DAY),
        (dt.datetime(2026, 1, 5), DAY),
        (DAY, DAY),
        ("2024-02-29", dt.date(2024, 2, 29)),
    ],
)
def test_date_accepts_office_formats_and_excel_dates(cell: Cell, expected: dt.date) -> None:
    assert parse_date(cell) == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("01/05/2026", "not a date: '01/05/2026'; use YYYY-MM-DD"),
        ("2026-1", "not a date: '2026-1'; use YYYY-MM-DD"),
        ("2026-01-05 08:30", "not a date: '2026-01-05 08:30'; use YYYY-MM-DD"),
        ("2026-02-30", "no such date: '2026-02-30'"),
        ("2026-13-01", "no such date: '2026-13-01'"),
        (46027, "a number, not a date: 46027; format the cell as a date or type YYYY-MM-DD"),
        (46027.0, "a number, not a date: 46027.0; format the cell as a date or type YYYY-MM-DD"),
        (
            dt.datetime(2026, 1, 5, 8, 30),
            "a date is expected, this cell has a time of day: 2026-01-05 08:30:00",
        ),
    ],
)
def test_date_refuses_other_orders_impossible_days_numbers_and_times(cell: Cell, message: str) -> None:
    assert refusal(parse_date, cell) == message


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("yes", True),
        ("Y", True),
        ("TRUE", True),
        ("1", True),
        (1, True),
        (1.0, True),
        ("是", True),
        (" 在职 ", True),
        (True, True),
        ("no", False),
        ("n", False),
        ("False", False),
        ("0", False),
        (0, False),
        ("否", False),
        ("离职", False),
        (False, False),
    ],
)
def test_yes_no_reads_english_chinese_numbers_and_excel_booleans(cell: Cell, expected: bool) -> None:
    assert parse_yes_no(cell) is expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("maybe", "expected yes or no (是/否), got 'maybe'"),
        ("在", "expected yes or no (是/否), got '在'"),
        (2, "expected yes or no (是/否), got '2'"),
        ("Yes!", "expected yes or no (是/否), got 'yes!'"),
    ],
)
def test_yes_no_refuses_anything_else(cell: Cell, message: str) -> None:
    assert refusal(parse_yes_no, cell) == message


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("name@example.com", "name@example.com"),
        ("  boss.sh@example.com ", "boss.sh@example.com"),
        ("张伟@例子.中国", "张伟@例子.中国"),
    ],
)
def test_email_accepts_one_at_sign_with_text_on_both_sides(cell: Cell, expected: str) -> None:
    assert parse_email(cell) == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("name.example.com", "not an email address: 'name.example.com'"),
        ("a b@example.com", "not an email address: 'a b@example.com'"),
        ("a@@example.com", "not an email address: 'a@@example.com'"),
        ("@example.com", "not an email address: '@example.com'"),
        ("a" * 310 + "@example.com", "longer than 320 characters"),
    ],
)
def test_email_refuses_what_cannot_be_an_address(cell: Cell, message: str) -> None:
    assert refusal(parse_email, cell) == message


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("120000", Decimal("120000.00")),
        ("120,000.00", Decimal("120000.00")),
        ("120，000", Decimal("120000.00")),
        ("¥120000", Decimal("120000.00")),
        ("￥5.5", Decimal("5.50")),
        ("0", Decimal("0.00")),
        ("999999999999.99", Decimal("999999999999.99")),
        (120000, Decimal("120000.00")),
        (1234.5, Decimal("1234.50")),
    ],
)
def test_amount_reads_separators_yen_and_excel_numbers_to_the_cent(cell: Cell, expected: Decimal) -> None:
    value = parse_amount(cell)

    assert value == expected and value.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("12万", "not a number: '12万'"),
        ("", "not a number: ''"),
        ("10.005", "more than two decimal places: '10.005'"),
        ("-1", "must be between 0 and 999999999999: '-1'"),
        ("1000000000000", "must be between 0 and 999999999999: '1000000000000'"),
        ("NaN", "must be between 0 and 999999999999: 'NaN'"),
        ("Infinity", "must be between 0 and 999999999999: 'Infinity'"),
    ],
)
def test_amount_refuses_words_fractions_of_a_cent_and_out_of_range(cell: Cell, message: str) -> None:
    assert refusal(parse_amount, cell) == message


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("浦发|浦东发展银行", ("浦发", "浦东发展银行")),
        ("浦发｜浦东发展银行", ("浦发", "浦东发展银行")),
        (" a || b |a| ", ("a", "b")),
        ("SPDB", ("SPDB",)),
        ("|", ()),
    ],
)
def test_aliases_split_on_either_bar_dropping_empty_items_and_repeats(
    cell: Cell, expected: tuple[str, ...]
) -> None:
    assert parse_aliases(cell) == expected


def test_aliases_refuse_an_alias_longer_than_the_database_holds() -> None:
    with pytest.raises(ValueError, match="alias longer than 300 characters: 'xxxx"):
        parse_aliases("ok|" + "x" * 301)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("  R001 ", "R001"),
        (1001, "1001"),
        (1001.0, "1001"),
        (10.5, "10.5"),
        (True, "True"),
        (DAY, "2026-01-05"),
        (dt.datetime(2026, 1, 5, 8, 30), "2026-01-05T08:30:00"),
    ],
)
def test_cell_text_reads_excel_whole_numbers_as_codes(cell: Cell, expected: str) -> None:
    assert cell_text(cell) == expected


@pytest.mark.parametrize(
    ("parser", "cell", "expected"),
    [
        (text_parser(5), "abcde", "abcde"),
        (text_parser(5), "  abcde  ", "abcde"),
        (name_parser(10), "华东一组", "华东一组"),
    ],
)
def test_text_and_names_within_their_length_are_kept(parser: Parser, cell: Cell, expected: str) -> None:
    assert parser(cell) == expected


@pytest.mark.parametrize(
    ("parser", "cell", "message"),
    [
        (text_parser(5), "abcdef", "longer than 5 characters"),
        (name_parser(10), "华东/一组", "must not contain '/': '华东/一组'"),
        (name_parser(3), "华东一组", "longer than 3 characters"),
    ],
)
def test_text_too_long_and_names_with_the_team_separator_are_refused(
    parser: Parser, cell: Cell, message: str
) -> None:
    assert refusal(parser, cell) == message


@pytest.mark.parametrize(
    ("table", "header", "column"),
    [
        ("reps", "rep_id", "rep_id"),
        ("reps", "Rep ID", "rep_id"),
        ("reps", "rep-id", "rep_id"),
        ("reps", " REP_ID* ", "rep_id"),
        ("reps", "ｒｅｐ＿ｉｄ", "rep_id"),
        ("reps", "工号", "rep_id"),
        ("reps", "Manager Email", "manager_email"),
        ("customers", "是否ＫＡ", "ka"),
        ("customers", "客户ID", "customer_id"),
        ("orders", "合同编号*", "order_id"),
        ("assignments", "员工编号", None),  # accepted for reps only
        ("reps", "phone", None),
    ],
)
def test_headers_match_ignoring_case_spaces_star_and_width(
    table: str, header: str, column: str | None
) -> None:
    found = column_lookup(table).get(normalize_key(header))

    assert (found.name if found else None) == column
