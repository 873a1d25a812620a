"""User-facing messages (domain errors and the outcome of staff actions), in the platform's languages.

Keys are stable error codes; API clients may switch on them. Each text may use
str.format placeholders filled by the raiser.

A raiser names objects, permissions, workflow steps, states and queue lanes by their code words
(`Forbidden(what="complaint.note")`, `TransitionNotAllowed(action="resolve", state="archived")`);
`message_text` puts each into words of the message's language through `TERMS`, so no code word
lands in a sentence ("您无权添加内部备注。", never "您无权complaint.note。"). A code word missing
from `TERMS` is shown as it is; a test scans every raiser and template for that.
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
    "phone_invalid": {"en": "Not a valid phone number.", "zh-hans": "电话号码无效。"},
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
    "one_value_expected": {"en": "One value expected, not a list.", "zh-hans": "此处只能填写一个值。"},
    "lane_unknown": {
        "en": "Unknown queue lane; use one of: {allowed}.",
        "zh-hans": "未知排队通道,可选:{allowed}。",
    },
    "invalid_value": {"en": "Invalid value: {detail}", "zh-hans": "取值无效:{detail}"},
    "value_invalid": {"en": "Invalid value.", "zh-hans": "取值无效。"},
    "choice_invalid": {"en": "Use one of: {allowed}.", "zh-hans": "取值无效,可选:{allowed}。"},
    "number_not_finite": {"en": "Must be a finite number.", "zh-hans": "必须为有限的数字。"},
    "decimal_invalid": {"en": "Must be a number.", "zh-hans": "必须为数字。"},
    "number_too_big": {"en": "The number is too large.", "zh-hans": "数值过大。"},
    "boolean_invalid": {"en": "Must be true or false.", "zh-hans": "必须为布尔值(是或否)。"},
    "list_too_short": {"en": "Give at least {limit} item(s).", "zh-hans": "至少填写 {limit} 项。"},
    "list_too_long": {"en": "Give at most {limit} item(s).", "zh-hans": "最多填写 {limit} 项。"},
    "text_too_short": {
        "en": "Too short: at least {limit} characters, got {length}.",
        "zh-hans": "内容过短:至少 {limit} 个字符,实际 {length} 个。",
    },
    "format_invalid": {"en": "Not in the expected format.", "zh-hans": "格式不正确。"},
    "datetime_invalid": {"en": "Not a valid date and time.", "zh-hans": "日期时间无效。"},
    "transition_not_allowed": {
        "en": "Cannot {action}: complaint {number} is {state}; allowed next steps: {allowed}.",
        "zh-hans": "无法执行“{action}”:工单 {number} 当前状态为 {state};允许的下一步:{allowed}。",
    },
    "idempotency_key_too_long": {
        "en": "The Idempotency-Key header is too long: at most {limit} characters, got {length}.",
        "zh-hans": "Idempotency-Key 请求头过长:最多 {limit} 个字符,实际 {length} 个。",
    },
    "not_found": {"en": "No such {what}.", "zh-hans": "未找到该{what}。"},
    "forbidden": {"en": "You may not {what}.", "zh-hans": "您无权{what}。"},
    "unauthenticated": {
        "en": "Sign in or give the complaint's tracking token.",
        "zh-hans": "请登录或提供工单查询令牌。",
    },
    "staff_sign_in_required": {
        "en": "Sign in with your staff account.",
        "zh-hans": "请使用员工账号登录。",
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
    "warranty_lookup_limit": {
        "en": "Too many warranty look-ups from your network; try again in {minutes} min.",
        "zh-hans": "您所在网络的保修查询过于频繁,请 {minutes} 分钟后再试。",
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
    # The service network: outlet lists, the finder, queues and ratings.
    "outlet_code_invalid": {
        "en": "An outlet code is 1-40 letters, digits, - or _, starting with a letter or digit.",
        "zh-hans": "网点编码须为 1-40 位字母、数字、- 或 _,以字母或数字开头。",
    },
    "outlet_kind_unknown": {
        "en": "Unknown outlet kind; use one of: {allowed}.",
        "zh-hans": "未知网点类型,可选:{allowed}。",
    },
    "adcode_invalid": {
        "en": "Not a 6-digit administrative code (a province's ends in 0000): {value}.",
        "zh-hans": "不是有效的 6 位行政区划代码(省级以 0000 结尾):{value}。",
    },
    "adcode_outside_province": {
        "en": "{value} is not in province {province}.",
        "zh-hans": "{value} 不属于省级区划 {province}。",
    },
    "coordinate_invalid": {
        "en": "Give a number between {low} and {high}.",
        "zh-hans": "请填写 {low} 到 {high} 之间的数字。",
    },
    "coordinates_outside_china": {
        "en": "({lat}, {lon}) is outside China; are latitude and longitude swapped?",
        "zh-hans": "坐标 ({lat}, {lon}) 不在中国境内;经纬度是否填反?",
    },
    "coordinates_outside_province": {
        "en": "({lat}, {lon}) is not in {province}.",
        "zh-hans": "坐标 ({lat}, {lon}) 不在{province}境内。",
    },
    "too_many_phones": {"en": "At most {limit} phone numbers.", "zh-hans": "电话号码最多 {limit} 个。"},
    "hours_syntax": {
        "en": "Unreadable opening hours: {detail} (write e.g. Mo-Fr 09:00-12:00,13:30-21:00; Su off).",
        "zh-hans": "无法识别的营业时间:{detail}(例如 周一至周五 09:00-12:00,13:30-21:00;周日休息)。",
    },
    "hours_time": {"en": "No such time of day: {detail}.", "zh-hans": "不存在的时刻:{detail}。"},
    "hours_empty_span": {
        "en": "A span that opens and closes at the same time: {detail}.",
        "zh-hans": "开门与关门时间相同:{detail}。",
    },
    "hours_overlap": {
        "en": "Opening spans overlap: {detail}.",
        "zh-hans": "营业时段重叠:{detail}。",
    },
    "timezone_unknown": {"en": "Unknown time zone {zone}.", "zh-hans": "未知时区 {zone}。"},
    "uscc_invalid": {
        "en": "Not a valid unified social credit code (18 characters with a correct check character).",
        "zh-hans": "统一社会信用代码无效(须为 18 位且校验位正确)。",
    },
    "authorisation_unknown": {
        "en": "Unknown authorisation status; use one of: {allowed}.",
        "zh-hans": "未知授权状态,可选:{allowed}。",
    },
    "authorisation_dates": {
        "en": "The authorisation ends before it starts.",
        "zh-hans": "授权截止日期早于起始日期。",
    },
    "speciality_unknown": {
        "en": "Unknown speciality {unknown}; use any of: {allowed}.",
        "zh-hans": "未知特色服务 {unknown},可选:{allowed}。",
    },
    "number_invalid": {
        "en": "Give a whole number from {low} to {high}.",
        "zh-hans": "请填写 {low} 到 {high} 之间的整数。",
    },
    "control_characters": {
        "en": "Contains control characters.",
        "zh-hans": "包含控制字符。",
    },
    "duplicate_in_file": {
        "en": "The same outlet code is already on row {row} of this file.",
        "zh-hans": "同一网点编码已出现在本文件第 {row} 行。",
    },
    "row_unreadable": {
        "en": "Not an outlet: {detail}.",
        "zh-hans": "无法读取该行:{detail}。",
    },
    "address_empty": {
        "en": "Give an address: a province, city or district and the street.",
        "zh-hans": "请填写地址:省、市或区县及街道门牌。",
    },
    "address_no_place": {
        "en": "No province, city or district could be read in this address; add the city or district.",
        "zh-hans": "无法从该地址识别出省、市或区县,请补充所在城市或区县。",
    },
    "address_only_province": {
        "en": "This address names only a province ({province}); add the city or district.",
        "zh-hans": "该地址只写到省级({province}),请补充所在城市或区县。",
    },
    "address_ambiguous": {
        "en": "This address fits more than one place: {candidates}. Add the city and try again.",
        "zh-hans": "该地址可能位于多个地方:{candidates}。请补充城市名称后重试。",
    },
    "repair_order_unfinished": {
        "en": "Repair order {order} of this complaint is not finished: finish or cancel it before opening another.",
        "zh-hans": "此投诉的维修单 {order} 尚未完成:请先完成或取消,再开新的维修单。",
    },
    "check_result_invalid": {"en": "Choose normal or abnormal.", "zh-hans": "请选择“正常”或“异常”。"},
    "point_or_address_required": {
        "en": "Give either lat and lon, or an address.",
        "zh-hans": "请提供位置坐标或地址。",
    },
    "queue_empty": {
        "en": "Nobody is waiting in the {lane} lane of outlet {outlet}.",
        "zh-hans": "网点 {outlet} 的{lane}队列无人等候。",
    },
    "rating_invalid": {"en": "A score is a whole number from 1 to 5.", "zh-hans": "评分须为 1 到 5 的整数。"},
    "query_invalid": {
        "en": "Give 1-{limit} characters without control characters.",
        "zh-hans": "请填写 1-{limit} 个字符,且不含控制字符。",
    },
    "form_resubmitted": {
        "en": "This form was already sent with other words. Check your complaint and send it again.",
        "zh-hans": "该表单已用不同内容提交过。请核对内容后重新提交。",
    },
    "signing_key_unavailable": {
        "en": "Evidence cannot be sealed now: {reason}.",
        "zh-hans": "暂时无法封存证据:{reason}。",
    },
    "repair_transition_not_allowed": {
        "en": "Cannot {action}: repair order {number} is {state}; allowed next steps: {allowed}.",
        "zh-hans": "无法执行“{action}”:维修单 {number} 当前状态为 {state};允许的下一步:{allowed}。",
    },
    "quantity_not_positive": {
        "en": "A quantity is a whole number above 0.",
        "zh-hans": "数量须为大于 0 的整数。",
    },
    "part_unknown": {"en": "Unknown part number {part}.", "zh-hans": "未知配件编号 {part}。"},
    "part_wrong_model": {
        "en": "Part {part} does not fit model {model}.",
        "zh-hans": "配件 {part} 不适用于机型 {model}。",
    },
    "model_unknown": {"en": "Unknown device model {model}.", "zh-hans": "未知机型 {model}。"},
    "part_out_of_stock": {
        "en": "Outlet {outlet} has {available} of part {part} free; {wanted} needed.",
        "zh-hans": "网点 {outlet} 配件 {part} 可用 {available} 件,需要 {wanted} 件。",
    },
    "part_not_reserved": {
        "en": "Part {part} was not reserved for this repair.",
        "zh-hans": "配件 {part} 未为本次维修预留。",
    },
    "price_invalid": {
        "en": "A price is an amount in yuan of at least 0 with at most two decimals.",
        "zh-hans": "价格须为不小于 0 的金额(元),最多两位小数。",
    },
    "price_exists": {
        "en": "A price taking effect on {date} already exists; publish one for another day.",
        "zh-hans": "{date} 生效的价格已存在,请为其他日期发布。",
    },
    "price_missing": {
        "en": "Part {part} has no price in force on {date}.",
        "zh-hans": "配件 {part} 在 {date} 没有生效的价格。",
    },
    "condition_unknown": {
        "en": "Unknown condition grade; use one of: {allowed}.",
        "zh-hans": "未知成色等级,可选:{allowed}。",
    },
    "quote_changed": {
        "en": "The quote of repair order {number} has changed since it was shown; show the new quote first.",
        "zh-hans": "维修单 {number} 的报价已变更,请先向客户展示新报价。",
    },
    "agreement_not_current": {
        "en": "Service agreement version {version} is not the one in force ({current}).",
        "zh-hans": "服务协议版本 {version} 不是现行版本({current})。",
    },
    "agreement_missing": {
        "en": "Work on repair order {number} cannot start: the customer has not accepted the service agreement.",
        "zh-hans": "维修单 {number} 无法开始维修:客户尚未签署电子服务协议。",
    },
    "complaint_not_open": {
        "en": "Complaint {number} is {state}: a repair order needs an open complaint.",
        "zh-hans": "投诉 {number} 当前为{state},只能为处理中的投诉开维修单。",
    },
    "engineer_outside_team": {
        "en": "The engineer must be staff of {team} or central technical staff.",
        "zh-hans": "工程师须为 {team} 的员工或总部技术人员。",
    },
    "check_kind_unknown": {
        "en": "Unknown check; use one of: {allowed}.",
        "zh-hans": "未知检测项,可选:{allowed}。",
    },
    "check_given_twice": {"en": "Check {kind} is given twice.", "zh-hans": "检测项 {kind} 重复。"},
    "check_value_out_of_range": {
        "en": "Out of range: {low}{unit} to {high}{unit}.",
        "zh-hans": "超出范围:{low}{unit} 至 {high}{unit}。",
    },
    "outlet_unknown": {"en": "Unknown outlet {outlet}.", "zh-hans": "未知网点 {outlet}。"},
    "source_invalid": {
        "en": "Write the source as depot:<code> or outlet:<code>.",
        "zh-hans": "来源格式无效:须为区域仓或网点及其代码。",
    },
    "field_unknown": {"en": "Unknown field; known fields: {allowed}.", "zh-hans": "未知字段。"},
    "depot_unknown": {"en": "Unknown depot {depot}.", "zh-hans": "未知区域仓 {depot}。"},
    "depot_missing": {
        "en": "No regional depot serves region {region}.",
        "zh-hans": "区域 {region} 没有对应的区域仓。",
    },
    "region_invalid": {
        "en": "A region is 2 to 6 digits of an administrative-division code (44, 4403).",
        "zh-hans": "区域须为 2 至 6 位行政区划代码(如 44、4403)。",
    },
    "period_reversed": {"en": "The end is before the start.", "zh-hans": "结束时间早于开始时间。"},
    "date_in_past": {"en": "Must be in the future.", "zh-hans": "须为将来的时间。"},
    "transfer_to_itself": {
        "en": "A transfer goes to another outlet than its source.",
        "zh-hans": "调拨的目的网点不能与来源相同。",
    },
    "transfer_transition_not_allowed": {
        "en": "Cannot {action}: transfer {number} is {state}; allowed next steps: {allowed}.",
        "zh-hans": "无法执行“{action}”:调拨单 {number} 当前状态为 {state};允许的下一步:{allowed}。",
    },
    "parts_in_stock": {
        "en": "Repair order {number} waits for nothing: its parts are free at the outlet; approve it.",
        "zh-hans": "维修单 {number} 所需配件网点均有库存,无需等待备件,请直接确认报价。",
    },
    "transfer_not_received": {
        "en": "Transfer {transfer} for this repair is {state}: the parts have not arrived.",
        "zh-hans": "本维修单的调拨单 {transfer} 当前为 {state},配件尚未到达。",
    },
    "express_not_eligible": {
        "en": "Repair order {number} does not qualify for an express replacement.",
        "zh-hans": "维修单 {number} 不符合 48 小时快速换机条件。",
    },
    "walk_in_elsewhere": {
        "en": "This device already has open complaint {number}, handled by {team}.",
        "zh-hans": "该设备已有处理中的投诉 {number},由 {team} 处理。",
    },
    "outlet_staff_only": {
        "en": "Only staff of outlet {outlet} may use its counter terminal.",
        "zh-hans": "只有网点 {outlet} 的员工可以使用其柜台终端。",
    },
    "outlet_not_in_force": {
        "en": "Outlet {outlet} is not authorised today; choose an outlet in force.",
        "zh-hans": "网点 {outlet} 今日不在授权期内,请选择在授权期内的网点。",
    },
    "dispatch_needs_location": {
        "en": "Give an outlet code, or the customer's location (lat and lon) to choose one.",
        "zh-hans": "请填写网点编码,或提供客户位置(经纬度)以自动选择网点。",
    },
    "dispatch_reason_required": {
        "en": "The complaint is already at an outlet: say why it goes to another.",
        "zh-hans": "该工单已派至网点,改派须说明原因。",
    },
    "already_at_outlet": {
        "en": "Complaint {number} is already at outlet {outlet}.",
        "zh-hans": "工单 {number} 已在网点 {outlet}。",
    },
    "dispatch_level_held": {
        "en": "Complaint {number} stays with the team of its response level (HQ experts for a major "
        "complaint), who dispatch it themselves; hand it over to them.",
        "zh-hans": "工单 {number} 由其响应级别的团队(重大投诉为总部专家组)处理并自行派往网点,请转交给他们。",
    },
    "dispatch_category_needs_no_outlet": {
        "en": "Complaint {number} is about {category}, which needs no outlet; name an outlet if it must go to one.",
        "zh-hans": "工单 {number} 属于“{category}”,无需网点处理;如确需派往网点,请指定网点。",
    },
    "no_outlet_in_reach": {
        "en": "No authorised outlet can take complaint {number}; name an outlet.",
        "zh-hans": "没有可接收工单 {number} 的授权网点,请指定网点。",
    },
    "mail_refused": {
        "en": "The message was not taken in: {reason}.",
        "zh-hans": "邮件未受理:{reason}。",
    },
    "search_state_unknown": {
        "en": "Unknown state; one of: {allowed}.",
        "zh-hans": "未知状态;可选:{allowed}。",
    },
    "search_period_reversed": {
        "en": "The end of the period is before its start.",
        "zh-hans": "结束日期早于开始日期。",
    },
    "search_too_deep": {
        "en": "Search shows the best {window} results; narrow it with filters or more words.",
        "zh-hans": "搜索只显示最相关的 {window} 条结果,请加筛选条件或更多关键词。",
    },
    "wipe_method_unknown": {
        "en": "Unknown erasure method; use one of: {allowed}.",
        "zh-hans": "未知的数据清除方法,可选:{allowed}。",
    },
    "wipe_reason_unknown": {
        "en": "Unknown reason for the wipe; use one of: {allowed}.",
        "zh-hans": "未知的清除原因,可选:{allowed}。",
    },
    "wipe_result_unknown": {
        "en": "Unknown tool result; use one of: {allowed}.",
        "zh-hans": "未知的工具结果,可选:{allowed}。",
    },
    "wipe_not_verified": {
        "en": "The erasure tool did not report success: wipe the device again before certifying it.",
        "zh-hans": "清除工具未报告成功:请重新清除设备后再出具证书。",
    },
    "wiped_at_in_future": {
        "en": "The wipe time must be a time with its time zone, not in the future.",
        "zh-hans": "清除时间须带时区,且不能晚于当前时间。",
    },
    "service_record_pending": {
        "en": "The service record is still being generated; try again shortly.",
        "zh-hans": "电子服务档案正在生成,请稍后再试。",
    },
    "service_record_failed": {
        "en": "The service record could not be generated; ask for it again.",
        "zh-hans": "电子服务档案生成失败,请重新申请。",
    },
    "legal_hold_active": {
        "en": "Your data cannot be erased yet: legal hold #{hold} ({kind}: {reason}) keeps it until {ends_on}.",
        "zh-hans": "暂不能删除您的个人信息:法律保全 #{hold}({kind}:{reason})要求保留至 {ends_on}。",
    },
    "erasure_not_pending": {
        "en": "Erasure request #{request} is {state}: only a request in its cooling-off period can be withdrawn.",
        "zh-hans": "删除申请 #{request} 当前为{state},只有冷静期中的申请可以撤回。",
    },
    "customer_already_erased": {
        "en": "This customer's personal data has already been erased.",
        "zh-hans": "该客户的个人信息已被删除。",
    },
    "export_pending": {
        "en": "Export #{export} is still being built; it will be ready within the hour.",
        "zh-hans": "导出 #{export} 仍在生成中,一小时内可下载。",
    },
    "export_not_ready": {
        "en": "Export #{export} is {state}: nothing to download.",
        "zh-hans": "导出 #{export} 当前状态为 {state},无可下载内容。",
    },
    "export_token_invalid": {
        "en": "This download link is not valid for your account.",
        "zh-hans": "此下载链接对您的账户无效。",
    },
    "hold_end_in_past": {"en": "The end date must be today or later.", "zh-hans": "结束日期不能早于今天。"},
    # The customer's satisfaction rating (complaints.services.complaint_record_satisfaction)
    "satisfaction_score_range": {
        "en": "Choose a score from 1 (poor) to 5 (excellent).",
        "zh-hans": "请选择 1(很差)到 5(很好)之间的评分。",
    },
    "satisfaction_not_resolved": {
        "en": "Complaint {number} can be rated once it is resolved; it is {state} now.",
        "zh-hans": "工单 {number} 解决后才能评价,当前状态为{state}。",
    },
    "satisfaction_already_recorded": {
        "en": "Complaint {number} was already rated ({score} of 5); a rating is given once.",
        "zh-hans": "工单 {number} 已评价({score} 分,满分 5 分),每次解决只能评价一次。",
    },
    # The manager dashboard's period (reporting.dashboard)
    "report_period_reversed": {
        "en": "The end date must be on or after the start date ({start}).",
        "zh-hans": "结束日期不能早于开始日期({start})。",
    },
    "report_period_too_long": {
        "en": "A period may cover at most {days} days.",
        "zh-hans": "统计周期最长为 {days} 天。",
    },
}

DEFAULT_LANGUAGE = "zh-hans"


def _term(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh-hans": zh}


# Code words that messages carry in their parameters, in words. `what` of NotFound is a noun
# ("No such {what}"), `what` of Forbidden a verb phrase ("You may not {what}"): no code word is
# used as both. Workflow steps and states are those of complaints/status.py and repairs/status.py.
TERMS: dict[str, dict[str, str]] = {
    # Objects (NotFound)
    "complaint": _term("complaint", "投诉"),
    "repair order": _term("repair order", "维修单"),
    "service agreement": _term("service agreement", "服务协议"),
    "outlet": _term("outlet", "网点"),
    "service record": _term("service record", "电子服务档案"),
    "wipe certificate": _term("wipe certificate", "数据清除证书"),
    "report table": _term("report table", "报表"),
    # What an actor may not do (Forbidden): acts and permissions (accounts/roles.py)
    "complaint.access": _term("act on this complaint", "处理此投诉"),
    "complaint.view_team": _term("open this complaint", "查看此投诉"),
    "complaint.reply": _term("reply to the customer", "回复客户"),
    "complaint.note": _term("add internal notes", "添加内部备注"),
    "rate this complaint": _term("rate this complaint", "评价此投诉"),
    "complaint.inspect": _term("record the inspection", "记录检测结果"),
    "complaint.set_category": _term("correct the category", "更正问题类别"),
    "complaint.transfer_ownership": _term("transfer ownership", "转交负责人"),
    "complaint queue": _term("see this complaint queue", "查看该投诉队列"),
    "complaint search": _term("search complaints", "搜索投诉"),
    "transfer a complaint you do not own": _term(
        "transfer a complaint you do not own", "转交不由您负责的投诉"
    ),
    "open a repair order": _term("open a repair order", "开维修单"),
    "open a repair order for this complaint at this outlet": _term(
        "open a repair order for this complaint at this outlet", "在该网点为此投诉开维修单"
    ),
    "work this repair order": _term("work this repair order", "处理此维修单"),
    "serve the outlet queue": _term("serve this outlet's queue", "为该网点叫号"),
    "work the outlet desk": _term("work this outlet's desk", "操作该网点的前台"),
    "dispatch a complaint": _term("dispatch complaints to outlets", "派单到网点"),
    "triage": _term("use the pre-diagnosis", "使用预诊断"),
    "triage quality": _term("see the pre-diagnosis quality", "查看预诊断质量"),
    "report dashboard": _term("see the management dashboard", "查看管理看板"),
    "evidence bundle": _term("download the evidence bundle", "下载证据包"),
    "erasure request": _term("erasure request", "删除申请"),
    "export": _term("export", "数据导出"),
    "customer": _term("customer", "客户"),
    "legal hold": _term("legal hold", "法律保全"),
    "request erasure": _term("request erasure of this customer's data", "申请删除该客户的个人信息"),
    "export personal data": _term("export this personal data", "导出该个人信息"),
    "privacy.erase_any": _term("erase customers' personal data", "删除客户个人信息"),
    "privacy.legal_hold": _term("place or release legal holds", "设置或解除法律保全"),
    "privacy.audit": _term("read the access log", "查看访问日志"),
    "wipe certificates": _term("see wipe certificates", "查看数据清除证书"),
    "certify a device wipe": _term("certify a device wipe", "出具设备数据清除证书"),
    "certify a wipe for another outlet": _term(
        "certify a wipe for another outlet", "为其他网点出具数据清除证书"
    ),
    # Complaint workflow steps and states (complaints/status.py)
    "start_processing": _term("start processing", "开始处理"),
    "wait_for_customer": _term("wait for the customer", "等待客户回复"),
    "resume": _term("resume", "恢复处理"),
    "escalate": _term("escalate", "升级"),
    "resolve": _term("resolve", "解决"),
    "reopen": _term("reopen", "重开"),
    "archive": _term("archive", "归档"),
    "close": _term("close without resolution", "关闭(未解决)"),
    "add a message": _term("add a message", "补充留言"),
    "record inspection": _term("record the inspection", "记录检测结果"),
    "dispatch": _term("dispatch it to an outlet", "派单到网点"),
    "rate": _term("rate", "评价"),
    "accepted": _term("accepted", "已受理"),
    "processing": _term("processing", "处理中"),
    "waiting_customer": _term("waiting on the customer", "待客户回复"),
    "escalated": _term("escalated", "已升级"),
    "resolved": _term("resolved", "已解决"),
    "reopened": _term("reopened", "已重开"),
    "archived": _term("archived", "已归档"),
    "closed": _term("closed without resolution", "已关闭(未解决)"),
    # Repair order steps and states (repairs/status.py)
    "record_checks": _term("record checks", "记录检测"),
    "diagnose": _term("diagnose", "诊断"),
    "quote": _term("quote", "报价"),
    "approve": _term("approve the quote", "确认报价"),
    "refuse": _term("refuse the quote", "拒绝报价"),
    "accept_agreement": _term("accept the service agreement", "签署服务协议"),
    "start": _term("start the repair", "开始维修"),
    "complete": _term("complete the repair", "完成维修"),
    "return": _term("return the device", "交还设备"),
    "cancel": _term("cancel", "取消"),
    "received": _term("received", "已接机"),
    "diagnosed": _term("diagnosed", "已诊断"),
    "quoted": _term("quoted", "已报价"),
    "approved": _term("approved", "已确认"),
    "repairing": _term("repairing", "维修中"),
    "completed": _term("completed", "已完成"),
    "returned": _term("returned", "已取机"),
    "cancelled": _term("cancelled", "已取消"),
    "refused_by_customer": _term("refused by the customer", "客户拒绝"),
    "wait_for_parts": _term("wait for parts", "等待备件"),
    "parts_arrived": _term("take up the repair with the parts arrived", "备件到货继续维修"),
    "replace_device": _term("replace the device", "换机"),
    "hand_back": _term("hand the device back unrepaired", "未修交还"),
    "waiting_parts": _term("waiting for parts", "待备件"),
    # Transfer order steps and states (parts/status.py)
    "ship": _term("ship", "发货"),
    "receive": _term("receive", "收货"),
    "requested": _term("requested", "已申请"),
    "shipped": _term("shipped", "已发货"),
    # Walk-in lightning service and parts (Forbidden, NotFound)
    "transfer order": _term("transfer order", "调拨单"),
    "use this outlet's counter terminal": _term("use this outlet's counter terminal", "使用该网点的柜台终端"),
    "see this outlet's walk-in figures": _term(
        "see this outlet's walk-in figures", "查看该网点的到店服务数据"
    ),
    "see this outlet's stock": _term("see this outlet's stock", "查看该网点的库存"),
    "request parts for this outlet": _term("request parts for this outlet", "为该网点申请调拨配件"),
    "move this transfer": _term("move this transfer order", "处理此调拨单"),
    "declare an emergency mode": _term("declare an emergency mode", "启动应急服务模式"),
    "take this complaint at the counter": _term("take this complaint at the counter", "在柜台接收此投诉"),
    # Erasure requests and data exports (accounts/privacy/status.py, accounts/models.py)
    "pending": _term("pending", "待处理"),
    "done": _term("carried out", "已执行"),
    "ready": _term("ready to download", "可下载"),
    "downloaded": _term("downloaded", "已下载"),
    "expired": _term("expired", "已过期"),
    # Kinds of legal hold (accounts.models.LegalHold.Kind)
    "dispute": _term("open dispute", "未结纠纷"),
    "court_order": _term("court order", "法院命令"),
    "regulator": _term("regulator's inquiry", "监管调查"),
    # Walk-in queue lanes (network)
    "urgent": _term("urgent", "加急"),
    "normal": _term("normal", "普通"),
    "urgent/normal": _term("urgent or normal", "加急或普通"),
    # Device checks (repairs.models.CheckKind)
    "touch": _term("touch test", "触控测试"),
    "battery_health": _term("battery health", "电池健康度"),
    "charge_current": _term("charge current", "充电电流"),
    "camera": _term("camera", "摄像头"),
    "audio": _term("audio", "音频"),
    "signal": _term("signal", "信号"),
    "moisture": _term("moisture indicator", "进液指示"),
    "visible_damage": _term("visible damage", "外观损伤"),
    # JSON types a field expected (config/api.py schema_problem)
    "string": _term("text", "文本"),
    "int": _term("a whole number", "整数"),
    "float": _term("a number", "数字"),
    "decimal": _term("a number", "数字"),
    "bool": _term("true or false", "布尔值"),
    "list": _term("a list", "列表"),
    "dict": _term("an object", "对象"),
    "model": _term("an object", "对象"),
    "date": _term("a date", "日期"),
    "datetime": _term("a date and time", "日期时间"),
}
# The agent workspace (desk): saved filters, bulk moves, reply templates, duplicates.
TERMS |= {
    "complaint.link_duplicate": _term("mark complaints as duplicates", "标记重复投诉"),
    "desk.share_filter": _term("share a filter with your team", "与团队共享筛选"),
    "saved filter": _term("saved filter", "已保存的筛选"),
    "reply template": _term("reply template", "回复模板"),
}
# The parameters that carry one code word, and those that carry a list of them (", "-separated).
TERM_PARAMS = frozenset({"what", "action", "state", "lane", "kind", "expected"})
TERM_LIST_PARAMS = {
    "transition_not_allowed": "allowed",
    "repair_transition_not_allowed": "allowed",
    "transfer_transition_not_allowed": "allowed",
    "choice_invalid": "allowed",
    "lane_unknown": "allowed",
}
_LIST_SEPARATOR = {"en": ", ", "zh-hans": "、"}


def term_words(word: object, language: str) -> object:
    """A code word in words of `language` (TERMS); anything else as it is."""
    texts = TERMS.get(word) if isinstance(word, str) else None
    if texts is None:
        return word
    return texts.get(language) or texts[DEFAULT_LANGUAGE]


def _in_language(value: object, language: str) -> object:
    """A pack's labels ({"zh-hans": ..., "en": ...}) in `language`; anything else as it is."""
    if isinstance(value, dict) and value:
        return value.get(language) or value.get(DEFAULT_LANGUAGE) or next(iter(value.values()))
    return value


def message_text(code: str, language: str, **params: object) -> str:
    texts = MESSAGES.get(code)
    if texts is None:
        return code
    template = texts.get(language) or texts[DEFAULT_LANGUAGE]
    words = {
        name: term_words(value, language) if name in TERM_PARAMS else _in_language(value, language)
        for name, value in params.items()
    }
    listed = TERM_LIST_PARAMS.get(code)
    if listed and isinstance(words.get(listed), str):
        items = [item for item in str(words[listed]).split(", ") if item]
        words[listed] = _LIST_SEPARATOR.get(language, ", ").join(
            str(term_words(item, language)) for item in items
        )
    try:
        return template.format(**words)
    except (KeyError, IndexError):
        return template


# --- The 400 hotline channel (intake/channels/hotline) and the caller lookup -----------------
MESSAGES.update(
    {
        "call_centre_unauthenticated": {
            "en": "Unknown call-centre system or wrong secret.",
            "zh-hans": "呼叫中心系统未知或密钥错误。",
        },
        "recording_too_large": {
            "en": "The recording is larger than {limit} bytes.",
            "zh-hans": "录音文件超过 {limit} 字节上限。",
        },
        "recording_empty": {"en": "The recording is empty.", "zh-hans": "录音文件为空。"},
        "recording_type_not_allowed": {
            "en": "By its content this file is not a sound recording; send WAV, MP3, AMR, M4A, OGG or FLAC.",
            "zh-hans": "按文件内容判断这不是录音文件,请上传常见音频格式的通话录音。",
        },
        "recording_exists": {
            "en": "This call already has another recording.",
            "zh-hans": "该通话已有另一份录音。",
        },
        "call_id_reused": {
            "en": "Call {call_id} was received before with other details.",
            "zh-hans": "通话 {call_id} 此前已以不同内容接收。",
        },
        "datetime_offset_missing": {
            "en": "Give the time with its offset from UTC, e.g. 2026-12-01T14:30:00+08:00.",
            "zh-hans": "请写明时间相对协调世界时的偏移,例如北京时间写 +08:00。",
        },
        "time_in_future": {"en": "The time cannot be in the future.", "zh-hans": "时间不能晚于现在。"},
        "call_complaint_needs_agent": {
            "en": "Logging a complaint from a call needs the agent who took it.",
            "zh-hans": "从通话登记投诉须注明接听的坐席。",
        },
        "call_complaint_both": {
            "en": "Give either the number of an existing complaint or the text of a new one, not both.",
            "zh-hans": "请填写已有投诉的编号或新投诉的内容,二者只能选一。",
        },
        "call_back_done": {
            "en": "This call-back was already marked done.",
            "zh-hans": "该回电任务已标记为完成。",
        },
    }
)
TERMS.update(
    {
        "call": _term("call", "通话"),
        "call_back": _term("call-back", "回电任务"),
        "customer.lookup": _term("look up callers", "查询来电客户"),
        "hotline.recording": _term("play call recordings", "播放通话录音"),
        "hotline.call_back": _term("work on call-backs", "处理回电任务"),
    }
)
# The agent workspace (desk): saved filters, bulk moves, reply templates, duplicates.
MESSAGES |= {
    "saved_filter_name_taken": {
        "en": "A filter named “{name}” already exists; choose another name.",
        "zh-hans": "已有名为“{name}”的筛选,请换一个名称。",
    },
    "saved_filter_name_empty": {
        "en": "Give the filter a name of at most {limit} characters.",
        "zh-hans": "请为筛选起一个名称,最多 {limit} 个字符。",
    },
    "saved_filter_limit": {
        "en": "At most {limit} saved filters each; delete one first.",
        "zh-hans": "每人最多保存 {limit} 个筛选,请先删除一个。",
    },
    "bulk_nothing_chosen": {
        "en": "Tick at least one complaint in the list.",
        "zh-hans": "请在列表中至少勾选一条投诉。",
    },
    "bulk_too_many": {
        "en": "At most {limit} complaints at once; {count} are ticked.",
        "zh-hans": "一次最多处理 {limit} 条投诉,当前勾选了 {count} 条。",
    },
    "bulk_changed_meanwhile": {
        "en": "Complaint {number} was changed by someone else after the list was loaded "
        "(now {state}); nothing was done to it. Reload the list and try again.",
        "zh-hans": "投诉 {number} 在列表载入后已被他人更改(当前状态为{state}),未对其执行任何操作。"
        "请刷新列表后重试。",
    },
    "bulk_move_unknown": {
        "en": "Choose what to do with the ticked complaints.",
        "zh-hans": "请选择要对勾选的投诉执行的操作。",
    },
    "macro_placeholder_unknown": {
        "en": "The reply template names an unknown placeholder {placeholder}; known ones: {allowed}.",
        "zh-hans": "回复模板中的占位符 {placeholder} 无法识别;可用的占位符:{allowed}。",
    },
    "macro_unknown": {
        "en": "This reply template does not exist or is no longer in use.",
        "zh-hans": "该回复模板不存在或已停用。",
    },
    "duplicate_of_itself": {
        "en": "Complaint {number} cannot be a duplicate of itself.",
        "zh-hans": "投诉 {number} 不能标记为自身的重复。",
    },
    "duplicate_already": {
        "en": "Complaint {number} is already marked as a duplicate of {original}.",
        "zh-hans": "投诉 {number} 已被标记为 {original} 的重复。",
    },
    "duplicate_of_duplicate": {
        "en": "Complaint {original} is itself a duplicate of {root}: link to {root} instead.",
        "zh-hans": "投诉 {original} 本身是 {root} 的重复,请改为标记为 {root} 的重复。",
    },
    "duplicate_other_customer": {
        "en": "Complaints {number} and {original} belong to different customers and cannot be duplicates.",
        "zh-hans": "投诉 {number} 与 {original} 属于不同客户,不能标记为重复。",
    },
    "duplicate_original_unknown": {
        "en": "No complaint numbered {number} that you may open.",
        "zh-hans": "未找到您可查看的编号为 {number} 的投诉。",
    },
}
# --- App and web attachments, the store terminal's read-out (intake.attachments, repairs.lightning) ---
MESSAGES |= {
    "attachment_empty": {"en": "The file is empty.", "zh-hans": "文件为空。"},
    "attachment_executable": {
        "en": "Programs and scripts are not accepted; send photos or videos.",
        "zh-hans": "不接受程序或脚本文件,请上传照片或视频。",
    },
    "attachment_archive": {
        "en": "Archives are not accepted (they may unpack to anything); send the photos or videos themselves: {allowed}.",
        "zh-hans": "不接受压缩包(解压后可能是任何内容),请直接上传照片或视频:{allowed}。",
    },
    "attachment_zip_bomb": {
        "en": "This archive would unpack to far more than it holds (a zip bomb) and is refused.",
        "zh-hans": "该压缩包解压后体积异常巨大(压缩炸弹),已拒收。",
    },
    "attachment_type_not_allowed": {
        "en": "This kind of file is not accepted; send one of: {allowed}.",
        "zh-hans": "不接受此类文件,可上传:{allowed}。",
    },
    "attachment_type_mismatch": {
        "en": "The file's name or declared type does not match what it holds ({found}).",
        "zh-hans": "文件名或声明的类型与文件实际内容({found})不符。",
    },
    "attachment_too_large": {
        "en": "The file is too large: at most {limit} bytes, got {size}.",
        "zh-hans": "文件过大:最多 {limit} 字节,实际 {size} 字节。",
    },
    "attachment_image_bomb": {
        "en": "The picture has too many pixels: at most {limit}, got {pixels}.",
        "zh-hans": "图片像素过多:最多 {limit} 像素,实际 {pixels} 像素。",
    },
    "attachment_unreadable": {
        "en": "The picture cannot be read; the file may be damaged.",
        "zh-hans": "图片无法读取,文件可能已损坏。",
    },
    "attachment_count_exceeded": {
        "en": "Too many attachments: at most {limit}, got {count}.",
        "zh-hans": "附件过多:最多 {limit} 个,实际 {count} 个。",
    },
    "attachment_unknown": {
        "en": "Attachment {id} is unknown or already used: upload the file first, and name each upload once.",
        "zh-hans": "附件 {id} 不存在或已被使用:请先上传文件,每个上传只能使用一次。",
    },
    "attachment_pending_limit": {
        "en": "Too many uploads are waiting for a complaint (at most {limit}); submit the complaint first.",
        "zh-hans": "等待提交的上传文件过多(最多 {limit} 个),请先提交投诉。",
    },
    "readout_too_large": {
        "en": "The read-out is too large: at most {limit} bytes of JSON, got {size}.",
        "zh-hans": "检测数据过大:最多 {limit} 字节 JSON,实际 {size} 字节。",
    },
}
TERMS |= {"attachment": _term("attachment", "附件")}
# The counter's routes (warranty.express) and the words of the store read-out on the desk.
TERMS |= {
    "on_spot": _term("solved on the spot", "当场解决"),
    "express_replacement": _term("express replacement", "快速换机"),
    "regular": _term("regular repair", "常规维修"),
    "walk_in_readout": _term("Store terminal read-out", "门店终端检测数据"),
    "walk_in_route": _term("Counter route", "柜台处理方式"),
    "device_model": _term("Model", "机型"),
    "os_version": _term("OS version", "系统版本"),
    "diagnostics": _term("Diagnostics", "诊断结果"),
    "counter_note": _term("Counter staff's note", "柜台人员备注"),
    "passed": _term("passed", "通过"),
    "failed": _term("failed", "未通过"),
}
# What staff write on a complaint (the desk and the API), refused when empty.
MESSAGES |= {
    "reply_empty": {
        "en": "The reply is empty: write the customer a few words.",
        "zh-hans": "回复内容不能为空,请写几句给客户的话。",
    },
    "note_empty": {
        "en": "The note is empty: write a few words for colleagues.",
        "zh-hans": "备注内容不能为空,请写几句给同事的话。",
    },
}

# --- Numbers that must reach a phone by text message (accounts.phones.mobile_normalise) ---
MESSAGES |= {
    "mobile_phone_invalid": {"en": "Not a valid mobile phone number.", "zh-hans": "手机号码无效。"},
}
