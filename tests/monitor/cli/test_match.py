"""`rivalwatch match` and `rivalwatch match-eval`, invoked through the real click group."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main

CUSTOMERS = (
    "\ufeffcustomer_id,name,short_name,english_name,aliases,website,owner\n"
    "C1,上海浦东发展银行股份有限公司,浦发银行,,浦发|SPDB,https://www.spdb.com.cn,rep1\n"
    "C2,华晨宝马汽车有限公司,,BMW Brilliance Automotive Ltd.,,,rep2\n"
    "C3,中国人民人寿保险股份有限公司,,,,,rep3\n"
)


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no ./rivalwatch.toml: default settings
    return CliRunner()


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_match_prints_one_csv_row_per_line_in_order(runner: CliRunner, tmp_path: Path) -> None:
    customers = _write(tmp_path / "customers.csv", CUSTOMERS)
    names = _write(
        tmp_path / "names.txt",
        "1/3上海浦东发展银行股份有限公司招聘信息\n\n华晨宝马汽车有限公司市场部(北京)\n"
        "中国人民财产保险\nBMW Brilliance Automotive\n",
    )
    result = runner.invoke(main, ["match", "--customers", customers, "--names", names])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "name,customer_id,customer_name,score,decision\n"
        "1/3上海浦东发展银行股份有限公司招聘信息,C1,上海浦东发展银行股份有限公司,100.0,auto\n"
        ",,,0.0,none\n"
        "华晨宝马汽车有限公司市场部(北京),C2,华晨宝马汽车有限公司,100.0,auto\n"
        "中国人民财产保险,,,37.5,none\n"
        "BMW Brilliance Automotive,C2,华晨宝马汽车有限公司,100.0,auto\n"
    )


@pytest.mark.parametrize(
    ("roster", "message"),
    [
        ("customer_id,short_name\nC1,x\n", "row 1 (header): missing required column 'name'"),
        (
            "customer_id,name\nC1,甲公司\nC1,乙公司\n",
            "row 3, column 'customer_id': duplicate customer_id 'C1'",
        ),
        ("customer_id,name\nC1,甲公司\nC2,\n", "row 3, column 'name': empty name"),
    ],
)
def test_match_refuses_a_bad_roster_naming_file_row_and_column(
    runner: CliRunner, tmp_path: Path, roster: str, message: str
) -> None:
    customers = _write(tmp_path / "bad.csv", roster)
    names = _write(tmp_path / "names.txt", "甲公司\n")
    result = runner.invoke(main, ["match", "--customers", customers, "--names", names])
    assert result.exit_code == 2
    assert f"{customers}: {message}" in result.output


def test_match_eval_prints_precision_recall_and_review_rate(runner: CliRunner, tmp_path: Path) -> None:
    _write(tmp_path / "customers.csv", CUSTOMERS)
    labelled = _write(
        tmp_path / "labelled.csv",
        (
            "text,expected_customer_id,kind\n"
            "上海浦东发展银行股份有限公司,C1,full\n"
            "华晨宝马汽车有限公司北京分公司,C2,branch\n"
            "中国人民财产保险股份有限公司,,near_miss\n"
        ),
    )
    result = runner.invoke(main, ["match-eval", labelled])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "thresholds: auto 92, review 75, margin 4; 3 customers, 3 cases"
    assert lines[1].split() == ["kind", "rows", "auto_prec", "recall", "auto_rec", "review", "false_auto"]
    assert lines[2].split() == ["full", "1", "1.000", "1.000", "1.000", "0.000", "0"]
    assert lines[4].split() == ["near_miss", "1", "-", "-", "-", "0.000", "0"]
    assert lines[5].split() == ["overall", "3", "1.000", "1.000", "1.000", "0.000", "0"]


def test_match_eval_uses_settings_thresholds(runner: CliRunner, tmp_path: Path) -> None:
    _write(tmp_path / "customers.csv", CUSTOMERS)
    _write(tmp_path / "rivalwatch.toml", "[matching]\nauto_threshold = 100.0\nreview_threshold = 50.0\n")
    labelled = _write(
        tmp_path / "labelled.csv", "text,expected_customer_id,kind\n浦东发展银行福建省分行,C1,branch\n"
    )
    result = runner.invoke(main, ["match-eval", labelled])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[2].split() == ["branch", "1", "-", "1.000", "0.000", "1.000", "0"]


def test_match_explain_adds_one_last_column_and_nothing_else(runner: CliRunner, tmp_path: Path) -> None:
    customers = _write(tmp_path / "customers.csv", CUSTOMERS)
    names = _write(tmp_path / "names.txt", "上海浦东发展银行股份有限公司\n\n中国人民财产保险\n")
    plain = runner.invoke(main, ["match", "--customers", customers, "--names", names])
    explained = runner.invoke(main, ["match", "--customers", customers, "--names", names, "--explain"])
    assert explained.exit_code == 0, explained.output
    rows = explained.output.splitlines()
    assert rows[0] == "name,customer_id,customer_name,score,decision,explanation"
    assert [row.rsplit(",", 1)[0] for row in rows[1:]] == plain.output.splitlines()[1:]
    assert rows[1].endswith(
        ",place 上海 = 上海; trade name 浦东 = 浦东; industry 发展银行 = 发展银行; "
        "organisation form 股份有限公司 = 股份有限公司 → same name → automatic"
    )
    assert rows[2] == ",,,0.0,none,"
    assert "trade name 人民财产 ≠ 人民人寿" in rows[3]


def test_match_eval_prints_each_half_and_lists_only_the_tuning_halfs_failures(
    runner: CliRunner, tmp_path: Path
) -> None:
    _write(tmp_path / "customers.csv", CUSTOMERS)
    _write(tmp_path / "others.csv", "name\n中国人民财产保险股份有限公司\n")
    labelled = _write(
        tmp_path / "labelled.csv",
        (
            "text,expected_customer_id,kind,half\n"
            "人民财产保险,C3,short,tune\n"
            "上海浦东发展银行股份有限公司,C1,full,tune\n"
            "中国人民财产保险,C3,short,test\n"
            "中国人民财产保险股份有限公司,,outsider_known,test\n"
        ),
    )
    result = runner.invoke(main, ["match-eval", labelled, "--failures"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "thresholds: auto 92, review 75, margin 4; 3 customers, 4 cases"
    assert "tune half: 2 cases" in lines and "test half: 2 cases" in lines
    failures = [line for line in lines if "\t" in line]
    assert [line.split("\t")[:2] for line in failures] == [["short", "人民财产保险"]]  # never the test half
