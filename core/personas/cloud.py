"""A persona's word cloud, drawn when the personas are trained and stored as PNG with their version."""

from __future__ import annotations

import io
import random

# Viridis at seven even steps, without its last, yellow one (hard to read on white).
CLOUD_COLOURS = ("#440154", "#443983", "#31688e", "#21918c", "#35b779", "#5ec962", "#90d743")
SIZE = (520, 220)


def _cloud_colour(
    word: str, font_size: int, position: tuple, orientation: int, random_state: random.Random, **_
) -> str:  # wordcloud's color_func signature
    return CLOUD_COLOURS[random_state.randint(0, len(CLOUD_COLOURS) - 1)]


def keyword_cloud(words: list[str], seed: int = 42):  # noqa: ANN201 - a PIL image
    """A word cloud of a persona's distinctive words, most distinctive largest."""
    from wordcloud import WordCloud  # imports matplotlib: only where a cloud is drawn

    weights = {w: len(words) - i for i, w in enumerate(words)}
    cloud = WordCloud(
        width=SIZE[0],
        height=SIZE[1],
        # Without a cap the layout starts at the canvas height and shrinks one point at a time: 110 ms
        # a cloud against 22 ms.
        max_font_size=90,
        background_color="white",
        color_func=_cloud_colour,  # a colormap would import matplotlib's pyplot on the first cloud (0.3 s)
        random_state=seed,
        prefer_horizontal=0.95,
        margin=4,
    )
    return cloud.generate_from_frequencies(weights).to_image()


def cloud_png(words: list[str]) -> bytes:
    """The cloud as PNG bytes, as stored and as the page sends them (no re-encoding per visit)."""
    out = io.BytesIO()
    keyword_cloud(words).save(out, format="PNG", optimize=True)
    return out.getvalue()
