"""What a raw message holds, for each shape of real mail (fixtures in mails/)."""

import base64

import pytest

from aftersales.intake.channels.email.charsets import decode_bytes, decode_header
from aftersales.intake.channels.email.parsing import parse_mail
from aftersales.intake.channels.email.quotes import strip_quoted, strip_reply_prefixes
from aftersales.intake.channels.email.tests.conftest import ACK_ID, mail


@pytest.mark.parametrize(
    ("name", "subject", "sender", "sender_name", "words"),
    [
        (
            "qq_gbk_labelled_gb2312",
            "手机屏幕出现绿线，朱镕先生的投诉",
            "1849302211@qq.com",
            "朱镕",
            "王喆和李堃",
        ),
        ("coremail_163_html_only", "耳机左耳没声音", "wangfang_2026@163.com", "王芳", "重新配对三次"),
        (
            "foxmail_attachment_encoded_name",
            "平板开机卡在标志界面",
            "chenxiao@foxmail.com",
            "陈晓",
            "强制重启",
        ),
        ("big5_traditional", "手機無法開機，請協助維修", "lin.cm@ms45.hinet.net", "林志明", "係電池問題㗎"),
        ("x_gbk_label", "电视遥控器失灵", "zhaolei@sina.com", "赵磊", "换了新电池"),
        ("raw_8bit_headers", "冰箱不制冷了", "sunli@aliyun.com", "孙丽", "冷藏室完全不制冷"),
        ("unknown_charset", "洗衣机漏水", "zhoujie@126.com", "", "底部漏水"),
        ("broken_base64", "空调噪音", "wuqiang@yeah.net", "Wu Qiang", "晚上无法入睡"),
        ("broken_mime_tree", "扫地机器人不回充", "zheng.hao@tom.com", "", "找不到充电座"),
        ("rfc2231_filename", "手表表带断了", "yangfan@icloud.com", "Yang Fan", "才用了两个月"),
        (
            "outlook_english_from_block",
            "RE: Your charger",
            "mark.chen@example.org",
            "Mark Chen",
            "arrange a pickup",
        ),
    ],
)
def test_it_decodes_subject_sender_and_text_exactly(name, subject, sender, sender_name, words):  # type: ignore[no-untyped-def]
    parsed = parse_mail(mail(name))
    assert parsed.subject == subject
    assert parsed.from_address == sender
    assert parsed.from_name == sender_name
    assert words in parsed.text
    assert "\ufffd" not in parsed.text + parsed.subject


def test_gbk_characters_under_a_gb2312_label_decode_as_the_superset() -> None:
    data = "朱镕基、王喆、李堃".encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb2312")
    assert decode_bytes(data, "gb2312") == ("朱镕基、王喆、李堃", True)
    assert decode_bytes(data, "x-gbk") == ("朱镕基、王喆、李堃", True)


def test_an_encoded_word_split_in_the_middle_of_a_character_is_joined_before_decoding() -> None:
    data = "屏幕碎了".encode("gbk")
    first, second = base64.b64encode(data[:3]).decode(), base64.b64encode(data[3:]).decode()
    assert decode_header(f"=?gb2312?B?{first}?=\r\n =?gb2312?B?{second}?=") == "屏幕碎了"


def test_encoded_words_inside_quotes_and_mixed_b_and_q_are_decoded() -> None:
    b_word = "=?utf-8?B?" + base64.b64encode("张".encode()).decode() + "?="
    q_word = "=?GBK?Q?" + "".join(f"={c:02X}" for c in "三".encode("gbk")) + "?="
    assert decode_header(f'"{b_word} {q_word}" <zhang@example.com>') == '"张三" <zhang@example.com>'


def test_a_decoded_header_never_holds_a_line_break() -> None:
    parsed = parse_mail(mail("header_injection_subject"))
    assert "\n" not in parsed.subject and "\r" not in parsed.subject


def test_quoted_originals_and_signatures_are_cut_from_what_triage_reads() -> None:
    assert parse_mail(mail("qq_reply_quoting_original")).text == "电池还是充不进电，今天又试了原装充电器。"
    outlook = parse_mail(mail("outlook_reply_chinese_header_block"))
    assert outlook.text == "我已经按你们说的恢复出厂设置了，问题依旧。\n\n刘伟"
    assert "恢复出厂设置再试一次" in outlook.full_text
    english = parse_mail(mail("outlook_english_from_block"))
    assert "Please try the new charger" not in english.text
    assert parse_mail(mail("rfc2231_filename")).text == "表带连接处断了，才用了两个月。"


def test_quote_markers_and_signatures_are_cut() -> None:
    text = "新的问题：开不了机\n> 上次的内容\n> 还有\n-- \n张三\n138xxxx"
    assert strip_quoted(text) == "新的问题：开不了机"
    assert strip_quoted("> only a quote") == "> only a quote"


def test_reply_prefixes_of_chinese_and_english_clients_are_removed_from_the_topic() -> None:
    assert strip_reply_prefixes("回复：答复: RE: Fw: 手机没声音") == "手机没声音"
    assert strip_reply_prefixes("Re[2]: charger") == "charger"


def test_html_only_mail_becomes_text_and_its_html_is_sanitised() -> None:
    parsed = parse_mail(mail("coremail_163_html_only"))
    assert "alert" not in parsed.text
    assert "<script" not in parsed.html and "onerror" not in parsed.html
    assert "耳机左耳没有声音" in parsed.html


def test_attachment_names_are_decoded_and_types_judged_by_content() -> None:
    foxmail = parse_mail(mail("foxmail_attachment_encoded_name"))
    assert [(a.name, a.content_type, a.refused) for a in foxmail.attachments] == [
        ("屏幕照片.jpg", "image/jpeg", "")
    ]
    rfc2231 = parse_mail(mail("rfc2231_filename"))
    assert rfc2231.attachments[0].name == "表带断裂照片.jpg"
    executables = parse_mail(mail("executable_attachments"))
    judged = [(a.name, a.content_type, a.refused) for a in executables.attachments]
    assert judged == [
        ("发票.pdf", "application/x-msdownload", "type_not_allowed"),
        ("setup.exe", "application/x-msdownload", "type_not_allowed"),
        ("photo.exe", "image/jpeg", ""),
    ]


def test_a_zip_bomb_is_refused_without_unpacking_it() -> None:
    (archive,) = parse_mail(mail("zip_bomb_attachment")).attachments
    assert archive.content_type == "application/zip"
    assert archive.refused == "zip_bomb"


def test_nul_bytes_are_removed_and_noted() -> None:
    parsed = parse_mail(mail("nul_bytes"))
    assert parsed.text == "音箱蓝牙连接后没有声音。"
    assert "nul_removed" in parsed.notes


def test_an_unknown_charset_is_decoded_by_the_fallbacks_and_noted() -> None:
    parsed = parse_mail(mail("unknown_charset"))
    assert parsed.text == "洗衣机脱水时底部漏水，地板都湿了。"
    assert "charset_guessed" in parsed.notes


def test_a_five_megabyte_mail_is_read_whole() -> None:
    parsed = parse_mail(mail("five_megabytes"))
    (photo,) = parsed.attachments
    assert photo.content_type == "image/jpeg" and photo.size > 5 * 1024 * 1024 and not photo.refused


@pytest.mark.parametrize(
    ("name", "auto"),
    [
        ("postfix_bounce", "bounce"),
        ("exchange_ndr", "bounce"),
        ("qq_plain_bounce", "bounce"),
        ("exchange_out_of_office", "auto_reply"),
        ("qq_auto_reply", "auto_reply"),
        ("out_of_office_english", "auto_reply"),
        ("mailing_list", "list"),
        ("qq_gbk_labelled_gb2312", None),
        ("outlook_english_from_block", None),
        ("qq_reply_quoting_original", None),
    ],
)
def test_automatic_mail_is_told_apart_from_mail_a_person_wrote(name, auto):  # type: ignore[no-untyped-def]
    assert parse_mail(mail(name)).auto == auto


@pytest.mark.parametrize("name", ["postfix_bounce", "exchange_ndr", "qq_plain_bounce"])
def test_a_bounce_names_the_message_id_of_the_mail_that_failed(name):  # type: ignore[no-untyped-def]
    bounce = parse_mail(mail(name)).bounce
    assert bounce is not None and ACK_ID in bounce.original_message_ids


def test_a_delivery_report_gives_status_and_diagnostic() -> None:
    bounce = parse_mail(mail("exchange_ndr")).bounce
    assert bounce is not None
    assert bounce.status == "5.1.10"
    assert bounce.recipients == ("gone.user@example.org",)
    assert "RecipientNotFound" in bounce.diagnostic


def test_threading_headers_and_subject_numbers_are_read() -> None:
    parsed = parse_mail(mail("qq_reply_quoting_original"))
    assert parsed.in_reply_to == (ACK_ID,)
    assert ACK_ID in parsed.references
    assert parsed.subject_numbers == ("OP-20261201-00001-3",)
    assert parsed.topic == "[OP-20261201-00001-3] 已受理：电池充不进电"


def test_the_recipients_of_a_mass_mail_are_counted() -> None:
    assert parse_mail(mail("five_hundred_recipients")).recipients == 500


@pytest.mark.parametrize(
    "garbage", [b"", b"\x00\xff\xfe", b"Subject: =?utf-8?B?@@@?=\r\n\r\n", b"no headers at all"]
)
def test_garbage_never_raises(garbage):  # type: ignore[no-untyped-def]
    parsed = parse_mail(garbage)
    assert parsed.from_address == ""


@pytest.mark.parametrize(
    "subject", ["休假期间手机坏了", "外出时手机没有信号", "Outlook 里收不到邮件", "Automatically restarts"]
)
def test_a_subject_that_only_resembles_an_auto_reply_is_a_persons_mail(subject):  # type: ignore[no-untyped-def]
    raw = f"From: someone@example.com\r\nSubject: =?utf-8?B?{base64.b64encode(subject.encode()).decode()}?=\r\n\r\ntext\r\n"
    assert parse_mail(raw.encode()).auto is None
