"""The embedded model as a LangChain chat model, for real: one short constrained decode, then streamed."""

from __future__ import annotations

import pytest

from autogenesis.drafts import Verdict
from autogenesis.models.accounting import collecting
from autogenesis.models.base import Example, Prompt
from autogenesis.models.chat import generate
from autogenesis.models.local_chat import LocalChatModel
from autogenesis.models.messages import prompt_messages
from autogenesis.models.render import grammar_document

pytestmark = [pytest.mark.slow, pytest.mark.real_model]

PROMPT = Prompt(
    role="review:design",
    task="Decide whether the design covers the request. Approve it or give reasons.",
    input="Request: a bakery that takes orders and delivers cakes\nDesign: order_taker, baker, courier",
    examples=(
        Example("Request: a shop that sells books\nDesign: cashier", Verdict(approved=True, reasons=["fits"])),
        Example(
            "Request: a clinic that books visits and sends reminders\nDesign: receptionist",
            Verdict(approved=False, reasons=["nobody sends reminders"]),
        ),
    ),
)


def test_the_helper_gets_a_valid_object_with_exact_usage_and_the_load_apart() -> None:
    model = LocalChatModel(max_tokens=32)
    with collecting() as calls:
        assert isinstance(generate(model, Verdict, PROMPT, retries=0), Verdict)
    (call,) = calls
    assert call.constrained and call.attempts == 1
    assert 100 < call.prompt_tokens < 250 and 0 < call.completion_tokens <= 32 + 64
    assert call.latency_s < 60


def test_streaming_yields_tokens_that_add_up_to_valid_json() -> None:
    model = LocalChatModel(max_tokens=32)
    chunks = list(
        model.stream(prompt_messages(PROMPT, Verdict), json_schema=grammar_document(Verdict, PROMPT.examples))
    )
    assert len([c for c in chunks if c.content]) > 3
    Verdict.model_validate_json("".join(str(c.content) for c in chunks))
    usage = [c.usage_metadata for c in chunks if c.usage_metadata]
    assert sum(u["input_tokens"] for u in usage) > 100
