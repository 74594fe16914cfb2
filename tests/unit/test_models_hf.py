"""`hf:PATH` with a chat template: a tiny random-weight model built here (slow, run in CI).

Random weights say nothing about answer quality; the test shows that the chat path renders
messages and that constrained decoding yields a valid object from any model.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autogenesis.drafts import Verdict
from autogenesis.models import generate, resolve_model
from autogenesis.models.accounting import collecting
from autogenesis.models.base import Example, Prompt
from autogenesis.models.chat import model_name
from autogenesis.models.local import ensure_local_model, load_engine
from autogenesis.models.local_chat import _chat_for
from autogenesis.models.messages import prompt_messages

pytestmark = [pytest.mark.slow, pytest.mark.real_model]

CHAT_TEMPLATE = (
    "{% for m in messages %}<start_of_turn>{{ m['role'] }}\n{{ m['content'] }}<end_of_turn>\n{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)


@pytest.fixture(scope="module")
def tiny_chat_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    source = ensure_local_model()
    folder = tmp_path_factory.mktemp("tiny-chat")
    config = AutoConfig.from_pretrained(source)
    config.update({"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "head_dim": 16})
    config.layer_types = config.layer_types[:2]
    torch.manual_seed(0)
    AutoModelForCausalLM.from_config(config).save_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(source)
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(folder)
    shutil.copy(source / "tokenizer.json", folder / "tokenizer.json")  # same vocabulary: grammar cache reuse
    return folder


def test_hf_folder_with_chat_template_gives_a_valid_object(tiny_chat_model: Path) -> None:
    model = resolve_model(f"hf:{tiny_chat_model}?max_tokens=24")
    assert model_name(model) == f"hf:{tiny_chat_model}"
    prompt = Prompt(
        role="review",
        task="Approve or reject.",
        input="a design",
        examples=(Example("a shop design", Verdict(approved=True, reasons=["fine"])),),
    )
    engine = load_engine(str(tiny_chat_model.resolve()))
    assert engine.chat
    text = engine.tokenizer.decode(engine.encode(prompt, Verdict)[0])
    assert text.startswith("<start_of_turn>system\nApprove or reject.")
    assert text.endswith("<start_of_turn>user\na design<end_of_turn>\n<start_of_turn>model\n")
    # The chat model's messages (task and format as two system messages) give the same text.
    chat = _chat_for(engine, str(tiny_chat_model))
    assert chat._to_chat_prompt(prompt_messages(prompt, Verdict)) == text
    with collecting() as calls:
        verdict = generate(model, Verdict, prompt)
    assert isinstance(verdict, Verdict)
    assert [(c.attempts, c.constrained) for c in calls] == [(1, True)]
    assert calls[0].completion_tokens <= 24 + 64
