"""Benchmark: 2,000 distinct ad texts against 20,000 synthetic customers, beside the code it replaces.

    .venv/bin/python bench/bench_matching.py [--customers 20000] [--queries 2000]
        [--baseline DIR] [--brute-force]

Names are synthesised deterministically (place + two or three name characters + trade + legal form), so
the benchmark needs no data files. Prints build and match times, decisions and peak resident memory.
With `--baseline DIR` (a checkout of the code before a change, e.g. `git worktree add /tmp/base main`),
the same workload also runs in a child process importing `monitor.matching` from DIR, in the same run,
and the ratio between the two is printed; with `--brute-force`, rapidfuzz's
`process.cdist(..., scorer=fuzz.WRatio, workers=-1)` over all pairs as well (minutes on two cores).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from rapidfuzz import fuzz, process

from monitor.matching import CustomerRecord, MatchIndex

PLACES = (
    "北京",
    "上海",
    "深圳市",
    "广州市",
    "杭州",
    "南京",
    "武汉",
    "成都",
    "江苏",
    "浙江",
    "山东",
    "湖南",
    "福建",
    "苏州",
    "宁波",
    "青岛",
    "厦门",
    "西安",
    "重庆",
    "天津",
)
NAME_CHARS = [
    "华",
    "兴",
    "瑞",
    "达",
    "鑫",
    "恒",
    "泰",
    "盛",
    "宏",
    "丰",
    "源",
    "德",
    "通",
    "信",
    "诚",
    "安",
    "康",
    "明",
    "新",
    "博",
    "凯",
    "嘉",
    "晟",
    "宇",
    "腾",
    "龙",
    "海",
    "天",
    "金",
    "银",
    "联",
    "创",
    "众",
    "和",
    "润",
    "昌",
    "永",
    "立",
    "志",
    "远",
    "辉",
    "煌",
    "锦",
    "程",
    "光",
    "伟",
    "航",
    "星",
    "云",
    "峰",
    "青",
    "蓝",
    "绿",
    "润",
    "璟",
    "翔",
    "晨",
    "泓",
    "骏",
    "弘",
    "旭",
    "卓",
    "越",
    "佳",
    "捷",
    "迅",
    "迈",
    "拓",
    "领",
    "智",
    "慧",
    "聚",
    "融",
    "汇",
    "川",
    "岳",
    "松",
    "柏",
    "梅",
    "兰",
    "竹",
    "菊",
    "朗",
    "舜",
    "尧",
    "禹",
    "汉",
    "唐",
    "宋",
    "元",
    "明",
]
TRADES = (
    "科技",
    "软件",
    "电子",
    "医药",
    "汽车零部件",
    "物流",
    "食品",
    "建设工程",
    "房地产开发",
    "教育科技",
    "网络科技",
    "新材料",
    "环保科技",
    "机械制造",
    "生物医药",
    "信息技术",
    "文化传媒",
    "商贸",
    "投资管理",
)
FORMS = ("有限公司", "股份有限公司", "集团有限公司", "有限责任公司")


def synthetic_customers(count: int, rng: random.Random) -> list[CustomerRecord]:
    """`count` distinct customer names built from places, name characters, trades and legal forms."""
    chars = [char for char in NAME_CHARS if len(char) == 1]
    names: dict[str, None] = {}
    while len(names) < count:
        brand = "".join(rng.sample(chars, rng.choice((2, 2, 3))))
        names[f"{rng.choice(PLACES)}{brand}{rng.choice(TRADES)}{rng.choice(FORMS)}"] = None
    return [CustomerRecord(f"C{number:05d}", name) for number, name in enumerate(names, 1)]


def synthetic_queries(customers: list[CustomerRecord], count: int, rng: random.Random) -> list[str]:
    """`count` distinct ad texts: decorated full names, branches, short forms and unknown companies."""
    outsiders = synthetic_customers(len(customers) + count, random.Random(99))[len(customers) :]
    makers = (
        lambda name: f"{rng.randint(1, 3)}/3{name}招聘信息",
        lambda name: f"{name}北京分公司",
        lambda name: name.replace("(", "（"),
        lambda name: f"{name}诚聘英才",
    )
    queries: dict[str, None] = {}
    while len(queries) < count:
        if rng.random() < 0.2:
            queries[rng.choice(outsiders).name] = None
        else:
            queries[rng.choice(makers)(rng.choice(customers).name)] = None
    return list(queries)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(customer_count: int, query_count: int) -> dict[str, object]:
    """Build and match once with the `monitor.matching` on sys.path; the figures as a dict."""
    rng = random.Random(2027)
    customers = synthetic_customers(customer_count, rng)
    queries = synthetic_queries(customers, query_count, rng)
    rss_before = peak_rss_mb()
    cpu_start = time.process_time()
    start = time.perf_counter()
    index = MatchIndex.build(customers)
    built = time.perf_counter()
    results = [index.match(query) for query in queries]
    matched = time.perf_counter()
    cpu = time.process_time() - cpu_start
    decisions = {
        kind: sum(result.decision == kind for result in results) for kind in ("auto", "review", "none")
    }
    return {
        "build": built - start,
        "match": matched - built,
        "total": matched - start,
        "cpu": cpu,
        "rss": peak_rss_mb(),
        "rss_added": peak_rss_mb() - rss_before,
        "decisions": decisions,
    }


def _baseline(directory: Path, customer_count: int, query_count: int) -> dict[str, object]:
    """The same workload in a child process that imports `monitor.matching` from `directory`."""
    environment = {**os.environ, "PYTHONPATH": str(directory)}
    argv = [
        sys.executable,
        __file__,
        "--json",
        "--customers",
        str(customer_count),
        "--queries",
        str(query_count),
    ]
    output = subprocess.run(argv, env=environment, cwd=directory, capture_output=True, text=True, check=True)
    figures: dict[str, object] = json.loads(output.stdout.splitlines()[-1])
    return figures


def _print(label: str, figures: dict[str, object], queries: int) -> None:
    build, match, total = (float(figures[key]) for key in ("build", "match", "total"))  # type: ignore[arg-type]
    print(f"{label}: decisions {figures['decisions']}")
    print(f"  index build      {build:7.2f} s")
    print(f"  match {queries} texts {match:7.2f} s ({match / queries * 1e3:.2f} ms each)")
    print(f"  total            {total:7.2f} s wall, {float(figures['cpu']):.2f} s CPU")  # type: ignore[arg-type]
    print(f"  peak RSS         {float(figures['rss']):7.0f} MB (+{float(figures['rss_added']):.0f} MB)")  # type: ignore[arg-type]


def _brute_force(customer_count: int, query_count: int) -> float:
    rng = random.Random(2027)
    customers = synthetic_customers(customer_count, rng)
    queries = synthetic_queries(customers, query_count, rng)
    start = time.perf_counter()
    process.cdist(queries, [customer.name for customer in customers], scorer=fuzz.WRatio, workers=-1)
    return time.perf_counter() - start


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--baseline", type=Path, help="a checkout of the code to compare with, same run")
    parser.add_argument("--brute-force", action="store_true", help="also time rapidfuzz cdist over all pairs")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # the baseline child
    args = parser.parse_args()
    if args.json:
        print(json.dumps(run(args.customers, args.queries)))
        return
    baseline = _baseline(args.baseline, args.customers, args.queries) if args.baseline else None
    ours = run(args.customers, args.queries)
    print(f"customers {args.customers}, queries {args.queries}")
    _print("this code", ours, args.queries)
    if baseline is not None:
        _print(f"baseline {args.baseline}", baseline, args.queries)
        ratio = float(ours["total"]) / float(baseline["total"])  # type: ignore[arg-type]
        cpu_ratio = float(ours["cpu"]) / float(baseline["cpu"])  # type: ignore[arg-type]
        print(f"ratio            {ratio:7.3f} of the baseline's wall time, {cpu_ratio:.3f} of its CPU time")
    if args.brute_force:
        brute = _brute_force(args.customers, args.queries)
        print(f"brute force      {brute:7.2f} s  (cdist WRatio, workers=-1)")
        print(f"ratio            {float(ours['total']) / brute:7.3f} of the brute-force time")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
