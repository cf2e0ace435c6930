"""Numbers as a marketer reads them."""

from __future__ import annotations

import re


def compact(value: float | int | None, decimals: int = 1) -> str:
    """12345 -> '12.3K', 2169955 -> '2.17M'; None -> '—'."""
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    value = abs(float(value))
    for limit, unit, digits in ((1e9, "B", 2), (1e6, "M", 2), (1e4, "K", decimals)):
        if value >= limit:
            return f"{sign}{value / limit:.{digits}f}{unit}"
    return f"{sign}{value:,.0f}"


# Every character Streamlit's Markdown gives a meaning to: CommonMark and GFM syntax (links, images,
# emphasis, code, tables, autolinks), LaTeX ($), colour and icon directives (:red[...], :material/x:).
_MARKUP = frozenset("\\`*_{}[]()<>#+-.!|$:~=&\"'")


_ZERO_WIDTH = "\u200b"
_WWW = re.compile(r"(www)(\\\.)", re.IGNORECASE)


def literal(text: object) -> str:
    """Text that came from an upload (titles, reviews, names typed by users), ready for st.markdown and
    st.caption: every Markdown, HTML, LaTeX and directive character is backslash-escaped, so it shows as
    the characters it is; no image is fetched and no link is made.

    Escapes alone do not stop GFM's bare-URL links (`http://…`, `www.…`, `a@b.example`) nor Streamlit's
    `:material/…:` icons, so an invisible zero-width space goes after every `:` and `@` and inside `www.`.
    """
    escaped = "".join("\\" + ch if ch in _MARKUP else ch for ch in str(text)).replace("\n", " ")
    escaped = escaped.replace("\\:", "\\:" + _ZERO_WIDTH).replace("@", "@" + _ZERO_WIDTH)
    return _WWW.sub(lambda m: m.group(1) + _ZERO_WIDTH + m.group(2), escaped)


def highlighted(text: str, phrases: list[str]) -> str:
    """`text` as literal Markdown, with every occurrence of `phrases` (facts it uses) on a blue background;
    line breaks kept."""
    wanted = sorted({p for p in phrases if p and len(p) >= 2}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(p) for p in wanted), re.IGNORECASE) if wanted else None
    lines = []
    for line in text.split("\n"):
        out, at = [], 0
        for match in pattern.finditer(line) if pattern else ():
            out.append(literal(line[at : match.start()]))
            out.append(f":blue-background[{literal(match.group(0))}]")
            at = match.end()
        out.append(literal(line[at:]))
        lines.append("".join(out))
    return "  \n".join(lines)
