"""Advertiser names as discovery reads them: cleaned, generic or not, and how much like an employer's."""

from __future__ import annotations

import re
from collections.abc import Iterable

from monitor.capture.discovery.weights import DEFAULT_WEIGHTS, NameKind, NameWeights
from monitor.core.siteconfig import DEFAULT_CLEANUP_PATTERNS
from spiders.extract import fold_whitespace, strip_until_stable

# Cleanup added to a suggested config only when it changed a name on the page.
SLOGAN_PATTERN = r"\s+(诚聘|急聘|热招|高薪诚聘)\s.*$"  # "华翔集团-宁波井上华翔 诚聘 技术 销售人才"
URL_TEXT_PATTERN = r"^\s*(https?://|www\.)\S*\s*$"

MAX_NAME_LENGTH = 40  # longer, it is a slogan or a headline rather than a name
# A CJK brand without a company word (希悦, 康之元): one character names nothing, 15 or more is a phrase.
MIN_BRAND_LENGTH = 2
MAX_BRAND_LENGTH = 14

URL_LIKE = re.compile(r"^(https?:|//|www\.)|\.(com|cn|net|html?|png|jpe?g|gif)\b", re.IGNORECASE)
GENERIC_NAME = re.compile(
    r"^(公司)?(logo|图片|图标|banner|广告|image|img|pic|picture|photo|icon|更多|more|查看|点击|详情|"
    r"app ?download|app下载|下载|官方微信|微信|微博|首页|登录|注册|返回顶部|回到顶部|意见反馈|"
    r"面试评价|在招职位|简历处理率|招聘|求职|找工作|企业服务)$",
    re.IGNORECASE,
)
# A legal form names an employer even when a job or content word follows it elsewhere in the name.
_LEGAL_FORM = re.compile(r"有限公司|有限责任|股份|集团|事务所|\b(Inc|Ltd|Corp|LLC)\b|Co\.", re.IGNORECASE)
# What editorial and content links say (article titles, market reports, salary surveys, job-hunting
# guides, the site's own WeChat account): the site's content, not an employer who paid for a slot.
_EDITORIAL = re.compile(
    r"报告|调查|调研|白皮书|指南|攻略|秘籍|干货|技巧|盘点|排行|榜单|趋势|解读|薪酬|薪资|工资|年终奖|"
    r"求职|面试|简历|跳槽|职场|职业规划|应届生必|毕业生必|如何|怎么|怎样|为什么|哪些|必看|"
    r"公众号|关注我们|扫一扫|订阅|资讯|新闻|专栏|话题"
)
_COMPANY_WORD = re.compile(
    r"公司|集团|银行|科技|股份|有限|控股|保险|证券|基金|信托|医药|制药|医疗|教育|实业|事务所|网络|信息|技术|"
    r"电子|汽车|地产|置业|置地|物流|速运|快递|航空|能源|食品|传媒|咨询|电器|通信|资本|研究院|学院|大学|"
    r"医院|酒店|商贸|贸易|工程|建设|设计|互娱|游戏|数据|智能|软件|金融|文化|娱乐|咖啡|中心|Inc\b|Ltd\b|"
    r"Co\.|Corp|Group|Bank|Tech|Biotech|Consulting",
    re.IGNORECASE,
)
_JOB_TITLE = re.compile(
    r"(工程师|经理|专员|助理|主管|总监|代表|开发|实习生|管培生|操作员|技术员|督导|顾问|文员|设计师|"
    r"分析师|会计|出纳|司机|普工|店长|客服|教师|老师)$"
)
_SENTENCE = re.compile(r"[，。！？!?；]")


def default_cleanup() -> list[re.Pattern[str]]:
    """The cleanup every site config applies by default (monitor.core.siteconfig.DEFAULT_CLEANUP_PATTERNS)."""
    return [re.compile(pattern) for pattern in DEFAULT_CLEANUP_PATTERNS]


def clean_name(text: str, strip: Iterable[str] = ()) -> str:
    """`text` with the default cleanup and `strip` applied until nothing changes (no length cap)."""
    return strip_until_stable(text, default_cleanup() + [re.compile(p) for p in strip])


def is_generic_name(name: str) -> bool:
    """A value that names no one: `公司logo`, `图片`, `banner`, a URL used as alt text, digits only."""
    folded = fold_whitespace(name)
    if not folded:
        return True
    if GENERIC_NAME.match(folded) or URL_LIKE.search(folded):
        return True
    return sum(ch.isdigit() or ch in "%+-.,·/" for ch in folded) * 2 >= len(folded)


def name_kind(name: str) -> NameKind:
    """What kind of name this is, by the first rule that fits: generic, a sentence, a company…"""
    folded = fold_whitespace(name)
    if is_generic_name(folded):
        return "generic"
    if len(folded) > MAX_NAME_LENGTH or _SENTENCE.search(folded):
        return "sentence"
    if _LEGAL_FORM.search(folded):
        return "company"
    if _EDITORIAL.search(folded):
        return "editorial"
    # Before the company words: "Java开发工程师" holds 工程 but names a job, not an employer.
    if _JOB_TITLE.search(folded):
        return "job_title"
    if _COMPANY_WORD.search(folded):
        return "company"
    has_cjk = any("\u4e00" <= ch <= "\u9fff" for ch in folded)
    if has_cjk and MIN_BRAND_LENGTH <= len(folded) <= MAX_BRAND_LENGTH:
        return "cjk_brand"
    if not has_cjk and re.search(r"[A-Za-z]{2,}", folded):
        return "latin_brand" if re.search(r"[A-Z0-9]", folded) else "latin_word"
    return "other"


def company_likeness(name: str, weights: NameWeights = DEFAULT_WEIGHTS.names) -> float:
    """How much a cleaned name looks like an employer's, by its kind: 1 for 某某有限公司, 0 for `logo`."""
    return weights.of(name_kind(name))


def names_a_company(name: str) -> bool:
    """The name holds a company word (有限公司, 集团, 银行…) and is neither generic nor a sentence."""
    return name_kind(name) == "company"
