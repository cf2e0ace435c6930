"""Exports are safe to open in a spreadsheet: text that would be a formula gets a leading quote."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd

from core.cli import main
from core.export import spreadsheet_safe, to_csv_bytes
from core.personas.service import rename_persona
from core.workspace import Workspace, open_workspace

ATTACKS = ['=HYPERLINK("http://tracker.example","Invoice")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_formula_starts_are_neutralised_and_numbers_stay_numbers() -> None:
    frame = pd.DataFrame({"text": [*ATTACKS, "fine", None], "score": [-0.5] * 6 + [1.0, 2.0]})
    safe = spreadsheet_safe(frame)
    assert safe["text"].tolist()[:6] == ["'" + a for a in ATTACKS]
    assert safe["text"].tolist()[6] == "fine" and pd.isna(safe["text"].iloc[7])
    assert safe["score"].tolist() == frame["score"].tolist()
    back = pd.read_csv(io.BytesIO(to_csv_bytes(frame)))
    assert back["score"].dtype.kind == "f"
    assert all(str(v).startswith("'") for v in back["text"].iloc[:4])
    assert frame["text"].iloc[0] == ATTACKS[0]  # the caller's frame is untouched


def test_the_cli_sentiment_output_is_neutralised(tmp_path: Path, demo_ws: Workspace) -> None:
    source = tmp_path / "feedback.csv"
    pd.DataFrame({"comment": ['=HYPERLINK("http://tracker.example","click")', "Lovely mug"]}).to_csv(source)
    out = tmp_path / "scored.csv"
    code = main(
        ["sentiment", "--workspace", str(demo_ws.path), "--input", str(source), "--text-column", "comment"]
        + ["--output", str(out)]
    )
    assert code == 0
    assert pd.read_csv(out)["comment"].iloc[0].startswith("'=HYPERLINK(")


def test_the_cli_personas_export_is_neutralised(tmp_path: Path, trained_ws: Workspace) -> None:
    copy = tmp_path / "ws"
    shutil.copytree(trained_ws.path, copy)
    ws = open_workspace(copy)
    rename_persona(ws, 0, '=HYPERLINK("http://tracker.example")')
    out = tmp_path / "personas.csv"
    assert main(["export", "--workspace", str(copy), "--what", "personas", "--output", str(out)]) == 0
    names = pd.read_csv(out)["persona_name"]
    assert (names[names.str.contains("HYPERLINK")].str.startswith("'=")).all() and names.str.contains("HYPERLINK").any()


def test_every_export_goes_through_the_one_writer() -> None:
    """A new download or CLI output that calls DataFrame.to_csv directly would skip the neutralising."""
    root = Path(__file__).resolve().parents[2]
    allowed = {root / "core" / "export.py"}
    offenders = [
        str(path.relative_to(root))
        for folder in ("core", "pages")
        for path in (root / folder).rglob("*.py")
        if path not in allowed and "demo" not in path.parts and ".to_csv(" in path.read_text()
    ]
    assert offenders == []
