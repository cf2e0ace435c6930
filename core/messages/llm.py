"""The optional language-model generator: any OpenAI-compatible chat endpoint a team runs.

Configured only from the environment: PERSONALENS_LLM_BASE_URL (e.g. http://localhost:11434/v1 for
Ollama, http://localhost:8080/v1 for llama.cpp's server, a vLLM or hosted URL), PERSONALENS_LLM_MODEL,
and PERSONALENS_LLM_API_KEY when the endpoint needs one; PERSONALENS_LLM_TIMEOUT_S (default 30).
Nothing is downloaded and nothing else needs it. The prompt carries only the sheet it is given, which
the caller has reduced to shareable facts (persona-level and product facts: never a customer's name,
e-mail or id). JSON output is requested and parsed; a failure raises LLMError, which the service turns
into template variants with the reason shown.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from core.errors import PersonaLensError
from core.messages.channels import Channel
from core.messages.facts import FactSheet
from core.messages.variant import Variant

RETRIES = 2  # after the first attempt, for timeouts, refused connections and 5xx answers
BACKOFF_S = 0.5


class LLMError(PersonaLensError):
    """The language model is not configured, did not answer, or answered something unusable."""


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    model: str
    api_key: str = ""
    timeout_s: float = 30.0

    @classmethod
    def from_environment(cls) -> LLMConfig | None:
        base = os.environ.get("PERSONALENS_LLM_BASE_URL", "").strip()
        model = os.environ.get("PERSONALENS_LLM_MODEL", "").strip()
        if not base or not model:
            return None
        timeout = os.environ.get("PERSONALENS_LLM_TIMEOUT_S", "").strip() or "30"
        try:
            seconds = float(timeout)
        except ValueError:
            raise LLMError(f"PERSONALENS_LLM_TIMEOUT_S must be a number of seconds, not {timeout!r}") from None
        return cls(base.rstrip("/"), model, os.environ.get("PERSONALENS_LLM_API_KEY", "").strip(), seconds)


def configured() -> LLMConfig | None:
    return LLMConfig.from_environment()


def build_prompt(sheet: FactSheet, channel: Channel, tone: str, n: int) -> list[dict[str, str]]:
    """The chat messages: the rules, then the facts as JSON. Only `sheet`'s facts are sent."""
    fields = ", ".join(f'"{f.name}" (at most {f.limit} characters)' for f in channel.fields)
    rules = (
        "You write marketing copy for an online store. Use only the facts given: every number, price, percentage, "
        "product name and brand you write must appear in the facts; never invent any. Do not address a person by "
        "name; write {{first_name}} where the greeting needs a name and {{product_url}} for the link. No words in "
        "capitals, no '!!', no spam phrases. "
        + (f"End every message with '{channel.footer}' (it counts toward the limit). " if channel.footer else "")
        + f"Write {n} clearly different variants for the channel '{channel.label}' in a {tone} tone. "
        f'Answer with JSON only, in the form {{"variants": [{{...}}, ...]}}, each variant an object with {fields}.'
    )
    facts = [{"id": f.id, "what": f.label, "text": f.text} for f in sheet.facts]
    return [
        {"role": "system", "content": rules},
        {"role": "user", "content": json.dumps({"persona": sheet.persona_name, "facts": facts}, ensure_ascii=False)},
    ]


class LLMGenerator:
    name = "llm"

    def __init__(self, config: LLMConfig) -> None:
        self.config = config

    @classmethod
    def from_environment(cls) -> LLMGenerator:
        config = configured()
        if config is None:
            raise LLMError("no language model is configured: set PERSONALENS_LLM_BASE_URL and PERSONALENS_LLM_MODEL")
        return cls(config)

    def generate(self, sheet: FactSheet, channel: Channel, tone: str, n: int, seed: int) -> list[Variant]:
        payload = {
            "model": self.config.model,
            "messages": build_prompt(sheet, channel, tone, n),
            "temperature": 0.7,
            "seed": seed,
            "response_format": {"type": "json_object"},
        }
        answer = self._post(payload)
        return parse_variants(answer, channel, tone)[:n]

    def _post(self, payload: dict) -> str:
        request = urllib.request.Request(
            f"{self.config.base_url}/chat/completions",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"}
            | ({"Authorization": f"Bearer {self.config.api_key}"} if self.config.api_key else {}),
            method="POST",
        )
        last = ""
        for attempt in range(RETRIES + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.config.timeout_s) as response:  # noqa: S310 - the team's own URL
                    body = json.loads(response.read().decode("utf-8"))
                return str(body["choices"][0]["message"]["content"])
            except urllib.error.HTTPError as exc:
                last = f"the endpoint answered HTTP {exc.code}"
                if exc.code < 500:
                    break
            except TimeoutError:
                last = f"no answer within {self.config.timeout_s:g} s"
            except urllib.error.URLError as exc:
                timed_out = isinstance(exc.reason, TimeoutError)
                last = (
                    f"no answer within {self.config.timeout_s:g} s"
                    if timed_out
                    else f"could not reach {self.config.base_url} ({exc.reason})"
                )
            except (KeyError, IndexError, TypeError, ValueError):
                raise LLMError("the endpoint's answer is not an OpenAI-style chat completion") from None
            if attempt < RETRIES:
                time.sleep(BACKOFF_S * (attempt + 1))
        raise LLMError(last)


def parse_variants(content: str, channel: Channel, tone: str) -> list[Variant]:
    """Variants from the model's JSON answer (a ```json fence around it is tolerated)."""
    text = re.sub(r"^\s*```(?:json)?\s*|\s*```\s*$", "", content.strip())
    try:
        found = json.loads(text)
    except ValueError:
        raise LLMError("the answer was not valid JSON") from None
    items = found.get("variants") if isinstance(found, dict) else found
    if not isinstance(items, list) or not items:
        raise LLMError('the answer had no list of "variants"')
    variants = []
    for item in items:
        if not isinstance(item, dict):
            raise LLMError("a variant in the answer was not an object")
        missing = [f.name for f in channel.fields if not isinstance(item.get(f.name), str) or not item[f.name].strip()]
        if missing:
            raise LLMError(f"a variant in the answer had no {', '.join(missing)}")
        fields = [(f.name, " ".join(item[f.name].split()) if f.name != "body" else item[f.name].strip())
                  for f in channel.fields]  # fmt: skip
        if channel.footer and not fields[-1][1].endswith(channel.footer):  # an SMS always says how to opt out
            fields[-1] = (fields[-1][0], f"{fields[-1][1]} {channel.footer}")
        fields = tuple(fields)
        variants.append(Variant(channel.name, tone, "llm", fields))
    return variants
