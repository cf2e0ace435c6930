"""The optional language-model generator against a local OpenAI-compatible server started by each test.

The server (stdlib ThreadingHTTPServer on 127.0.0.1) answers POST /v1/chat/completions with scripted
contents, delays or status codes and records every request, so these tests check what the generator
sends (only shareable facts, JSON asked for, the model and key) and how `write_from_facts` treats what
comes back: good answers are used, and a failing model or a variant failing the checker on length,
grounding or personal data is replaced by template variants with the reason in `CopySet.fallback`.
No workspace is built: the fact sheet and the checker's grounds are made by hand.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from core.messages import llm, phrasebook
from core.messages.aspects import word_counts
from core.messages.channels import EMAIL, SMS
from core.messages.checks import CHECKS, Grounds, name_words
from core.messages.facts import Fact, FactSheet, OfferSpec
from core.messages.service import CopyRequest, CopySet, write_from_facts

MODEL = "tiny-test-model"
CUSTOMER_ID = "C10001"
CUSTOMER_REASON = "You bought Voltix Noise-Cancelling Headphones Max"
OFFER = OfferSpec("product", "P1001", 0.1)
SHEET = FactSheet(
    persona_id=1,
    persona_name="Premium Electronics shoppers",
    customer_id=CUSTOMER_ID,
    offer=OFFER,
    suggested_tone="premium",
    facts=(
        Fact("persona.name", "Persona", "Premium Electronics shoppers"),
        Fact("product.title", "Product", "Kestrel Wireless Earbuds Classic"),
        Fact("product.brand", "Brand", "Kestrel"),
        Fact("product.price", "Price", "$100.99", 100.99),
        Fact("offer.discount", "Discount", "10%", 10.0),
        Fact("product.price_now", "Price, after the discount", "$90.89", 90.89),
        Fact("review.praise.1", "Reviewers praise", "sound quality", count=5),
        Fact("persona.phrase.1", "Their own words", "daily commute"),
        Fact("customer.reason", "Why this customer", CUSTOMER_REASON, shareable=False),
    ),
)

GOOD_EMAILS: list[dict[str, str]] = [
    {
        "subject": "10% off Kestrel Wireless Earbuds Classic",
        "preheader": "Now $90.89, down from $100.99.",
        "headline": "Sound quality for your daily commute",
        "body": "Hi {{first_name}},\n\nReviewers keep praising the sound quality of the Kestrel Wireless Earbuds "
        "Classic. With 10% off, they are yours for $90.89.\n\nSee them at {{product_url}}",
        "cta": "Shop the earbuds",
    },
    {
        "subject": "Your daily commute, with better sound",
        "preheader": "Kestrel earbuds that reviewers love for their sound quality.",
        "headline": "Meet the Kestrel Wireless Earbuds Classic",
        "body": "Dear {{first_name}},\n\nMake every daily commute sound better. The Kestrel Wireless Earbuds "
        "Classic are $90.89 this week instead of $100.99.\n\nTake a look: {{product_url}}",
        "cta": "Take a look",
    },
    {
        "subject": "{{first_name}}, a quieter ride awaits",
        "preheader": "Save 10% on Kestrel, the brand behind great sound quality.",
        "headline": "Premium sound, 10% off",
        "body": "Hello {{first_name}},\n\nA quieter ride to work starts with Kestrel. Listeners single out the "
        "sound quality, and there is 10% off for a short while.\n\nFind yours: {{product_url}}",
        "cta": "Find yours",
    },
]
GOOD_SMS = "Kestrel Wireless Earbuds Classic, now $90.89 with 10% off. Loved for the sound quality: {{product_url}}"


def _phrasebook_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _phrasebook_strings(v)
    elif isinstance(value, tuple):
        for v in value:
            yield from _phrasebook_strings(v)


def make_grounds() -> Grounds:
    """What load_grounds would know for this store: its names, one customer, phrasebook and plain words."""
    book = [s for name, v in vars(phrasebook).items() if name.isupper() for s in _phrasebook_strings(v)]
    plain = [text for variant in GOOD_EMAILS for text in variant.values()] + [GOOD_SMS]
    names = ["Kestrel", "Kestrel Wireless Earbuds Classic", "Voltix", "Voltix Noise-Cancelling Headphones Max"]
    return Grounds(
        names=frozenset(name_words(n) for n in names),
        customer_ids=frozenset({CUSTOMER_ID}),
        customer_names=frozenset({"ethan clark"}),
        vocabulary=frozenset(word_counts(book)) | frozenset(word_counts(plain)),
    )


GROUNDS = make_grounds()


# --- the test server -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One scripted answer: a chat completion with `content`, after `delay_s`; or `status`; or a `raw` body."""

    content: str = ""
    delay_s: float = 0.0
    status: int = 200
    raw: str | None = None


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    raw: str

    @property
    def body(self) -> dict[str, Any]:
        return json.loads(self.raw)


@dataclass
class FakeLLM:
    """The running server: its base URL, what to answer next and what it was sent."""

    base_url: str
    answers: list[Answer] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, *answers: str | Answer) -> None:
        """The next answers, in order; the last one is repeated once they run out."""
        with self.lock:
            self.answers = [a if isinstance(a, Answer) else Answer(a) for a in answers]

    def next_answer(self, received: Received) -> Answer:
        with self.lock:
            self.requests.append(received)
            if not self.answers:
                return Answer(status=500)
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # the http.server name
        size = int(self.headers.get("Content-Length") or 0)
        received = Received(self.path, dict(self.headers.items()), self.rfile.read(size).decode("utf-8"))
        fake = self.server.fake
        answer = fake.next_answer(received)
        if self.path != "/v1/chat/completions":
            answer = Answer(status=404, raw="{}")
        if answer.delay_s and fake.stop.wait(answer.delay_s):
            return  # the test is over
        if answer.raw is not None:
            payload = answer.raw
        elif answer.status == 200:
            payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer.content}}]})
        else:
            payload = json.dumps({"error": {"message": f"scripted {answer.status}"}})
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload.encode())))
            self.end_headers()
            self.wfile.write(payload.encode())
        except OSError:  # the client gave up (a timeout test)
            pass

    def log_message(self, format: str, *args: object) -> None:  # the http.server signature
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeLLM

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up mid-answer is expected in the timeout tests


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLLM]:
    """A local OpenAI-compatible endpoint, configured through the environment for the generator."""
    httpd = _Server(("127.0.0.1", 0), _Handler)
    fake = FakeLLM(f"http://127.0.0.1:{httpd.server_address[1]}/v1")
    httpd.fake = fake
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    for proxy in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(proxy, raising=False)  # urllib would send 127.0.0.1 through a proxy
    monkeypatch.setenv("PERSONALENS_LLM_BASE_URL", fake.base_url)
    monkeypatch.setenv("PERSONALENS_LLM_MODEL", MODEL)
    monkeypatch.setenv("PERSONALENS_LLM_TIMEOUT_S", "5")
    monkeypatch.delenv("PERSONALENS_LLM_API_KEY", raising=False)
    monkeypatch.setattr(llm, "BACKOFF_S", 0)
    try:
        yield fake
    finally:
        fake.stop.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def answer(*variants: dict[str, str]) -> str:
    return json.dumps({"variants": list(variants)})


def write(channel: str = "email", variants: int = 3, tone: str | None = None, seed: int = 7) -> CopySet:
    request = CopyRequest(1, OFFER, channel=channel, tone=tone, variants=variants, generator="llm", seed=seed)
    return write_from_facts(SHEET, GROUNDS, request)


def assert_all_pass(result: CopySet) -> None:
    for checked in result.variants:
        assert checked.verdict.ok, (checked.variant.fields, checked.verdict.problems)
        assert all(checked.verdict.passed(name) for name in CHECKS)


def generators(result: CopySet) -> list[str]:
    return [c.variant.generator for c in result.variants]


# --- good answers ----------------------------------------------------------------------------------------


def test_the_fixtures_are_sound() -> None:
    """The hand-made sheet and grounds are what the other tests assume: templates pass every check on them."""
    request = CopyRequest(1, OFFER, channel="email", variants=3)
    assert_all_pass(write_from_facts(SHEET, GROUNDS, request))
    assert SHEET.shareable().get("customer.reason") is None
    assert SHEET.shareable().customer_id is None


def test_a_good_answer_is_used_as_written(server: FakeLLM) -> None:
    server.script(answer(*GOOD_EMAILS))
    result = write()
    assert result.fallback == ""
    assert result.generator == "llm"
    assert generators(result) == ["llm"] * 3
    assert_all_pass(result)
    assert [dict(c.variant.fields) for c in result.variants] == GOOD_EMAILS
    assert all(c.variant.channel == "email" and c.variant.tone == "premium" for c in result.variants)
    assert "product.price_now" in result.variants[0].verdict.facts_used
    assert len(server.requests) == 1
    data = result.to_dict()
    assert data["generator"] == "llm"
    assert [v["generator"] for v in data["variants"]] == ["llm"] * 3


def test_an_answer_in_a_json_fence_is_accepted(server: FakeLLM) -> None:
    server.script(f"```json\n{answer(*GOOD_EMAILS)}\n```")
    result = write()
    assert result.fallback == ""
    assert generators(result) == ["llm"] * 3
    assert_all_pass(result)


def test_a_bare_list_and_whitespace_in_one_line_fields_are_accepted(server: FakeLLM) -> None:
    first = GOOD_EMAILS[0] | {"subject": "  10% off   Kestrel Wireless\nEarbuds Classic "}
    server.script(json.dumps([first]))
    result = write(variants=1)
    assert result.fallback == ""
    assert result.variants[0].variant.get("subject") == GOOD_EMAILS[0]["subject"]
    assert result.variants[0].variant.get("body") == GOOD_EMAILS[0]["body"]  # the body keeps its lines


def test_extra_variants_are_dropped(server: FakeLLM) -> None:
    server.script(answer(*GOOD_EMAILS))
    result = write(variants=2)
    assert [dict(c.variant.fields) for c in result.variants] == GOOD_EMAILS[:2]


def test_a_good_sms_is_used(server: FakeLLM) -> None:
    server.script(answer({"text": GOOD_SMS}, {"text": "Your daily commute deserves Kestrel. 10% off: {{product_url}}"}))
    result = write(channel="sms", variants=2)
    assert result.fallback == ""
    assert generators(result) == ["llm", "llm"]
    assert_all_pass(result)
    assert all(c.verdict.sms is not None and c.verdict.sms.segments == 1 for c in result.variants)


def test_a_server_error_is_retried_and_the_next_answer_used(server: FakeLLM) -> None:
    server.script(Answer(status=503), answer(*GOOD_EMAILS))
    result = write()
    assert result.fallback == ""
    assert generators(result) == ["llm"] * 3
    assert len(server.requests) == 2


def test_fewer_variants_than_asked_are_topped_up_with_templates(server: FakeLLM) -> None:
    server.script(answer(GOOD_EMAILS[0]))
    result = write(variants=3)
    assert generators(result) == ["llm", "template", "template"]
    assert result.generator == "llm"
    assert_all_pass(result)


# --- the model fails: template variants with the reason ----------------------------------------------------


def test_malformed_json_falls_back_to_templates(server: FakeLLM) -> None:
    server.script('Sure! Here are your variants: {"variants": [{"subject": "10% off"')
    result = write()
    assert "JSON" in result.fallback
    assert "template variants" in result.fallback
    assert result.generator == "template"
    assert generators(result) == ["template"] * 3
    assert_all_pass(result)
    assert len(server.requests) == 1  # an unusable answer is not asked again


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"choices": "none"}', 'no list of "variants"'),
        ("[]", 'no list of "variants"'),
        ('{"variants": ["just a subject"]}', "not an object"),
        (answer({k: v for k, v in GOOD_EMAILS[0].items() if k != "cta"}), "had no cta"),
        (answer(GOOD_EMAILS[0] | {"subject": "  ", "headline": ""}), "had no subject, headline"),
    ],
)
def test_an_unusable_answer_falls_back_with_its_reason(server: FakeLLM, content: str, reason: str) -> None:
    server.script(content)
    result = write()
    assert reason in result.fallback
    assert generators(result) == ["template"] * 3
    assert_all_pass(result)


def test_an_answer_that_is_no_chat_completion_falls_back(server: FakeLLM) -> None:
    server.script(Answer(raw='{"result": "hello"}'))
    result = write()
    assert "not an OpenAI-style chat completion" in result.fallback
    assert generators(result) == ["template"] * 3


def test_a_client_error_is_not_retried(server: FakeLLM) -> None:
    server.script(Answer(status=401))
    result = write()
    assert "HTTP 401" in result.fallback
    assert generators(result) == ["template"] * 3
    assert len(server.requests) == 1


def test_a_timeout_is_retried_then_falls_back(server: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONALENS_LLM_TIMEOUT_S", "0.2")
    server.script(Answer(answer(*GOOD_EMAILS), delay_s=5))
    result = write()
    assert "no answer within 0.2 s" in result.fallback
    assert len(server.requests) == 1 + llm.RETRIES
    assert generators(result) == ["template"] * 3
    assert_all_pass(result)


def test_a_timeout_then_an_answer_uses_the_answer(server: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONALENS_LLM_TIMEOUT_S", "0.2")
    server.script(Answer(answer(*GOOD_EMAILS), delay_s=5), answer(*GOOD_EMAILS))
    result = write()
    assert result.fallback == ""
    assert generators(result) == ["llm"] * 3
    assert len(server.requests) == 2


def test_an_unreachable_endpoint_falls_back(server: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("PERSONALENS_LLM_BASE_URL", f"http://127.0.0.1:{port}/v1")
    result = write()
    assert f"could not reach http://127.0.0.1:{port}/v1" in result.fallback
    assert generators(result) == ["template"] * 3


@pytest.mark.parametrize("unset", ["PERSONALENS_LLM_BASE_URL", "PERSONALENS_LLM_MODEL"])
def test_no_endpoint_configured_falls_back(monkeypatch: pytest.MonkeyPatch, unset: str) -> None:
    for name in ("PERSONALENS_LLM_BASE_URL", "PERSONALENS_LLM_MODEL", "PERSONALENS_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    if unset == "PERSONALENS_LLM_MODEL":
        monkeypatch.setenv("PERSONALENS_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    result = write()
    assert "PERSONALENS_LLM_BASE_URL" in result.fallback
    assert "no language model is configured" in result.fallback
    assert result.generator == "template"
    assert generators(result) == ["template"] * 3
    assert_all_pass(result)
    assert llm.configured() is None


# --- the checker replaces variants the model wrote -----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"subject": "Your daily commute deserves Kestrel Wireless Earbuds Classic"},
            "the subject is 60 characters; the limit is 50",
        ),
        (
            {"subject": "{{first_name}}, 10% off Kestrel Wireless Earbuds Classic"},  # the tag counts 10
            "the subject is 52 characters; the limit is 50",
        ),
        ({"preheader": "Now only $79.99, this week."}, "$79.99 is not a number from the facts"),
        ({"headline": "Save 25% on Kestrel today"}, "25% is not a number from the facts"),
        ({"body": "Hi {{first_name}},\n\nMeet the new Zentrix Pro earbuds."}, "'Zentrix' is not in the facts"),
        ({"body": "Questions? Write to ethan.clark@example.com"}, "contains an e-mail address"),
        ({"body": "Hi {{first_name}}, ethan clark loved them."}, "contains a customer's name"),
        # grounding is checked first and only the first problem is reported: the digits, the capitalised id
        ({"body": "Call us on +1 555 010 9999 to order."}, "contains a phone number"),
        ({"body": "Hi {{first_name}}, your code is C10001."}, "contains a customer id (C10001)"),
    ],
)
def test_a_variant_failing_the_checker_is_replaced(server: FakeLLM, changes: dict[str, str], reason: str) -> None:
    bad = GOOD_EMAILS[1] | changes
    server.script(answer(GOOD_EMAILS[0], bad, GOOD_EMAILS[2]))
    result = write()
    assert result.fallback.startswith("the checker replaced language-model variants: variant 2: ")
    assert reason in result.fallback
    assert generators(result) == ["llm", "llm", "template"]
    assert [dict(c.variant.fields) for c in result.variants[:2]] == [GOOD_EMAILS[0], GOOD_EMAILS[2]]
    assert result.generator == "llm"
    assert_all_pass(result)
    for text in changes.values():
        assert all(text not in c.variant.text() for c in result.variants)


def test_a_too_long_subject_is_replaced(server: FakeLLM) -> None:
    long_subject = "Premium sound for every daily commute, now with 10% off"
    assert len(long_subject) > EMAIL.field("subject").limit
    server.script(answer(GOOD_EMAILS[0] | {"subject": long_subject}))
    result = write(variants=1)
    assert "checker" in result.fallback
    assert f"the subject is {len(long_subject)} characters; the limit is 50" in result.fallback
    assert generators(result) == ["template"]
    assert result.variants[0].variant.get("subject") != long_subject
    assert_all_pass(result)


def test_an_invented_price_is_replaced(server: FakeLLM) -> None:
    invented = GOOD_EMAILS[0] | {"body": "Hi {{first_name}},\n\nThe Kestrel Wireless Earbuds Classic, now $79.99."}
    server.script(answer(invented, GOOD_EMAILS[1]))
    result = write(variants=2)
    assert "$79.99" in result.fallback
    assert "variant 1" in result.fallback
    assert generators(result) == ["llm", "template"]
    assert all("$79.99" not in c.variant.text() for c in result.variants)
    assert_all_pass(result)


def test_every_variant_replaced_reports_each(server: FakeLLM) -> None:
    server.script(answer(*(v | {"preheader": f"Only ${p}"} for v, p in zip(GOOD_EMAILS, (11, 12, 13), strict=True))))
    result = write()
    assert result.generator == "template"
    assert generators(result) == ["template"] * 3
    for i, p in enumerate((11, 12, 13), 1):
        assert f"variant {i}: ${p} is not a number from the facts" in result.fallback


def test_spam_and_duplicates_are_flagged_but_kept(server: FakeLLM) -> None:
    """Only length, grounding and personal data replace a variant; spam and duplicates are shown, not replaced."""
    spammy = GOOD_EMAILS[1] | {"cta": "Click here"}
    server.script(answer(GOOD_EMAILS[0], spammy, GOOD_EMAILS[0]))
    result = write()
    assert result.fallback == ""
    assert generators(result) == ["llm"] * 3
    assert not result.variants[1].verdict.passed("spam")
    assert not result.variants[2].verdict.passed("duplicate")


# --- what is sent --------------------------------------------------------------------------------------------


def test_the_request_carries_only_shareable_facts(server: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONALENS_LLM_API_KEY", "sk-test-123")
    server.script(answer(*GOOD_EMAILS))
    result = write(seed=11, tone="friendly")
    assert result.fallback == ""
    assert len(server.requests) == 1
    sent = server.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["Authorization"] == "Bearer sk-test-123"
    assert sent.headers["Content-Type"] == "application/json"
    body = sent.body
    assert body["model"] == MODEL
    assert body["response_format"] == {"type": "json_object"}
    assert body["seed"] == 11
    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    assert "JSON" in system["content"] and "friendly" in system["content"] and EMAIL.label in system["content"]
    for spec in EMAIL.fields:
        assert f'"{spec.name}" (at most {spec.limit} characters)' in system["content"]
    facts = json.loads(user["content"])
    assert facts["persona"] == SHEET.persona_name
    shared = [f for f in SHEET.facts if f.shareable]
    assert [(f["id"], f["text"]) for f in facts["facts"]] == [(f.id, f.text) for f in shared]
    for secret in (CUSTOMER_REASON, "Voltix", CUSTOMER_ID, "customer.reason", "ethan", "Ethan"):
        assert secret not in sent.raw


def test_no_api_key_sends_no_authorization(server: FakeLLM) -> None:
    server.script(answer(*GOOD_EMAILS))
    write()
    assert "Authorization" not in server.requests[0].headers


def test_the_sms_prompt_names_its_one_field(server: FakeLLM) -> None:
    server.script(answer({"text": GOOD_SMS}))
    write(channel="sms", variants=1)
    system = server.requests[0].body["messages"][0]["content"]
    assert f'"text" (at most {SMS.field("text").limit} characters)' in system
    assert "Write 1 clearly different variants" in system


def test_a_trailing_slash_in_the_base_url_is_tolerated(server: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONALENS_LLM_BASE_URL", server.base_url + "/")
    server.script(answer(*GOOD_EMAILS))
    assert write().fallback == ""
    assert server.requests[0].path == "/v1/chat/completions"


# --- found while writing these tests, fixed since ---------------------------------------------------------------


def test_a_null_field_is_not_written_as_none(server: FakeLLM) -> None:
    server.script(json.dumps({"variants": [GOOD_EMAILS[0] | {"cta": None}]}))
    result = write(variants=1)
    assert all("None" not in c.variant.text() for c in result.variants)


def test_a_short_answer_says_why_templates_stand_in(server: FakeLLM) -> None:
    server.script(answer(GOOD_EMAILS[0]))
    result = write(variants=3)
    assert result.fallback != ""


def test_a_model_sms_carries_the_opt_out_footer(server: FakeLLM) -> None:
    server.script(answer({"text": GOOD_SMS}))
    result = write(channel="sms", variants=1)
    assert result.variants[0].variant.get("text").endswith(SMS.footer)


def test_a_bad_timeout_setting_falls_back(server: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONALENS_LLM_TIMEOUT_S", "soon")
    result = write()
    assert "PERSONALENS_LLM_TIMEOUT_S" in result.fallback


def test_a_model_cannot_ground_on_facts_it_was_not_sent(server: FakeLLM) -> None:
    server.script(answer(GOOD_EMAILS[0] | {"headline": "As good as Voltix, for less"}))
    result = write(variants=1)
    assert "Voltix" in result.fallback
    assert generators(result) == ["template"]
