"""Write copy for a persona and an offer: facts, then a generator, then the checker, in one call.

The template generator is the default and always works. The language-model generator is used only
when one is configured (core.messages.llm) and asked for; when it fails, or a variant it wrote fails
the checker on grounding, length or personal data, template variants take those places and the
reason is kept with the result (`fallback`), so the page can say what happened.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from core.errors import PersonaLensError
from core.messages import GENERATORS, checks
from core.messages.channels import TONES, channel
from core.messages.facts import FactSheet, MessageContext, OfferSpec, gather_facts
from core.messages.templates import TemplateGenerator
from core.messages.variant import Variant

MAX_VARIANTS = 10
BLOCKING = ("length", "grounding", "personal data")  # an LLM variant failing these is replaced


@dataclass(frozen=True)
class CopyRequest:
    persona_id: int
    offer: OfferSpec
    channel: str = "email"
    tone: str | None = None  # None: the persona's suggested tone
    variants: int = 3
    generator: str = "template"
    seed: int = 42
    customer_id: str | None = None

    def __post_init__(self) -> None:
        channel(self.channel)
        if self.tone is not None and self.tone not in TONES:
            raise PersonaLensError(f"unknown tone {self.tone!r}: choose one of {', '.join(TONES)}")
        if self.generator not in GENERATORS:
            raise PersonaLensError(f"unknown generator {self.generator!r}: choose one of {', '.join(GENERATORS)}")
        if not 1 <= self.variants <= MAX_VARIANTS:
            raise PersonaLensError(f"ask for 1 to {MAX_VARIANTS} variants, not {self.variants}")


@dataclass(frozen=True)
class CheckedVariant:
    variant: Variant
    verdict: checks.Verdict


@dataclass(frozen=True)
class CopySet:
    """The facts, the variants with their verdicts, and how they were written."""

    request: CopyRequest
    sheet: FactSheet
    tone: str
    variants: tuple[CheckedVariant, ...]
    distinct_2: float
    generator: str  # what wrote most of them
    fallback: str = ""  # why template variants stand in for the language model's, if they do
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {
            "persona_id": self.sheet.persona_id,
            "persona": self.sheet.persona_name,
            "customer_id": self.sheet.customer_id,
            "offer": {
                "kind": self.sheet.offer.kind,
                "target": self.sheet.offer.target,
                "discount": self.sheet.offer.discount,
            },
            "channel": self.request.channel,
            "tone": self.tone,
            "generator": self.generator,
            "fallback": self.fallback,
            "distinct_2": self.distinct_2,
            "seconds": self.seconds,
            "facts": [f.__dict__ for f in self.sheet.facts],
            "variants": [
                {
                    "fields": dict(c.variant.fields),
                    "generator": c.variant.generator,
                    "facts_used": list(c.verdict.facts_used),
                    "lengths": {x.field: {"length": x.length, "limit": x.limit} for x in c.verdict.lengths},
                    "sms_segments": c.verdict.sms.segments if c.verdict.sms else None,
                    "checks": {name: c.verdict.passed(name) for name in checks.CHECKS},
                    "problems": [p.__dict__ for p in c.verdict.problems],
                }
                for c in self.variants
            ],
        }


def write_copy(ctx: MessageContext, grounds: checks.Grounds, request: CopyRequest) -> CopySet:
    """Facts for the request, `request.variants` variants, each checked, and the set's distinct-2."""
    started = time.perf_counter()
    sheet = gather_facts(ctx, request.persona_id, request.offer, request.customer_id)
    return write_from_facts(sheet, grounds, request, started)


def write_from_facts(
    sheet: FactSheet, grounds: checks.Grounds, request: CopyRequest, started: float | None = None
) -> CopySet:
    started = time.perf_counter() if started is None else started
    spec = channel(request.channel)
    tone = request.tone or sheet.suggested_tone
    templates = TemplateGenerator()
    fallback = ""
    if request.generator == "llm":
        from core.messages.llm import LLMError, LLMGenerator

        shared = sheet.shareable()  # what the model was told is all it may use
        try:
            written = LLMGenerator.from_environment().generate(shared, spec, tone, request.variants, request.seed)
        except LLMError as exc:
            written, fallback = [], f"the language model could not be used ({exc}); these are template variants"
        answered = len(written)
        written, caught = _keep_grounded(written, shared, spec, grounds)
        if caught:
            fallback = "the checker replaced language-model variants: " + "; ".join(caught)
        elif answered and answered < request.variants:
            fallback = f"the language model wrote {answered} of {request.variants} variants; the rest are template ones"
        if len(written) < request.variants:
            spare = templates.generate(sheet, spec, tone, request.variants, request.seed)
            written += spare[len(written) :]
    else:
        written = templates.generate(sheet, spec, tone, request.variants, request.seed)
    verdicts = [checks.check_variant(v, sheet, spec, grounds) for v in written]
    distinct, pairs = checks.check_set(written, spec)
    verdicts = checks.with_duplicates(verdicts, pairs)
    used = "llm" if any(v.generator == "llm" for v in written) else "template"
    return CopySet(
        request,
        sheet,
        tone,
        tuple(CheckedVariant(v, c) for v, c in zip(written, verdicts, strict=True)),
        distinct,
        used,
        fallback,
        round(time.perf_counter() - started, 4),
    )


def _keep_grounded(
    written: list[Variant],
    sheet: FactSheet,
    spec,
    grounds: checks.Grounds,  # noqa: ANN001 - a Channel
) -> tuple[list[Variant], list[str]]:
    kept, caught = [], []
    for i, variant in enumerate(written, 1):
        verdict = checks.check_variant(variant, sheet, spec, grounds)
        blocking = sorted((p for p in verdict.problems if p.check in BLOCKING), key=lambda p: -BLOCKING.index(p.check))
        if blocking:  # personal data first: a phone number is worse than an unknown number
            caught.append(f"variant {i}: {blocking[0].message}")
        else:
            kept.append(variant)
    return kept, caught
