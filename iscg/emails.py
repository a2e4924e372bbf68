"""The one layout of the product's e-mails: every e-mail goes out as text and HTML, the HTML built
from the text (``html_from_text``) when its author gave none. The text is user data (titles,
comments, names): everything is escaped, only the links found in it become links."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import urlize
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Block:
    """A paragraph of the text (its lines), or a list (lines that start with "- ")."""

    lines: tuple[SafeString, ...]
    is_list: bool = False


def _line(text: str) -> SafeString:
    """One line, escaped, its web addresses made clickable (``urlize`` escapes the rest)."""
    return mark_safe(urlize(text, autoescape=True))


def blocks(text: str) -> list[Block]:
    """The text's paragraphs (separated by blank lines) and lists, each line escaped.

    >>> [(b.is_list, [str(x) for x in b.lines]) for b in blocks("Bonjour,\\n\\n- a <b>\\n- c")]
    [(False, ['Bonjour,']), (True, ['a &lt;b&gt;', 'c'])]
    """
    found: list[Block] = []
    for paragraph in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in paragraph.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            found.append(Block(tuple(_line(line[2:]) for line in lines), is_list=True))
        else:
            found.append(Block(tuple(_line(line) for line in lines)))
    return found


def preferences_url() -> str:
    """The absolute address of « Mes notifications », for the e-mails' footer."""
    return settings.SITE_URL.rstrip("/") + reverse("notice_preferences")


def text_footer(*, personal: bool) -> str:
    """The text part's footer: where to choose one's notices (not in an invitation, whose
    recipient has no account yet)."""
    if personal:
        return ""
    return f"\n-- \nPour choisir les e-mails que vous recevez : {preferences_url()}\n"


def html_from_text(
    text: str, *, subject: str, organisation: str = "", reference: str = "", personal: bool = False
) -> str:
    """The HTML part of an e-mail whose text is ``text`` (``templates/emails/base.html``): the
    organisation's name, the convention's reference as heading, the paragraphs with clickable
    links, and the footer with the link to the preferences page (not for an invitation)."""
    return render_to_string(
        "emails/base.html",
        {
            "subject": subject,
            "organisation": organisation,
            "reference": reference,
            "blocks": blocks(text),
            "preferences_url": "" if personal else preferences_url(),
        },
    )
