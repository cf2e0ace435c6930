"""Messages page through AppTest: variants with their checks, a deep link, approval and the campaign export."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.conftest import open_page


@pytest.fixture
def trained(trained_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PERSONALENS_HOME", str(trained_home))
    return trained_home


def _cards(at) -> list[str]:  # noqa: ANN001 - an AppTest
    return [m.value for m in at.markdown if m.value.startswith("**Variant")]


def test_variants_show_their_checks_and_follow_the_channel(trained: Path) -> None:
    at = open_page("pages/messages.py", "demo")
    assert not at.exception
    assert len(_cards(at)) == 3
    badges = [m.value for m in at.markdown if "badge[" in m.value]
    assert len(badges) == 3 and all(":red-badge" not in b for b in badges)
    assert any(e.label.startswith("The facts these messages may use") for e in at.expander)
    at.selectbox(key="msg-channel").set_value("sms").run()
    assert not at.exception
    assert any("SMS segment" in c.value for c in at.caption)
    at.slider(key="msg-variants").set_value(5).run()
    assert len(_cards(at)) == 5


def test_a_persona_card_links_here_and_the_link_picks_persona_and_offer(trained: Path) -> None:
    at = open_page("pages/personas.py", "demo")
    links = [p for p in at.get("page_link") if p.proto.label == "Write for this persona"]
    assert len(links) == 6  # one per demo persona
    at = open_page(None, "demo")
    at.query_params["persona"] = "2"
    at.query_params["offer"] = "category:Books"
    at.query_params["discount"] = "0.2"
    at.switch_page("pages/messages.py").run()
    assert not at.exception
    chosen = next(m for m in at.multiselect if m.label == "Personas")
    assert chosen.value == [2]
    assert next(s for s in at.selectbox if s.label == "Category").value == "Books"
    assert any("20%" in m.value for m in at.markdown if "Variant" not in m.value)


def test_approving_files_the_variant_and_the_export_splits_the_audience(trained: Path) -> None:
    at = open_page("pages/messages.py", "demo")
    at.text_input(key="msg-campaign").set_value("Page test").run()
    approve = [b for b in at.button if b.label == "Approve"]
    assert len(approve) == 3
    approve[0].click().run()
    assert not at.exception
    assert any("Approved as" in s.value for s in at.success)
    at.selectbox(key="msg-approved-campaign").set_value("Page test").run()
    table = next(d.value for d in at.dataframe if "message_id" in d.value.columns)
    assert len(table) == 1
    download = next(d for d in at.get("download_button") if d.proto.label.startswith("Download the audience"))
    assert download is not None
    assert any("control" in c.value for c in at.caption)
