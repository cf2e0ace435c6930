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


def test_an_unreachable_language_model_falls_back_with_the_reason(
    trained: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("PERSONALENS_LLM_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("PERSONALENS_LLM_MODEL", "test-model")
    monkeypatch.setattr("core.messages.llm.BACKOFF_S", 0.0)
    at = open_page("pages/messages.py", "demo")
    assert any("never a customer's name" in c.value for c in at.caption) is False  # templates chosen by default
    at.radio(key="msg-generator").set_value("llm").run()
    assert not at.exception
    assert any("never a customer's name" in c.value for c in at.caption)
    assert any("could not reach" in i.value and "template variants" in i.value for i in at.info)
    assert len(_cards(at)) == 3 and all("templates" in c for c in _cards(at))


def test_one_customer_adds_why_they_get_the_offer(trained: Path) -> None:
    from core.personas.service import assignments
    from core.workspace import open_workspace

    members = assignments(open_workspace(trained / "demo"))
    customer = str(members.loc[members["persona_id"] == 2, "customer_id"].iloc[0])
    at = open_page("pages/messages.py", "demo")
    at.multiselect(key=next(m.key for m in at.multiselect if m.label == "Personas")).set_value([2]).run()
    at.radio(key=next(r.key for r in at.radio if r.label == "Offer")).set_value("product").run()
    at.text_input(key=next(t.key for t in at.text_input if t.label.startswith("One customer"))).set_value(
        customer
    ).run()
    assert not at.exception
    facts = next(d.value for d in at.dataframe if "shareable" in d.value.columns)
    reason = facts[facts["id"] == "customer.reason"]
    assert len(reason) == 1 and not bool(reason["shareable"].iloc[0])
