"""Offline NLTK resources: the VADER lexicon, copied from the vaderSentiment package.

NLTK looks for `sentiment/vader_lexicon.zip/vader_lexicon/vader_lexicon.txt` on its data path.
We build that zip inside the project (`nltk_data/`) from the lexicon the vaderSentiment wheel
ships, so nothing is ever downloaded. `python -m core.nltk_setup` is run by `make`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from core.config import NLTK_DATA_DIR

VADER_ZIP = Path("sentiment") / "vader_lexicon.zip"
VADER_MEMBER = "vader_lexicon/vader_lexicon.txt"


def vader_source() -> Path:
    import vaderSentiment

    return Path(vaderSentiment.__file__).parent / "vader_lexicon.txt"


def ensure_nltk_data(data_dir: Path = NLTK_DATA_DIR) -> Path:
    """Create the project-local NLTK data folder (idempotent) and put it first on NLTK's path."""
    target = data_dir / VADER_ZIP
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.write(vader_source(), VADER_MEMBER)
        partial.replace(target)
    import nltk

    if str(data_dir) not in nltk.data.path:
        nltk.data.path.insert(0, str(data_dir))
    return data_dir


if __name__ == "__main__":
    print(f"NLTK data ready in {ensure_nltk_data()}")
