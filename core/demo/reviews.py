"""Writes demo review text whose words and sentiment follow persona, product aspects and rating.

A review is assembled from sentence frames (many per polarity, with negations and contrasts),
the product's aspects judged good or bad from its hidden quality, a persona context line, a
price remark and an opener/closer that fit the star rating. Mid ratings come out mixed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.demo.catalog import Aspect, Persona

GOOD_FRAMES = (
    "The {a} {is} {g}.",
    "I love the {a}.",
    "Really impressed by the {a}.",
    "No complaints about the {a}.",
    "The {a} {is} {g}, honestly.",
    "I was not disappointed by the {a}.",
    "The {a} turned out {g}.",
    "Can't fault the {a}.",
    "The {a} never let me down.",
    "Pleasantly surprised by the {a}.",
    "{A}? {G}.",
    "The {a} {is} {g} and that matters to me.",
)
BAD_FRAMES = (
    "The {a} {is} {b}.",
    "The {a} {is} not {g} at all.",
    "I didn't like the {a}.",
    "Disappointed with the {a}.",
    "The {a} could be a lot better.",
    "Not happy with the {a}.",
    "The {a} {is} {b}, sadly.",
    "Honestly the {a} {is} {b}.",
    "I can't say the {a} {is} {g}.",
    "The {a} {was} never {g}.",
    "My main problem is the {a}: {b}.",
    "The {a} {is} nowhere near {g}.",
)
CONTRASTS = ("But", "However,", "That said,", "On the other hand,", "Sadly,", "The downside:")
OPENERS = {
    5: (
        "Absolutely love this {k}!",
        "Exactly what I was looking for.",
        "Five stars from me.",
        "Best {k} I have owned.",
        "Wow, what a {k}.",
        "So glad I bought this {k}.",
        "This {k} is fantastic.",
    ),
    4: (
        "Really good {k} overall.",
        "Pretty happy with this purchase.",
        "Solid {k}.",
        "A very nice {k}.",
        "Good {k}, with one small niggle.",
        "Does what it promises.",
    ),
    3: (
        "It's okay.",
        "Decent, but not great.",
        "Mixed feelings about this {k}.",
        "An average {k}.",
        "Not bad, not amazing.",
        "It is fine, I suppose.",
    ),
    2: (
        "Not what I expected.",
        "Rather disappointed.",
        "I wanted to like this {k}.",
        "Not a great {k}.",
        "Below what I hoped for.",
    ),
    1: (
        "Terrible {k}.",
        "Do not buy this.",
        "Waste of money.",
        "Very disappointed.",
        "The worst {k} I have bought.",
        "Avoid this {k}.",
    ),
}
CLOSERS = {
    5: ("Would definitely buy again.", "Highly recommend it.", "Worth every cent.", "Ordering another one.", "", ""),
    4: ("Would recommend.", "Happy overall.", "I would buy it again.", "", ""),
    3: ("It does the job, I guess.", "Might look for something else next time.", "Okay for now.", ""),
    2: ("Probably won't buy from {brand} again.", "I expected more from {brand}.", "Not recommended.", ""),
    1: ("Returned it the next day.", "Avoid.", "Never again.", "I want my money back.", "Not recommended at all."),
}
TITLES = {
    5: ("Love it", "Excellent!", "Great {a}", "Perfect", "Fantastic {k}", "Highly recommend"),
    4: ("Very good", "Nice {k}", "Good {a}", "Happy with it", "Solid choice"),
    3: ("It's ok", "Average", "{A} could be better", "Mixed bag", "Fine for the price"),
    2: ("Disappointed", "Not great", "Poor {a}", "Expected more"),
    1: ("Waste of money", "Awful", "Broke quickly", "Terrible {a}", "Do not buy"),
}
PRICE_LINES = {
    ("sensitive", "cheap"): (
        "Great value for the money.",
        "Cheap and cheerful, and it works.",
        "Hard to beat for the price.",
    ),
    ("sensitive", "dear"): (
        "Way too expensive for what it is.",
        "Overpriced if you ask me.",
        "I can't justify the price.",
    ),
    ("premium", "cheap"): ("It feels cheap, you get what you pay for.", "A bit too budget for my taste."),
    ("premium", "dear"): ("Pricey, but worth paying for quality.", "Not cheap, but quality never is."),
}


@dataclass(frozen=True)
class ReviewDraft:
    title: str
    text: str


def write_review(
    rng: np.random.Generator,
    persona: Persona,
    kind: str,
    brand: str,
    aspects: tuple[Aspect, ...],
    aspect_quality: np.ndarray,
    rating: int,
    price_tier: str,
) -> ReviewDraft:
    """One review. `aspect_quality` holds the product's hidden quality per aspect (N(0,1)-ish)."""
    k = kind.lower()
    chosen = _pick_aspects(rng, persona, aspects, 1 + persona.verbosity // 2 + int(rng.random() < 0.5))
    lean = (rating - 3) * 0.55
    judged = [(aspects[i], aspect_quality[i] + lean + rng.normal(0, 0.5) > 0) for i in chosen]
    if rating >= 4 and not any(good for _, good in judged):
        judged[0] = (judged[0][0], True)
    if rating <= 2 and all(good for _, good in judged):
        judged[0] = (judged[0][0], False)

    sentences = [_choice(rng, OPENERS[rating]).format(k=k)]
    sentences += _aspect_sentences(rng, judged)
    if rng.random() < 0.55 + 0.15 * persona.verbosity:
        sentences.append(_choice(rng, persona.context))
    price_line = _price_line(rng, persona, price_tier)
    if price_line:
        sentences.append(price_line)
    for _ in range(persona.verbosity):
        if rng.random() < 0.5:
            extra = judged[int(rng.integers(len(judged)))]
            sentences.append(_choice(rng, extra[0].good_lines if extra[1] else extra[0].bad_lines) or "")
    closer = _choice(rng, CLOSERS[rating]).format(brand=brand)
    sentences.append(closer)
    text = " ".join(s for s in sentences if s)
    if rng.random() < persona.exclaims and rating in (1, 5):
        text = text.replace(".", "!", 1)
    if rng.random() < 0.04:
        text = text.lower()
    main = judged[0][0].name
    title = _choice(rng, TITLES[rating]).format(a=main, A=main.capitalize(), k=k)
    return ReviewDraft(title, text)


def _pick_aspects(rng: np.random.Generator, persona: Persona, aspects: tuple[Aspect, ...], n: int) -> list[int]:
    weights = np.array([3.0 if a.name in persona.cares_about else 1.0 for a in aspects])
    n = min(n, len(aspects))
    return list(rng.choice(len(aspects), size=n, replace=False, p=weights / weights.sum()))


def _aspect_sentences(rng: np.random.Generator, judged: list[tuple[Aspect, bool]]) -> list[str]:
    out: list[str] = []
    previous: bool | None = None
    for aspect, good in judged:
        own_lines = aspect.good_lines if good else aspect.bad_lines
        if own_lines and rng.random() < 0.3:
            sentence = _choice(rng, own_lines)
        else:
            frame = _choice(rng, GOOD_FRAMES if good else BAD_FRAMES)
            g, b = _choice(rng, aspect.good), _choice(rng, aspect.bad)
            plural = aspect.name.endswith("s") and not aspect.name.endswith("ss")
            sentence = frame.format(
                a=aspect.name,
                A=aspect.name.capitalize(),
                g=g,
                G=g.capitalize(),
                b=b,
                **{"is": "are" if plural else "is", "was": "were" if plural else "was"},
            )
        if previous is not None and previous != good and rng.random() < 0.7:
            sentence = f"{_choice(rng, CONTRASTS)} {sentence[0].lower()}{sentence[1:]}"
        out.append(sentence)
        previous = good
    return out


def _price_line(rng: np.random.Generator, persona: Persona, price_tier: str) -> str:
    if price_tier == "standard" or abs(persona.price_sensitivity) < 0.5 or rng.random() < 0.5:
        return ""
    attitude = "sensitive" if persona.price_sensitivity > 0 else "premium"
    return _choice(rng, PRICE_LINES[(attitude, "cheap" if price_tier == "budget" else "dear")])


def _choice(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))] if options else ""
