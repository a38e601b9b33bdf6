"""The demo's fictional advertisers and where and when each one advertises on the fixture sites.

Plain data: `ADVERTISERS` (who), `PLACEMENTS` (which text in which slot of which page, on which days).
`ads_for(site, page, day)` answers what a page shows on a day, exactly as the fixture server renders it,
so tests can compare what a capture found with what was there. Company names are invented.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

from monitor.demo.pages import SITES, page_spec

DEMO_START = dt.date(2026, 11, 9)
DEMO_END = dt.date(2026, 11, 22)


@dataclass(frozen=True)
class Advertiser:
    key: str  # stable slug, also names its creatives: /<site>/img/<key>-<w>x<h>.png
    label: str  # what its creatives show
    customer_id: str | None = None  # the roster customer it is, None when it is nobody of ours
    website: str | None = None
    house: bool = False  # the competitor's own promotion


@dataclass(frozen=True)
class Run:
    """Days an ad runs, inclusive; None means open-ended on that side."""

    first: dt.date | None = None
    last: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return (self.first is None or self.first <= day) and (self.last is None or day <= self.last)


ALWAYS = Run()


def during(first: str, last: str) -> Run:
    """A run from `first` to `last` ("MM-DD" in the demo's year), both included."""
    year = DEMO_START.year
    return Run(dt.date.fromisoformat(f"{year}-{first}"), dt.date.fromisoformat(f"{year}-{last}"))


@dataclass(frozen=True)
class Placement:
    site: str
    page: str
    slot: str
    advertiser: str
    text: str  # the advertiser text exactly as the page shows it (alt, title or link text)
    run: Run = ALWAYS
    link: str | None = None  # None: the site's usual link for this advertiser


@dataclass(frozen=True)
class Ad:
    """One ad as rendered on one day."""

    site: str
    page: str
    slot: str
    position: int  # 1-based, in page order within the slot
    advertiser: str
    text: str
    link: str
    image: str  # absolute path on the fixture server
    company_id: str | None  # the competitor's id for the advertiser (cid, adid, /gongsi/<id>.html)
    click_id: int  # the competitor's ad-click tracking id
    house: bool
    customer_id: str | None


def _a(key: str, label: str, customer_id: str | None = None, website: str | None = None) -> Advertiser:
    return Advertiser(key, label, customer_id, website)


ADVERTISERS: dict[str, Advertiser] = {
    a.key: a
    for a in (
        _a("hualan-bank", "华澜银行", "C001", "www.hualanbank.example"),
        _a("starriver", "星河智造", "C002", "www.starriver-im.example"),
        _a("jingyue", "鲸跃游戏", "C003", "www.jingyuegames.example"),
        _a("brightpath", "Brightpath", "C004", "www.brightpath.example"),
        _a("yuanlan-auto", "远岚汽车", "C005"),
        _a("zhonglan-life", "中澜人寿", "C006", "www.zhonglanlife.example"),
        _a("qingmu-edu", "青木教育", "C007", "www.qingmu-edu.example"),
        _a("dongtai", "东泰建设", "C008"),
        _a("pinecone", "松果出行", "C009", "www.pinecone-mobility.example"),
        _a("lumenpeak", "流明峰光电", "C010", "www.lumenpeak.example"),
        _a("chengchuan", "澄川物流", "C011"),
        _a("northwind", "Northwind", "C012", "www.northwind-logistics.example"),
        _a("yunshan", "云杉数科", "C013", "www.ysdata.example"),
        _a("qinghe-dairy", "青禾乳业", "C014"),
        _a("skydome", "天穹航空", "C015", "www.skydome-aviation.example"),
        _a("mingsha", "鸣沙文旅", "C016"),
        _a("xiaoshu", "小树家政", "C017"),
        _a("lanmei", "蓝莓文印", "C018"),
        _a("hengyue", "恒岳重工", "C019"),
        _a("jingrui", "璟瑞医药", "C020", "www.jingrui-pharma.example"),
        _a("lanshi", "澜石证券", "C021"),
        _a("yinxing", "银杏保险", "C022"),
        _a("tuoling", "拓岭半导体", "C023", "www.tuoling-semi.example"),
        _a("chixiao", "赤霄互娱", "C024"),
        _a("moyu", "墨羽设计", "C025"),
        _a("jinluan", "锦峦置地", "C026"),
        _a("cuiyu", "翠屿食品", "C027"),
        _a("tangxi", "棠溪酒店", "C028"),
        _a("cangwu", "苍梧能源", "C029"),
        _a("weiling", "蔚岭数据", "C030"),
        _a("langqing", "朗晴电器", "C031"),
        _a("jiuwan", "九畹茶业", "C032"),
        _a("qingluan", "青峦环保", "C033"),
        _a("yichen", "熠辰光伏", "C034"),
        _a("lixing", "砺行律所", "C035"),
        _a("ashgrove", "灰林生物", "C036", "www.ashgrove-bio.example"),
        _a("kestrel", "隼鹰机器人", "C037", "www.kestrel-robotics.example"),
        _a("zhidu", "知渡教育", "C038"),
        _a("jiyue", "霁月网络", "C039"),
        _a("muguang", "沐光传媒", "C040"),
        _a("chenyu", "宸宇设计院", "C041"),
        _a("chengyi", "橙意生活", "C042"),
        _a("wanxiu", "万岫物业", "C043"),
        _a("nanzhi", "南枝花卉", "C046"),  # shown only as a logo: found by OCR (monitor.capture.logos)
        # Advertisers that are nobody of ours; two look like customers on purpose.
        _a("hualan-info", "华澜信息"),
        _a("zhengheng", "正衡会计"),
        _a("oakbay-school", "橡树湾学校"),
        _a("bluefin", "Bluefin"),
        _a("yuanfeng-rental", "远峰租车"),
        _a("jinling-petro", "金翎石化"),
    )
} | {
    f"{name}-house": Advertiser(f"{name}-house", site.display_name, house=True)
    for name, site in SITES.items()
}

JOBHUB_HOUSE = "http://www.jobhub.example/"


def _jobhub(
    page: str, slot: str, advertiser: str, text: str, run: Run = ALWAYS, link: str | None = None
) -> Placement:
    return Placement("jobhub", page, slot, advertiser, text, run, link)


def _qiancheng(page: str, slot: str, advertiser: str, text: str, run: Run = ALWAYS) -> Placement:
    return Placement("qiancheng", page, slot, advertiser, text, run)


def _gouzhi(page: str, slot: str, advertiser: str, text: str, run: Run = ALWAYS) -> Placement:
    return Placement("gouzhi", page, slot, advertiser, text, run)


def _feizhi(page: str, slot: str, advertiser: str, text: str, run: Run = ALWAYS) -> Placement:
    return Placement("feizhi", page, slot, advertiser, text, run)


PLACEMENTS: tuple[Placement, ...] = (
    # 职汇网 homepage: top banner row with rotation prefixes.
    _jobhub(
        "home",
        "top_banner",
        "hualan-bank",
        "1/3华澜银行股份有限公司招聘信息",
        link="http://special.jobhub.example/2026/bj/hlyh1102/",
    ),
    _jobhub("home", "top_banner", "jobhub-house", "2/3职汇网招聘信息", link=JOBHUB_HOUSE + "zt/2027campus/"),
    _jobhub("home", "top_banner", "jinluan", "3/3锦峦置地集团有限公司招聘信息", during("11-09", "11-15")),
    _jobhub("home", "top_banner", "muguang", "3/3沐光传媒集团有限公司招聘信息", during("11-16", "11-22")),
    # slider: a URL as alt text, a house ad with the generic alt.
    _jobhub("home", "slider", "starriver", "星河智造科技有限公司招聘信息"),
    _jobhub(
        "home",
        "slider",
        "lumenpeak",
        "https://www.lumenpeak.example/careers",
        during("11-11", "11-22"),
        link="https://www.lumenpeak.example/careers",
    ),
    _jobhub("home", "slider", "jobhub-house", "职汇网招聘信息", link=JOBHUB_HOUSE + "zt/2026/nianzhong/"),
    _jobhub("home", "slider", "jingrui", "璟瑞医药科技有限公司招聘信息", during("11-09", "11-18")),
    # 8-in-1 logo wall: branches.
    _jobhub(
        "home", "logo8in1", "hualan-bank", "华澜银行股份有限公司福建省分行招聘信息", during("11-09", "11-15")
    ),
    _jobhub("home", "logo8in1", "zhonglan-life", "中澜人寿保险股份有限公司北京分公司招聘信息"),
    _jobhub("home", "logo8in1", "lanshi", "澜石证券股份有限公司上海分公司招聘信息"),
    _jobhub("home", "logo8in1", "hengyue", "恒岳重工机械股份有限公司招聘信息"),
    _jobhub("home", "logo8in1", "tuoling", "拓岭半导体（无锡）有限公司招聘信息"),
    _jobhub("home", "logo8in1", "yinxing", "银杏保险经纪有限公司招聘信息", during("11-16", "11-22")),
    _jobhub("home", "logo8in1", "wanxiu", "万岫物业服务有限公司招聘信息"),
    _jobhub("home", "logo8in1", "jobhub-house", "职汇网招聘信息", link=JOBHUB_HOUSE + "vip/"),
    # 16-in-1 logo wall: department suffix, hostile alt, non-KA, look-alike, English name.
    _jobhub("home", "logo16in1", "yuanlan-auto", "远岚汽车销售服务有限公司市场部(北京)招聘信息"),
    _jobhub("home", "logo16in1", "chengchuan", "<script>alert('rw')</script>澄川物流招聘信息"),
    _jobhub("home", "logo16in1", "xiaoshu", "小树家政服务有限公司招聘信息"),
    _jobhub("home", "logo16in1", "yuanfeng-rental", "远峰汽车租赁有限公司招聘信息"),
    _jobhub("home", "logo16in1", "chixiao", "赤霄互娱招聘信息"),
    _jobhub("home", "logo16in1", "cuiyu", "翠屿食品股份有限公司招聘信息", during("11-09", "11-12")),
    _jobhub("home", "logo16in1", "tangxi", "棠溪酒店管理有限公司招聘信息", during("11-13", "11-22")),
    _jobhub("home", "logo16in1", "cangwu", "苍梧能源科技有限公司招聘信息"),
    _jobhub("home", "logo16in1", "langqing", "朗晴电器股份有限公司招聘信息", during("11-14", "11-22")),
    _jobhub("home", "logo16in1", "qingluan", "青峦环保科技股份有限公司招聘信息"),
    _jobhub("home", "logo16in1", "ashgrove", "Ashgrove Biotech 灰林生物招聘信息"),
    _jobhub("home", "logo16in1", "chengyi", "橙意生活连锁有限公司招聘信息", during("11-09", "11-19")),
    _jobhub("home", "logo16in1", "moyu", "墨羽设计咨询有限公司招聘信息"),
    _jobhub("home", "logo16in1", "jobhub-house", "职汇网招聘信息", link=JOBHUB_HOUSE + "zt/hr/"),
    _jobhub("home", "logo16in1", "jobhub-house", "职汇网招聘信息", link=JOBHUB_HOUSE + "app/"),
    _jobhub("home", "logo16in1", "jobhub-house", "职汇网招聘信息", link="http://xiaoyuan.jobhub.example/"),
    # 校园招聘专区
    _jobhub("campus", "campus_focus", "qingmu-edu", "青木教育科技（集团）有限公司招聘信息"),
    _jobhub("campus", "campus_focus", "zhidu", "知渡教育科技有限公司2027届校园招聘"),
    _jobhub(
        "campus", "campus_focus", "jobhub-house", "职汇网校园招聘信息", link="http://xiaoyuan.jobhub.example/"
    ),
    _jobhub("campus", "campus_logos", "mingsha", "鸣沙文旅发展有限公司招聘信息", during("11-11", "11-13")),
    _jobhub("campus", "campus_logos", "oakbay-school", "橡树湾国际学校招聘信息"),
    _jobhub("campus", "campus_logos", "muguang", "沐光传媒集团有限公司招聘信息"),
    _jobhub("campus", "campus_logos", "yichen", "熠辰光伏科技有限公司招聘信息", during("11-15", "11-22")),
    _jobhub("campus", "campus_logos", "chenyu", "宸宇建筑设计研究院有限公司招聘信息"),
    # IT·互联网行业专区
    _jobhub("it", "it_logos", "pinecone", "【热招】松果出行科技有限公司"),
    _jobhub("it", "it_logos", "hualan-info", "华澜信息科技有限公司招聘信息"),
    _jobhub("it", "it_logos", "weiling", "蔚岭数据科技有限公司招聘信息"),
    _jobhub(
        "it",
        "it_logos",
        "kestrel",
        "隼鹰机器人科技有限公司（Kestrel Robotics）招聘信息",
        during("11-09", "11-17"),
    ),
    _jobhub("it", "it_logos", "jiyue", "霁月网络科技有限公司招聘信息"),
    _jobhub("it", "it_logos", "yunshan", "云杉数科招聘信息", during("11-18", "11-22")),
    _jobhub("it", "it_logos", "jobhub-house", "职汇网IT频道", link=JOBHUB_HOUSE + "it/"),
    # 前程无界 homepage: 知名企业 text list mixing brands, legal names and slogans.
    _qiancheng("home", "famous", "hualan-bank", "华澜银行 诚聘 技术 销售人才"),
    _qiancheng("home", "famous", "dongtai", "东泰建设工程有限公司"),
    _qiancheng("home", "famous", "zhengheng", "正衡会计师事务所（特殊普通合伙）"),
    _qiancheng("home", "famous", "yunshan", "云杉数科", during("11-14", "11-18")),
    _qiancheng("home", "famous", "lanmei", "蓝莓文印"),
    _qiancheng("home", "famous", "jingrui", "璟瑞医药 Jingrui Pharma"),
    _qiancheng("home", "famous", "jiuwan", "九畹茶业有限公司"),
    _qiancheng("home", "famous", "lixing", "砺行律师事务所 诚聘英才", during("11-09", "11-15")),
    _qiancheng("home", "famous", "hengyue", "恒岳重工"),
    _qiancheng("home", "famous", "jinluan", "锦峦置地集团 诚聘 技术 销售人才", during("11-16", "11-22")),
    _qiancheng("home", "famous", "chengyi", "橙意生活连锁"),
    _qiancheng("home", "famous", "langqing", "朗晴电器", during("11-09", "11-13")),
    _qiancheng("home", "banner_row", "lanshi", "澜石证券"),
    _qiancheng("home", "banner_row", "yichen", "熠辰光伏科技有限公司", during("11-09", "11-14")),
    _qiancheng("home", "banner_row", "tangxi", "棠溪酒店 Tangxi Hotels", during("11-15", "11-22")),
    _qiancheng("home", "banner_row", "qiancheng-house", "前程无界 校园招聘会"),
    # 金融行业专区 (GBK): full names in title attributes; the house ad has no title at all.
    _qiancheng(
        "finance", "companyads", "brightpath", "博瑞途管理咨询(上海)有限公司", during("11-12", "11-22")
    ),
    _qiancheng("finance", "companyads", "skydome", "天穹航空服务有限公司", during("11-18", "11-22")),
    _qiancheng("finance", "companyads", "lanshi", "澜石证券股份有限公司"),
    _qiancheng("finance", "companyads", "yinxing", "银杏保险经纪有限公司"),
    _qiancheng("finance", "companyads", "jinling-petro", "金翎石化有限公司"),
    _qiancheng("finance", "companyads", "zhonglan-life", "中澜人寿保险股份有限公司"),
    _qiancheng("finance", "companyads", "hualan-bank", "华澜银行股份有限公司信用卡中心"),
    _qiancheng("finance", "companyads", "qiancheng-house", ""),
    # 勾职网 homepage: banner alts, short names in a logo grid whose images all say 公司logo.
    _gouzhi("home", "home_banner", "starriver", "星河智造"),
    _gouzhi("home", "home_banner", "brightpath", "Brightpath Consulting"),
    _gouzhi("home", "home_banner", "gouzhi-house", "教育课程站内推广"),
    _gouzhi("home", "home_banner", "chixiao", "赤霄互娱 - 2027全球招募", during("11-09", "11-15")),
    _gouzhi("home", "home_banner", "kestrel", "Kestrel Robotics", during("11-16", "11-22")),
    _gouzhi("home", "company_logos", "jingyue", "鲸跃游戏"),
    _gouzhi("home", "company_logos", "yunshan", "YSDATA"),
    _gouzhi("home", "company_logos", "bluefin", "Bluefin Analytics"),
    _gouzhi("home", "company_logos", "weiling", "蔚岭数据"),
    _gouzhi("home", "company_logos", "chixiao", "赤霄互娱"),
    _gouzhi("home", "company_logos", "kestrel", "隼鹰机器人", during("11-09", "11-17")),
    _gouzhi("home", "company_logos", "jiyue", "霁月网络"),
    _gouzhi("home", "company_logos", "lumenpeak", "流明峰", during("11-12", "11-22")),
    _gouzhi("home", "company_logos", "zhidu", "知渡教育", during("11-09", "11-15")),
    _gouzhi("home", "company_logos", "pinecone", "松果出行"),
    # 上海站: traditional characters; from 11-13 鲸跃 shows only a generic logo (its /gongsi/ id stays).
    _gouzhi("shanghai", "city_banner", "qinghe-dairy", "青禾乳業集團"),
    _gouzhi("shanghai", "city_banner", "tangxi", "棠溪酒店", during("11-09", "11-15")),
    _gouzhi("shanghai", "city_banner", "cuiyu", "翠屿食品 Cuiyu Foods", during("11-16", "11-22")),
    _gouzhi("shanghai", "city_logos", "jingyue", "鲸跃游戏", during("11-09", "11-12")),
    _gouzhi("shanghai", "city_logos", "jingyue", "公司logo", during("11-13", "11-22")),
    _gouzhi("shanghai", "city_logos", "tuoling", "拓岭半导体"),
    _gouzhi("shanghai", "city_logos", "ashgrove", "灰林生物"),
    _gouzhi("shanghai", "city_logos", "chengyi", "橙意生活"),
    _gouzhi("shanghai", "city_logos", "wanxiu", "万岫物业", during("11-14", "11-22")),
    _gouzhi("shanghai", "city_logos", "yichen", "熠辰光伏"),
    _gouzhi("shanghai", "city_logos", "nanzhi", "公司logo"),  # no name anywhere: only its logo says it
    # 飞职网 (rendered by JavaScript): carousel and a lazy, infinitely scrolling logo wall.
    _feizhi("home", "carousel", "northwind", "Northwind Logistics"),
    _feizhi("home", "carousel", "ashgrove", "灰林生物技术（苏州）有限公司"),
    _feizhi("home", "carousel", "feizhi-house", "飞职网 · 年度雇主评选"),
    _feizhi("home", "carousel", "jingrui", "璟瑞医药", during("11-14", "11-22")),
    *(
        _feizhi("home", "logo_wall", key, text)
        for key, text in (
            ("jingyue", "鲸跃游戏"),
            ("yuanlan-auto", "远岚汽车"),
            ("pinecone", "松果出行"),
            ("chengchuan", "澄川物流"),
            ("hengyue", "恒岳重工"),
            ("yinxing", "银杏保险"),
            ("tuoling", "拓岭半导体"),
            ("jinluan", "锦峦置地"),
            ("cangwu", "苍梧能源"),
            ("weiling", "蔚岭数据"),
            ("langqing", "朗晴电器"),
            ("jiuwan", "九畹茶业"),
            ("qingluan", "青峦环保"),
            ("lixing", "砺行律所"),
            ("muguang", "沐光传媒"),
            ("chenyu", "宸宇设计院"),
            ("wanxiu", "万岫物业"),
            ("bluefin", "Bluefin Analytics"),
        )
    ),
    _feizhi("home", "logo_wall", "hualan-bank", "华澜银行股份有限公司北京分行", during("11-19", "11-22")),
    _feizhi("home", "logo_wall", "cuiyu", "翠屿食品", during("11-09", "11-15")),
    _feizhi("home", "logo_wall", "zhidu", "知渡教育", during("11-16", "11-22")),
    _feizhi("campus", "carousel", "qingmu-edu", "青木教育"),
    _feizhi("campus", "carousel", "feizhi-house", "飞职网校园 · 2027秋招进行时"),
    _feizhi("campus", "carousel", "mingsha", "鸣沙文旅", during("11-11", "11-13")),
    _feizhi("campus", "carousel", "yichen", "熠辰光伏", during("11-17", "11-22")),
    _feizhi("campus", "logo_wall", "zhidu", "知渡教育"),
    _feizhi("campus", "logo_wall", "chenyu", "宸宇建筑设计研究院"),
    _feizhi("campus", "logo_wall", "muguang", "沐光传媒"),
    _feizhi("campus", "logo_wall", "oakbay-school", "橡树湾国际学校"),
    _feizhi("campus", "logo_wall", "chixiao", "赤霄互娱", during("11-09", "11-18")),
    _feizhi("campus", "logo_wall", "lumenpeak", "流明峰光电"),
    _feizhi("campus", "logo_wall", "skydome", "天穹航空", during("11-19", "11-22")),
)

HOUSE_LINKS: dict[str, str] = {
    "qiancheng": "https://edu.qiancheng.example/",
    "gouzhi": "/gouzhi/activity/kwm1.html",
    "feizhi": "https://www.feizhi.example/zt/awards/",
}

_ID_DIGITS = {"jobhub": 8, "qiancheng": 8, "gouzhi": 5, "feizhi": 6}


def _stable_number(text: str, digits: int) -> int:
    low = 10 ** (digits - 1)
    return zlib.crc32(text.encode("utf-8")) % (9 * low) + low


def competitor_id(site: str, advertiser: str) -> str:
    """The id a competitor gives an advertiser (stable: the same on every page and every day)."""
    return str(_stable_number(f"{site}:{advertiser}", _ID_DIGITS[site]))


def creative_slug(advertiser: str, size: tuple[int, int]) -> str:
    """The name of an advertiser's creative of a size; the same every day and on every site."""
    return f"{advertiser}-{size[0]}x{size[1]}"


def _customer_link(site: str, advertiser: Advertiser) -> str:
    cid = competitor_id(site, advertiser.key)
    if site == "qiancheng":
        return f"https://companyads.qiancheng.example/2026/{cid}/index.htm"
    if site == "gouzhi":
        return f"/gouzhi/gongsi/{cid}.html"
    if advertiser.website:
        return f"https://{advertiser.website}/join/"
    if site == "jobhub":
        return f"http://special.jobhub.example/2026/bj/{advertiser.key}/"
    return f"https://jobs.feizhi.example/company/{cid}.html"


def _link(placement: Placement, advertiser: Advertiser) -> str:
    if placement.link:
        return placement.link
    if advertiser.house:
        return HOUSE_LINKS[placement.site]
    return _customer_link(placement.site, advertiser)


def _ad(placement: Placement, position: int, size: tuple[int, int]) -> Ad:
    advertiser = ADVERTISERS[placement.advertiser]
    return Ad(
        site=placement.site,
        page=placement.page,
        slot=placement.slot,
        position=position,
        advertiser=advertiser.key,
        text=placement.text,
        link=_link(placement, advertiser),
        image=f"/{placement.site}/img/{creative_slug(advertiser.key, size)}.png",
        company_id=None if advertiser.house else competitor_id(placement.site, advertiser.key),
        click_id=_stable_number(f"{placement.site}:{placement.page}:{placement.slot}:{placement.text}", 6),
        house=advertiser.house,
        customer_id=advertiser.customer_id,
    )


def ads_for(site: str, page: str, day: dt.date) -> list[Ad]:
    """Every ad page `page` of `site` shows on `day`, slot by slot in page order."""
    spec = page_spec(site, page)
    ads: list[Ad] = []
    for slot in spec.slots:
        where = (site, page, slot.name)
        running = [p for p in PLACEMENTS if (p.site, p.page, p.slot) == where and p.run.covers(day)]
        ads.extend(_ad(placement, position, slot.size) for position, placement in enumerate(running, start=1))
    return ads


def ads_by_slot(site: str, page: str, day: dt.date) -> dict[str, list[Ad]]:
    """`ads_for`, grouped by slot name (every slot of the page present, possibly empty)."""
    grouped: dict[str, list[Ad]] = {slot.name: [] for slot in page_spec(site, page).slots}
    for ad in ads_for(site, page, day):
        grouped[ad.slot].append(ad)
    return grouped


def creatives() -> dict[str, tuple[str, tuple[int, int]]]:
    """Every creative any page can show: slug -> (label drawn on it, size)."""
    found: dict[str, tuple[str, tuple[int, int]]] = {}
    for placement in PLACEMENTS:
        size = page_spec(placement.site, placement.page).slot(placement.slot).size
        advertiser = ADVERTISERS[placement.advertiser]
        found[creative_slug(advertiser.key, size)] = (advertiser.label, size)
    return found
