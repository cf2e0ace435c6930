"""The default generator: offline, deterministic for a seed, and written only from facts.

Each field has several phrasings per tone (core.messages.phrasebook). A phrasing is usable when
every fact it names exists; variants walk a seeded shuffle of the usable phrasings, so five
variants use five different ones where there are five. The facts a persona cares about come first
(the sheet orders praise by the persona's own words and traits), and successive variants rotate
through the praised aspects and the persona's phrases. Composed fields (e-mail body, SMS) drop
their optional parts, then try other phrasings, until they fit the channel's limit.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from core.messages import phrasebook as book
from core.messages.channels import Channel, length, sms_size
from core.messages.facts import FactSheet
from core.messages.variant import Variant

GOOD_RATING = 4.0  # a rating copy may boast about
LONG_NAME = 40  # characters: a cross-sell names a product this long only when no shorter favourite exists
MIN_PRAISE = 2  # reviews behind a praised aspect before copy repeats it
SLOTS: dict[str, tuple[str, ...]] = {  # slot -> fact ids, first found wins
    "product": ("product.title", "offer.product.1"),
    "product2": ("offer.product.2",),
    "brand": ("product.brand", "offer.brand.1"),
    "category": ("product.category", "offer.category"),
    "price": ("product.price_now", "product.price"),
    "price_from": ("offer.price_from_now", "offer.price_from"),
    "discount": ("offer.discount",),
    "rating": ("review.rating",),
    "reviews": ("review.count",),
    "buyers": ("persona.buyers",),
    "quote": ("review.quote",),
    "ends": ("offer.ends",),
}
ROTATING = {
    "praise": "review.praise.",
    "phrase": "persona.phrase.",
    "feature": "product.attribute.",
    "favourite": "persona.favourite.",
}
_SLOT = re.compile(r"\[(\w+)\]")


@dataclass
class _Filler:
    """Resolves slots to fact text for one variant (rotation `turn`), recording the facts used."""

    sheet: FactSheet
    turn: int

    def value(self, slot: str) -> tuple[str, str] | None:
        base, second = slot.rstrip("2"), slot.endswith("2")
        picks = self.sheet.starting("offer.product.")
        if slot in ("product", "brand") and picks:  # a category offer: variants take turns with its products
            pick = picks[self.turn % len(picks)]
            brand = self.sheet.get(f"offer.brand.{pick.id.rsplit('.', 1)[1]}")
            if slot == "product":
                return pick.text, pick.id
            if brand is not None:
                return brand.text, brand.id
        if base in ROTATING:
            facts = [f for f in self.sheet.starting(ROTATING[base]) if base != "praise" or (f.count or 0) >= MIN_PRAISE]
            if base == "favourite":  # a cross-sell names another product than the one offered
                offered = {self.sheet.text("product.title")} | {f.text for f in picks}
                facts = [f for f in facts if f.text not in offered]
                facts = [f for f in facts if len(f.text) <= LONG_NAME] or facts  # short names read better twice
            if len(facts) < (2 if second else 1):
                return None
            fact = facts[(self.turn + (1 if second else 0)) % len(facts)]
            return fact.text, fact.id
        for fact_id in SLOTS.get(slot, ()):
            fact = self.sheet.get(fact_id)
            if fact is None:
                continue
            if slot == "rating" and (fact.number or 0) < GOOD_RATING:
                return None
            return fact.text, fact.id
        return None

    def fill(self, phrasing: str) -> tuple[str, list[str]] | None:
        used: list[str] = []
        out = phrasing
        for slot in _SLOT.findall(phrasing):
            found = self.value(slot)
            if found is None:
                return None
            out = out.replace(f"[{slot}]", found[0], 1)
            used.append(found[1])
        return _capitalise(out), used


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].islower() else text


class TemplateGenerator:
    name = "template"

    def generate(self, sheet: FactSheet, channel: Channel, tone: str, n: int, seed: int) -> list[Variant]:
        taken: dict[str, set[str]] = {}  # field -> texts earlier variants of this set used
        return [self._one(sheet, channel, tone, i, seed, taken) for i in range(n)]

    def _one(
        self, sheet: FactSheet, channel: Channel, tone: str, i: int, seed: int, taken: dict[str, set[str]]
    ) -> Variant:
        filler = _Filler(sheet, i)
        picker = _Picker(filler, tone, i, seed, sheet.get("offer.discount") is not None, taken)
        if channel.name == "email":
            fields = {
                "subject": picker.line("subject", book.SUBJECT, channel.field("subject").limit, deadline=True),
                "preheader": picker.line("preheader", book.PREHEADER, channel.field("preheader").limit),
                "headline": picker.line("headline", book.HEADLINE, channel.field("headline").limit),
                "body": picker.body(channel.field("body").limit),
                "cta": picker.line("cta", book.CTA, channel.field("cta").limit),
            }
        elif channel.name == "sms":
            fields = {"text": picker.sms(channel.field("text").limit, channel.footer)}
        elif channel.name == "push":
            fields = {
                "title": picker.line("title", book.PUSH_TITLE, channel.field("title").limit, deadline=True),
                "body": picker.line("body", book.PUSH_BODY, channel.field("body").limit, promise=True),
            }
        else:
            fields = {
                "headline": picker.line("headline", book.AD_HEADLINE, channel.field("headline").limit, promise=True),
                "description": picker.line(
                    "description", book.AD_DESCRIPTION, channel.field("description").limit, promise=True
                ),
            }
        return Variant(
            channel.name,
            tone,
            self.name,
            tuple((f.name, fields[f.name]) for f in channel.fields),
            tuple(dict.fromkeys(picker.used)),
        )


class _Picker:
    """Chooses phrasings for one variant: the i-th of a seeded shuffle of the usable ones that fits."""

    def __init__(
        self, filler: _Filler, tone: str, index: int, seed: int, wants_discount: bool, taken: dict[str, set[str]]
    ) -> None:
        self.filler, self.tone, self.index, self.seed, self.taken = filler, tone, index, seed, taken
        self.wants_discount = wants_discount
        # an urgent message with a real end date says it, in every other variant (the rest vary more)
        dated = tone == "urgent" and filler.sheet.get("offer.ends") is not None
        self.deadline = dated and index % 2 == 0
        self.avoid = "offer.ends" if dated and not self.deadline else ""  # so the odd ones differ from the even
        self.used: list[str] = []

    def options(self, name: str, pool: book.Pool, *must_use: str) -> list[tuple[str, list[str]]]:
        """The usable phrasings, rotated to this variant; with `must_use`, those naming all those facts, else
        the first ones, if any do."""
        phrasings = list(pool.get(self.tone, ())) + list(pool.get("*", ()))
        rng = random.Random(zlib.crc32(f"{self.seed}:{self.tone}:{name}".encode()))
        rng.shuffle(phrasings)
        usable = [filled for p in phrasings if (filled := self.filler.fill(p)) is not None]
        turn = self.index
        if self.avoid and any(self.avoid in u[1] for u in usable):
            usable = [u for u in usable if self.avoid not in u[1]]
            turn = self.index // 2  # the odd variants walk this list on their own
        wanted = [m for m in must_use if m]
        for k in range(len(wanted), 0, -1):
            subset = [u for u in usable if all(m in u[1] for m in wanted[:k])]
            if subset:
                usable = subset
                turn = self.index // 2 if "offer.ends" in wanted[:k] else turn  # and the even ones this one
                break
        if not usable:
            return []
        start = turn % len(usable)
        rotated = usable[start:] + usable[:start]
        seen = self.taken.get(name.rstrip("2"), set())  # what earlier variants said goes last
        return [u for u in rotated if u[0] not in seen] + [u for u in rotated if u[0] in seen]

    def _take(self, name: str, text: str, used: list[str]) -> None:
        self.taken.setdefault(name.rstrip("2"), set()).add(text)
        self.used += used

    def line(self, name: str, pool: book.Pool, limit: int, promise: bool = False, deadline: bool = False) -> str:
        """The first fitting phrasing; with `promise`, one naming the discount unless a field already does."""
        must = "offer.discount" if promise and self.wants_discount and "offer.discount" not in self.used else ""
        preferred = self.options(name, pool, must, "offer.ends" if self.deadline and deadline else "")
        for text, used in preferred + self.options(name, pool):  # a preference that cannot fit gives way
            if length(text) <= limit:
                self._take(name, text, used)
                return text
        return ""

    def _parts(self, names: Sequence[tuple[str, book.Pool]]) -> list[list[tuple[str, list[str]]]]:
        return [self.options(name, pool) for name, pool in names]

    def body(self, limit: int) -> str:
        offer = ("offer", book.OFFER_DISCOUNT if self.wants_discount else book.OFFER_PLAIN)
        parts = self._parts(
            [
                ("greeting", book.GREETING),
                ("hook", book.HOOK),
                ("evidence", book.EVIDENCE),
                offer,
                ("close", book.CLOSE),
            ]
        )
        names = ["greeting", "hook", "evidence", "offer", "close"]
        chosen = [(name, p[0]) for name, p in zip(names, parts, strict=True) if p]
        if parts[2] and len(parts[2]) > 1:  # a second, different piece of evidence
            first_facts = set(parts[2][0][1])
            second = next((e for e in parts[2][1:] if not set(e[1]) & first_facts), None)
            if second:
                at = next(i for i, (n, _) in enumerate(chosen) if n == "evidence") + 1
                chosen.insert(at, ("evidence", second))
        while chosen and length(" ".join(t for _, (t, _) in chosen)) > limit:
            chosen.pop(-2 if len(chosen) > 2 else -1)
        for name, (text, used) in chosen:
            self._take(name, text, used)
        return _join_body([c for _, c in chosen])

    def sms(self, limit: int, footer: str) -> str:
        # an SMS has room for one promise: the discount, when there is one
        options = self.options(
            "sms", book.SMS, "offer.discount" if self.wants_discount else "", "offer.ends" if self.deadline else ""
        )
        link = book.SMS_LINK[(self.seed + self.index) % len(book.SMS_LINK)]
        for text, used in options + self.options("sms", book.SMS):
            for candidate in (f"{text} {link} {footer}", f"{text} {{{{product_url}}}} {footer}"):
                if sms_size(candidate).segments <= 1 and length(candidate) <= limit:
                    self._take("sms", text, used)
                    return candidate
        return f"{{{{product_url}}}} {footer}"


def _join_body(chosen: list[tuple[str, list[str]]]) -> str:
    """Greeting on its own line, then the sentences as one paragraph, the sign-off last."""
    texts = [t for t, _ in chosen]
    if len(texts) <= 2:
        return "\n\n".join(texts)
    return f"{texts[0]}\n\n{' '.join(texts[1:-1])}\n\n{texts[-1]}"
