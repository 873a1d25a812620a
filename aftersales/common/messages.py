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
    "text_nul": {
        "en": "Contains a NUL character (U+0000), which cannot be stored; remove it.",
        "zh-hans": "包含无法保存的空字符(U+0000),请删除后重试。",
    },
    "text_broken_character": {
        "en": "Contains a broken character (half of a UTF-16 surrogate pair, e.g. a cut emoji).",
        "zh-hans": "包含残缺字符(不成对的 UTF-16 代理项,例如被截断的表情符号)。",
    },
    "text_broken_key": {
        "en": "A field name contains a NUL or broken character.",
        "zh-hans": "字段名包含空字符或残缺字符。",
    },
    "value_too_large": {"en": "At most {limit}.", "zh-hans": "不能大于 {limit}。"},
    "value_too_small": {"en": "At least {limit}.", "zh-hans": "不能小于 {limit}。"},
    "integer_invalid": {"en": "Must be a whole number.", "zh-hans": "必须为整数。"},
    "date_invalid": {"en": "Must be a date as YYYY-MM-DD.", "zh-hans": "日期格式应为 YYYY-MM-DD。"},
    "type_invalid": {"en": "Wrong type: expected {expected}.", "zh-hans": "类型错误:应为{expected}。"},
    "text_empty": {"en": "Describe the problem in a few words.", "zh-hans": "请用几句话描述问题。"},
    "date_in_future": {"en": "The date cannot be in the future.", "zh-hans": "日期不能晚于今天。"},
    "deadline_provisional": {
        "en": "Provisional: counted over days after {covered_until}, where the holiday calendar's "
        "official data ends, with the statutory holidays only; the year's official holiday "
        "arrangement may move it.",
        "zh-hans": "暂定:计算用到了 {covered_until} 之后的日期(节假日官方数据截至该日),"
        "仅按法定节假日计算;当年放假安排公布后可能变动。",
    },
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
    "phone_not_mobile": {
        "en": "This number cannot receive a text message (a landline, hotline or service number); "
        "give a mobile phone number.",
        "zh-hans": "该号码无法接收短信(固定电话、热线或服务号码),请填写手机号码。",
    },
    "throttled": {
        "en": "Too many requests; try again in {seconds} seconds.",
        "zh-hans": "请求过于频繁,请 {seconds} 秒后再试。",
    },
    "otp_resend_too_soon": {
        "en": "A code was just sent to this number; please check your messages. "
        "You can ask for a new one in {seconds} seconds.",
        "zh-hans": "验证码刚刚已发送至该号码,请查收短信;如未收到,可在 {seconds} 秒后重新获取。",
    },
    "otp_phone_limit": {
        "en": "Too many codes were sent to this number; you can ask again in {minutes} min.",
        "zh-hans": "该号码获取验证码次数过多,请 {minutes} 分钟后再试。",
    },
    "otp_client_limit": {
        "en": "Too many codes were requested from your network; you can ask again in {minutes} min.",
        "zh-hans": "您所在的网络获取验证码过于频繁,请 {minutes} 分钟后再试。",
    },
    "otp_locked": {
        "en": "Too many wrong codes for this number, so signing in is paused; try again in {minutes} min.",
        "zh-hans": "该号码验证码错误次数过多,已暂停登录,请 {minutes} 分钟后再试。",
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
