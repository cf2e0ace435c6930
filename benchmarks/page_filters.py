"""How long a page takes to rerun after a filter changes (issue 15: "a filter change within 0.5 s").

Opens each page with filters in one Streamlit AppTest session on a workspace (the app's own script, no
browser), visits it once so the server is warm, then changes one filter at a time and times the rerun
the change causes. The first visit of every page is timed too, and the same session's rerun with nothing
changed as the floor. Prints JSON; `--home` and `--workspace` pick the store.

    PERSONALENS_HOME=/tmp/h50 .venv/bin/python benchmarks/page_filters.py --workspace scale50x
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

Change = Callable[[AppTest], None]
FIRST = ("first_visit_s",)  # not a filter change


def _pick(label: str, first: int = 1) -> Change:
    """Choose the first `first` options of the multiselect labelled `label`."""

    def change(at: AppTest) -> None:
        widget = next(w for w in at.multiselect if w.label == label)
        widget.set_value(list(widget.options)[:first])

    return change


def _last_half_year(at: AppTest) -> None:
    widget = next(w for w in at.date_input if w.label == "Dates")
    lo, hi = widget.value
    widget.set_value((max(lo, hi - timedelta(days=182)), hi))


FILTERS: dict[str, dict[str, Change]] = {  # the Sentiment page's filters, as issue 15 names them
    "pages/sentiment.py": {
        "stars": _pick("Stars"),
        "persona": _pick("Personas"),
        "category": _pick("Categories"),
        "dates": _last_half_year,
    },
}


def _timed(at: AppTest, change: Change | None) -> float:
    if change:
        change(at)
    started = time.perf_counter()
    at.run()
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception[0].message}")
    return round(time.perf_counter() - started, 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", default="demo")
    parser.add_argument("--home", default=os.environ.get("PERSONALENS_HOME"))
    args = parser.parse_args()
    if args.home:
        os.environ["PERSONALENS_HOME"] = args.home
    pages = {}
    for page, filters in FILTERS.items():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.session_state["workspace"] = args.workspace
        at.run()
        at.switch_page(page)
        first = _timed(at, None)
        timings = {"first_visit_s": first, "unchanged_rerun_s": _timed(at, None)}
        for name, change in filters.items():
            try:
                timings[f"{name}_s"] = _timed(at, change)
            except StopIteration:  # the store has nothing to filter by here
                timings[f"{name}_s"] = None
        pages[page] = timings
    changes = [t for timings in pages.values() for k, t in timings.items() if k not in FIRST and t is not None]
    print(
        json.dumps(
            {
                "benchmark": "page_filters",
                "date": date.today().isoformat(),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                "workspace": args.workspace,
                "pages": pages,
                "slowest_change_s": max(changes, default=None),
                "target_s": 0.5,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
