"""Widgets of the Messages page: the request form, a variant card with its checks, the approved list."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.errors import PersonaLensError
from core.export import to_csv_bytes
from core.messages import approved, llm
from core.messages.channels import CHANNELS, TONES, channel
from core.messages.checks import CHECKS, Grounds
from core.messages.facts import MessageContext, OfferSpec
from core.messages.service import CheckedVariant, CopyRequest, CopySet
from core.workspace import Workspace
from pages._ui import access
from pages._ui.format import highlighted, literal
from pages._ui.layout import saying_when_waiting

CHECK_LABELS = {
    "length": "Length",
    "grounding": "Grounded",
    "personal data": "No personal data",
    "spam": "No spam signs",
    "duplicate": "Distinct",
}


def deep_link() -> tuple[list[int], OfferSpec | None, str]:
    """Personas and offer from the URL (links from a persona card or a What-if scenario) and a key suffix
    so that a new link starts the widgets afresh."""
    params = st.query_params
    personas = [int(p) for p in params.get_all("persona") if p.lstrip("-").isdigit()]
    offer = None
    if "offer" in params:
        kind, _, target = params["offer"].partition(":")
        try:
            offer = OfferSpec(kind, target, float(params.get("discount", 0) or 0))
        except (PersonaLensError, ValueError):
            offer = None
    return personas, offer, "-".join(f"{k}={v}" for k, v in sorted(params.to_dict().items()))


def request_form(ctx: MessageContext) -> list[CopyRequest]:
    """The widgets; one request per chosen persona."""
    linked, offer, suffix = deep_link()
    names = {pid: card.name for pid, card in sorted(ctx.cards.items())}
    who, what, how = st.columns(3, border=True)
    with who:
        personas = st.multiselect(
            "Personas",
            list(names),
            default=[p for p in linked if p in names] or list(names)[:1],
            format_func=lambda p: names[p],
            key=f"msg-personas-{suffix}",
        )
        customer = st.text_input(
            "One customer (optional)",
            key=f"msg-customer-{suffix}",
            help="A customer id of the first persona: adds why this customer gets the offer (stays on this machine).",
        ).strip()
    first = ctx.cards[personas[0]] if personas else next(iter(ctx.cards.values()))
    with what:
        kinds = ["category", "product"]
        kind = st.radio(
            "Offer",
            kinds,
            index=kinds.index(offer.kind) if offer else 0,
            horizontal=True,
            format_func=str.capitalize,
            key=f"msg-kind-{suffix}",
        )
        if kind == "category":
            categories = ctx.categories()
            wanted = offer.target if offer and offer.kind == "category" else None
            favourite = wanted or (first.top_categories[0][0] if first.top_categories else None)
            index = categories.index(favourite) if favourite in categories else 0
            target = st.selectbox("Category", categories, index=index, key=f"msg-cat-{suffix}")
        else:
            titles = ctx.catalogue["title"].fillna("").astype(str).to_dict()
            ids = list(titles)
            wanted = offer.target if offer and offer.kind == "product" else None
            index = ids.index(wanted) if wanted in ids else 0
            target = st.selectbox(
                "Product",
                ids,
                index=index,
                format_func=lambda p: f"{titles[p]} ({p})" if titles[p] else p,
                key=f"msg-product-{suffix}",
            )
        default_discount = round((offer.discount if offer else 0.0) * 100)
        discount = st.slider("Discount", 0, 50, default_discount, 5, format="%d%%", key=f"msg-discount-{suffix}")
        ends = st.date_input(
            "Offer ends (optional)",
            value=None,
            min_value=date.today(),
            key=f"msg-ends-{suffix}",
            help="Only with an end date may a message say 'ends Sunday' or 'last chance'.",
        )
    with how:
        channel_name = st.selectbox(
            "Channel", list(CHANNELS), format_func=lambda c: CHANNELS[c].label, key="msg-channel"
        )
        tone = st.selectbox(
            "Tone",
            [None, *TONES],
            format_func=lambda t: "The persona's own" if t is None else t.capitalize(),
            key="msg-tone",
            help="The persona's own: premium for premium buyers, urgent for bargain hunters, playful for young ones.",
        )
        variants = st.slider("Variants", 1, 5, 3, key="msg-variants")
        try:
            endpoint = llm.configured()
        except llm.LLMError as exc:
            endpoint = None
            st.warning(literal(str(exc)), icon=":material/warning:")
        generator = st.radio(
            "Written by",
            ["template", "llm"],
            horizontal=True,
            format_func=lambda g: "Templates" if g == "template" else "Language model",
            disabled=endpoint is None,
            key="msg-generator",
            help="Templates work offline and never invent a fact. A language model needs PERSONALENS_LLM_BASE_URL "
            "and PERSONALENS_LLM_MODEL.",
        )
        seed = int(st.number_input("Seed", 0, 10_000, 42, key="msg-seed", help="The same seed writes the same copy."))
    if generator == "llm" and endpoint is not None:
        st.caption(
            f"Only persona-level and product facts are sent to {literal(endpoint.base_url)} "
            f"({literal(endpoint.model)}): never a customer's name, e-mail or id."
        )
    offer_spec = OfferSpec(kind, str(target), discount / 100, ends)
    return [
        CopyRequest(
            pid,
            offer_spec,
            channel_name,
            tone,
            variants,
            generator if endpoint is not None else "template",
            seed,
            customer_id=customer if customer and i == 0 else None,
        )
        for i, pid in enumerate(personas)
    ]


def campaign_name(ctx: MessageContext, requests: list[CopyRequest]) -> str:
    offer = requests[0].offer
    target = offer.target
    if offer.kind == "product" and offer.target in ctx.catalogue.index:
        target = str(ctx.catalogue.loc[offer.target, "title"] or offer.target)
    default = f"{target} {date.today():%Y-%m}"
    return st.text_input("Campaign", value=default, key="msg-campaign", help="Approved variants are filed under it.")


def facts_panel(copy: CopySet) -> None:
    with st.expander(f"The facts these messages may use ({len(copy.sheet.facts)})", icon=":material/fact_check:"):
        frame = copy.sheet.frame().drop(columns=["number"])
        frame["text"] = frame["text"].astype(str)
        st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            column_config={
                "id": "Fact",
                "label": "What",
                "text": "Says",
                "count": st.column_config.NumberColumn("Evidence", help="Reviews or buyers behind it"),
                "shareable": st.column_config.CheckboxColumn("May leave this machine"),
            },
        )


def variant_card(ws: Workspace, copy: CopySet, index: int, campaign: str, grounds: Grounds) -> None:
    checked: CheckedVariant = copy.variants[index]
    spec = channel(copy.request.channel)
    used = [f.text for f in copy.sheet.facts if f.id in checked.verdict.facts_used]
    with st.container(border=True):
        who = "language model" if checked.variant.generator == "llm" else "templates"
        st.markdown(f"**Variant {index + 1}** · {who}")
        for measure in checked.verdict.lengths:
            st.caption(f"{measure.label} · {measure.length}/{measure.limit} characters")
            st.progress(min(measure.length / measure.limit, 1.0))
            st.markdown(highlighted(checked.variant.get(measure.field), used))
        if checked.verdict.sms is not None:
            size = checked.verdict.sms
            st.caption(
                f"{size.segments} SMS segment(s), {size.encoding}, {size.units} of {size.per_segment} per segment"
            )
        badges = [
            f":green-badge[:material/check: {CHECK_LABELS[c]}]"
            if checked.verdict.passed(c)
            else f":red-badge[:material/close: {CHECK_LABELS[c]}]"
            for c in CHECKS
        ]
        st.markdown(" ".join(badges))
        for problem in checked.verdict.problems:
            st.warning(literal(problem.message), icon=":material/warning:")
        if access.can("approve"):
            _approve_form(ws, copy, index, campaign, grounds, spec)


def _approve_form(ws: Workspace, copy: CopySet, index: int, campaign: str, grounds: Grounds, spec) -> None:  # noqa: ANN001
    key = f"approve-{copy.sheet.persona_id}-{spec.name}-{index}-{copy.request.seed}"
    with st.expander("Edit and approve", icon=":material/edit:"), st.form(key, border=False):
        edits = {
            f.name: (st.text_area if f.name == "body" else st.text_input)(
                f.label, value=copy.variants[index].variant.get(f.name), key=f"{key}-{f.name}"
            )
            for f in spec.fields
        }
        if st.form_submit_button("Approve", type="primary", icon=":material/verified:"):
            try:
                with saying_when_waiting():
                    message_id = approved.approve(ws, copy, index, campaign, grounds, edits, by=access.user())
            except PersonaLensError as exc:
                st.error(literal(str(exc)))
            else:
                st.success(f"Approved as {literal(message_id)} in campaign {literal(campaign)}.")


def approved_section(ws: Workspace, ctx: MessageContext) -> None:
    st.subheader("Approved messages")
    names = approved.campaigns(ws)
    if not names:
        st.caption("Nothing approved yet: edit and approve a variant above; it is filed under its campaign.")
        return
    campaign = st.selectbox("Campaign", names, key="msg-approved-campaign")
    frame = approved.approved(ws, campaign)
    shown = frame.assign(message=frame["fields"].map(lambda f: next(iter(f.values()), "")))[
        ["message_id", "persona_name", "channel", "tone", "generator", "message", "approved_by", "approved_at"]
    ]
    st.dataframe(shown, hide_index=True, width="stretch")
    if access.can("approve"):
        with st.popover("Withdraw a message", icon=":material/undo:"):
            gone = st.selectbox("Message", frame["message_id"].tolist(), key="msg-withdraw")
            if st.button("Withdraw", key="msg-withdraw-go"):
                try:
                    with saying_when_waiting():
                        approved.withdraw(ws, gone, by=access.user())
                except PersonaLensError as exc:
                    st.error(literal(str(exc)))
                else:
                    st.rerun()
    export_panel(ws, ctx, campaign, sorted(frame["channel"].unique()))


def export_panel(ws: Workspace, ctx: MessageContext, campaign: str, channels: list[str]) -> None:
    left, middle, right = st.columns(3)
    channel_name = left.selectbox(
        "Channel", channels, format_func=lambda c: CHANNELS[c].label, key="msg-export-channel"
    )
    control = middle.slider("Control group (not contacted)", 0, 30, 10, 5, format="%d%%", key="msg-control") / 100
    seed = int(right.number_input("Split seed", 0, 10_000, 42, key="msg-split-seed"))
    filled = access.can("campaign_export")
    try:
        table = approved.campaign_export(
            ws, campaign, ctx.assignments, channel_name, seed, control, fill=filled, masked=access.masked_exports()
        )
    except PersonaLensError as exc:
        st.info(literal(str(exc)))
        return
    counts = table["ab_group"].value_counts().sort_index()
    st.caption(
        "Each customer gets one variant of their persona at random (seeded), or sits in the control group: "
        + ", ".join(f"{g}: {n:,}" for g, n in counts.items())
        + ("" if filled else ". Merge tags stay tags and names are left out in your export.")
    )
    st.download_button(
        f"Download the audience with its messages ({len(table):,} rows, CSV)",
        to_csv_bytes(table),
        file_name=f"campaign-{campaign.lower().replace(' ', '-')}-{channel_name}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click=access.exported(ws, f"campaign {campaign} ({channel_name}, {len(table):,} customers)"),
        key="msg-export",
    )
