"""Persona copy (core.messages) on the demo store and on real review sets, through the code the app runs.

1. Checks on the template generator: every persona x its top-3 categories (the persona card's
   `top_categories`) x 4 channels x 4 tones, without and with a 10% discount, 5 variants a set.
   Targets: 100% of variants within the channel's limits, 100% grounded, 0 with personal data;
   distinct-2 of every set of 5 variants >= 0.6 (min and mean reported). Spam and near-duplicate
   flags are counted beside them; up to a few failing variants per check are printed with their text.
   Also counted (the checker does not catch them): sheets whose review count is the reading cap,
   variants quoting the same review twice, and variants promising a deadline or scarcity.
2. Persona fit (core.messages.fit.persona_fit, seed 42): a classifier trained on the other half of
   each persona's customers names the persona a copy set was written for. Target on the demo:
   accuracy >= 0.8 (chance 1/6).
3. Speed: load_context and load_grounds once; gather_facts per (persona, offer) sheet; and
   write_from_facts for all 4 channels x 5 variants from one gathered sheet (each tone).
   Target: p95 of the 4 channels < 200 ms.

Workspaces: the demo store built in a temporary folder with every model (90-200 s; or
`--demo PATH` to reuse one); Amazon Gift Cards (catalogue + 5-core reviews) ingested into a fresh
workspace with personas, sentiment (VADER, linear) and topics trained, with each persona's 3 most
bought products as a second grid of offers; and Amazon Musical
Instruments 5-core (reviews only, no catalogue: offers are each persona's most bought products),
unless `--skip-reviews-only`. A set that cannot be written for is reported with the reason.
PERSONALENS_HOME points at a temporary folder, so nothing in the project changes.

Run: `PYTHONPATH=. .venv/bin/python benchmarks/copy_quality.py [--demo PATH] [--seed 42]`. Prints JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

VARIANTS = 5
DISCOUNTS = (0.0, 0.1)
TOP_OFFERS = 3
MIN_DISTINCT_2 = 0.6
MIN_FIT = 0.8
MAX_CHANNELS_MS = 200.0
EXAMPLES_PER_CHECK = 4
URGENCY = ("last chance", "ends soon", "ending soon", "going fast", "while stocks last", "stock is limited")
URGENCY += ("selling quickly", "flying off", "before it's gone", "once it's gone", "go quickly", "while it lasts")


def _machine() -> dict:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown",
    )
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(), "platform": platform.platform()}


def _quiet() -> contextlib.AbstractContextManager:
    """Training prints progress (Keras epochs); keep stdout for the JSON."""
    return contextlib.redirect_stdout(sys.stderr)


def _ms(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def _error(exc: BaseException) -> dict:
    from core.errors import PersonaLensError

    out: dict[str, Any] = {"error": f"{type(exc).__name__}: {exc}"}
    if not isinstance(exc, PersonaLensError):  # an expected refusal needs no traceback; anything else does
        out["traceback"] = traceback.format_exc()
    return out


def _timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def category_offers(ctx) -> Iterator[tuple[int, str, str]]:  # noqa: ANN001 - a MessageContext
    """(persona id, "category", category) for each persona's top categories."""
    for pid, card in sorted(ctx.cards.items()):
        for category, _ in card.top_categories[:TOP_OFFERS]:
            yield pid, "category", category


def product_offers(ctx) -> Iterator[tuple[int, str, str]]:  # noqa: ANN001 - a MessageContext
    """(persona id, "product", product id) for each persona's most bought products (by its customers)."""
    top = ctx.ws.query_with(
        """SELECT a.persona_id, i.product_id, count(DISTINCT i.customer_id) AS buyers
           FROM interactions i JOIN assigned a USING (customer_id) WHERE coalesce(i.quantity, 1) > 0
           GROUP BY 1, 2 QUALIFY row_number() OVER (PARTITION BY a.persona_id ORDER BY buyers DESC, i.product_id) <= ?
           ORDER BY 1, buyers DESC""",
        {"assigned": ctx.assignments[["customer_id", "persona_id"]]},
        [TOP_OFFERS],
    )
    for pid, product in zip(top["persona_id"].astype(int), top["product_id"].astype(str), strict=True):
        yield pid, "product", product


def _variant_example(where: dict, checked, problem) -> dict:  # noqa: ANN001 - a CheckedVariant, a Problem
    return {**where, "field": problem.field, "message": problem.message, "fields": dict(checked.variant.fields)}


def copy_grid(ctx, grounds, offers: list[tuple[int, str, str]], seed: int) -> dict:  # noqa: ANN001
    """Every offer x discount x channel x tone through write_from_facts; checks, distinct-2 and timings."""
    from core.messages.aspects import MAX_REVIEWS
    from core.messages.channels import CHANNELS, TONES
    from core.messages.checks import CHECKS
    from core.messages.facts import OfferSpec, gather_facts
    from core.messages.service import CopyRequest, write_from_facts

    failures: Counter = Counter()
    failing_sets: Counter = Counter()  # (persona, offer, discount, channel, tone, check) -> variants
    examples: dict[str, list[dict]] = {c: [] for c in CHECKS}
    distinct: list[tuple[float, dict]] = []
    gather_s: list[float] = []
    channels_s: list[float] = []
    sheet_errors: list[dict] = []
    per_channel: dict[str, Counter] = {c: Counter() for c in CHANNELS}
    empty_fields: Counter = Counter()
    variants = 0
    quote_twice = 0  # the same review quote twice in one variant
    urgency = Counter()  # per tone: variants claiming scarcity or a deadline (no fact backs either)
    capped_review_counts = 0
    citing_capped = 0  # variants quoting that capped count as the offer's number of reviews
    sheets = 0
    for pid, kind, target in offers:
        for discount in DISCOUNTS:
            offer = OfferSpec(kind, target, discount)
            try:
                sheet, seconds = _timed(lambda offer=offer, pid=pid: gather_facts(ctx, pid, offer))
            except Exception as exc:  # noqa: BLE001 - reported, the run goes on
                sheet_errors.append(
                    {"persona_id": pid, "offer": f"{kind}={target}", "discount": discount, **_error(exc)}
                )
                continue
            sheets += 1
            gather_s.append(seconds)
            count = sheet.get("review.count")
            capped = count is not None and count.number == MAX_REVIEWS  # the newest reviews read, not all of them
            capped_review_counts += capped
            for tone in TONES:
                started = time.perf_counter()
                written = {
                    name: write_from_facts(
                        sheet, grounds, CopyRequest(pid, offer, name, tone=tone, variants=VARIANTS, seed=seed)
                    )
                    for name in CHANNELS
                }
                channels_s.append(time.perf_counter() - started)
                for name, copy in written.items():
                    where = {"persona_id": pid, "offer": f"{kind}={target}", "discount": discount}
                    where |= {"channel": name, "tone": tone}
                    distinct.append((copy.distinct_2, where))
                    for checked in copy.variants:
                        variants += 1
                        per_channel[name]["variants"] += 1
                        text = checked.variant.text()
                        quote = sheet.text("review.quote")
                        quote_twice += bool(quote) and text.count(quote) >= 2
                        urgency[tone] += any(u in text.lower() for u in URGENCY)
                        citing_capped += capped and "review.count" in checked.variant.fact_ids
                        for field, text in checked.variant.fields:
                            if not text.strip():
                                empty_fields[f"{name}.{field}"] += 1
                        for check in CHECKS:
                            if checked.verdict.passed(check):
                                continue
                            failures[check] += 1
                            failing_sets[(pid, f"{kind}={target}", discount, name, tone, check)] += 1
                            per_channel[name][check] += 1
                            problem = next(p for p in checked.verdict.problems if p.check == check)
                            if len(examples[check]) < EXAMPLES_PER_CHECK:
                                examples[check].append(_variant_example(where, checked, problem))
    values = [d for d, _ in distinct]
    worst = min(distinct, key=lambda d: d[0]) if distinct else None
    rates = {c: round(1 - failures[c] / variants, 4) if variants else None for c in CHECKS}
    out: dict[str, Any] = {
        "offers": len(offers),
        "sheets": sheets,
        "sets": len(distinct),
        "variants": variants,
        "pass_rate": rates,
        "failures": {c: failures[c] for c in CHECKS},
        "failures_per_channel": {c: dict(n) for c, n in per_channel.items()},
        "empty_fields": dict(empty_fields),
        "distinct_2": {
            "min": round(min(values), 3) if values else None,
            "mean": round(statistics.mean(values), 3) if values else None,
            "sets_below": sum(v < MIN_DISTINCT_2 for v in values),
            "worst": {"distinct_2": worst[0], **worst[1]} if worst else None,
        },
        "sheets_with_review_count_at_cap": capped_review_counts,
        "variants_citing_capped_review_count": citing_capped,
        "variants_quoting_twice": quote_twice,
        "variants_with_urgency_claims": dict(urgency),
        "gather_facts": _ms(gather_s),
        "write_4_channels": _ms(channels_s),
        "gather_plus_4_channels_p50_ms": round((statistics.median(gather_s) + statistics.median(channels_s)) * 1000, 2)
        if gather_s and channels_s
        else None,
        "sheet_errors": sheet_errors[:6],
        "sheet_error_count": len(sheet_errors),
        "failing_sets": [
            dict(zip(("persona_id", "offer", "discount", "channel", "tone", "check", "variants"), (*k, n), strict=True))
            for k, n in failing_sets.most_common(12)
        ],
        "failing_examples": {c: e for c, e in examples.items() if e},
    }
    if variants:
        out["targets"] = {
            "within_limits_100pct": {"value": rates["length"], "met": failures["length"] == 0},
            "grounded_100pct": {"value": rates["grounding"], "met": failures["grounding"] == 0},
            "no_personal_data": {"value": failures["personal data"], "met": failures["personal data"] == 0},
            "distinct_2_min_0_6": {"value": out["distinct_2"]["min"], "met": min(values) >= MIN_DISTINCT_2},
            "write_4_channels_p95_under_200ms": {
                "value": out["write_4_channels"]["p95_ms"],
                "met": out["write_4_channels"]["p95_ms"] < MAX_CHANNELS_MS,
            },
        }
    return out


def fit(ctx, grounds, seed: int) -> dict:  # noqa: ANN001
    from core.messages.fit import persona_fit

    try:
        report, seconds = _timed(lambda: persona_fit(ctx, grounds, seed=seed))
    except Exception as exc:  # noqa: BLE001 - reported
        return _error(exc)
    confusion = {str(k): {str(c): int(n) for c, n in row.items()} for k, row in report.confusion.iterrows()}
    return {
        "accuracy": report.accuracy,
        "sets": report.sets,
        "personas": report.personas,
        "chance": report.chance,
        "seconds": round(seconds, 1),
        "confusion": confusion,
    }


def examples(ctx, grounds, offer: tuple[int, str, str], seed: int) -> dict:  # noqa: ANN001
    """The first variant of each channel for one offer at 10% off, in the persona's suggested tone."""
    from core.messages.channels import CHANNELS
    from core.messages.facts import OfferSpec, gather_facts
    from core.messages.service import CopyRequest, write_from_facts

    pid, kind, target = offer
    spec = OfferSpec(kind, target, 0.1)
    sheet = gather_facts(ctx, pid, spec)
    out: dict[str, Any] = {"persona": sheet.persona_name, "offer": f"{kind}={target}", "tone": sheet.suggested_tone}
    for name in CHANNELS:
        copy = write_from_facts(sheet, grounds, CopyRequest(pid, spec, name, variants=VARIANTS, seed=seed))
        out[name] = dict(copy.variants[0].variant.fields)
    return out


def evaluate(ws, seed: int, products: bool = False, with_fit: bool = True) -> dict:  # noqa: ANN001 - a Workspace
    """Everything above on one trained workspace; a step that cannot run says why."""
    from core.errors import PersonaLensError
    from core.messages.checks import load_grounds
    from core.messages.facts import load_context

    out: dict[str, Any] = {
        "tables": {t: int(ws.query(f"SELECT count(*) FROM {t}").iloc[0, 0]) for t in ("products", "reviews")}
    }
    try:
        ctx, context_s = _timed(lambda: load_context(ws))
        grounds, grounds_s = _timed(lambda: load_grounds(ws))
    except Exception as exc:  # noqa: BLE001 - reported
        return {**out, "load": _error(exc)}
    categories = ctx.categories()
    out |= {
        "load_context_s": round(context_s, 3),
        "load_grounds_s": round(grounds_s, 3),
        "personas": {
            str(pid): {"name": c.name, "size": c.size, "top_categories": [n for n, _ in c.top_categories[:3]]}
            for pid, c in sorted(ctx.cards.items())
        },
        "aspect_terms": ctx.aspect_terms[:12],
        "phrases": {str(pid): p[:4] for pid, p in sorted(ctx.phrases.items())},
        "catalogue_categories": len(categories),
        "odd_categories": [c[:60] for c in categories if len(c) > 40 or "<" in c][:5],
    }
    offers = list(category_offers(ctx))
    out["category_offers"] = len(offers)
    if offers:
        out["grid"] = copy_grid(ctx, grounds, offers, seed)
    else:
        out["no_category_offers"] = "no persona card has a top category (no categories in the catalogue)"
    if products or not offers:  # each persona's most bought products as offers
        items = list(product_offers(ctx))
        out["product_offers"] = len(items)
        out["product_grid"] = copy_grid(ctx, grounds, items, seed)
        offers += items
    for offer in offers:  # the first offer a sheet can be gathered for
        try:
            out["example"] = examples(ctx, grounds, offer, seed)
            break
        except PersonaLensError:
            continue
    if with_fit and ctx.cards and any(c.top_categories for c in ctx.cards.values()):
        out["persona_fit"] = fit(ctx, grounds, seed)
    return out


def _train(ws) -> dict:  # noqa: ANN001 - a Workspace
    from core.personas.service import train_personas
    from core.sentiment.service import train_sentiment
    from core.topics.service import train_topics

    steps: dict[str, Any] = {}
    for name, call in (
        ("personas", lambda: train_personas(ws)),
        ("sentiment", lambda: train_sentiment(ws, models=("vader", "linear"))),
        ("topics", lambda: train_topics(ws)),
    ):
        try:
            with _quiet():
                _, seconds = _timed(call)
            steps[name] = {"seconds": round(seconds, 1)}
        except Exception as exc:  # noqa: BLE001 - reported; personas are the only step copy needs
            steps[name] = _error(exc)
    return steps


def real_set(folder: Path, name: str, files: list[Path], seed: int, products: bool = False) -> dict:
    from core.ingest.pipeline import ingest
    from core.workspace import create_workspace

    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        return {"skipped": f"missing {', '.join(missing)}"}
    ws = create_workspace(folder / name)
    try:
        with _quiet():
            result, seconds = _timed(lambda: ingest(ws, files))
    except Exception as exc:  # noqa: BLE001 - reported
        return {"ingest": _error(exc)}
    out: dict[str, Any] = {"ingest_s": round(seconds, 1), "committed": result.committed, "training": _train(ws)}
    if "error" in out["training"]["personas"]:
        return {**out, "no_copy": "no personas, so no fact sheet can be gathered"}
    return {**out, **evaluate(ws, seed, products=products)}


def _verdict(result: dict) -> dict:
    """Each target met or not, for the summary."""
    out = {k: v["met"] for k, v in result.get("grid", {}).get("targets", {}).items()}
    out |= {f"products_{k}": v["met"] for k, v in result.get("product_grid", {}).get("targets", {}).items()}
    if "accuracy" in result.get("persona_fit", {}):
        out["persona_fit_0_8"] = result["persona_fit"]["accuracy"] >= MIN_FIT
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", type=Path, help="reuse this trained demo workspace instead of building one")
    parser.add_argument("--seed", type=int, default=42, help="generator and persona-fit seed (default 42)")
    parser.add_argument("--skip-reviews-only", action="store_true", help="leave out Amazon Musical Instruments")
    parser.add_argument("--skip-real", action="store_true", help="the demo only")
    args = parser.parse_args()

    out: dict[str, Any] = {"benchmark": "copy_quality", "machine": _machine(), "date": time.strftime("%Y-%m-%d")}
    with tempfile.TemporaryDirectory(prefix="copy-quality-") as tmp:
        os.environ["PERSONALENS_HOME"] = str(Path(tmp) / "home")
        from core.demo import build_demo_workspace
        from core.workspace import open_workspace

        if args.demo:
            demo = open_workspace(args.demo)
            out["demo_build_s"] = None
        else:
            with _quiet():
                demo, seconds = _timed(lambda: build_demo_workspace(Path(tmp) / "demo", train_models=True))
            out["demo_build_s"] = round(seconds, 1)
        out["demo"] = evaluate(demo, args.seed)
        if not args.skip_real:
            gift = DATA / "amazon-gift-cards"
            out["amazon_gift_cards"] = real_set(
                Path(tmp),
                "gift",
                [gift / "meta_Gift_Cards.json.gz", gift / "Gift_Cards_5.json.gz"],
                args.seed,
                products=True,
            )
            if not args.skip_reviews_only:
                music = DATA / "amazon-musical-instruments" / "reviews_Musical_Instruments_5.json.gz"
                out["amazon_musical_instruments"] = real_set(Path(tmp), "music", [music], args.seed, products=True)
    out["targets_met"] = {
        name: _verdict(out[name])
        for name in ("demo", "amazon_gift_cards", "amazon_musical_instruments")
        if isinstance(out.get(name), dict)
    }
    print(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()
