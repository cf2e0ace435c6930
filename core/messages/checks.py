"""One checker for every generator: its verdict is shown on each variant before anyone sends it.

- length: each field within its channel's limit (core.messages.channels), SMS in its segments;
- grounding: every number (price, percent, count) is a fact's number or appears in a fact; every
  brand or product name from the catalogue is one of the facts; and any other capitalised name
  mid-sentence is either in the facts or a plain word of the store's own text (so "Your New
  Favourite" passes and an invented "Zentrix Pro" does not);
- personal data: no e-mail address, phone number, customer id or customer's full name;
- spam-style patterns: words in capitals, "!!", known spam trigger phrases;
- duplicates: a variant whose word pairs mostly repeat an earlier one's (Jaccard >= NEAR_DUPLICATE);
  the set's distinct-2 (distinct word pairs over all word pairs) is reported beside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from core.messages import phrasebook
from core.messages.aspects import word_counts
from core.messages.channels import CHANNELS, MERGE_TAG, Channel, SmsSize, length, sms_size
from core.messages.facts import FactSheet
from core.messages.variant import Variant
from core.workspace import Workspace

NEAR_DUPLICATE = 0.7
VOCABULARY_SAMPLE = 20_000  # reviews read for the store's plain words
SPAM_TRIGGERS = (
    "act now", "apply now", "buy direct", "cash bonus", "click here", "click below", "congratulations",
    "double your", "earn money", "free money", "guaranteed", "no catch", "no cost", "no obligation",
    "once in a lifetime", "risk-free", "risk free", "urgent", "winner", "you have been selected",
    "100% free", "lowest price", "best price", "this isn't spam", "cash", "viagra", "credit card",
)  # fmt: skip
CAPS_ALLOWED = {"STOP", "OK"}  # SMS opt-out keyword
_DEADLINE = re.compile(
    r"\b(?:ends? (?:soon|today|tonight|tomorrow)|last chance|ending soon|limited[- ]time|for a short time"
    r"|(?:this week|today) only|offer ends|until midnight|expires?)\b",
    re.IGNORECASE,
)
_SCARCITY = re.compile(
    r"\b(?:while (?:stocks?|it|they|supplies) lasts?|going fast|selling (?:out|fast|quickly)|sold out|almost gone"
    r"|before (?:it's|it is|they're|they are) gone|stock is limited|limited stock|only \d+ left"
    r"|flying off the shelves|won't last|snapping (?:it |them )?up)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.])[$£€¥]?\d[\d,]*(?:\.\d+)?%?")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d ().-]{7,}\d(?!\w)")
_CAPITALISED = re.compile(r"\b[A-Z][\w'&-]*")
_WORDS = re.compile(r"[a-z0-9{}_']+")
_NAME_TOKEN = re.compile(r"[\w'-]+|&")


@dataclass(frozen=True)
class Grounds:
    """What the checker knows about the store: its names, its customers and its plain words."""

    names: frozenset[tuple[str, ...]]  # brands and product titles, as word sequences (see name_words)
    customer_ids: frozenset[str]
    customer_names: frozenset[str]  # full names, lower case
    vocabulary: frozenset[str]  # lower-case words of the store's text and of the phrasebook


def load_grounds(ws: Workspace) -> Grounds:
    catalogue = ws.query("SELECT title, description, brand FROM products")
    people = ws.query("SELECT customer_id, name FROM customers")
    texts = ws.query(f"SELECT concat_ws('. ', title, text) AS t FROM reviews USING SAMPLE {VOCABULARY_SAMPLE} ROWS")
    words = word_counts(texts["t"].dropna().tolist() + catalogue["description"].dropna().astype(str).tolist())
    book = word_counts([p for pool in _pools() for p in pool] + [c.footer for c in CHANNELS.values()])
    brands = [b for b in catalogue["brand"].dropna().astype(str) if len(b.strip()) > 1]
    titles = [t for t in catalogue["title"].dropna().astype(str) if len(t.strip()) > 3]
    return Grounds(
        names=frozenset(seq for n in brands + titles if (seq := name_words(n))),
        # .tolist(): iterating an Arrow-backed column goes value by value (100,000 customers: 0.1 s a column)
        customer_ids=frozenset(people["customer_id"].astype(str).tolist()),
        customer_names=frozenset(
            n.strip().lower() for n in people["name"].dropna().astype(str).tolist() if " " in n.strip()
        ),
        vocabulary=frozenset(w for w, n in words.items() if n >= 2) | frozenset(book),
    )


def name_words(text: str) -> tuple[str, ...]:
    """A name or text as the word sequence names are matched on (case kept: "Oakmere" is not "oakmere")."""
    return tuple(_NAME_TOKEN.findall(text))


def mentioned_names(text: str, grounds: Grounds) -> list[str]:
    """The catalogue's brands and product titles that `text` names (longest match at each word)."""
    words = name_words(text)
    longest = max((len(n) for n in grounds.names), default=0)
    found, i = [], 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            if words[i : i + n] in grounds.names:
                found.append(" ".join(words[i : i + n]))
                i += n - 1
                break
        i += 1
    return found


def _pools() -> Iterable[Sequence[str]]:
    for name, value in vars(phrasebook).items():
        if not name.isupper():
            continue
        if type(value) is dict:
            yield from value.values()
        elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            yield value
        elif isinstance(value, str):
            yield (value,)


@dataclass(frozen=True)
class Problem:
    check: str  # "length", "grounding", "personal data", "spam", "duplicate"
    field: str  # the field it is in ("" for the whole variant)
    message: str  # in plain words


@dataclass(frozen=True)
class FieldLength:
    field: str
    label: str
    length: int
    limit: int


@dataclass(frozen=True)
class Verdict:
    lengths: tuple[FieldLength, ...]
    sms: SmsSize | None
    facts_used: tuple[str, ...]  # ids of the facts whose words appear in the text
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems

    def passed(self, check: str) -> bool:
        return not any(p.check == check for p in self.problems)


CHECKS = ("length", "grounding", "personal data", "spam", "duplicate")


def check_variant(variant: Variant, sheet: FactSheet, channel: Channel, grounds: Grounds) -> Verdict:
    problems: list[Problem] = []
    lengths = []
    for spec in channel.fields:
        text = variant.get(spec.name)
        lengths.append(FieldLength(spec.name, spec.label, length(text), spec.limit))
        if not text.strip():
            problems.append(Problem("length", spec.name, f"the {spec.label.lower()} is empty"))
        elif length(text) > spec.limit:
            problems.append(
                Problem(
                    "length",
                    spec.name,
                    f"the {spec.label.lower()} is {length(text)} characters; the limit is {spec.limit}",
                )
            )
        problems += [Problem("grounding", spec.name, m) for m in _ungrounded(text, sheet, grounds)]
        problems += [Problem("personal data", spec.name, m) for m in _personal(text, sheet, grounds)]
        problems += [Problem("spam", spec.name, m) for m in _spammy(text, sheet)]
    size = None
    if channel.max_segments:
        size = sms_size(variant.get("text"))
        if size.segments > channel.max_segments:
            problems.append(
                Problem(
                    "length",
                    "text",
                    f"the SMS takes {size.segments} segments ({size.encoding}); keep it to {channel.max_segments}",
                )
            )
    return Verdict(tuple(lengths), size, _facts_used(variant.text(), sheet), tuple(problems))


def check_set(variants: Sequence[Variant], channel: Channel) -> tuple[float, list[tuple[int, int, float]]]:
    """distinct-2 over the set, and the (earlier, later, Jaccard) pairs that are near-duplicates. Merge tags
    and the channel's fixed footer are left out: every variant carries them."""
    grams = [_bigrams(MERGE_TAG.sub(" ", v.text().replace(channel.footer, " ") if channel.footer else v.text()))
             for v in variants]  # fmt: skip
    every = [g for gs in grams for g in gs]
    distinct = len(set(every)) / len(every) if every else 1.0
    pairs = []
    for j in range(len(grams)):
        for i in range(j):
            a, b = set(grams[i]), set(grams[j])
            overlap = len(a & b) / len(a | b) if a | b else 1.0
            if overlap >= NEAR_DUPLICATE:
                pairs.append((i, j, round(overlap, 3)))
    return round(distinct, 3), pairs


def with_duplicates(verdicts: Sequence[Verdict], pairs: list[tuple[int, int, float]]) -> list[Verdict]:
    """The verdicts with a duplicate problem on each later variant of a near-duplicate pair."""
    out = list(verdicts)
    for i, j, overlap in pairs:
        found = Problem("duplicate", "", f"{overlap:.0%} of its word pairs repeat variant {i + 1}")
        out[j] = Verdict(out[j].lengths, out[j].sms, out[j].facts_used, out[j].problems + (found,))
    return out


def _bigrams(text: str) -> list[tuple[str, str]]:
    words = _WORDS.findall(text.lower())
    return list(zip(words, words[1:], strict=False))


def _value(token: str) -> float | None:
    try:
        return float(token.strip("$£€¥%").replace(",", ""))
    except ValueError:
        return None


def _fact_numbers(sheet: FactSheet) -> list[float]:
    numbers = [f.number for f in sheet.facts if f.number is not None]
    for f in sheet.facts:
        numbers += [v for t in _NUMBER.findall(f.text) if (v := _value(t)) is not None]
    return numbers


def _ungrounded(text: str, sheet: FactSheet, grounds: Grounds) -> list[str]:
    plain = MERGE_TAG.sub(" ", text)
    out = []
    allowed = _fact_numbers(sheet)
    for token in _NUMBER.findall(plain):
        value = _value(token)
        if value is not None and not any(abs(value - a) < 0.006 for a in allowed):
            out.append(f"{token} is not a number from the facts")
    if _DEADLINE.search(plain) and sheet.get("offer.ends") is None:
        out.append(f"says {_DEADLINE.search(plain).group(0)!r}, but the offer has no end date in the facts")
    if _SCARCITY.search(plain):
        out.append(f"claims scarcity ({_SCARCITY.search(plain).group(0)!r}); the data holds no stock levels")
    fact_text = " \n ".join(f.text for f in sheet.facts)
    fact_names = " \n ".join(" ".join(name_words(f.text)) for f in sheet.facts)
    for name in dict.fromkeys(mentioned_names(plain, grounds)):
        if name not in fact_names:
            out.append(f"names {name!r}, which is not one of the facts")
    fact_words = set(re.findall(r"[\w'&-]+", fact_text.lower()))
    for match in _CAPITALISED.finditer(plain):
        word = match.group(0)
        lower = word.lower().strip("'")
        known = lower in fact_words or lower in grounds.vocabulary or word in CAPS_ALLOWED
        if _sentence_start(plain, match.start()) or known:
            continue
        if word.isupper() and len(word) <= 1:
            continue
        out.append(f"{word!r} is not in the facts (an invented name?)")
    return out


def _sentence_start(text: str, at: int) -> bool:
    before = text[:at].rstrip(" \"'“(")
    return not before or before[-1] in ".!?:\n-—"


def _personal(text: str, sheet: FactSheet, grounds: Grounds) -> list[str]:
    out = []
    if _EMAIL.search(text):
        out.append("contains an e-mail address")
    if _PHONE.search(MERGE_TAG.sub(" ", text)):
        out.append("contains a phone number")
    allowed = {f"{n:g}" for n in _fact_numbers(sheet)}
    for token in re.findall(r"[\w-]+", text):
        if token in grounds.customer_ids and token not in allowed and len(token) >= 4:
            out.append(f"contains a customer id ({token})")
            break
    words = re.findall(r"[a-z'-]+", text.lower())
    for a, b in zip(words, words[1:], strict=False):
        if f"{a} {b}" in grounds.customer_names:
            out.append("contains a customer's name (use {{first_name}})")
            break
    return out


def _spammy(text: str, sheet: FactSheet) -> list[str]:
    out = []
    plain = MERGE_TAG.sub(" ", text)
    low = plain.lower()
    fact_text = " ".join(f.text for f in sheet.facts)
    shouting = [w for w in re.findall(r"\b[A-Z]{3,}\b", plain) if w not in CAPS_ALLOWED and w not in fact_text]
    if shouting:
        out.append(f"words in capitals read as shouting: {', '.join(shouting[:3])}")
    if "!!" in plain or "??" in plain:
        out.append('repeated "!!" or "??" looks like spam')
    triggers = [
        t for t in SPAM_TRIGGERS if re.search(rf"(?<!\w){re.escape(t)}(?!\w)", low) and t not in fact_text.lower()
    ]
    if triggers:
        out.append(f"spam filter trigger words: {', '.join(triggers[:3])}")
    return out


def _facts_used(text: str, sheet: FactSheet) -> tuple[str, ...]:
    low = text.lower()
    return tuple(f.id for f in sheet.facts if f.text and len(f.text) >= 2 and f.text.lower() in low)
