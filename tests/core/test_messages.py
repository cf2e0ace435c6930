"""Messages on the trained demo: facts, the template generator, the checker, approval and the campaign export."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from core.auth import PermissionDenied, User
from core.errors import PersonaLensError
from core.messages import approved
from core.messages.channels import CHANNELS, EMAIL, SMS, TONES, length, sms_size
from core.messages.checks import check_set, check_variant, load_grounds
from core.messages.facts import OfferSpec, gather_facts, load_context
from core.messages.fit import persona_fit
from core.messages.service import CopyRequest, write_copy, write_from_facts
from core.messages.variant import Variant
from core.workspace import Workspace


@pytest.fixture(scope="module")
def ctx(trained_ws: Workspace):  # noqa: ANN201 - a MessageContext
    return load_context(trained_ws)


@pytest.fixture(scope="module")
def grounds(trained_ws: Workspace):  # noqa: ANN201 - Grounds
    return load_grounds(trained_ws)


@pytest.fixture(scope="module")
def premium(ctx) -> int:  # noqa: ANN001
    return next(pid for pid, card in ctx.cards.items() if "premium" in card.traits)


def test_phrases_and_aspects_stored_at_training_are_what_the_reviews_say_now(ctx, trained_ws: Workspace) -> None:
    """The page reads them from the personas and topics versions; reading the reviews again agrees."""
    from core.messages.facts import ASPECTS, PHRASES, occasions, persona_phrases, persona_reviews, review_aspects
    from core.personas.service import current_version
    from core.registry import active_version
    from core.topics.service import topics

    stored = json.loads((trained_ws.models_dir / "personas" / current_version(trained_ws) / PHRASES).read_text())
    phrases = persona_phrases(persona_reviews(trained_ws, ctx.assignments))
    assert {int(pid): found for pid, found in stored.items()} == phrases and any(phrases.values())
    aspects = review_aspects(trained_ws, [list(t) for t in topics(trained_ws)["top_terms"]])
    assert json.loads((trained_ws.models_dir / "topics" / active_version(trained_ws, "topics") / ASPECTS).read_text())
    assert ctx.aspect_terms == aspects
    assert ctx.phrases == occasions(phrases, aspects, ctx.catalogue["title"].dropna().astype(str).tolist())


def _product(ws: Workspace, category: str) -> str:
    return str(
        ws.query("SELECT product_id FROM products WHERE category = ? ORDER BY price DESC", [category]).iloc[0, 0]
    )


def test_sms_segments_follow_gsm7_and_ucs2() -> None:
    assert sms_size("a" * 160).segments == 1
    assert sms_size("a" * 161).segments == 2  # 153 per segment once concatenated
    assert sms_size("a" * 306).segments == 2 and sms_size("a" * 307).segments == 3
    assert sms_size("€" * 80).units == 160  # an extended character takes two septets
    emoji = sms_size("Hi 🎉" + "a" * 60)
    assert emoji.encoding == "UCS-2" and emoji.per_segment == 70
    assert sms_size("Hi 🎉" + "a" * 70).segments == 2
    assert length("Hi {{first_name}}") == 3 + 10  # a merge tag counts as what typically replaces it


def test_offers_are_checked_when_written() -> None:
    assert OfferSpec.parse("category=Books", 0.1) == OfferSpec("category", "Books", 0.1)
    for bad in ("Books", "product=", "colour=red"):
        with pytest.raises(PersonaLensError):
            OfferSpec.parse(bad)
    with pytest.raises(PersonaLensError, match="discount"):
        OfferSpec("product", "P1", 0.95)


def test_a_product_sheet_holds_the_store_own_facts(trained_ws: Workspace, ctx, premium: int) -> None:  # noqa: ANN001
    product = _product(trained_ws, "Electronics")
    sheet = gather_facts(ctx, premium, OfferSpec("product", product, 0.2))
    row = trained_ws.query("SELECT title, brand, price FROM products WHERE product_id = ?", [product]).iloc[0]
    assert sheet.text("product.title") == row["title"] and sheet.text("product.brand") == row["brand"]
    assert sheet.get("product.price").number == pytest.approx(row["price"])
    assert sheet.get("product.price_now").number == pytest.approx(round(row["price"] * 0.8, 2))
    assert sheet.get("offer.discount").number == 20
    praise = sheet.starting("review.praise.")
    assert praise and all(f.count >= 1 for f in praise)
    reviews = " ".join(trained_ws.query("SELECT text FROM reviews WHERE product_id = ?", [product])["text"]).lower()
    assert sheet.text("review.quote").lower().rstrip(".") in reviews  # a real sentence, not a paraphrase
    assert sheet.starting("persona.phrase.") and sheet.suggested_tone == "premium"


def test_customer_facts_never_leave_the_machine(trained_ws: Workspace, ctx, premium: int) -> None:  # noqa: ANN001
    from core.recs.service import load_recs

    member = str(ctx.assignments.loc[ctx.assignments["persona_id"] == premium, "customer_id"].iloc[0])
    product = _product(trained_ws, "Electronics")
    sheet = gather_facts(replace(ctx, reasons=load_recs(trained_ws)), premium, OfferSpec("product", product), member)
    reason = sheet.get("customer.reason")
    assert reason is not None and not reason.shareable
    shared = sheet.shareable()
    assert shared.customer_id is None and shared.get("customer.reason") is None
    with pytest.raises(PersonaLensError, match="belongs to persona"):
        other = next(p for p in ctx.cards if p != premium)
        gather_facts(ctx, other, OfferSpec("product", product), member)
    with pytest.raises(PersonaLensError, match="the personas are"):
        gather_facts(ctx, 99, OfferSpec("product", product))


def test_template_copy_fits_every_channel_is_grounded_and_varied(ctx, grounds) -> None:  # noqa: ANN001
    """The issue's target on every persona's top category, every channel and tone, with and without a discount."""
    for pid, card in ctx.cards.items():
        for discount in (0.0, 0.1):
            offer = OfferSpec("category", card.top_categories[0][0], discount)
            sheet = gather_facts(ctx, pid, offer)
            for channel in CHANNELS:
                for tone in TONES:
                    copy = write_from_facts(sheet, grounds, CopyRequest(pid, offer, channel, tone, variants=5))
                    problems = [p for c in copy.variants for p in c.verdict.problems]
                    assert not problems, (pid, channel, tone, problems)
                    assert copy.distinct_2 >= 0.6, (pid, channel, tone, copy.distinct_2)
                    if discount:
                        assert all("10%" in c.variant.text() for c in copy.variants), (channel, tone)


def test_a_deadline_is_said_only_when_the_offer_has_an_end_date(ctx, grounds, premium: int) -> None:  # noqa: ANN001
    from datetime import date

    dated = OfferSpec("category", "Electronics", 0.1, date(2026, 12, 13))
    copy = write_copy(ctx, grounds, CopyRequest(premium, dated, "sms", "urgent", variants=5))
    assert copy.sheet.text("offer.ends") == "Sunday 13 December"
    assert all(c.verdict.ok for c in copy.variants)
    assert any("Sunday 13 December" in c.variant.text() for c in copy.variants)
    undated = write_copy(ctx, grounds, CopyRequest(premium, replace(dated, ends=None), "sms", "urgent", variants=5))
    assert not any(
        "December" in c.variant.text() or "last chance" in c.variant.text().lower() for c in undated.variants
    )
    assert OfferSpec.parse("category=Books", 0.1, "2026-12-13").ends == date(2026, 12, 13)
    with pytest.raises(PersonaLensError, match="YYYY-MM-DD"):
        OfferSpec.parse("category=Books", 0.1, "next sunday")


def test_the_same_seed_writes_the_same_copy(ctx, grounds, premium: int) -> None:  # noqa: ANN001
    request = CopyRequest(premium, OfferSpec("category", "Electronics"), "email", seed=7)
    first, again = write_copy(ctx, grounds, request), write_copy(ctx, grounds, request)
    other = write_copy(ctx, grounds, replace(request, seed=8))
    assert [c.variant for c in first.variants] == [c.variant for c in again.variants]
    assert [c.variant for c in first.variants] != [c.variant for c in other.variants]


def test_the_checker_catches_what_a_writer_may_get_wrong(trained_ws: Workspace, ctx, grounds, premium: int) -> None:  # noqa: ANN001
    product = _product(trained_ws, "Electronics")
    sheet = gather_facts(ctx, premium, OfferSpec("product", product, 0.1))
    title, brand = sheet.text("product.title"), sheet.text("product.brand")
    other_brand = next(b for b in trained_ws.query("SELECT DISTINCT brand FROM products")["brand"] if b != brand)
    person = trained_ws.query("SELECT customer_id, name, email FROM customers LIMIT 1").iloc[0]

    def problems(**fields: str) -> set[str]:
        base = {"subject": f"{title} for you", "preheader": "Loved by reviewers.", "headline": "Discover it"}
        base |= {"body": "Hi {{first_name}}, take a look.", "cta": "Take a look"} | fields
        variant = Variant("email", "friendly", "llm", tuple((f.name, base[f.name]) for f in EMAIL.fields))
        return {p.check for p in check_variant(variant, sheet, EMAIL, grounds).problems}

    assert problems() == set()
    assert problems(subject=f"Now {sheet.text('product.price_now')}, {sheet.text('offer.discount')} off") == set()
    assert problems(subject="Now $79.99 only") == {"grounding"}  # an invented price
    assert problems(body=f"Also try {other_brand} gear.") == {"grounding"}  # a brand that is not the offer's
    assert problems(body="Hi {{first_name}}, the Zentrix Ultra awaits.") == {"grounding"}  # an invented name
    assert "personal data" in problems(body=f"Hi {person['name']}, take a look.")  # (also an unknown name)
    assert "personal data" in problems(body=f"Write to {person['email']}.")
    assert "personal data" in problems(body=f"Your account {person['customer_id']} is ready.")
    assert problems(headline="FREE gift!! Act now") == {"spam"}
    assert problems(body="Hi {{first_name}}, last chance to take a look.") == {"grounding"}  # no end date set
    assert problems(body="Hi {{first_name}}, take a look while stocks last.") == {"grounding"}  # no stock data
    assert problems(subject=f"{title} is the one you have been waiting for all year") == {"length"}
    long_sms = Variant("sms", "friendly", "llm", (("text", "a " * 90 + "Reply STOP to opt out"),))
    assert {p.check for p in check_variant(long_sms, sheet, SMS, grounds).problems} == {"length"}
    same = Variant("sms", "friendly", "llm", (("text", f"{title} is here. Reply STOP to opt out"),))
    distinct, pairs = check_set([same, same], SMS)
    assert pairs == [(0, 1, 1.0)] and distinct == 0.5


def test_approval_rechecks_edits_and_the_export_splits_the_audience(
    trained_ws: Workspace, ctx, grounds, premium: int
) -> None:  # noqa: ANN001
    offer = OfferSpec("category", "Electronics", 0.1)
    copy = write_copy(ctx, grounds, CopyRequest(premium, offer, "email", variants=2))
    viewer = User("vera", "viewer")
    with pytest.raises(PermissionDenied):
        approved.approve(trained_ws, copy, 0, "Spring", grounds, by=viewer)
    with pytest.raises(PersonaLensError, match="cannot be approved"):
        approved.approve(trained_ws, copy, 0, "Spring", grounds, {"subject": "Now 50% off everything"})
    first = approved.approve(trained_ws, copy, 0, "Spring", grounds, {"cta": "See the range"})
    approved.approve(trained_ws, copy, 1, "Spring", grounds)
    stored = approved.approved(trained_ws, "Spring")
    assert first in stored["message_id"].tolist() and "Spring" in approved.campaigns(trained_ws)
    assert stored.set_index("message_id").loc[first, "fields"]["cta"] == "See the range"

    export = approved.campaign_export(trained_ws, "Spring", ctx.assignments, "email", seed=3, control_share=0.2)
    members = int((ctx.assignments["persona_id"] == premium).sum())
    assert len(export) == members and set(export["ab_group"]) == {"A", "B", "control"}
    assert 0.1 < (export["ab_group"] == "control").mean() < 0.3
    assert "email" not in export.columns and "name" not in export.columns  # masked by default
    assert export.loc[export["ab_group"] != "control", "body"].str.contains("{{first_name}}", regex=False).all()
    again = approved.campaign_export(trained_ws, "Spring", ctx.assignments, "email", seed=3, control_share=0.2)
    assert again["ab_group"].tolist() == export["ab_group"].tolist()  # the split is seeded
    filled = approved.campaign_export(trained_ws, "Spring", ctx.assignments, "email", fill=True, masked=False)
    row = filled[filled["ab_group"] != "control"].iloc[0]
    assert "{{first_name}}" not in row["body"] and row["name"].split()[0] in row["body"]
    approved.withdraw(trained_ws, first)
    assert first not in approved.approved(trained_ws, "Spring")["message_id"].tolist()


def test_copy_reads_as_written_for_its_persona(ctx, grounds) -> None:  # noqa: ANN001
    report = persona_fit(ctx, grounds)
    assert report.sets == 3 * len(ctx.cards)
    assert report.accuracy >= 0.8, report.predictions


def test_the_cli_prints_facts_variants_and_checks(trained_home, premium: int, capsys, monkeypatch) -> None:  # noqa: ANN001
    from core.cli import main

    monkeypatch.setenv("PERSONALENS_HOME", str(trained_home))
    argv = ["copy", "--workspace", "demo", "--persona", str(premium), "--offer", "category=Electronics"]
    assert main([*argv, "--discount", "0.15", "--channel", "sms", "--variants", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["channel"] == "sms" and len(out["variants"]) == 2
    assert all(v["checks"]["length"] and v["checks"]["grounding"] for v in out["variants"])
    assert any(f["id"] == "offer.discount" and f["text"] == "15%" for f in out["facts"])
    assert main([*argv[:-1], "category=Nowhere"]) == 2
    assert "no product in category 'Nowhere'" in capsys.readouterr().err
