"""PDF rendering of the service record and the wipe certificate (ReportLab).

Chinese is set in ReportLab's built-in CID font STSong-Light (Adobe-GB1): PDF viewers supply
the glyphs from the Asian font packs every reader ships, so nothing is downloaded or embedded.
Characters outside the Basic Multilingual Plane (emoji) have no CID in that collection and are
printed as "□"; the middle dot, which the collection lacks in its half-width form, as "/". Every page carries the complaint number (or certificate id) and the hash.
"""

import io
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=13, wordWrap="CJK")
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=7.5, leading=10)
_H1 = ParagraphStyle("h1", parent=_BODY, fontSize=16, leading=22, spaceAfter=4)
_H2 = ParagraphStyle("h2", parent=_BODY, fontSize=11.5, leading=16, spaceBefore=8, spaceAfter=3)
_GRID = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)
_PLAIN = TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), FONT)])
# Limits a hostile or runaway text cannot pass: one cell, one whole document.
MAX_CELL_CHARS = 4_000


def printable(text: object) -> str:
    """Text as the CID font can print it: emoji and other astral characters as "□", controls dropped."""
    value = str(text)[:MAX_CELL_CHARS].replace("·", "/")
    return "".join(
        "□" if ord(ch) > 0xFFFF else (" " if ch in "\t\r" else ch)
        for ch in value
        if ch in "\n\t\r" or ord(ch) >= 0x20
    )


def para(text: object, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape(printable(text)).replace("\n", "<br/>"), style)


def qr_drawing(url: str, size: float = 32 * mm) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    return drawing


def _table(rows: list[list[Any]], widths: list[float], style: TableStyle = _GRID) -> Table:
    cells = [
        [cell if isinstance(cell, Flowable | list) else para(cell, _SMALL) for cell in row] for row in rows
    ]
    table = Table(cells, colWidths=widths, repeatRows=1 if style is _GRID else 0)
    table.setStyle(style)
    return table


def _render(story: list[Flowable], *, title: str, footer: str) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    pages = [0]

    def on_page(canvas: Any, doc: Any) -> None:
        pages[0] = doc.page
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.drawString(15 * mm, 10 * mm, printable(footer))
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"第 {doc.page} 页 / page {doc.page}")
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="aftersales",
        invariant=1,
    )
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue(), pages[0]


AUDIENCE_WORDS = {
    "customer": "客户版 Customer copy",
    "staff": "内部版,含内部处理记录,请勿交给客户 Staff copy: internal handling steps, not for the customer",
}


def _yes_no(value: str) -> str:
    return {"yes": "通过 pass", "no": "未通过 fail"}.get(value, value)


def _section(story: list[Flowable], title: str, rows: Iterable[list[Any]], widths: list[float]) -> None:
    story.append(para(title, _H2))
    body = list(rows)
    if len(body) <= 1:
        story.append(para("无 None"))
    else:
        story.append(_table(body, widths))


def service_record_pdf(
    *, content: dict[str, Any], content_hash: str, verify_url: str, issued_at: str
) -> tuple[bytes, int]:
    """The record's PDF bytes and page count. `content` is service_record.service_record_content's."""
    complaint = content["complaint"]
    customer = content["customer"]
    device = content["device"]
    story: list[Flowable] = []
    heading = [
        [
            [
                para("电子服务档案 Electronic Service Record", _H1),
                para(AUDIENCE_WORDS.get(content.get("audience", ""), "")),
                para(f"投诉编号 Complaint number: {complaint['number']}"),
                para(f"生成时间(北京时间) Issued at (Beijing time): {issued_at}"),
                para(f"档案哈希 Record hash (SHA-256): {content_hash}", _SMALL),
                para(
                    "扫码核验本档案是否真实、未被篡改。Scan to check that this record is authentic and unchanged.",
                    _SMALL,
                ),
            ],
            qr_drawing(verify_url),
        ]
    ]
    story.append(_table(heading, [140 * mm, 40 * mm], _PLAIN))
    story.append(Spacer(1, 3 * mm))
    _section(
        story,
        "投诉与客户 Complaint and customer",
        [
            ["项目 Item", "内容 Value"],
            ["主题 Subject", complaint["subject"]],
            ["渠道 Channel", complaint.get("channel_label") or complaint["channel"]],
            ["类别 Category", complaint["category_label"]],
            ["状态 State", complaint["state_label"]],
            ["受理时间 Opened", complaint["created_at"]],
            ["解决时间 Resolved", complaint["resolved_at"]],
            ["客户 Customer", customer["name"] or "—"],
            ["电话 Phone", customer["phone"] or "—"],
            ["设备 Device", device["model"] or "—"],
            ["IMEI", device["imei"] or "—"],
            ["保修截止 Warranty ends", device["warranty_ends_on"] or "—"],
            ["满意度 Satisfaction (1-5)", content["satisfaction"] or "未评价 not rated"],
        ],
        [45 * mm, 135 * mm],
    )
    _section(
        story,
        "处理经过 Timeline",
        [["#", "北京时间 Beijing time", "经过 What happened"]]
        + [[str(e["seq"]), e["at"], e["words"]] for e in content["timeline"]],
        [10 * mm, 45 * mm, 125 * mm],
    )
    _section(
        story,
        "往来消息 Messages",
        [["北京时间 Beijing time", "方向 Direction", "内容 Text"]]
        + [
            [
                m["at"],
                {"in": "客户 customer", "out": "客服 staff"}.get(m["direction"], m["direction"])
                + f" · {m['channel']}",
                "（已删除 erased）" if m["erased"] else m["body"],
            ]
            for m in content["messages"]
        ],
        [40 * mm, 30 * mm, 110 * mm],
    )
    _section(
        story,
        "通话记录 Call records",
        [["北京时间 Beijing time", "方向 Direction", "摘要 Summary"]]
        + [
            [
                c["at"],
                {"in": "客户来电 from the customer", "out": "客服去电 to the customer"}.get(
                    c["direction"], c["direction"]
                ),
                "（已删除 erased）" if c["erased"] else c["body"],
            ]
            for c in content["calls"]
        ],
        [40 * mm, 30 * mm, 110 * mm],
    )
    for order in content["repair_orders"]:
        story.append(para(f"维修单 Repair order {order['number']}", _H2))
        story.append(
            _table(
                [
                    ["项目 Item", "内容 Value"],
                    ["网点 Outlet", order["outlet"]],
                    ["工程师工号 Engineer id", order["engineer_id"] or "—"],
                    ["状态 State", order["state_label"]],
                    ["诊断 Diagnosis", order["diagnosis"] or "—"],
                    ["报价合计 Quote total (CNY)", order["quote_total"] or "—"],
                    ["服务协议版本 Agreement version", order["agreement_version"] or "未签署 not signed"],
                    ["协议哈希 Agreement SHA-256", order["agreement_sha256"] or "—"],
                    ["签署时间 Accepted at", order["agreement_accepted_at"] or "—"],
                ],
                [50 * mm, 130 * mm],
            )
        )
        _section(
            story,
            "检测 Checks",
            [["项目 Check", "结果 Result", "数值 Value", "备注 Note"]]
            + [
                [c["label"], _yes_no(c["passed"]), c["value"] or c["count"], c["note"]]
                for c in order["checks"]
            ],
            [50 * mm, 30 * mm, 25 * mm, 75 * mm],
        )
        _section(
            story,
            "配件与保修判定 Parts and warranty decision",
            [["配件 Part", "数量 Qty", "保修 Coverage", "依据 Why"]]
            + [
                [
                    f"{i['part']} ({i['part_number']})",
                    str(i["quantity"]),
                    i["coverage_label"],
                    "\n".join(i["reasons"]),
                ]
                for i in order["items"]
            ],
            [50 * mm, 15 * mm, 30 * mm, 85 * mm],
        )
        _section(
            story,
            "报价 Quote (CNY)",
            [["配件 Part", "数量 Qty", "配件费 Parts", "工时费 Labour", "应付 Charge"]]
            + [
                [
                    f"{line.get('name', '')} ({line.get('part', '')})",
                    str(line.get("quantity", "")),
                    line.get("parts_price", ""),
                    line.get("labour_price", ""),
                    line.get("charge", ""),
                ]
                for line in order["quote_lines"]
            ],
            [70 * mm, 15 * mm, 30 * mm, 30 * mm, 35 * mm],
        )
    story.append(Spacer(1, 4 * mm))
    story.append(
        para(
            "本档案哈希为档案规范内容的 SHA-256,生成时已写入防篡改账本;核验页不显示个人信息。"
            " The record hash is the SHA-256 of the record's canonical content, appended to the"
            " tamper-evident ledger when it was issued; the verification page shows no personal data.",
            _SMALL,
        )
    )
    return _render(
        story,
        title=f"电子服务档案 {complaint['number']}",
        footer=f"{complaint['number']}  SHA-256 {content_hash}",
    )


def wipe_certificate_pdf(
    *, document: dict[str, Any], document_hash: str, signature: str, verify_url: str
) -> tuple[bytes, int]:
    """The wipe certificate's PDF: the signed document's fields, its hash, signature and QR code."""
    story: list[Flowable] = []
    heading = [
        [
            [
                para("数据清除证书 Data Erasure Certificate", _H1),
                para(f"证书编号 Certificate: {document['certificate']}"),
                para(f"文档哈希 Document SHA-256: {document_hash}", _SMALL),
                para("扫码核验证书。Scan to verify this certificate.", _SMALL),
            ],
            qr_drawing(verify_url),
        ]
    ]
    story.append(_table(heading, [140 * mm, 40 * mm], _PLAIN))
    tool = document["tool"]
    _section(
        story,
        "清除记录 Erasure",
        [
            ["项目 Item", "内容 Value"],
            ["IMEI", document["imei"]],
            ["设备型号 Device model", document["device_model"] or "—"],
            ["原因 Reason", document["reason_label"]],
            ["方法 Method", document["method_label"]],
            ["标准 Standard", document["standard"]],
            ["工具 Tool", f"{tool['name']} {tool['version']}"],
            ["工具结果 Tool result", tool["result"]],
            ["工具报告 Tool report", tool["report"] or "—"],
            ["清除时间 Wiped at (UTC)", document["wiped_at"]],
            ["网点 Outlet", document["outlet"] or "—"],
            ["工程师工号 Engineer id", document["engineer_id"]],
            ["签发时间 Issued at (UTC)", document["issued_at"]],
            ["签名密钥 Signing key", document["key_id"]],
        ],
        [50 * mm, 130 * mm],
    )
    story.append(para("Ed25519 签名 signature", _H2))
    story.append(para(signature, _SMALL))
    story.append(
        para(
            "签名覆盖证书 JSON 文件中 document 的规范字节;可用平台公钥离线核验(docs/evidence.md)。"
            " The signature covers the canonical bytes of the certificate JSON's document and verifies"
            " offline with the platform's public key (docs/evidence.md).",
            _SMALL,
        )
    )
    return _render(
        story,
        title=f"数据清除证书 {document['certificate']}",
        footer=f"{document['certificate']}  SHA-256 {document_hash}",
    )
