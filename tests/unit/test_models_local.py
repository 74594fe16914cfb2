"""The embedded local model for real: one short schema-constrained decode (slow, run in CI)."""

from __future__ import annotations

import pytest

from autogenesis.drafts import Verdict
from autogenesis.models import generate, resolve_model
from autogenesis.models.accounting import collecting
from autogenesis.models.base import Example, Prompt
from autogenesis.models.local import ensure_local_model, is_converted

pytestmark = [pytest.mark.slow, pytest.mark.real_model]


def test_local_model_answers_a_small_schema_validly() -> None:
    folder = ensure_local_model()  # converts once into the user cache (about 90 s), else loads
    assert is_converted(folder)
    prompt = Prompt(
        role="review:design",
        task="Decide whether the design covers the request. Approve it or give reasons.",
        input="Request: a bakery that takes orders and delivers cakes\nDesign: order_taker, baker, courier",
        examples=(
            Example(
                "Request: a shop that sells books\nDesign: cashier",
                Verdict(approved=True, reasons=["the cashier sells the books"]),
            ),
            Example(
                "Request: a clinic that books visits and sends reminders\nDesign: receptionist",
                Verdict(approved=False, reasons=["nobody sends reminders"]),
            ),
        ),
    )
    model = resolve_model("local?max_tokens=40")
    with collecting() as calls:
        verdict = generate(model, Verdict, prompt)
    assert isinstance(verdict, Verdict)
    assert len(verdict.reasons) <= 4  # capped by the examples (longest 1 + 2)
    (call,) = calls
    assert call.model == "local"
    assert call.role == "review:design"
    assert call.constrained is True
    assert call.attempts == 1  # valid by construction on the first decode
    assert 100 < call.prompt_tokens < 200
    assert 3 <= call.completion_tokens <= 40 + 64
