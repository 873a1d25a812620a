"""What the customer wrote this time: quoted replies and signatures cut from a mail's text.

Cut at the first line that starts a quoted original, as clients write them:
- QQMail/Foxmail: `------------------ 原始邮件 ------------------`, then `发件人:`/`发送时间:`;
- Outlook and Exchange: `-----Original Message-----`, or a `From:`/`发件人:` line followed
  within a few lines by `Sent:`/`Date:`/`To:`/`Subject:` (or their Chinese forms);
- 163/Coremail and Gmail-style attributions: `在 2026年… 写道：`, `On … wrote:`;
- `>` quoted lines anywhere are dropped;
- a signature after `-- ` and "sent from my phone" lines are dropped.
If nothing is left, the whole text is kept: a reply that only quotes still says something.
"""

import re

_SEPARATOR = re.compile(
    r"^\s*(?:-{2,}\s*(?:原始邮件|Original Message|原始郵件|转发邮件|Forwarded message)\s*-{2,}"
    r"|_{10,}\s*$|={10,}\s*$)",
    re.IGNORECASE,
)
_HEADER_START = re.compile(r"^\s*\**\s*(?:From|发件人|寄件者|發件人)\s*\**\s*[:：]", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\**\s*(?:Sent|Date|To|Cc|Subject|发送时间|日期|收件人|抄送|主题|寄件日期|收件者|主旨)\s*\**\s*[:：]",
    re.IGNORECASE,
)
_ATTRIBUTION = re.compile(
    r"^\s*(?:On\s.{4,200}\swrote:|在\s?.{4,200}写道[:：]|.{0,80}于.{4,120}写道[:：])\s*$"
)
_SIGNATURE = re.compile(r"^--\s?$")
_SENT_FROM = re.compile(
    r"^\s*(?:发自我的\s?\S+|Sent from my \S+.*|来自\s?\S+邮箱.*|发自\S*邮箱\S*|Get Outlook for \S+)\s*$",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> str:
    """The text above the first quoted original, without `>` lines, signature or phone footers."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _SEPARATOR.match(line) or _ATTRIBUTION.match(line) or _SIGNATURE.match(line):
            break
        if _HEADER_START.match(line) and any(
            _HEADER_NEXT.match(next_line) for next_line in lines[index + 1 : index + 5]
        ):
            break
        if line.lstrip().startswith(">") or _SENT_FROM.match(line):
            continue
        kept.append(line.rstrip())
    result = "\n".join(kept).strip()
    result = re.sub(r"\n{3,}", "\n\n", result)
    return result or text.strip()


_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|sv|答复|回复|回覆|转发|轉寄|转寄)\s*(?:\[\d+\])?\s*[:：]\s*)+", re.IGNORECASE
)


def strip_reply_prefixes(subject: str) -> str:
    """A subject without its `Re:`/`回复:`/`答复:`/`转发:` prefixes."""
    return _REPLY_PREFIX.sub("", subject).strip()
