"""How persona cards and the customer lookup look."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.errors import PersonaLensError
from core.personas import service
from core.personas.describe import PersonaCard
from core.personas.views import CustomerStory
from core.workspace import Workspace
from pages._ui import access, charts
from pages._ui.format import compact, literal
from pages._ui.layout import saying_when_waiting


def rename_popover(ws: Workspace, persona: PersonaCard, where) -> None:  # noqa: ANN001 - a column
    with where.popover("", icon=":material/edit:", help="Rename this persona"):
        new_name = st.text_input("Name", value=persona.name, key=f"name-{persona.persona_id}")
        if st.button("Save", key=f"save-{persona.persona_id}"):
            try:
                with saying_when_waiting():
                    service.rename_persona(ws, persona.persona_id, new_name, by=access.user())
            except PersonaLensError as exc:
                st.error(str(exc))
            else:
                st.rerun()


def card(
    ws: Workspace,
    persona: PersonaCard,
    state: service.PersonaViews,
    worth: dict | None,
    audience_csv: Callable[[], bytes],
) -> None:
    """One persona's card; `worth`: its members' mean value (cache.persona_values), when there is one."""
    with st.container(border=True):
        head, edit = st.columns([5, 1])
        head.subheader(literal(persona.name))
        if access.can("rename"):
            rename_popover(ws, persona, edit)
        cols = st.columns(3)
        cols[0].metric(
            "Customers", f"{persona.size:,}", f"{persona.share:.0%} of all", delta_color="off", delta_arrow="off"
        )
        if persona.avg_monetary:
            cols[1].metric(
                "Revenue",
                f"{persona.revenue_share:.0%}",
                f"{compact(persona.avg_monetary)} each",
                delta_color="off",
                delta_arrow="off",
            )
        else:
            cols[1].metric("Revenue", "—", "no prices in this data", delta_color="off", delta_arrow="off")
        cols[2].metric(
            "Orders each",
            f"{persona.avg_orders:.1f}",
            f"last {persona.avg_recency_days:.0f} days ago",
            delta_color="off",
            delta_arrow="off",
        )
        who = []
        if persona.avg_age is not None:
            who.append(f"average age {persona.avg_age:.0f}")
        if persona.female_share is not None:
            who.append(f"{persona.female_share:.0%} women")
        if persona.top_locations:
            who.append("mostly in " + ", ".join(literal(loc) for loc in persona.top_locations))
        st.markdown("**Who**: " + "; ".join(who) if who else "**Who**: no demographics in this data")
        if persona.top_categories:
            st.markdown("**Buys**: " + ", ".join(f"{literal(c)} ({s:.0%})" for c, s in persona.top_categories))
        feel = []
        if persona.avg_rating is not None:
            feel.append(f"rates {persona.avg_rating:.1f} ★ on average")
        if persona.avg_sentiment is not None:
            tone = (
                "positive" if persona.avg_sentiment > 0.3 else "mixed" if persona.avg_sentiment > -0.05 else "negative"
            )
            feel.append(f"writes in a {tone} tone ({persona.avg_sentiment:+.2f})")
        if feel:
            st.markdown("**Feels**: " + "; ".join(feel))
        if persona.top_products:
            st.markdown("**Favourites**: " + "; ".join(literal(t) for t, _ in persona.top_products))
        if worth:
            st.markdown(
                f"**Worth**: {compact(worth['clv'])} each over the next year "
                f"(80% interval {compact(worth['clv_low'])}–{compact(worth['clv_high'])}); "
                f"{worth['p_alive']:.0%} likely still buying",
                help="Expected purchases (BG/NBD) x expected spend per purchase (Gamma-Gamma), from dated orders.",
            )
        if persona.persona_id in state.clouds:
            st.image(state.clouds[persona.persona_id], width="stretch")
        for quote in persona.quotes:
            st.caption(f"“{literal(quote)}”")
        st.info(literal(persona.offer), icon=":material/campaign:")
        st.page_link(
            "pages/messages.py",
            label="Write for this persona",
            icon=":material/edit_note:",
            query_params={"persona": str(persona.persona_id)},
        )
        st.download_button(
            "Audience CSV",
            access.exported_when_built(
                ws,
                f"audience of persona {persona.persona_id} ({persona.name})",
                audience_csv,
            ),
            file_name=f"audience-persona-{persona.persona_id}.csv",
            mime="text/csv",
            key=f"audience-{persona.persona_id}",
            icon=":material/download:",
            on_click="ignore",
        )


def story(found: CustomerStory, value: dict | None = None) -> None:
    """The lookup card; `value`: the customer's row of core.value's forecast, when there is one."""
    p = found.profile
    st.subheader(f"{literal(found.customer_id)} · {literal(found.persona_name or 'no persona')}")
    if value:
        st.metric(
            "Expected value, next 12 months",
            compact(value["clv"]),
            f"80% interval {compact(value['clv_low'])}–{compact(value['clv_high'])} · "
            f"{value['expected_purchases']:.1f} purchases · {value['p_alive']:.0%} likely still buying",
            delta_color="off",
            delta_arrow="off",
        )
    cols = st.columns(5)
    cols[0].metric("RFM segment", found.rfm_segment or "—")
    cols[1].metric("Orders", f"{p.get('orders') or 0:,.0f}")
    cols[2].metric("Spend", compact(p.get("monetary")))
    cols[3].metric("Last order", "—" if p.get("recency_days") is None else f"{p['recency_days']:.0f} days ago")
    cols[4].metric("Age", "—" if p.get("age") is None else f"{p['age']:.0f}")
    if not found.purchases.empty:
        st.plotly_chart(charts.purchase_timeline(found.purchases), key=f"timeline-{found.customer_id}")
    if found.reviews.empty:
        st.caption("No reviews from this customer.")
    else:
        st.dataframe(
            found.reviews,
            hide_index=True,
            width="stretch",
            column_config={
                "sentiment": st.column_config.ProgressColumn("Sentiment", min_value=-1.0, max_value=1.0, format="%.2f"),
                "rating": st.column_config.NumberColumn("Stars", format="%.0f ★"),
            },
        )
