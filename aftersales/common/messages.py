"""User-facing messages (domain errors and the outcome of staff actions), in the platform's languages.

Keys are stable error codes; API clients may switch on them. Each text may use
str.format placeholders filled by the raiser.
"""

MESSAGES: dict[str, dict[str, str]] = {
    "validation_failed": {"en": "Some fields are invalid.", "zh-hans": "部分字段无效。"},
    "malformed_json": {"en": "The request body is not valid JSON.", "zh-hans": "请求正文不是有效的 JSON。"},
    "payload_too_large": {
        "en": "The request body is larger than {limit} bytes.",
        "zh-hans": "请求正文超过 {limit} 字节上限。",
    },
    "required": {"en": "This field is required.", "zh-hans": "此字段为必填项。"},
    "workflow_action_done": {
        "en": "{action}: done for {count} complaint(s).",
        "zh-hans": "{action}:已处理 {count} 条投诉。",
    },
    "imei_invalid": {
        "en": "Not a valid IMEI: it needs 15 digits with a correct check digit.",
        "zh-hans": "IMEI 无效:须为 15 位数字且校验位正确。",
    },
    "phone_invalid": {"en": "Not a valid mobile phone number.", "zh-hans": "手机号码无效。"},
    "email_invalid": {"en": "Not a valid e-mail address.", "zh-hans": "电子邮箱地址无效。"},
    "contact_missing": {
        "en": "Give a mobile phone number or an e-mail address so that we can reach you.",
        "zh-hans": "请提供手机号码或电子邮箱,以便我们联系您。",
    },
    "channel_unknown": {
        "en": "Unknown channel; use one of: {allowed}.",
        "zh-hans": "未知渠道,可选:{allowed}。",
    },
    "category_unknown": {
        "en": "Unknown category; use one of: {allowed}.",
        "zh-hans": "未知类别,可选:{allowed}。",
    },
    "language_unknown": {
        "en": "Unknown language; use one of: {allowed}.",
        "zh-hans": "未知语言,可选:{allowed}。",
    },
    "text_too_long": {
        "en": "Too long: at most {limit} characters, got {length}.",
        "zh-hans": "内容过长:最多 {limit} 个字符,实际 {length} 个。",
    },
    "text_empty": {"en": "Describe the problem in a few words.", "zh-hans": "请用几句话描述问题。"},
    "date_in_future": {"en": "The date cannot be in the future.", "zh-hans": "日期不能晚于今天。"},
    "invalid_value": {"en": "Invalid value: {detail}", "zh-hans": "取值无效:{detail}"},
    "transition_not_allowed": {
        "en": "Cannot {action}: complaint {number} is {state}; allowed next steps: {allowed}.",
        "zh-hans": "无法执行“{action}”:工单 {number} 当前状态为 {state};允许的下一步:{allowed}。",
    },
    "not_found": {"en": "No such {what}.", "zh-hans": "未找到该{what}。"},
    "forbidden": {"en": "You may not {what}.", "zh-hans": "您无权{what}。"},
    "unauthenticated": {
        "en": "Sign in or give the complaint's tracking token.",
        "zh-hans": "请登录或提供工单查询令牌。",
    },
    "otp_invalid": {"en": "The code is wrong or has expired.", "zh-hans": "验证码错误或已过期。"},
    "otp_too_many": {
        "en": "Too many attempts; request a new code.",
        "zh-hans": "尝试次数过多,请重新获取验证码。",
    },
    "staff_unknown": {"en": "No active staff member {username}.", "zh-hans": "不存在在职员工 {username}。"},
    "owner_outside_team": {
        "en": "Cannot hand complaint {number} to {username}: {username} works in team {owner_team} and "
        "cannot see complaints of team {team}. Dispatching a complaint to an outlet is a separate step.",
        "zh-hans": "无法将工单 {number} 转交给 {username}:该员工属于团队 {owner_team},"
        "无权查看团队 {team} 的工单。派单到网点须另行操作。",
    },
    "idempotency_conflict": {
        "en": "This Idempotency-Key was already used for a different request.",
        "zh-hans": "该 Idempotency-Key 已用于另一个不同的请求。",
    },
}

DEFAULT_LANGUAGE = "zh-hans"


def message_text(code: str, language: str, **params: object) -> str:
    texts = MESSAGES.get(code)
    if texts is None:
        return code
    template = texts.get(language) or texts[DEFAULT_LANGUAGE]
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template
