"""The garbage collector on a long-running server: what the imported libraries built is never garbage."""

from __future__ import annotations

import gc
import sys

_modules_when_frozen = 0


def freeze_what_imports_built() -> None:
    """Move every object alive now out of the collector's scans, whenever more modules are imported.

    Streamlit collects every generation after each script run (`runner.postScriptGC`, kept for the memory
    of large frames in reference cycles). With pandas, plotly, DuckDB and the rest loaded, that scan walked
    about 230,000 objects: 0.15-0.17 s of every page, holding the lock the server needs to send the page.
    Frozen objects are still freed when their last reference goes; only a cycle among them would wait.
    Called at the start of a run, just after the previous run's collection, so little garbage is frozen,
    and only when the set of modules grew (a handful of times in a server's life).
    """
    global _modules_when_frozen
    if len(sys.modules) != _modules_when_frozen:
        _modules_when_frozen = len(sys.modules)
        gc.freeze()
