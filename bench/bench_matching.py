"""Benchmark: 2,000 distinct ad texts against 20,000 synthetic customers, beside brute-force rapidfuzz.

    .venv/bin/python bench/bench_matching.py [--customers 20000] [--queries 2000]

Names are synthesised deterministically (place + two or three name characters + trade + legal form), so
the benchmark needs no data files. Prints build and match times, the brute-force baseline
(`process.cdist(..., scorer=fuzz.WRatio, workers=-1)` over all pairs) measured in the same run, the ratio
between them, and peak resident memory.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

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


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=2_000)
    args = parser.parse_args()
    rng = random.Random(2027)
    customers = synthetic_customers(args.customers, rng)
    queries = synthetic_queries(customers, args.queries, rng)
    rss_before = peak_rss_mb()

    start = time.perf_counter()
    index = MatchIndex.build(customers)
    built = time.perf_counter()
    results = [index.match(query) for query in queries]
    matched = time.perf_counter()
    rss_index = peak_rss_mb()

    choices = [customer.name for customer in customers]
    base_start = time.perf_counter()
    scores = process.cdist(queries, choices, scorer=fuzz.WRatio, workers=-1)
    best = scores.argmax(axis=1)
    baseline = time.perf_counter() - base_start

    ours = matched - start
    decisions = {
        kind: sum(result.decision == kind for result in results) for kind in ("auto", "review", "none")
    }
    print(f"customers {len(customers)}, queries {len(queries)}; decisions {decisions}")
    print(f"index build      {built - start:7.2f} s")
    per_text_ms = (matched - built) / len(queries) * 1e3
    print(f"match {len(queries)} texts {matched - built:7.2f} s ({per_text_ms:.2f} ms each)")
    print(f"index total      {ours:7.2f} s")
    print(f"brute force      {baseline:7.2f} s  (cdist WRatio, workers=-1, {scores.size:,} pairs)")
    print(f"brute-force best for the first text: {choices[int(best[0])]}")
    print(f"ratio            {ours / baseline:7.3f} of the brute-force time ({baseline / ours:.1f}x faster)")
    print(
        f"peak RSS         {rss_index:7.0f} MB after indexing+matching (+{rss_index - rss_before:.0f} MB), "
        f"{peak_rss_mb():.0f} MB after brute force"
    )


if __name__ == "__main__":
    main()
