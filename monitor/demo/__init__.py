"""The demo: four fictional competitor job sites, their ads over 14 days, and a roster to match.

Designed on the days 2026-11-09 .. 2026-11-22 (the dates below); a run moves them onto the two weeks
that ended the day before it (`calendar`), so the period is over and its forms are open.
The sites (`fixture_server.FixtureServer`, pages in `pages.py`, ads in `catalogue.py`,
configs in `config/demo-sites/`) are 职汇网 `jobhub` (zhaopin style),
前程无界 `qiancheng` (51job style, one GBK page), 勾职网 `gouzhi` (lagou style, lazy images)
and 飞职网 `feizhi` (rendered by JavaScript). The roster (`roster/*.csv`) has 2 branches,
4 teams, 8 reps (R001-R008) and 60 customers (C001-C060).

Designed cases (customer -> the rule it exercises):

Accountability
- C001 华澜银行 (R001): no deal, ads every day on jobhub and qiancheng (feizhi from 11-19) ->
  accountable for the whole period.
- C002 星河智造, C019 恒岳重工, C025 墨羽设计, C039 霁月网络: a deal covers the period -> never accountable.
- C005 远岚汽车: transferred (划转) R002 -> R004 on 2026-11-16 (R002 until 11-15), ads every day on
  jobhub and feizhi -> sightings of 11-09..11-15 belong to R002, 11-16..11-22 to R004.
- C006 中澜人寿 (R003): contract ends 2026-11-12 -> accountable only for 11-13..11-22.
- C007 青木教育 (R004): contract starts 2026-11-18 (signed 11-10) -> accountable only for 11-09..11-17.
- C008 东泰建设 (R003): its only order ended 2025-06-30 -> accountable all period.
- C017 小树家政, C018 蓝莓文印: `ka: no`, unassigned, advertising every day -> never accountable.
- C020 璟瑞医药: transferred R005 -> R006 on 2026-01-01, long before the period -> only R006 answers.
- C015 天穹航空 (R008): first seen 2026-11-18 (qiancheng finance, feizhi campus) -> starts mid-period.
- C016 鸣沙文旅 (R002): seen only 11-11..11-13 (jobhub campus, feizhi campus) -> a short run.
- C044 (order, never seen) and C045, C047..C060: customers never seen on any site -> no items.

Matching (advertiser texts)
- `1/3华澜银行股份有限公司招聘信息` rotation prefix; `华澜银行股份有限公司福建省分行` and `…北京分行`,
  `…信用卡中心` branches; `华澜银行 诚聘 技术 销售人才` slogan (qiancheng cleanup) -> C001.
- `华澜信息科技有限公司` looks like C001 but is nobody of ours -> must not match automatically.
- `远岚汽车销售服务有限公司市场部(北京)` department suffix -> C005; `远峰汽车租赁有限公司` look-alike -> none.
- `中澜人寿保险股份有限公司北京分公司`, `澜石证券股份有限公司上海分公司` branches -> C006, C021.
- `青木教育科技（集团）有限公司` vs the roster's `青木教育科技集团有限公司` (brackets) -> C007.
- `博瑞途管理咨询(上海)有限公司` half-width vs full-width in the roster; `Brightpath Consulting`
  English name on gouzhi -> C004.
- `【热招】松果出行科技有限公司` decoration -> C009.
- `https://www.lumenpeak.example/careers` a URL as alt text, linking to the customer's website -> C010.
- `<script>alert('rw')</script>澄川物流招聘信息` hostile alt (must be escaped wherever shown) -> C011.
- `Northwind Logistics` English name only (feizhi carousel) -> C012.
- `YSDATA` (gouzhi) is only a roster alias; `云杉数科` short name (qiancheng, jobhub IT zone) -> C013.
- `青禾乳業集團` traditional characters (gouzhi 上海站) -> C014.
- `知渡教育科技有限公司2027届校园招聘` (jobhub site cleanup rule) -> C038.
- `隼鹰机器人科技有限公司（Kestrel Robotics）`, `Kestrel Robotics`, `Ashgrove Biotech 灰林生物`,
  `璟瑞医药 Jingrui Pharma`, `棠溪酒店 Tangxi Hotels`, `翠屿食品 Cuiyu Foods`: mixed Chinese/English.
- gouzhi 上海站 from 11-13: C003 鲸跃游戏's logo has only the generic alt `公司logo` (cleaned to no text),
  but the same `/gouzhi/gongsi/<id>.html` id it carries under its name on the homepage -> C003 by id.
- gouzhi 上海站: C046 南枝花卉 (R003) shows only a logo with the generic alt `公司logo` and no name or id
  it is known by anywhere: OCR reads 南枝花卉 off the logo, and the item page and the report show that
  source and its confidence -> C046, an item found by OCR alone.
- Not ours: 正衡会计师事务所（特殊普通合伙）, 橡树湾国际学校, Bluefin Analytics, 金翎石化有限公司.

Outage (set by `monitor.demo.run.DEMO_OUTAGES`): the qiancheng homepage answers 500 on 2026-11-15, so
that day is *unknown* (not "no ads") for the customers advertising there, e.g. C001.

House ads (never count): jobhub alt `职汇网招聘信息` linking to www/xiaoyuan.jobhub.example (while
customers' specials on special.jobhub.example do count); qiancheng `前程无界…` and a finance-zone logo
with no title at all; gouzhi `教育课程站内推广` under /gouzhi/activity/; feizhi `飞职网 · …`.

`catalogue.ads_for(site, page, day)` gives what each page shows on a day, `Ad.customer_id` the truth.
"""
