"""How a validation report and its column mapping look on the Data page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.export import to_csv_bytes
from core.ingest.detect import ROLES, SYNONYMS
from core.ingest.pipeline import FileReport
from pages._ui import charts
from pages._ui.format import literal

FIELDS = ["", *SYNONYMS, "category_flag"]
ROLE_LABELS = {
    "interactions": "Orders, ratings or clicks",
    "reviews": "Reviews",
    "products": "Product catalogue",
    "customers": "Customers",
    "campaign_results": "Campaign results (sent, opened, clicked, bought)",
}


def file_key(report: FileReport) -> str:
    """The uploaded file a report came from (a zip's members share their archive's key)."""
    return report.source.split("/", 1)[0]


def role_picker(report: FileReport, key: str) -> str:
    return st.selectbox(
        "This file holds",
        ROLES,
        index=ROLES.index(report.role),
        key=key,
        format_func=ROLE_LABELS.get,
        help=f"Detected with {report.proposal.role_confidence:.0%} certainty; change it if wrong.",
    )


def mapping_editor(report: FileReport, key: str) -> dict[str, str]:
    """Editable mapping table; returns the columns whose field the user changed (column -> field)."""
    proposed = pd.DataFrame(
        [
            {"column": g.column, "field": g.field or "", "confidence": g.confidence, "why": g.reason}
            for g in report.proposal.columns
        ]
    )
    edited = st.data_editor(
        proposed,
        key=key,
        hide_index=True,
        width="stretch",
        disabled=["column", "confidence", "why"],
        column_config={
            "column": st.column_config.TextColumn("Column in your file"),
            "field": st.column_config.SelectboxColumn("Means", options=FIELDS, help="Empty: the column is not used"),
            "confidence": st.column_config.ProgressColumn("Confidence", min_value=0.0, max_value=1.0, format="percent"),
            "why": st.column_config.TextColumn("Why"),
        },
    )
    changed = edited["field"].fillna("") != proposed["field"]
    return dict(zip(edited.loc[changed, "column"], edited.loc[changed, "field"].fillna(""), strict=True))


def render_report(report: FileReport, key: str) -> None:
    cols = st.columns(5)
    cols[0].metric("Rows read", f"{report.rows_read:,}")
    cols[1].metric("Accepted", f"{report.rows_accepted:,}")
    cols[2].metric("Rejected", f"{report.rows_rejected:,}")
    cols[3].metric("Repeated rows", f"{report.duplicates:,}")
    cols[4].metric("Returns flagged", f"{report.returns:,}")
    st.caption(
        f"{report.format.upper()}, {report.encoding} · becomes "
        + ", ".join(f"{n:,} {table} rows" for table, n in report.tables.items())
    )
    for warning in report.warnings:
        st.warning(literal(warning), icon=":material/info:")
    left, right = st.columns(2)
    with left:
        st.plotly_chart(charts.missing_values(report.missing), key=f"{key}-missing")
    with right:
        if report.per_month.empty:
            st.info("No dates in this file, so no timeline.", icon=":material/calendar_month:")
        else:
            st.plotly_chart(charts.rows_per_month(report.per_month), key=f"{key}-months")
    for title, frame in (
        ("Values that could not be read (kept empty)", report.coercions),
        ("Values outside the expected range (kept)", report.out_of_range),
        ("Ids not found in your catalogue, customer list or approved messages", report.orphans),
    ):
        if not frame.empty:
            st.markdown(f"**{title}**")
            st.dataframe(frame, hide_index=True, width="stretch")
    if report.rows_rejected:
        st.markdown(f"**Rejected rows** ({report.rows_rejected:,}, with the reason for each)")
        st.dataframe(report.rejected.head(200), hide_index=True, width="stretch")
        st.download_button(
            "Download rejected rows (CSV)",
            to_csv_bytes(report.rejected),
            file_name=f"rejected-{file_key(report)}.csv",
            mime="text/csv",
            key=f"{key}-rejected",
        )
