"""Templates to messages: Jinja2 blocks for the subject, the plain text and the HTML, in el or en.

Each template holds three blocks, so a message's subject, text and HTML stay
side by side and cannot drift apart. The HTML block escapes what it places;
the text block does not need to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr
from pathlib import Path

import jinja2
from markupsafe import Markup

from gateway.plugin_api import PermanentError, mask
from plugins.email.messages import Outgoing, message_id
from plugins.email.settings import EmailSettings

TEMPLATES = Path(__file__).resolve().parent / "templates"
FOOTER = {
    "el": "Αυτόματο μήνυμα της ηλεκτρονικής πλατφόρμας. Μην απαντάτε σε αυτό.",
    "en": "An automatic message from the e-services platform. Please do not reply.",
}


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]+")
#: an addr-spec and nothing else: no display name, no comment, no second address
_ADDR_SPEC = re.compile(r"[^\s<>()\[\]\\,;:\"@]+@[^\s<>()\[\]\\,;:\"@]+\.[^\s<>()\[\]\\,;:\"@]+")


def one_line(text: str) -> str:
    """A header value that cannot start a header of its own: every control character becomes a space.

    `formataddr` leaves an ASCII name with CR LF as it is, so "Evil\\r\\nReply-To: x"
    would arrive as a Reply-To header; intake refuses such names, this holds
    for events stored before it did.
    """
    return " ".join(_CONTROL.sub(" ", text).split())


def bare_address(address: str) -> str:
    """The address alone, or PermanentError: "Name <x@y>" would send mail where the name says."""
    if not _ADDR_SPEC.fullmatch(address):
        raise PermanentError(
            f"{mask(address)!r} is not a bare e-mail address (user@domain): not sent",
            code="bad_address",
        )
    return address


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class Renderer:
    def __init__(self, settings: EmailSettings) -> None:
        self.settings = settings
        self.env = environment()

    def render(self, message: Outgoing) -> Rendered:
        template = self.env.get_template(f"{message.locale}/{message.template}.j2")
        municipality = (
            self.settings.municipality_el
            if message.locale == "el"
            else self.settings.municipality_en
        )
        context = template.new_context(
            {
                **message.facts,
                "name": message.to_name,
                "municipality": municipality,
                "municipality_genitive": self.settings.municipality_el_genitive,
            }
        )
        subject = " ".join("".join(template.blocks["subject"](context)).split())
        text = "".join(template.blocks["text"](context)).strip() + "\n"
        body = "".join(template.blocks["html"](context)).strip()
        html = self.env.get_template("layout.html.j2").render(
            lang=message.locale,
            subject=subject,
            municipality=municipality,
            body=Markup(body),  # escaped already, by the block's own autoescape
            footer=FOOTER[message.locale],
            portal_url=self.settings.portal_url,
        )
        if self.settings.portal_url:
            text += f"\n{FOOTER[message.locale]}\n{self.settings.portal_url}\n"
        else:
            text += f"\n{FOOTER[message.locale]}\n"
        return Rendered(subject, text, html)

    def email(self, message: Outgoing, event_id: str, now: datetime | None = None) -> bytes:
        """The whole message, ready for DATA: a text and an HTML part in UTF-8, Greek headers in RFC 2047.

        Built with the legacy `email.mime` classes on purpose: the newer
        EmailMessage folds a long Greek subject so that the space before a
        fold is lost when it is decoded ("ΙΚΕ: δικαιούται" arrives as
        "ΙΚΕ:δικαιούται"); `Header` keeps it inside the encoded word.
        """
        rendered = self.render(message)
        to_address = bare_address(message.to_address)
        email = MIMEMultipart("alternative")
        email["From"] = formataddr(
            (one_line(self.settings.from_name), self.settings.from_address), charset="utf-8"
        )
        to_name = one_line(message.to_name or "")
        email["To"] = formataddr((to_name, to_address), charset="utf-8") if to_name else to_address
        email["Subject"] = Header(one_line(rendered.subject), "utf-8")  # type: ignore[assignment]
        email["Date"] = format_datetime(now or datetime.now(UTC))
        email["Message-ID"] = message_id(event_id, message.to_address, self.settings.id_domain)
        email["Auto-Submitted"] = "auto-generated"
        email["Content-Language"] = message.locale
        email.attach(MIMEText(rendered.text, "plain", "utf-8"))
        email.attach(MIMEText(rendered.html, "html", "utf-8"))
        return email.as_bytes(policy=compat32.clone(linesep="\r\n"))
