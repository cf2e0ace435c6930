"""Data: upload exports, review what PersonaLens understood, commit; browse what is stored."""

from __future__ import annotations

import streamlit as st

from core import storage
from core.errors import PersonaLensError
from core.ingest.pipeline import IngestResult, ingest
from pages._ui import access, cache, ingest_view
from pages._ui.format import literal
from pages._ui.frame import require_frame
from pages._ui.state import StateKeys
from pages._ui.uploads import save_uploads

require_frame()
ws = cache.open_selected(st.session_state.get(StateKeys.WORKSPACE))
st.title("Data")
if ws is None:
    st.info("Pick or create a workspace in the sidebar first.", icon=":material/folder_open:")
    st.stop()

may_upload = access.can("upload")  # viewers browse only
*upload_tab, browse_tab = st.tabs(
    ([":material/upload: Upload"] if may_upload else []) + [":material/table_view: Browse"]
)
if upload_tab:
    with upload_tab[0]:
        files = st.file_uploader(
            "Your exports: CSV, TSV, JSON Lines, Excel, also inside .gz or .zip",
            accept_multiple_files=True,
            key=StateKeys.UPLOADS,
        )
        if not files:
            st.info(
                "Drop the files your shop already exports: customers, orders or ratings, the product catalogue, "
                "reviews. Column names, delimiters and encodings are detected; you review the result before "
                "anything is stored. The demo store's files in `assets/demo/` show the shapes we read.",
                icon=":material/upload_file:",
            )
        else:
            paths = save_uploads(files)
            names = [f.name for f in files]
            choices = st.session_state.setdefault(StateKeys.INGEST_CHOICES, {})
            roles = [choices.get(n, {}).get("role") for n in names]
            overrides = [choices.get(n, {}).get("overrides") or None for n in names]

            def run(text: str, **kwargs: object) -> IngestResult:
                """One ingest call with a progress bar; a plain error stops the page (nothing written)."""
                bar = st.progress(0.0, text=text)
                try:
                    with storage.waiting_notice(lambda message: bar.progress(0.0, text=message)):
                        return ingest(
                            ws,
                            paths,
                            names=names,
                            roles=roles,
                            file_overrides=overrides,
                            by=access.user(),
                            progress=lambda f, m: bar.progress(f, text=m.capitalize()),
                            **kwargs,
                        )
                except PersonaLensError as exc:
                    st.error(f"Nothing was written: {exc}", icon=":material/error:")
                    st.stop()
                finally:
                    bar.empty()

            preview = run("Reading your files", dry_run=True)
            for i, report in enumerate(preview.reports):
                name = ingest_view.file_key(report)
                with st.expander(
                    f"**{literal(report.source)}** · {ingest_view.ROLE_LABELS[report.role]}", expanded=True
                ):
                    role = ingest_view.role_picker(report, key=f"role-{i}-{report.source}")
                    edits = ingest_view.mapping_editor(report, key=f"map-{i}-{report.source}")
                    wanted = {"role": role, "overrides": {**choices.get(name, {}).get("overrides", {}), **edits}}
                    if role != report.role or edits:
                        choices[name] = wanted
                        st.rerun()
                    ingest_view.render_report(report, key=f"report-{i}")
            st.subheader("Data health")
            for note in preview.health:
                st.markdown(f"- {literal(note)}")
            mode = st.radio(
                "Rows already in the workspace",
                ["append", "replace"],
                horizontal=True,
                format_func={
                    "append": "Keep them and add new rows (skips rows already stored)",
                    "replace": "Replace them with these files",
                }.get,
            )
            if st.button("Commit to workspace", type="primary", icon=":material/database_upload:"):
                result = run("Writing", mode=mode)
                written = sum(sum(r.written.values()) for r in result.reports)
                st.success(
                    f"Stored {written:,} rows from {len(files)} file(s). The originals are kept unchanged in "
                    "the workspace.",
                    icon=":material/check_circle:",
                )

with browse_tab:
    counts = cache.summary(ws).tables
    table = st.segmented_control(
        "Table",
        list(counts),
        default="interactions",
        format_func=lambda t: f"{t} ({counts[t]:,})",
        key=StateKeys.BROWSE_TABLE,
    )
    if table:
        left, right = st.columns([1, 2])
        column = left.selectbox("Filter column", cache.table_columns(table))
        needle = right.text_input("contains", placeholder="e.g. an id, a city, a word")
        masked = st.toggle("Mask personal data (names, e-mails)", value=True) if access.can("unmask") else True
        page = cache.browse(ws, table, column, needle, masked, by=access.user())
        st.caption(f"{page.matching:,} of {page.total:,} rows match; showing up to {len(page.rows):,}.")
        st.dataframe(page.rows, hide_index=True, width="stretch")
