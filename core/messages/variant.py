"""A written message and the interface every generator implements."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from core.messages.channels import Channel
from core.messages.facts import FactSheet


@dataclass(frozen=True)
class Variant:
    """One message for one channel: its fields in the channel's order, and the facts it drew on."""

    channel: str
    tone: str
    generator: str  # "template" or "llm"
    fields: tuple[tuple[str, str], ...]  # (field name, text)
    fact_ids: tuple[str, ...] = ()

    def get(self, name: str) -> str:
        return next((text for field, text in self.fields if field == name), "")

    def text(self) -> str:
        """Every field, one per line: what duplicate and persona-fit checks read."""
        return "\n".join(text for _, text in self.fields if text)

    def edited(self, changes: dict[str, str]) -> Variant:
        """The variant with some fields rewritten by the marketer (facts it used stay as recorded)."""
        return replace(self, fields=tuple((f, changes.get(f, t)) for f, t in self.fields))


class Generator(Protocol):
    name: str

    def generate(self, sheet: FactSheet, channel: Channel, tone: str, n: int, seed: int) -> list[Variant]:
        """`n` variants for `channel` in `tone`, written only from `sheet`'s facts."""
        ...
