"""Widgets of the What-if page: a scenario builder and the explanations shown next to numbers."""

from __future__ import annotations

import streamlit as st

from core.whatif.campaign import Audience, Offer
from core.whatif.service import PropensityBundle

TONES = ("positive", "neutral", "negative", "no reviews")
HOW: dict[str, str] = {
    "reach": "The customers who pass every filter (and, when set, the top N by expected value). Only customers "
    "with at least one purchase are scored.",
    "responders": "The sum of each contacted customer's probability of buying the offer in the period: the "
    "propensity model's chance that they buy anyway, raised by the response model (fitted on past campaigns when "
    "there are some, else the discount assumption). The 95% interval adds the chance that each customer does or "
    "does not buy to the model's own error on groups like this one, and, when fitted, the uncertainty of the "
    "fitted response and how much past campaigns strayed from it.",
    "responders from the message": "Responders over those who would have bought anyway: what contacting adds "
    "(measured only when past campaigns kept a control group).",
    "revenue": "Responders x what one response is worth (per period spend of a buyer of this category, or the "
    "product's price), less the discount.",
    "margin": "Responders x value x (margin - discount), minus the cost of every contact.",
    "uplift": "Predicted responders against a random audience of the same size drawn from every customer: how "
    "much better this targeting is than contacting people at random.",
}


def scenario_builder(
    bundle: PropensityBundle, index: int, margin: float, lift: float, history: bool = True
) -> tuple[str, Audience, Offer]:
    """One column of widgets; returns the scenario's name, audience and offer."""
    key = f"wi-{index}"
    people = bundle.customers
    name = st.text_input("Name", value=f"Scenario {chr(65 + index)}", key=f"{key}-name")
    persona_names = {pid: n for pid, n in sorted(bundle.persona_names.items())}
    default_persona = [list(persona_names)[index % len(persona_names)]] if persona_names else []
    personas = st.multiselect(
        "Personas",
        list(persona_names),
        default=default_persona,
        format_func=lambda p: persona_names.get(p, str(p)),
        key=f"{key}-personas",
        help="Empty: every customer.",
        placeholder="Everyone",
    )
    segments = st.multiselect(
        "RFM segments",
        sorted(people["segment"].unique().tolist()),
        key=f"{key}-segments",
        placeholder="Any segment",
    )
    with st.expander("More filters"):
        tones = st.multiselect("Review tone", list(TONES), key=f"{key}-tones", placeholder="Any tone")
        ages = people["age"].dropna()
        age_range = None
        if len(ages) and ages.min() < ages.max():
            low, high = int(ages.min()), int(ages.max())
            age_range = st.slider("Age", low, high, (low, high), key=f"{key}-age")
        genders = st.multiselect(
            "Gender", sorted(people["gender"].dropna().unique().tolist()), key=f"{key}-gender", placeholder="Any"
        )
        locations = st.multiselect(
            "Location", sorted(people["location"].dropna().unique().tolist()), key=f"{key}-loc", placeholder="Any"
        )
        affinity, share = None, 0.0
        if bundle.level == "category":
            affinity = st.selectbox(
                "Already buys from", [None, *bundle.units], key=f"{key}-aff", format_func=lambda c: c or "Any category"
            )
            share = st.slider("…at least this share of their purchases", 0.0, 1.0, 0.1, 0.05, key=f"{key}-share")
    kinds = ["category", "product"] if bundle.level == "category" else ["product"]
    kind = st.radio("Offer", kinds, horizontal=True, key=f"{key}-kind", format_func=str.capitalize)
    if kind == "category":
        favourite = bundle.favourite_unit(personas[0] if personas else None)
        target = st.selectbox("Category", bundle.units, index=favourite, key=f"{key}-cat")
    else:
        titles = bundle.product_titles()
        target = st.selectbox(
            "Product (best sellers first)",
            list(titles),
            key=f"{key}-product",
            format_func=lambda p: p if titles[p] == p else f"{titles[p]} ({p})",
        )
    discount = st.slider("Discount", 0, 50, 10 if index else 0, 5, format="%d%%", key=f"{key}-discount") / 100
    cost = st.number_input("Cost per contact", 0.0, 100.0, 0.5, 0.1, key=f"{key}-cost")
    top_n = st.number_input(
        "Contact at most (0 = everyone selected)",
        0,
        len(people),
        0,
        50,
        key=f"{key}-top",
        help="Keeps the customers with the highest expected value.",
    )
    audience = Audience(
        personas=tuple(personas),
        segments=tuple(segments),
        affinity_category=affinity,
        min_affinity=share if affinity else 0.0,
        tones=tuple(tones),
        age_min=age_range[0] if age_range and age_range[0] > int(ages.min()) else None,
        age_max=age_range[1] if age_range and age_range[1] < int(ages.max()) else None,
        genders=tuple(genders),
        locations=tuple(locations),
        top_n=int(top_n) or None,
    )
    offer = Offer(kind, str(target), discount, cost, margin=margin, discount_lift=lift, use_history=history)
    return name, audience, offer
