"""What a message contains: ids, body, headers and attachments.

Content is the same in every mailbox holding the message (only the copy's id, folder and
read state differ), so it is generated once per message, from a generator keyed by the
message, and cached.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import random
from dataclasses import dataclass
from email.utils import format_datetime

from mgdc_pipelines.sources.synthetic.activity import phrases
from mgdc_pipelines.sources.synthetic.activity.mail import MailMessage, Party
from mgdc_pipelines.sources.synthetic.caching import BoundedCache
from mgdc_pipelines.sources.synthetic.identifiers import (
    conversation_id,
    conversation_index,
    external_message_id,
    internet_message_id,
    mail_server_names,
)
from mgdc_pipelines.sources.synthetic.randomness import (
    chance,
    pick,
    rng_for,
    stable_bytes,
    stable_guid,
)
from mgdc_pipelines.sources.synthetic.shapes import body as html_body
from mgdc_pipelines.sources.synthetic.shapes import recipient
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant

HTML_HEAD = (
    '<html><head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
)
DIV = (
    '<div style="font-family:Aptos,Calibri,Helvetica,sans-serif;font-size:11pt;color:rgb(0,0,0)">'
)
FILE_MAGIC = {
    "docx": b"PK\x03\x04",
    "xlsx": b"PK\x03\x04",
    "pptx": b"PK\x03\x04",
    "pdf": b"%PDF-1.7\n",
    "png": b"\x89PNG\r\n\x1a\n",
    "csv": b"id,name,value\n",
}


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    content_type: str
    size: int
    is_inline: bool
    content_id: str | None
    content_bytes: str  # a short base64 stand-in: real deliveries carry the whole file


@dataclass(frozen=True, slots=True)
class MailContent:
    """Everything every copy of a message shares, already in row shape where it is nested.

    Every copy's row holds these very objects (made once, not once per copy): never change one
    in place.
    """

    sender: dict
    to: list[dict]
    cc: list[dict]
    bcc: list[dict]
    reply_to: list[dict]
    internet_message_id: str
    conversation_id: str
    conversation_index: str
    body: dict  # {"contentType": "html", "content": ...}
    unique_body: dict
    preview: str
    headers: list[dict]
    attachments: tuple[Attachment, ...]
    inference_classification: str

    @property
    def has_attachments(self) -> bool:
        """Graph counts only non-inline attachments in ``hasAttachments``."""
        return any(not a.is_inline for a in self.attachments)


class MailText:
    def __init__(self, tenant: SyntheticTenant, max_entries: int = 4096) -> None:
        self.tenant = tenant
        self._cache: BoundedCache[MailContent] = BoundedCache(max_entries)

    def content_of(self, message: MailMessage) -> MailContent:
        return self._cache.get(message.key, lambda: self._content(message))

    def _content(self, message: MailMessage) -> MailContent:
        seed = self.tenant.config.seed
        rng = rng_for(seed, "mail-content", *message.key)
        paragraphs = self._paragraphs(rng, message)
        unique = (
            f"<html><body>{DIV}"
            + "".join(f"<p>{p}</p>" for p in paragraphs)
            + "</div></body></html>"
        )
        quoted = self._quoted(message.previous) if message.previous else ""
        body = (
            f"{HTML_HEAD}<body>{DIV}"
            + "".join(f"<p>{p}</p>" for p in paragraphs)
            + f"</div>{quoted}</body></html>"
        )
        message_id = self._message_id(message)
        thread_index = conversation_index(
            (seed, *message.thread_key), message.thread_started, list(message.reply_delays)
        )
        return MailContent(
            sender=recipient(message.sender.name, message.sender.address),
            to=[recipient(p.name, p.address) for p in message.to],
            cc=[recipient(p.name, p.address) for p in message.cc],
            bcc=[recipient(p.name, p.address) for p in message.bcc],
            reply_to=self._reply_to(message),
            internet_message_id=message_id,
            conversation_id=conversation_id(self.tenant.directory_id, seed, *message.thread_key),
            conversation_index=thread_index,
            body=html_body(body),
            unique_body=html_body(unique),
            preview=html.unescape(" ".join(_strip_tags(p) for p in paragraphs))[:255],
            headers=self._headers(rng, message, message_id, thread_index),
            attachments=self._attachments(rng, message),
            inference_classification="other" if message.kind == "notification" else "focused",
        )

    def _reply_to(self, message: MailMessage) -> list[dict]:
        """Announcements ask for replies to go to internal communications, not the sender."""
        if message.kind == "announcement":
            return [recipient("Internal Communications", f"comms@{self.tenant.domain}")]
        return []

    def _message_id(self, message: MailMessage) -> str:
        seed = self.tenant.config.seed
        if message.sender.user is None:
            return external_message_id(
                message.sender.address.rsplit("@", 1)[-1], seed, *message.key
            )
        return internet_message_id(
            self.tenant.users[message.sender.user].office.geo, seed, *message.key
        )

    def _paragraphs(self, rng: random.Random, message: MailMessage) -> list[str]:
        first = message.to[0] if message.to else message.sender
        greeting = phrases.fill(pick(rng, phrases.OPENINGS), rng, person=first.name.split(" ")[0])
        if message.kind == "notification":
            return [
                html.escape(message.subject) + ".",
                "Open the app to see what's new. "
                "You are receiving this because of your notification settings.",
            ]
        if message.position > 0:
            colleague = pick(rng, (*message.to, *message.cc)).name.split(" ")[0]
            lines = [phrases.fill(pick(rng, phrases.REPLIES), rng, person=colleague)]
            if chance(rng, 0.5):
                lines.append(phrases.fill(pick(rng, phrases.SENTENCES), rng))
            body = [" ".join(lines)]
        else:
            count = rng.randint(3, 6) if message.kind == "announcement" else rng.randint(1, 4)
            body = [
                " ".join(
                    phrases.fill(pick(rng, phrases.SENTENCES), rng)
                    for _ in range(rng.randint(1, 4))
                )
                for _ in range(count)
            ]
        return [
            html.escape(greeting),
            *(html.escape(p) for p in body),
            self._signature(rng, message.sender),
        ]

    def _signature(self, rng: random.Random, sender: Party) -> str:
        sign_off = html.escape(pick(rng, phrases.SIGN_OFFS))
        if sender.user is None:
            return f"{sign_off}<br>{html.escape(sender.name)}"
        user = self.tenant.users[sender.user]
        organization = html.escape(self.tenant.config.organization_name)
        return (
            f"{sign_off}<br>{html.escape(user.display_name)}<br>{html.escape(user.job_title or '')}"
            f" | {organization}<br>{user.office.city}"
        )

    def _quoted(self, previous: MailMessage) -> str:
        earlier = self.content_of(previous)
        recipients = "; ".join(html.escape(p.name) for p in previous.to)
        sender = f"{html.escape(previous.sender.name)} &lt;{previous.sender.address}&gt;"
        header = (
            '<hr style="display:inline-block;width:98%" tabindex="-1">'
            '<div id="divRplyFwdMsg" dir="ltr">'
            f"<b>From:</b> {sender}<br>"
            f"<b>Sent:</b> {previous.sent_at.strftime('%A, %B %d, %Y %I:%M %p')}<br>"
            f"<b>To:</b> {recipients}<br><b>Subject:</b> {html.escape(previous.subject)}</div>"
        )
        inner = earlier.body["content"].split("<body>", 1)[1].rsplit("</body>", 1)[0]
        return header + inner

    def _headers(
        self, rng: random.Random, message: MailMessage, message_id: str, thread_index: str
    ) -> list[dict]:
        geo = (
            "NAM"
            if message.sender.user is None
            else self.tenant.users[message.sender.user].office.geo
        )
        date = _rfc2822_date(message.sent_at)
        hops = mail_server_names(geo, 3, self.tenant.config.seed, *message.key)
        internal = message.sender.user is not None
        headers = [
            (
                "Received",
                f"from {hops[0]} ({_ipv6(message.key, 0)}) by {hops[1]} with HTTPS; {date}",
            ),
            (
                "Received",
                f"from {hops[1]} ({_ipv6(message.key, 1)}) by {hops[2]} with Microsoft SMTP Server "
                f"(version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) "
                f"id 15.20.{rng.randint(7000, 8999)}.{rng.randint(10, 40)}; {date}",
            ),
            ("From", f"{message.sender.name} <{message.sender.address}>"),
            ("To", ", ".join(f"{p.name} <{p.address}>" for p in message.to)),
            ("Subject", message.subject),
            ("Thread-Topic", message.subject.removeprefix("RE: ")),
            ("Thread-Index", thread_index),
            ("Date", date),
            ("Message-ID", message_id),
        ]
        if message.previous is not None:
            parent = self.content_of(message.previous).internet_message_id
            headers += [("In-Reply-To", parent), ("References", parent)]
        headers += [
            ("Accept-Language", "en-US"),
            ("Content-Language", "en-US"),
            ("X-MS-Has-Attach", "yes" if message.attachments else ""),
            ("X-MS-TNEF-Correlator", ""),
            ("MIME-Version", "1.0"),
            ("Content-Type", "multipart/mixed" if message.attachments else "multipart/alternative"),
            ("X-MS-Exchange-Organization-SCL", "-1" if internal else str(rng.choice((0, 1, 1, 5)))),
            ("X-MS-Exchange-Organization-AuthAs", "Internal" if internal else "Anonymous"),
            ("X-MS-Exchange-Organization-AuthSource", hops[1]),
            (
                "X-MS-Exchange-Organization-MessageDirectionality",
                "Originating" if internal else "Incoming",
            ),
            (
                "X-MS-Exchange-Organization-Network-Message-Id",
                stable_guid("network-id", *message.key),
            ),
        ]
        return [{"name": name, "value": value} for name, value in headers]

    def _attachments(self, rng: random.Random, message: MailMessage) -> tuple[Attachment, ...]:
        files = []
        for _ in range(message.attachments):
            name, extension, mime = phrases.file_name(rng, message.topic)
            size = int(rng.lognormvariate(11.5, 1.2))  # median ~100 KB, tail into megabytes
            payload = FILE_MAGIC[extension] + stable_bytes(36, "attachment", name, *message.key)
            files.append(
                Attachment(name, mime, size, False, None, base64.b64encode(payload).decode())
            )
        if message.sender.user is not None and message.kind != "notification" and chance(rng, 0.1):
            token = stable_bytes(6, "inline", *message.key).hex().upper()
            files.append(
                Attachment(
                    "image001.png",
                    "image/png",
                    rng.randint(2000, 9000),
                    True,
                    f"image001.png@01DB{token}",
                    base64.b64encode(FILE_MAGIC["png"]).decode(),
                )
            )
        return tuple(files)


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ZERO = dt.timedelta(0)


def _rfc2822_date(moment: dt.datetime) -> str:
    """``email.utils.format_datetime(moment)``, formatted directly for UTC (every ``sent_at``).

    >>> moment = dt.datetime(2026, 11, 18, 9, 5, 7, tzinfo=dt.timezone.utc)
    >>> _rfc2822_date(moment) == format_datetime(moment)
    True
    """
    if moment.utcoffset() != _ZERO:
        return format_datetime(moment)
    return (
        f"{_WEEKDAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} "
        f"{moment.year:04d} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} +0000"
    )


def _strip_tags(text: str) -> str:
    return text.replace("<br>", " ")


def _ipv6(key: tuple, hop: int) -> str:
    raw = stable_bytes(4, "ip", *key, hop)
    return f"2603:10b6:{raw[0]:x}{raw[1]:02x}:{raw[2]:x}::{raw[3]:x}"
