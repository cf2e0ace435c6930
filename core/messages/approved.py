"""Approved messages and the campaign export: what a marketer signs off and hands to the e-mail tool.

An approved variant is stored in the workspace (table approved_messages), so the whole team sees
the same campaign and a later import of results can be matched to it by message id and A/B group.
Approval re-checks the (possibly edited) text and refuses it when a length, grounding or
personal-data check fails; spam-style and duplicate warnings do not block.

The export joins each persona's audience to the messages approved for it: every customer gets one
of the persona's variants at random (seeded, so the same seed gives the same split) or, with
`control_share`, is held out as the control group. Merge tags are filled only when asked (an
analyst's export): {{first_name}} from the customer's name and {{product_url}} from
PERSONALENS_PRODUCT_URL (e.g. https://shop.example/p/{product_id}); otherwise they stay tags for
the e-mail tool, and a masked export carries no names or e-mails.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from core import audit
from core.auth import User, require, who
from core.errors import PersonaLensError
from core.frames import isin
from core.messages import checks
from core.messages.channels import MERGE_TAG, channel
from core.messages.service import BLOCKING, CopySet
from core.workspace import Workspace

TABLE = "approved_messages"
_DDL = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    message_id VARCHAR PRIMARY KEY, campaign VARCHAR, approved_at TIMESTAMP, approved_by VARCHAR,
    persona_id INTEGER, persona_name VARCHAR, customer_id VARCHAR, offer_kind VARCHAR, offer_target VARCHAR,
    discount DOUBLE, channel VARCHAR, tone VARCHAR, generator VARCHAR, fields VARCHAR, fact_ids VARCHAR,
    warnings VARCHAR)"""
CONTROL = "control"
MAX_CONTROL = 0.5


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "campaign"


def approve(
    ws: Workspace,
    copy: CopySet,
    index: int,
    campaign: str,
    grounds: checks.Grounds,
    edits: dict[str, str] | None = None,
    by: User | None = None,
) -> str:
    """Store variant `index` of `copy` (with the marketer's `edits`) under `campaign`; its message id."""
    require(by, ws.name, "approve")
    campaign = " ".join(campaign.split())
    if not campaign:
        raise PersonaLensError("name the campaign the message belongs to")
    if not 0 <= index < len(copy.variants):
        raise PersonaLensError(f"there is no variant {index + 1}")
    spec = channel(copy.request.channel)
    variant = copy.variants[index].variant.edited(edits or {})
    verdict = checks.check_variant(variant, copy.sheet, spec, grounds)
    blocking = [p for p in verdict.problems if p.check in BLOCKING]
    if blocking:
        raise PersonaLensError("this variant cannot be approved: " + "; ".join(p.message for p in blocking))
    message_id = f"{_slug(campaign)}-{copy.sheet.persona_id}-{spec.name}-{uuid.uuid4().hex[:6]}"
    offer = copy.sheet.offer
    row = [
        message_id,
        campaign,
        datetime.now(UTC).replace(tzinfo=None),
        who(by),
        copy.sheet.persona_id,
        copy.sheet.persona_name,
        copy.sheet.customer_id,
        offer.kind,
        offer.target,
        offer.discount,
        spec.name,
        variant.tone,
        variant.generator,
        json.dumps(dict(variant.fields)),
        json.dumps(list(verdict.facts_used)),
        json.dumps([p.message for p in verdict.problems]),
    ]
    with ws.transaction("approving a message") as con:
        con.execute(_DDL)
        con.execute(f"INSERT INTO {TABLE} VALUES ({', '.join('?' * len(row))})", row)
    audit.record(ws, by, "approve", f"{spec.label} message {message_id} for {copy.sheet.persona_name} ({campaign})")
    return message_id


def withdraw(ws: Workspace, message_id: str, by: User | None = None) -> None:
    require(by, ws.name, "approve")
    with ws.transaction("withdrawing a message") as con:
        con.execute(_DDL)
        found = con.execute(f"DELETE FROM {TABLE} WHERE message_id = ? RETURNING message_id", [message_id]).fetchall()
    if not found:
        raise PersonaLensError(f"no approved message {message_id!r}")
    audit.record(ws, by, "withdraw", f"message {message_id}")


def approved(ws: Workspace, campaign: str | None = None) -> pd.DataFrame:
    """message_id, campaign, approved_at, approved_by, persona_id, persona_name, customer_id, offer_kind,
    offer_target, discount, channel, tone, generator, fields (dict), fact_ids (list), warnings (list);
    newest first."""
    if not _exists(ws):
        return pd.DataFrame(columns=["message_id", "campaign", "persona_id", "channel", "fields"])
    where, params = ("WHERE campaign = ?", [campaign]) if campaign else ("", [])
    frame = ws.query(f"SELECT * FROM {TABLE} {where} ORDER BY approved_at DESC, message_id", params)
    for column in ("fields", "fact_ids", "warnings"):
        frame[column] = frame[column].map(json.loads)
    return frame


def campaigns(ws: Workspace) -> list[str]:
    if not _exists(ws):
        return []
    return ws.query(f"SELECT campaign FROM {TABLE} GROUP BY 1 ORDER BY max(approved_at) DESC")["campaign"].tolist()


def _exists(ws: Workspace) -> bool:
    found = ws.query("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = ?", [TABLE])
    return bool(found["n"].iloc[0])


def campaign_export(
    ws: Workspace,
    campaign: str,
    assignments: pd.DataFrame,
    channel_name: str,
    seed: int = 42,
    control_share: float = 0.0,
    fill: bool = False,
    masked: bool = True,
) -> pd.DataFrame:
    """One row per customer of the campaign's personas: customer_id, [name, email,] persona_id, persona_name,
    campaign, ab_group ("A", "B", ... or "control"), message_id, channel, and one column per field.

    `assignments`: customer_id, persona_id, persona_name (the current personas)."""
    if not 0 <= control_share <= MAX_CONTROL:
        raise PersonaLensError(f"the control group is 0 to {MAX_CONTROL:.0%} of the audience")
    spec = channel(channel_name)
    messages = approved(ws, campaign)
    messages = messages[messages["channel"] == spec.name] if len(messages) else messages
    if messages.empty:
        raise PersonaLensError(f"no approved {spec.label} message in campaign {campaign!r}")
    rng = np.random.default_rng(seed)
    people = ws.read_table("customers")[["customer_id", "name", "email"]]
    rows = []
    personal = messages[messages["customer_id"].notna()]
    general = messages[messages["customer_id"].isna()].sort_values("approved_at")
    audience = assignments.sort_values("customer_id")
    taken = set(personal["customer_id"].astype(str))
    for pid, members in audience.groupby("persona_id", sort=True):
        options = general[general["persona_id"] == pid]
        if options.empty:
            continue
        members = members[~isin(members["customer_id"], taken)]
        held = rng.random(len(members)) < control_share
        pick = rng.integers(0, len(options), len(members))
        for (_, member), is_control, k in zip(members.iterrows(), held, pick, strict=True):
            rows.append(
                (member, None if is_control else options.iloc[int(k)], CONTROL if is_control else chr(65 + int(k)))
            )
    for _, message in personal.iterrows():
        member = audience[audience["customer_id"].astype(str) == str(message["customer_id"])]
        if len(member):
            rows.append((member.iloc[0], message, "A"))
    if not rows:
        raise PersonaLensError("none of the campaign's personas has customers in the current personas")
    out = pd.DataFrame(
        [
            {
                "customer_id": m["customer_id"],
                "persona_id": int(m["persona_id"]),
                "persona_name": m["persona_name"],
                "campaign": campaign,
                "ab_group": group,
                "message_id": None if msg is None else msg["message_id"],
                "channel": spec.name,
                **{f.name: ("" if msg is None else msg["fields"].get(f.name, "")) for f in spec.fields},
                "_offer": None if msg is None else (msg["offer_kind"], msg["offer_target"]),
            }
            for m, msg, group in rows
        ]
    ).merge(people, on="customer_id", how="left")
    if fill:
        for f in spec.fields:
            out[f.name] = [_fill(t, n, o) for t, n, o in zip(out[f.name], out["name"], out["_offer"], strict=True)]
    out = out.drop(columns="_offer")
    front = ["customer_id"] + ([] if masked else ["name", "email"])
    rest = [c for c in out.columns if c not in ("customer_id", "name", "email")]
    return out[front + rest].sort_values(["persona_id", "customer_id"]).reset_index(drop=True)


def _fill(text: str, name: object, offer: tuple[str, str] | None) -> str:
    if not text:
        return text
    first = str(name).split()[0] if isinstance(name, str) and name.strip() else "there"
    url_pattern = os.environ.get("PERSONALENS_PRODUCT_URL", "").strip()

    def replace(match: re.Match) -> str:
        tag = match.group(1)
        if tag == "first_name":
            return first
        if tag == "product_url" and url_pattern and offer is not None:
            kind, target = offer
            try:
                return url_pattern.format(product_id=target if kind == "product" else "", category=target)
            except (KeyError, IndexError, ValueError):  # a pattern with other fields: leave the tag to the tool
                return match.group(0)
        return match.group(0)

    return MERGE_TAG.sub(replace, text)
