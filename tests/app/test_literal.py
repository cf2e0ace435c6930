"""Uploaded text shown through st.markdown stays text: no image, link, icon, formula or emphasis.

(What the browser makes of it, with requests recorded, is checked end to end in tests/e2e.)
"""

from __future__ import annotations

import re

from pages._ui.format import literal

EVIL = (
    "![x](http://t.example/p.png) [Invoice](http://t.example/i) <img src=x> $x$ :red[a] :material/home: "
    "www.t.example a@t.example **b** `c` # h | t"
)


def test_every_markup_character_is_escaped() -> None:
    out = literal(EVIL)
    assert not re.search(r"(?<!\\)[!\[\]()<>$*`:#|]", out)  # every markup character comes escaped
    for token in ("http://", "www.", "a@t"):  # bare links are broken by an invisible space
        assert token not in out.replace("\\", ""), token
    assert out.replace("\\", "").replace("\u200b", "") == EVIL  # only escapes and invisible spaces were added


def test_plain_text_reads_the_same_and_lines_join() -> None:
    assert literal("Lovely mug, 4 stars") == "Lovely mug, 4 stars"
    assert literal("first\nsecond") == "first second"
    assert literal(None) == "None"
