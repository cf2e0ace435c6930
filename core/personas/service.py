"""Train, store and read personas for a workspace.

The fitted model is saved under `models/personas/VERSION/` (written to a temporary folder, then
renamed); assignments and persona names live in the workspace database. Names the user edits
are kept across retrains (persona ids are stable, see PersonaModel).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from core import audit, registry
from core.auth import User, require
from core.errors import PersonaLensError
from core.personas import views
from core.personas.cloud import cloud_png
from core.personas.describe import PersonaCard, describe_personas
from core.personas.profile import CustomerProfiles, build_profiles
from core.personas.rfm import rfm_scores, segment_summary
from core.personas.segment import KChoice, PersonaModel
from core.personas.stored import assignments, current_version, has_personas
from core.spark.engine import LOCAL, metadata
from core.workspace import Workspace, bump_labels_version

Progress = Callable[[float, str], None]
CLOUDS = "clouds"  # views/clouds/PERSONA_ID.png
_DDL = (
    "CREATE TABLE IF NOT EXISTS persona_assignments (customer_id VARCHAR, persona_id INTEGER, version VARCHAR)",
    "CREATE TABLE IF NOT EXISTS persona_names (persona_id INTEGER PRIMARY KEY, name VARCHAR, edited BOOLEAN)",
)


@dataclass(frozen=True)
class PersonaRun:
    """What a training run produced."""

    version: str
    n_personas: int
    silhouette: float
    k_scores: list[KChoice]
    sizes: dict[int, int]
    seconds: float


def train_personas(
    ws: Workspace,
    n_personas: int | None = None,
    groups: tuple[str, ...] | None = None,
    weights: dict[str, float] | None = None,
    progress: Progress | None = None,
    engine: str = LOCAL,
) -> PersonaRun:
    """Profile every customer, cluster (on `engine`: local or spark), describe, and store the result."""
    report = progress or (lambda _f, _m: None)
    started = time.perf_counter()
    profiles = build_profiles(ws, progress=lambda f, m: report(0.05 + 0.3 * f, m))
    report(0.35, "finding personas")
    model = PersonaModel(n_personas=n_personas, groups=groups, weights=weights, engine=engine).fit(
        profiles, previous=load_model(ws), progress=lambda f, m: report(0.35 + 0.4 * f, f"finding personas: {m}")
    )
    assignments = model.assignments()
    report(0.75, "describing personas")
    cards = describe_personas(ws, profiles, assignments)
    with registry.version_folder(ws, "personas", started) as draft:
        version, partial = draft.version, draft.folder
        model.save(partial)
        report(0.85, "preparing the charts")
        _save_views(partial / "views", model, profiles, assignments, cards)
        report(0.9, "finding each persona's own phrases")
        from core.messages.facts import store_phrases  # messages build on personas, not the other way

        store_phrases(ws, partial, assignments)
        with ws.transaction("training (personas)") as con:
            for ddl in _DDL:
                con.execute(ddl)
            con.register("assigned", assignments.assign(version=version))
            con.execute("INSERT INTO persona_assignments SELECT customer_id, persona_id, version FROM assigned")
            for card in cards:
                con.execute(
                    "INSERT INTO persona_names VALUES (?, ?, false) ON CONFLICT (persona_id) DO UPDATE "
                    "SET name = CASE WHEN persona_names.edited THEN persona_names.name ELSE excluded.name END",
                    [card.persona_id, card.name],
                )
            draft.record(
                con,
                metrics={"silhouette": round(model.silhouette_, 4)},
                summary={
                    "n_personas": len(cards),
                    "sizes": {str(k): int(v) for k, v in assignments["persona_id"].value_counts().sort_index().items()},
                    "feature_groups": list(model.columns_),  # "campaigns": past campaign answers fed back
                    "samples": [sample.to_dict() for sample in profiles.samples],
                    **metadata(engine),
                },
            )
    report(1.0, "done")
    sizes = assignments["persona_id"].value_counts().sort_index()
    return PersonaRun(
        version,
        int(len(sizes)),
        model.silhouette_,
        model.k_scores_,
        {int(k): int(v) for k, v in sizes.items()},
        round(time.perf_counter() - started, 2),
    )


@dataclass(frozen=True)
class PersonaViews:
    """What the Personas page shows, computed at training time and read back in milliseconds.

    cards, assignments (customer_id, persona_id, persona_name) and clouds (persona_id -> its word cloud
    as PNG; personas without keywords have none) are read at once: the Cards tab, shown on arrival,
    needs only those. The other tabs' tables are read on first use, with persona names as stored:
    profiles (the profile table, index customer_id); map (customer_id, x, y, persona_id, persona_name,
    top_category, age, orders); traits (persona x standardised trait); rfm (segment summary);
    rfm_by_persona (persona_name, segment, customers). Shared by every session: do not mutate.
    """

    version: str
    silhouette: float
    cards: list[PersonaCard]
    assignments: pd.DataFrame
    clouds: dict[int, bytes]
    folder: Path
    rename: dict[str, str]  # generated name -> the name as stored (edits included)

    def _read(self, name: str) -> pd.DataFrame:
        return pd.read_parquet(self.folder / f"{name}.parquet")

    def _read_named(self, name: str) -> pd.DataFrame:
        """A table with a persona_name column, the names as stored."""
        frame = self._read(name)
        frame["persona_name"] = frame["persona_name"].map(lambda n: self.rename.get(n, n))
        return frame

    @cached_property
    def profiles(self) -> pd.DataFrame:
        return self._read("profiles")

    @cached_property
    def map(self) -> pd.DataFrame:
        return self._read_named("map")

    @cached_property
    def traits(self) -> pd.DataFrame:
        return self._read("traits").rename(index=self.rename)

    @cached_property
    def rfm(self) -> pd.DataFrame:
        return self._read("rfm")

    @cached_property
    def rfm_by_persona(self) -> pd.DataFrame:
        return self._read_named("rfm_by_persona")


def _save_views(
    folder: Path, model: PersonaModel, profiles: CustomerProfiles, assigned: pd.DataFrame, cards: list[PersonaCard]
) -> None:
    folder.mkdir(parents=True)
    named = assigned.merge(
        pd.DataFrame({"persona_id": [c.persona_id for c in cards], "persona_name": [c.name for c in cards]}),
        on="persona_id",
    )
    profiles.table.to_parquet(folder / "profiles.parquet")
    views.customer_map(model, profiles, named).to_parquet(folder / "map.parquet")
    views.trait_comparison(profiles, named).to_parquet(folder / "traits.parquet")
    segment_summary(rfm_scores(profiles.table)).to_parquet(folder / "rfm.parquet")
    views.rfm_by_persona(profiles, named).to_parquet(folder / "rfm_by_persona.parquet")
    (folder / "cards.json").write_text(json.dumps([asdict(c) for c in cards], indent=1))
    (folder / CLOUDS).mkdir()
    for card in cards:
        if card.keywords:
            (folder / CLOUDS / f"{card.persona_id}.png").write_bytes(cloud_png(card.keywords))


def _clouds(folder: Path, cards: list[PersonaCard]) -> dict[int, bytes]:
    """The stored clouds; a version trained before clouds were stored gets them drawn here, once per load."""
    found = {}
    for card in cards:
        stored = folder / CLOUDS / f"{card.persona_id}.png"
        if stored.is_file():
            found[card.persona_id] = stored.read_bytes()
        elif card.keywords:
            found[card.persona_id] = cloud_png(card.keywords)
    return found


def load_views(ws: Workspace) -> PersonaViews | None:
    """The current personas as the page shows them, with the names as stored (edits included)."""
    version = current_version(ws)
    folder = ws.models_dir / "personas" / str(version) / "views"
    if version is None or not folder.is_dir():
        return None
    current = assignments(ws)
    names = dict(zip(current["persona_id"].tolist(), current["persona_name"].tolist(), strict=False))
    stored = json.loads((folder / "cards.json").read_text())
    generated = {c["persona_id"]: c["name"] for c in stored}
    rename = {old: names.get(pid, old) for pid, old in generated.items()}
    cards = [
        PersonaCard(
            **{
                **c,
                "name": names.get(c["persona_id"], c["name"]),
                "top_categories": [tuple(x) for x in c["top_categories"]],
                "top_products": [tuple(x) for x in c["top_products"]],
            }
        )
        for c in stored
    ]
    model_config = json.loads((folder.parent / "config.json").read_text())
    return PersonaViews(
        str(version), float(model_config["silhouette"]), cards, current, _clouds(folder, cards), folder, rename
    )


def load_model(ws: Workspace) -> PersonaModel | None:
    version = current_version(ws)
    folder = ws.models_dir / "personas" / str(version)
    return PersonaModel.load(folder) if version and folder.is_dir() else None


def rename_persona(ws: Workspace, persona_id: int, name: str, by: User | None = None) -> None:
    require(by, ws.name, "rename")
    name = name.strip()
    if not name:
        raise PersonaLensError("a persona needs a name")
    if not has_personas(ws):
        raise PersonaLensError("there are no personas yet: train them first")
    with ws.transaction("a persona rename") as con:
        con.execute("UPDATE persona_names SET name = ?, edited = true WHERE persona_id = ?", [name, persona_id])
        bump_labels_version(con)
    audit.record(ws, by, "rename", f"persona {persona_id} to {name!r}")
