"""The channels copy is written for, with their real limits: the one place that declares them.

E-mail subjects are best kept to 50 characters (longer ones are cut on phones), push titles to 40
and bodies to 120, search-ad headlines to 30 and descriptions to 90 (Google's responsive search ad
limits). An SMS is billed per segment: 160 GSM-7 characters fit one, and once a message needs more
than one, each segment holds 153 (the rest carries the concatenation header); a single character
outside GSM-7 (an emoji, a curly quote) switches the whole text to UCS-2: 70, then 67 per segment.

Merge tags such as ``{{first_name}}`` stay tags for the e-mail tool; for length they count as the
typical length of what replaces them (MERGE_TAGS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MERGE_TAGS: dict[str, int] = {"first_name": 10, "product_url": 30}  # tag -> characters counted for it
MERGE_TAG = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")  # each takes two septets (an escape and the character)


@dataclass(frozen=True)
class FieldSpec:
    """One part of a message: its name, what the marketer sees, and its length limit in characters."""

    name: str
    label: str
    limit: int


@dataclass(frozen=True)
class Channel:
    name: str
    label: str
    fields: tuple[FieldSpec, ...]
    max_segments: int = 0  # SMS only: segments a message may take (0: not an SMS)
    footer: str = ""  # what every message of the channel ends with by law or custom (an SMS opt-out)

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)


EMAIL = Channel(
    "email",
    "E-mail",
    (
        FieldSpec("subject", "Subject", 50),
        FieldSpec("preheader", "Preheader", 100),
        FieldSpec("headline", "Headline", 70),
        FieldSpec("body", "Body", 600),
        FieldSpec("cta", "Call to action", 25),
    ),
)
SMS = Channel("sms", "SMS", (FieldSpec("text", "Text", 160),), max_segments=1, footer="Reply STOP to opt out")
PUSH = Channel("push", "Push notification", (FieldSpec("title", "Title", 40), FieldSpec("body", "Body", 120)))
AD = Channel("ad", "Search ad", (FieldSpec("headline", "Headline", 30), FieldSpec("description", "Description", 90)))

CHANNELS: dict[str, Channel] = {c.name: c for c in (EMAIL, SMS, PUSH, AD)}
TONES: tuple[str, ...] = ("friendly", "premium", "urgent", "playful")


def channel(name: str) -> Channel:
    try:
        return CHANNELS[name]
    except KeyError:
        from core.errors import PersonaLensError

        raise PersonaLensError(f"unknown channel {name!r}: choose one of {', '.join(CHANNELS)}") from None


def counted_text(text: str) -> str:
    """The text as it will be sent, for counting: each merge tag stands for its typical length."""
    return MERGE_TAG.sub(lambda m: "x" * MERGE_TAGS.get(m.group(1), len(m.group(0))), text)


def length(text: str) -> int:
    """Characters, with merge tags at their typical length."""
    return len(counted_text(text))


@dataclass(frozen=True)
class SmsSize:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int  # the capacity of one segment in this message's encoding


def sms_size(text: str) -> SmsSize:
    """How an SMS of `text` is encoded and how many segments it is billed as."""
    sent = counted_text(text)
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in sent):
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in sent)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(sent.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    segments = 1 if units <= single else -(-units // multi)
    return SmsSize(encoding, units, max(segments, 1), single if segments <= 1 else multi)
