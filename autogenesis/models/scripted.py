"""A deterministic scripted model: per-role responses for tests, demos and CI.

With no script it answers every role so that a full build of any request succeeds. Tests
script rejections (`reject`), faults (`faults`) or exact responses (`responses`); it raises
`UnexpectedCall` for a role it has no answer for and `assert_consumed()` reports scripted
responses that were never asked for.

Called from outside `generate` (a generated system's agents, with its `local` extra), it gives
demo answers: `<agent>: <first line of the input>` as text, the first valid value of a requested
schema, and for an approver's verdict the same scripted review as the pipeline's (so
`scripted:reject=<approver>` rejects that approver's work).
"""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from pydantic import BaseModel, ConfigDict, PrivateAttr

from autogenesis.drafts import (
    AgentDraft,
    BlueprintDraft,
    CriteriaDraft,
    DocsDraft,
    FeedbackDraft,
    PromptDraft,
    ScenarioDraft,
    SpecDraft,
    TuningDraft,
    Verdict,
)
from autogenesis.models.accounting import estimate_tokens
from autogenesis.models.base import ModelError, Prompt, T
from autogenesis.text import agent_names, name_for, request_clauses, shorten

Responder = Callable[[Prompt], BaseModel]
Scripted = BaseModel | Exception


class UnexpectedCall(AssertionError):
    """The scripted model was asked for something it has no script for."""


def _review_role(stage: str) -> str:
    return f"review:{stage}"


class Script:
    """The script of a `ScriptedChatModel`: deterministic per-role answers (see the module docstring)."""

    name = "scripted"

    def __init__(
        self,
        *,
        responses: Mapping[str, Iterable[Scripted]] | None = None,
        reject: Mapping[str, int | None] | Iterable[str] = (),
        faults: Mapping[str, Iterable[Exception]] | None = None,
        defaults: bool = True,
        journal: str | os.PathLike[str] | None = None,
        pause_at: str | None = None,
        pause_fd: int | None = None,
        prompts: str | os.PathLike[str] | None = None,
    ) -> None:
        """`reject` maps a stage to how many times its approver rejects (None: forever).

        `journal` appends each call's role to a file (for tests that span processes);
        `pause_at` blocks forever at every call for that role, after journaling it, so a test
        can kill the process in the middle of that agent's work; `pause_fd` is an inherited
        pipe to which the role is written once the call is paused, for the test to wait on;
        `prompts` appends each call's role and the feedback its prompt carried, one JSON line each.
        """
        self._queues: dict[str, deque[Scripted]] = {r: deque(items) for r, items in (responses or {}).items()}
        for role, errors in (faults or {}).items():
            self._queues.setdefault(role, deque()).extendleft(reversed(list(errors)))
        # A role given exact responses gets nothing else; faults alone fall back to the defaults.
        self._exact_roles = set(responses or {})
        rejects = reject if isinstance(reject, Mapping) else {stage: None for stage in reject}
        self._rejects: dict[str, int | None] = {_review_role(s): n for s, n in rejects.items()}
        self._defaults = defaults
        self._journal = Path(journal) if journal else None
        self._pause_at = pause_at
        self._pause_fd = pause_fd
        self._prompts = Path(prompts) if prompts else None
        self.lock = threading.Lock()
        self.calls: list[str] = []

    @classmethod
    def from_spec(cls, options: str) -> Script:
        """Build from the CLI form `scripted[:key=value,...]` (keys: journal, pause_at, pause_fd, prompts, reject)."""
        kwargs: dict[str, object] = {}
        for item in filter(None, options.split(",")):
            key, _, value = item.partition("=")
            if key in ("journal", "pause_at", "prompts"):
                kwargs[key] = value
            elif key == "pause_fd":
                kwargs[key] = int(value)
            elif key == "reject":
                kwargs["reject"] = {value: None}
            else:
                raise ValueError(
                    f"unknown scripted model option {key!r} (known: journal, pause_at, pause_fd, prompts, reject)"
                )
        return cls(**kwargs)  # type: ignore[arg-type]

    def generate(self, schema: type[T], prompt: Prompt) -> T:
        role = prompt.role
        with self.lock:
            self.calls.append(role)
            if self._journal is not None:
                with self._journal.open("a", encoding="utf-8") as f:
                    f.write(role + "\n")
                    f.flush()
                    os.fsync(f.fileno())
            if self._prompts is not None:
                with self._prompts.open("a", encoding="utf-8") as f:
                    f.write(json.dumps({"role": role, "feedback": list(prompt.feedback)}) + "\n")
        if self._pause_at == role:
            self._paused(role)
        answer = self._answer(schema, prompt)
        if isinstance(answer, Exception):
            raise answer
        if not isinstance(answer, schema):
            raise UnexpectedCall(f"scripted answer for {role!r} is a {type(answer).__name__}, not a {schema.__name__}")
        return answer

    def _paused(self, role: str) -> None:
        """Tell the waiting test (if any) that a call is paused, then block until killed from outside."""
        with self.lock:
            # Once: the test reads one line, and sibling calls (a fan-out) pause as well.
            fd, self._pause_fd = self._pause_fd, None
        if fd is not None and _is_pipe(fd):
            os.write(fd, f"{role}\n".encode())
        while True:
            time.sleep(3600)

    def _answer(self, schema: type[BaseModel], prompt: Prompt) -> Scripted:
        role = prompt.role
        with self.lock:
            queue = self._queues.get(role)
            if queue:
                return queue.popleft()
            if role in self._rejects:
                left = self._rejects[role]
                if left is None or left > 0:
                    self._rejects[role] = None if left is None else left - 1
                    return _reject(prompt)
        if not self._defaults or role in self._exact_roles:
            raise UnexpectedCall(f"no scripted response left for role {role!r}")
        responder = DEFAULT_RESPONDERS.get(role.split(":")[0])
        if responder is None:
            raise UnexpectedCall(f"no scripted response for role {role!r}")
        return responder(prompt)

    def assert_consumed(self) -> None:
        """Fail when scripted responses or finite rejections were never used."""
        left = {role: len(q) for role, q in self._queues.items() if q}
        left.update({role: n for role, n in self._rejects.items() if n})
        if left:
            raise AssertionError(f"scripted responses never asked for: {left}")

    def count(self) -> Counter[str]:
        """How many calls each role received."""
        return Counter(self.calls)


class ScriptedChatModel(BaseChatModel):
    """The scripted model as a LangChain chat model: same scripts, answered as JSON messages.

    It answers the `generate` call under way (`autogenesis.models.chat.current_request()`), whose
    prompt carries the role and the objects the answer is built from; called any other way it
    raises `UnexpectedCall`. Scripting keywords are those of `Script`.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    #: Pieces each answer is streamed in (tests of `stream_mode="messages"` see several tokens).
    stream_pieces: int = 3
    #: Answer calls made outside `generate` (a generated system's agents) with demo answers:
    #: `agent: <first line of the input>` as text, the first valid value of a structured schema.
    demo: bool = True
    _script: Script = PrivateAttr()

    def __init__(self, script: Script | None = None, **scripting: Any) -> None:
        fields = {k: scripting.pop(k) for k in list(scripting) if k in type(self).model_fields}
        super().__init__(**fields)
        self._script = script if script is not None else Script(**scripting)

    @classmethod
    def from_spec(cls, options: str) -> ScriptedChatModel:
        """Build from the CLI form `scripted[:key=value,...]` (see `Script.from_spec`)."""
        return cls(Script.from_spec(options))

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def calls(self) -> list[str]:
        return self._script.calls

    def count(self) -> Counter[str]:
        """How many calls each role received."""
        return self._script.count()

    def assert_consumed(self) -> None:
        """Fail when scripted responses or finite rejections were never used."""
        self._script.assert_consumed()

    def _answer(self, messages: list[BaseMessage], kwargs: Mapping[str, Any], agent: str) -> tuple[str, int]:
        from autogenesis.models.chat import current_request

        request = current_request()
        prompt_tokens = estimate_tokens("\n".join(str(m.content) for m in messages))
        if request is not None:
            return self._script.generate(request.schema, request.prompt).model_dump_json(), prompt_tokens
        if not self.demo:
            raise UnexpectedCall("the scripted model answers only autogenesis.models.chat.generate calls")
        # Any other caller (a generated system's agent): the demo answer, the same every time.
        schema = json.loads(kwargs["json_schema"]) if kwargs.get("json_schema") else None
        if schema is not None and set(schema.get("properties", {})) == {"approved", "reasons"}:
            # An approver: scripted like the pipeline's (`reject=<approver>` rejects it).
            review = Prompt(role=f"review:{agent}", task="", input=_first_line(messages))
            return self._script.generate(Verdict, review).model_dump_json(), prompt_tokens
        with self._script.lock:
            self._script.calls.append(f"agent:{agent}")
        if schema is not None:
            return json.dumps(example_of(schema)), prompt_tokens
        return f"{agent}: {_first_line(messages)}", prompt_tokens

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text, prompt_tokens = self._answer(messages, kwargs, _agent(run_manager))
        completion_tokens = estimate_tokens(text)
        usage = UsageMetadata(
            input_tokens=prompt_tokens, output_tokens=completion_tokens, total_tokens=prompt_tokens + completion_tokens
        )
        message = AIMessage(content=text, usage_metadata=usage, response_metadata={"model_name": "scripted"})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        text, prompt_tokens = self._answer(messages, kwargs, _agent(run_manager))
        size = max(1, -(-len(text) // self.stream_pieces))
        pieces = [text[i : i + size] for i in range(0, len(text), size)]
        for index, piece in enumerate(pieces):
            # Usage is summed over chunks: the prompt is counted once, on the first.
            prompt_part = prompt_tokens if index == 0 else 0
            usage = UsageMetadata(
                input_tokens=prompt_part,
                output_tokens=estimate_tokens(piece),
                total_tokens=prompt_part + estimate_tokens(piece),
            )
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece, usage_metadata=usage))

    def with_structured_output(
        self, schema: dict[str, Any] | type, *, include_raw: bool = False, **kwargs: Any
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        from autogenesis.models.chat import json_structured_output

        return json_structured_output(self, schema, include_raw=include_raw, **kwargs)


def _agent(run_manager: CallbackManagerForLLMRun | None) -> str:
    """The calling agent's name, from the call's `agent` metadata (a generated system sets it)."""
    metadata = getattr(run_manager, "metadata", None) or {}
    return str(metadata.get("agent") or "agent")


def _first_line(messages: Sequence[BaseMessage]) -> str:
    """The first line of the last human message that is not a `## field` heading."""
    human = [m for m in messages if m.type == "human"]
    text = human[-1].text if human else ""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("## ")]
    return lines[0][:200] if lines else "done"


def example_of(schema: Mapping[str, Any], defs: Mapping[str, Any] | None = None) -> Any:
    """The first valid value of a JSON schema: enums' first member, `true`, `0`, minimal strings and lists."""
    defs = schema.get("$defs", defs or {})
    if "$ref" in schema:
        return example_of(defs[str(schema["$ref"]).rsplit("/", 1)[-1]], defs)
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return example_of(schema[key][0], defs)
    kind = schema.get("type", "object")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: example_of(properties[name], defs) for name in schema.get("required", properties)}
    if kind == "array":
        return [example_of(schema.get("items", {}), defs) for _ in range(int(schema.get("minItems", 0)))]
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "null":
        return None
    return "x" * int(schema.get("minLength", 0)) or "scripted"


def _is_pipe(fd: int) -> bool:
    # A run resumed with its recorded model setting has no pipe, or another file, at that number.
    try:
        return stat.S_ISFIFO(os.fstat(fd).st_mode)
    except OSError:
        return False


class ScriptedFault(ModelError):
    """A fault injected by a test."""


def _fitted(schema: type[BaseModel], field: str, text: str) -> str:
    """`text` cut to what `schema`'s `field` may hold: a long request never breaks a draft's limits."""
    limit = schema.model_json_schema()["properties"][field].get("maxLength")
    return text if limit is None else shorten(text, int(limit))


def _spec(prompt: Prompt) -> SpecDraft:
    request = str(prompt.data.get("request", prompt.input))
    capabilities = request_clauses(request)
    return SpecDraft(
        goal=_fitted(SpecDraft, "goal", request.strip().rstrip(".")),
        capabilities=capabilities,
        actors=["user"],
        interactions=[f"the user sends a request; the system will {capabilities[0]}"],
        constraints=["every agent's output is reviewed before it is used"],
        scenarios=[
            ScenarioDraft(
                input=_fitted(ScenarioDraft, "input", f"an example request to {c}"),
                expect=_fitted(ScenarioDraft, "expect", c),
            )
            for c in capabilities[:3]
        ],
    )


def _design(prompt: Prompt) -> BlueprintDraft:
    spec = prompt.data["spec"]
    names = agent_names(spec.capabilities)
    agents = [
        AgentDraft(name=name, role=_fitted(AgentDraft, "role", capability), after=names[i - 1] if i else "")
        for i, (name, capability) in enumerate(zip(names, spec.capabilities, strict=True))
    ]
    return BlueprintDraft(name=name_for(spec.goal, "generated_system"), agents=agents)


def _prompt(prompt: Prompt) -> PromptDraft:
    agent = prompt.data["agent"]
    text = (
        f"You are the {agent.slug.replace('_', ' ')} agent. Your job: {agent.role.rstrip('.')}. "
        "Read the state you are given, do only your job, and answer with your result alone."
    )
    return PromptDraft(system_prompt=_fitted(PromptDraft, "system_prompt", text))


def _criteria(prompt: Prompt) -> CriteriaDraft:
    agent = prompt.data["agent"]
    text = f"The output does what was asked: {agent.role.rstrip('.')}; it is complete and on topic."
    return CriteriaDraft(criteria=_fitted(CriteriaDraft, "criteria", text))


def _tuning(prompt: Prompt) -> TuningDraft:
    return TuningDraft(max_retries=2, rationale="fewer retries keep runs short when reviews pass")


def _docs(prompt: Prompt) -> DocsDraft:
    bp = prompt.data["blueprint"]
    return DocsDraft(
        overview=_fitted(
            DocsDraft,
            "overview",
            f"{bp.description} It is made of {len(bp.agents)} agents working over one shared state.",
        ),
        user_guide=f'Run it with `python -m {bp.name} "your request"`; '
        "each agent's output is reviewed before it is used.",
        operations="--model picks the model; each review pair's retry cap bounds a run.",
    )


def _feedback(prompt: Prompt) -> FeedbackDraft:
    return FeedbackDraft(
        summary="The generated system passed its tests and was deployed.", improvements=[], iterate=False
    )


def _approve(prompt: Prompt) -> Verdict:
    """Approval, citing each clause the approver was asked about as covered."""
    return Verdict(approved=True, reasons=[f"covers '{c}'" for c in prompt.data.get("clauses", ())][:8])


def _reject(prompt: Prompt) -> Verdict:
    """A scripted rejection: of the first clause the approver was asked about, else of the stage's work."""
    clauses = prompt.data.get("clauses", ())
    reason = f"weak on '{clauses[0]}'" if clauses else f"scripted rejection of {prompt.role.removeprefix('review:')}"
    return Verdict(approved=False, reasons=[reason])


DEFAULT_RESPONDERS: dict[str, Responder] = {
    "understand": _spec,
    "design": _design,
    "hierarchy": _criteria,
    "design_prompts": _prompt,
    "optimize": _tuning,
    "document": _docs,
    "feedback": _feedback,
    "review": _approve,
}
