"""UI strings: message ids are English; zh_CN (the default) translates them.

`translator(lang)` returns the `_()` handed to templates; a missing zh_CN entry falls back to the id,
and a test checks that every id used in the templates has one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"

Translate = Callable[..., str]

ZH_CN: dict[str, str] = {
    # chrome
    "Rivalwatch": "竞品广告问责",
    "Sign in": "登录",
    "Sign out": "退出",
    "Username": "用户名",
    "Password": "密码",
    "Wrong username or password.": "用户名或密码错误。",
    "Too many failed attempts. The account is locked until {time}.": "失败次数过多，账号已锁定至 {time}。",
    "This sign-in link is invalid.": "登录链接无效。",
    "This sign-in link has expired. Please sign in with your password.": "登录链接已过期，请用密码登录。",
    "This sign-in link has already been used. Please sign in with your password.": (
        "登录链接已被使用，请用密码登录。"
    ),
    "Continue as {name}": "以 {name} 的身份继续",
    "You opened a sign-in link from the accountability report.": "您打开了问责报表邮件中的登录链接。",
    "Language": "语言",
    "English": "English",
    "Chinese": "中文",
    "Not found": "未找到",
    "Forbidden": "无权访问",
    "The form expired or was sent from elsewhere. Please go back, reload and try again.": (
        "表单已失效或来源不明，请返回、刷新后重试。"
    ),
    "You do not have access to this page.": "您无权访问此页面。",
    "Nothing here.": "没有找到内容。",
    "Back": "返回",
    # navigation
    "My items": "我的问责客户",
    "Team items": "团队问责客户",
    "All items": "全部问责客户",
    "Overdue forms": "逾期说明表",
    "Periods": "问责周期",
    "Match review": "匹配审核",
    "Crawl health": "抓取状态",
    "Roster": "销售名册",
    "Leads": "潜在客户",
    # items
    "Period": "周期",
    "Show": "显示",
    "No periods yet.": "暂无问责周期。",
    "No items in this period.": "本周期没有问责客户。",
    "Customer": "客户",
    "Rep": "销售",
    "Team": "团队",
    "Days seen": "出现天数",
    "Days unknown": "未知天数",
    "First seen": "首次出现",
    "Last seen": "最后出现",
    "Competitors": "竞品网站",
    "Form": "说明表",
    "Deadline": "截止日期",
    "Form deadline: {date}": "说明表截止日期：{date}",
    "Open": "打开",
    "not started": "未填写",
    "draft": "草稿",
    "submitted": "已提交",
    "accepted": "已通过",
    "sent_back": "已退回",
    "open": "待处理",
    "waived": "已豁免",
    "withdrawn": "已撤销",
    "Evidence": "证据",
    "Day": "日期",
    "Site": "网站",
    "Page": "页面",
    "Slot": "广告位",
    "Position": "位置",
    "Ad text": "广告文字",
    "Link": "链接",
    "Element": "广告截图",
    "Full page": "整页截图",
    "no screenshot": "无截图",
    "Timeline": "出现时间线",
    "seen": "出现",
    "not seen": "未出现",
    "unknown": "未知",
    # explanation form
    "Explanation form": "问责客户说明表",
    "Reason": "原因",
    "Choose…": "请选择…",
    "Explanation": "情况说明",
    "Funnel stage": "销售阶段",
    "Next step": "下一步计划",
    "Next step date": "计划日期",
    "Save draft": "保存草稿",
    "Submit": "提交",
    "Saved as draft.": "草稿已保存。",
    "Submitted.": "已提交。",
    "Please fix the fields marked below.": "请修改下方标出的字段。",
    "Choose a reason.": "请选择原因。",
    "Write the explanation.": "请填写情况说明。",
    "Choose the funnel stage.": "请选择销售阶段。",
    "Enter a date as YYYY-MM-DD.": "请按 YYYY-MM-DD 填写日期。",
    "The deadline has passed; the form can no longer be submitted.": "已过截止日期，无法再提交。",
    "This form has been accepted and can no longer be changed.": "此说明表已通过审核，不能再修改。",
    "The form was sent back. Please edit and submit again.": "说明表被退回，请修改后重新提交。",
    "Reviews": "审核记录",
    "Reviewer comment": "审核意见",
    "Submitted at": "提交时间",
    "Escalated at": "升级时间",
    "budget_to_competitor": "客户预算已投放竞品",
    "negotiating": "客户在谈判中",
    "churned": "客户已流失",
    "not_our_customer": "非本人客户或匹配错误",
    "other": "其他",
    "Prospect": "潜在",
    "Interest": "意向",
    "Proposal": "方案",
    "Negotiation": "谈判",
    "Won": "成交",
    # review
    "Review": "审核",
    "Comment": "意见",
    "Accept": "通过",
    "Send back": "退回",
    "Accepted.": "已通过。",
    "Sent back.": "已退回。",
    "Write a comment when sending a form back.": "退回时请填写意见。",
    "Only a submitted form can be reviewed.": "只能审核已提交的说明表。",
    "accept": "通过",
    "send_back": "退回",
    "Waiting for the rep's form.": "等待销售提交说明表。",
    # overdue
    "No overdue forms.": "没有逾期的说明表。",
    "Status": "状态",
    # office
    "Start": "开始",
    "End": "结束",
    "Items": "问责客户数",
    "Submitted forms": "已提交",
    "Accepted forms": "已通过",
    "Generated": "生成时间",
    "Published": "发布时间",
    "Generate period": "生成问责周期",
    "Start date": "开始日期",
    "Period generated.": "问责周期已生成。",
    "Generating periods is not available yet.": "暂不支持生成问责周期。",
    "Advertiser": "广告主",
    "Proposed customer": "候选客户",
    "Score": "匹配分",
    "Sightings": "出现次数",
    "Confirm": "确认",
    "Reject": "否决",
    "Nothing waits for review.": "没有待审核的匹配。",
    "Match confirmed.": "已确认匹配。",
    "Match rejected.": "已否决匹配。",
    "Last capture": "最近抓取",
    "HTTP": "HTTP",
    "Error": "错误",
    "Slots not found": "未找到的广告位",
    "never captured": "从未抓取",
    "ok": "正常",
    "http_error": "HTTP 错误",
    "timeout": "超时",
    "blocked": "被拦截",
    "parse_error": "解析错误",
    "Code": "工号",
    "Name": "姓名",
    "Active": "在职",
    "Customers": "客户数",
    "Cap": "上限",
    "yes": "是",
    "no": "否",
    "No unmatched advertisers.": "没有未匹配的广告主。",
    "Match": "匹配状态",
    "none": "未匹配",
    "rejected": "已否决",
    "review": "待审核",
    "This form is submitted; update it with Submit.": "说明表已提交，如需修改请再次点击提交。",
    "Choose accept or send back.": "请选择通过或退回。",
    # escalation mail
    "[Rivalwatch] Overdue form: {customer} ({rep})": "【竞品广告问责】逾期未提交说明表：{customer}（{rep}）",
    "{rep} has not submitted the explanation form for {customer} (period {period}, "
    "deadline {deadline}).\nOpen the item: {url}\n": (
        "{rep} 未按期提交 {customer} 的问责客户说明表（周期 {period}，截止 {deadline}）。\n查看：{url}\n"
    ),
}

CATALOGUES: dict[str, dict[str, str]] = {"zh_CN": ZH_CN, "en": {}}


def normalise_language(value: str | None) -> str | None:
    """A supported language code for `value` (`en`, `zh`, `zh-CN`, `zh_CN` …), or None."""
    if not value:
        return None
    lowered = value.strip().replace("-", "_").lower()
    if lowered.startswith("en"):
        return "en"
    if lowered.startswith("zh"):
        return "zh_CN"
    return None


def translate(lang: str, message: str, **values: Any) -> str:
    """`message` in `lang`, with `{name}` placeholders filled from `values`."""
    text = CATALOGUES.get(lang, {}).get(message, message)
    return text.format(**values) if values else text


def translator(lang: str) -> Translate:
    """The `_()` function for one request's language."""

    def _(message: str, **values: Any) -> str:
        return translate(lang, message, **values)

    return _
