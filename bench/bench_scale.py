"""Benchmark: the operations of issue 19 on a synthetic office of production size, one JSON line each.

    .venv/bin/python bench/bench_scale.py --months 3 --backend sqlite [--ops report,html,...]

Builds the office once per size and seed (monitor.demo.scale: 300 reps in 30 teams, 12,000 KA customers,
6 competitors x 8 pages, ~19,500 sightings a day, ~3,000 advertisers) into a cached database
(`var/bench/<key>.db` for SQLite, database `rw_bench_<key>` for PostgreSQL) with its evidence store
beside it, then runs each operation in a child process of its own, so `peak_mb` (the child's peak RSS,
interpreter and imports included) belongs to that operation alone. `seconds` is the operation's own wall
time inside the child (minimum over `--rounds` for the web pages), `cpu_seconds` its CPU time (steadier
on a busy machine). Operations:

- `report`: generate the newest period from scratch (its items deleted first, untimed), write its HTML
  pages and its workbook (what `rivalwatch report` does); also prints the largest page's size;
- `html`: the same period's HTML pages only (`rivalwatch report --no-generate --no-xlsx`);
- `publish`: HTML, then every rep's and manager's mail to a local SMTP server (aiosmtpd in the parent
  process; the period's earlier mails are forgotten first, untimed); prints the largest mail's size;
- `prune`, `prune_day`: evidence pruning on a throw-away copy of the database and store: first everything
  older than the retention window, then the next day's (what the daily maintenance job does);
- `web_matches`, `web_overdue`, `web_leads`: the office pages, signed in as an office user;
- `roster`: importing a 50 MB customers CSV (356k rows) into an empty database.

Sizes: `--months` and the `--reps/--customers/...` options; `--rebuild` throws the cached database away.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from pydantic import SecretStr  # noqa: E402
from sqlalchemy import inspect, text  # noqa: E402

from models.db import make_engine, make_session_factory  # noqa: E402
from models.migrate import upgrade  # noqa: E402
from monitor.core.settings import Settings  # noqa: E402
from monitor.demo.scale import LAST_DAY, Size, build_office, company_name, last_period_start  # noqa: E402

POSTGRES = os.environ.get("RIVALWATCH_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
OPS = ("report", "html", "publish", "prune", "web_matches", "web_overdue", "web_leads", "roster")
ROSTER_ROWS = 356_000
OFFICE_USER, OFFICE_PASSWORD = "bench-office", "bench-office-password"


def size_key(size: Size, seed: int) -> str:
    digest = hashlib.sha256(json.dumps([dataclasses.asdict(size), seed]).encode()).hexdigest()[:10]
    return f"m{size.months:g}-{digest}"


@dataclasses.dataclass(frozen=True)
class Target:
    backend: str
    key: str
    folder: Path  # var/bench/<key>: evidence, reports, roster CSV

    @property
    def url(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.folder}.db"
        return f"{POSTGRES}/rw_bench_{self.key.replace('-', '_').replace('.', '_')}"

    def settings(self, **changes: Any) -> Settings:
        return Settings(
            database_url=self.url,
            var_dir=self.folder,
            evidence_dir=self.folder / "evidence",
            reports_dir=self.folder / "reports",
            secret_key=SecretStr("bench-secret-key-bench-secret-key"),
            **changes,
        )


def _pg_admin() -> Any:
    return make_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")


def _database_exists(target: Target) -> bool:
    if target.backend == "sqlite":
        return (target.folder.parent / f"{target.folder.name}.db").exists()
    name = target.url.rsplit("/", 1)[1]
    admin = _pg_admin()
    with admin.connect() as connection:
        found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
    admin.dispose()
    return found is not None


def _drop(target: Target) -> None:
    if target.backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target.folder}.db{suffix}").unlink(missing_ok=True)
    else:
        name = target.url.rsplit("/", 1)[1]
        admin = _pg_admin()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    shutil.rmtree(target.folder, ignore_errors=True)


def _create(target: Target) -> None:
    target.folder.mkdir(parents=True, exist_ok=True)
    if target.backend == "postgresql":
        name = target.url.rsplit("/", 1)[1]
        admin = _pg_admin()
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()


def build(target: Target, size: Size, seed: int, rebuild: bool) -> None:
    """Build the office unless a complete one is cached (the marker file is written last)."""
    marker = target.folder / "built"
    if marker.exists() and _database_exists(target) and not rebuild:
        return
    _drop(target)
    _create(target)
    started = time.perf_counter()
    engine = make_engine(target.url)
    upgrade(engine)
    settings = target.settings()

    def progress(line: str) -> None:
        print(f"# {time.perf_counter() - started:7.1f}s {line}", file=sys.stderr, flush=True)

    build_office(engine, settings, size, seed, progress)
    with make_session_factory(engine)() as session:
        from models.enums import Role
        from monitor.accounts.users import create_user

        create_user(session, OFFICE_USER, Role.OFFICE, OFFICE_PASSWORD)
        session.commit()
    engine.dispose()
    marker.write_text(json.dumps({"seconds": round(time.perf_counter() - started, 1)}))
    _emit("build", target, size, time.perf_counter() - started)


# --- the operations, each run in a child process -------------------------------------------------------


_cpu_started = [0.0]  # process CPU time when the operation's clock started (see `_start`)


def _start() -> float:
    """Start an operation's clocks: wall time returned, CPU time kept for `_emit`."""
    _cpu_started[0] = time.process_time()
    return time.perf_counter()


def _emit(op: str, target: Target, size: Size, seconds: float, **extra: Any) -> None:
    """One JSON line. `cpu_seconds` is the operation's own CPU time: on a machine shared with others it
    moves far less than the wall time. SQLite works inside the process, so its work is counted;
    PostgreSQL's server is another process, so its work is not."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    row = {
        "op": op,
        "backend": target.backend,
        "months": size.months,
        "seconds": round(seconds, 3),
        "peak_mb": round(peak, 1),
        "cpu_seconds": round(time.process_time() - _cpu_started[0], 3),
        **extra,
    }
    print(json.dumps(row, ensure_ascii=False), flush=True)


def _period_id(connection: Any, start: dt.date) -> int | None:
    query = text("SELECT id FROM accountability_period WHERE start_date = :s")
    return connection.execute(query, {"s": start}).scalar()  # type: ignore[no-any-return]


def _forget_period(target: Target, start: dt.date) -> None:
    """Delete the period's items, evidence, mails and links, so it is generated from scratch (untimed)."""
    engine = make_engine(target.url)
    tables = set(inspect(engine).get_table_names())
    with engine.begin() as connection:
        period = _period_id(connection, start)
        if period is not None:
            items = "SELECT id FROM accountability_item WHERE period_id = :p"
            connection.execute(text(f"DELETE FROM item_evidence WHERE item_id IN ({items})"), {"p": period})
            connection.execute(text(f"DELETE FROM explanation WHERE item_id IN ({items})"), {"p": period})
            connection.execute(text("DELETE FROM accountability_item WHERE period_id = :p"), {"p": period})
            _forget_mails(connection, tables, period)
            connection.execute(text("DELETE FROM accountability_period WHERE id = :p"), {"p": period})
    engine.dispose()


def _forget_mails(connection: Any, tables: set[str], period: int) -> None:
    for table in ("published_mail", "outgoing_mail"):
        if table in tables:
            connection.execute(text(f"DELETE FROM {table} WHERE period_id = :p"), {"p": period})
    connection.execute(text("DELETE FROM login_token"))


def _html_sizes(settings: Settings, start: dt.date) -> dict[str, Any]:
    pages = [settings.reports_path / f"report-{start:%Y-%m-%d}.html"]
    folder = settings.reports_path / f"report-{start:%Y-%m-%d}"
    pages += [path for path in folder.rglob("*.html")] if folder.is_dir() else []
    sizes = [path.stat().st_size for path in pages if path.is_file()]
    return {
        "html_pages": len(sizes),
        "largest_page_mb": round(max(sizes) / 1e6, 2),
        "company_page_mb": round(sizes[0] / 1e6, 2),
    }


def op_report(target: Target, size: Size, generate: bool, workbook: bool) -> None:
    from reports.build import build_period_report

    settings = target.settings()
    start = last_period_start(size, settings)
    if generate:
        _forget_period(target, start)
    shutil.rmtree(settings.reports_path, ignore_errors=True)
    engine = make_engine(target.url)
    factory = make_session_factory(engine)
    now = dt.datetime.combine(LAST_DAY + dt.timedelta(days=2), dt.time(1), tzinfo=dt.UTC)
    began = _start()
    build_period_report(factory, settings, start, now, generate=generate, workbook=workbook)
    seconds = time.perf_counter() - began
    op = ("report" if workbook else "report_no_xlsx") if generate else "html"
    _emit(op, target, size, seconds, **_html_sizes(settings, start))


def op_publish(target: Target, size: Size, smtp_port: int) -> None:
    from reports.build import build_period_report
    from reports.publish import publish_period

    settings = target.settings(smtp={"host": "127.0.0.1", "port": smtp_port})
    start = last_period_start(size, settings)
    engine = make_engine(target.url)
    tables = set(inspect(engine).get_table_names())
    with engine.begin() as connection:
        period = _period_id(connection, start)
        if period is None:
            raise SystemExit(f"no period starting {start}: run the report first")
        _forget_mails(connection, tables, period)
    factory = make_session_factory(engine)
    now = dt.datetime.combine(LAST_DAY + dt.timedelta(days=2), dt.time(1), tzinfo=dt.UTC)
    began = _start()
    built = build_period_report(factory, settings, start, now, generate=False, workbook=False)
    with factory() as session:
        result = publish_period(session, settings, start, now, context=built.context)
    seconds = time.perf_counter() - began
    _emit("publish", target, size, seconds, mails=len(result.sent), failed=len(result.failed))


@contextmanager
def _copy_of(target: Target) -> Iterator[Target]:
    """A throw-away copy of the database (file copy or template) and of the store (hard links)."""
    copy = Target(target.backend, f"{target.key}-copy", target.folder.parent / f"{target.key}-copy")
    _drop(copy)
    copy.folder.mkdir(parents=True)
    subprocess.run(["cp", "-al", str(target.folder / "evidence"), str(copy.folder / "evidence")], check=True)
    if target.backend == "sqlite":
        shutil.copyfile(f"{target.folder}.db", f"{copy.folder}.db")
    else:
        admin = _pg_admin()
        with admin.connect() as connection:
            source, name = target.url.rsplit("/", 1)[1], copy.url.rsplit("/", 1)[1]
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
        admin.dispose()
    try:
        yield copy
    finally:
        _drop(copy)


def op_prune(target: Target, size: Size) -> None:
    from models.db import transaction
    from monitor.capture.retention import prune_evidence
    from monitor.core.evidence import EvidenceStore

    with _copy_of(target) as copy:
        settings = copy.settings()
        engine = make_engine(copy.url)
        upgrade(engine)
        factory = make_session_factory(engine)
        store = EvidenceStore(settings.evidence_path)
        for op, today in (
            ("prune", LAST_DAY + dt.timedelta(days=1)),
            ("prune_day", LAST_DAY + dt.timedelta(days=2)),
        ):
            began = _start()
            with transaction(factory) as session:
                result = prune_evidence(session, store, today, settings.crawl.retention_days)
            _emit(op, target, size, time.perf_counter() - began, deleted=len(result.deleted))
        engine.dispose()


def op_web(target: Target, size: Size, rounds: int) -> None:
    from bs4 import BeautifulSoup
    from fastapi.testclient import TestClient

    from monitor.web.app import create_app

    settings = target.settings(base_url="http://testserver")
    today = LAST_DAY + dt.timedelta(days=8)
    app = create_app(settings)
    with TestClient(app) as client:
        csrf = BeautifulSoup(client.get("/login").text, "html.parser").select_one("input[name=csrf]")
        assert csrf is not None
        client.post(
            "/login", data={"csrf": csrf["value"], "username": OFFICE_USER, "password": OFFICE_PASSWORD}
        )
        since = (today - dt.timedelta(days=28)).isoformat()
        for op, path in (
            ("web_matches", "/office/matches"),
            ("web_overdue", "/overdue"),
            ("web_leads", f"/office/leads?since={since}"),
        ):
            timings = []
            for _ in range(rounds):
                began = _start()
                response = client.get(path)
                timings.append(time.perf_counter() - began)
                assert response.status_code == 200, (path, response.status_code)
            _emit(op, target, size, min(timings), bytes=len(response.content))


def roster_csv(folder: Path, rows: int = ROSTER_ROWS) -> Path:
    """A customers CSV of `rows` rows (~50 MB at 356k), written once into the cache folder."""
    path = folder / "roster" / "customers.csv"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(356)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("customer_id,name,short_name,english_name,aliases,website,ka\n")
        for n in range(rows):
            name = company_name(rng, n)
            aliases = "|".join(f"{name[:6]}{suffix}" for suffix in ("集团", "招聘"))
            handle.write(f"K{n:07d},{name},{name[2:8]},Co {n},{aliases},https://c{n}.cn/,yes\n")
    return path


def op_roster(target: Target, size: Size) -> None:
    from models.db import transaction
    from monitor.roster import apply_roster, read_roster

    csv_path = roster_csv(target.folder)
    scratch = Target(target.backend, f"{target.key}-roster", target.folder.parent / f"{target.key}-roster")
    _drop(scratch)
    _create(scratch)
    try:
        engine = make_engine(scratch.url)
        upgrade(engine)
        began = _start()
        roster = read_roster([csv_path])
        with transaction(make_session_factory(engine)) as session:
            summary = apply_roster(session, roster)
        seconds = time.perf_counter() - began
        engine.dispose()
        _emit(
            "roster",
            target,
            size,
            seconds,
            csv_mb=round(csv_path.stat().st_size / 1e6, 1),
            created=summary.tables["customers"].created,
        )
    finally:
        _drop(scratch)


def child(op: str, target: Target, size: Size, smtp_port: int, rounds: int, no_xlsx: bool) -> None:
    runs: dict[str, Callable[[], None]] = {
        "report": lambda: op_report(target, size, generate=True, workbook=not no_xlsx),
        "html": lambda: op_report(target, size, generate=False, workbook=False),
        "publish": lambda: op_publish(target, size, smtp_port),
        "prune": lambda: op_prune(target, size),
        "web": lambda: op_web(target, size, rounds),
        "roster": lambda: op_roster(target, size),
    }
    runs[op]()


# --- the parent ---------------------------------------------------------------------------------------


def _size(args: argparse.Namespace) -> Size:
    fields = {f.name for f in dataclasses.fields(Size)}
    return Size(**{name: value for name, value in vars(args).items() if name in fields and value is not None})


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--months", type=float, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seed", type=int, default=19)
    for name in (
        "reps",
        "teams",
        "branches",
        "customers",
        "sites",
        "pages_per_site",
        "advertisers",
        "matched",
    ):
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, type=int, default=None)
    parser.add_argument(
        "--positions-scale",
        dest="positions_scale",
        type=float,
        default=None,
        help="scale ads per page (1.0: ~19,500 sightings a day)",
    )
    parser.add_argument("--ops", default=",".join(OPS), help=f"comma-separated, from {', '.join(OPS)}")
    parser.add_argument("--rounds", type=int, default=3, help="requests per web page (the minimum is shown)")
    parser.add_argument("--cache", type=Path, default=REPO_ROOT / "var" / "bench")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--no-xlsx", action="store_true", help="`report` without the workbook")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--smtp-port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = _size(args)
    key = size_key(size, args.seed)
    target = Target(args.backend, key, args.cache / f"{args.backend}-{key}")
    if args.child:
        child(args.child, target, size, args.smtp_port, args.rounds, args.no_xlsx)
        return
    wanted = [op for op in args.ops.split(",") if op]
    if unknown := [op for op in wanted if op not in OPS]:
        parser.error(f"--ops: unknown {', '.join(unknown)} (known: {', '.join(OPS)})")
    build(target, size, args.seed, args.rebuild)
    children = list(dict.fromkeys("web" if op.startswith("web_") else op for op in wanted))
    mailbox = None
    if "publish" in children:
        sys.path.insert(0, str(REPO_ROOT / "tests" / "support"))
        from smtp import smtp_server  # a real SMTP server on loopback (aiosmtpd)

        mailbox_context = smtp_server()
        mailbox = mailbox_context.__enter__()
    try:
        for op in children:
            command = [
                sys.executable,
                __file__,
                *sys.argv[1:],
                "--child",
                op,
                "--smtp-port",
                str(mailbox.port if mailbox else 0),
            ]
            before = len(mailbox.messages) if mailbox else 0
            output = subprocess.run(command, check=True, capture_output=True, text=True)
            sys.stderr.write(output.stderr)
            for line in output.stdout.splitlines():
                row = json.loads(line)
                if row["op"] == "publish" and mailbox is not None:
                    sizes = [len(message.as_bytes()) for message in mailbox.messages[before:]]
                    row["largest_mail_mb"] = round(max(sizes, default=0) / 1e6, 3)
                print(json.dumps(row, ensure_ascii=False), flush=True)
    finally:
        if mailbox is not None:
            mailbox_context.__exit__(None, None, None)


if __name__ == "__main__":
    main()
