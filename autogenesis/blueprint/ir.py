"""The Blueprint IR: the single source of truth for a generated multi-agent system.

Everything AutoGenesis generates is rendered from a `Blueprint`. The model never writes code:
it proposes names and text, which end up in prompts and string literals only.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

AgentKind = Literal["llm", "tool", "router", "human"]
FieldType = Literal["str", "int", "float", "bool", "list[str]", "dict[str, str]"]
OnExhausted = Literal["escalate", "continue"]

FINISH = "__end__"


class IRModel(BaseModel):
    """Base of every IR type: immutable, and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class StateField(IRModel):
    """One key of the generated system's shared state."""

    name: str
    type: FieldType = "str"
    description: str = ""
    #: Given by the caller in the run's input (beside `request`), never written by an agent.
    input: bool = False
    #: A `list[str]` each parallel run of its writer appends to (a reducer), instead of replacing it.
    collects: bool = False


class AgentSpec(IRModel):
    """One agent (one node) of the generated system."""

    slug: str
    role: str
    instructions: str = ""
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    kind: AgentKind = "llm"


class Edge(IRModel):
    """A transition; `condition` names the router verdict that takes it, if any.

    With `each`, the target runs once per item of the source's `list[str]` field `each`, all at
    once (LangGraph `Send`), each run given its item in the field `item`.
    """

    source: str
    target: str
    condition: str | None = None
    each: str | None = None
    item: str | None = None


class ReviewPair(IRModel):
    """A worker whose output an approver accepts or sends back, at most `max_retries` times."""

    worker: str
    approver: str
    max_retries: int = Field(default=3, ge=1, le=20)
    on_exhausted: OnExhausted = "escalate"
    criteria: str = ""
    #: Why the work is reviewed: the request's words asking for it, or the risk it carries.
    reason: str = ""


class ToolSpec(IRModel):
    """A function a tool-using agent may call: it looks up data the caller passes in the run's input."""

    name: str
    agent: str
    description: str
    #: The input field (a `StateField` with `input=True`) the tool reads.
    source: str


class Scenario(IRModel):
    """An acceptance scenario: an input and an expectation a test can check."""

    name: str
    input: str
    expect: str


class Blueprint(IRModel):
    """A complete, verifiable description of a generated multi-agent system."""

    name: str
    description: str
    state: tuple[StateField, ...]
    agents: tuple[AgentSpec, ...]
    edges: tuple[Edge, ...]
    reviews: tuple[ReviewPair, ...] = ()
    tools: tuple[ToolSpec, ...] = ()
    entry: str
    finish: str
    scenarios: tuple[Scenario, ...] = ()
    version: int = 1

    def agent(self, slug: str) -> AgentSpec:
        """The agent named `slug`; KeyError when there is none."""
        for agent in self.agents:
            if agent.slug == slug:
                return agent
        raise KeyError(slug)

    def patterns(self) -> tuple[str, ...]:
        """The LangGraph workflow patterns this blueprint combines, in a fixed order."""
        kinds = {a.kind for a in self.agents}
        approvers = {p.approver for p in self.reviews}
        back = {(p.approver, p.worker) for p in self.reviews}
        onward: dict[str, set[str]] = {}
        for e in self.edges:
            if (e.source, e.target) not in back and e.condition != "reject":
                onward.setdefault(e.source, set()).add(e.target)
        routers = {a.slug for a in self.agents if a.kind == "router"}
        approver_kinds = {a.kind for a in self.agents if a.slug in approvers}
        found = {
            "prompt chaining": len(self.agents) - len(approvers) > 1,
            "routing": "router" in kinds,
            "parallelization": any(len(t) > 1 for s, t in onward.items() if s not in routers),
            "orchestrator-workers": any(e.each for e in self.edges),
            "evaluator-optimizer": "llm" in approver_kinds,
            "tool-using agent": bool(self.tools),
            "human-in-the-loop": "human" in kinds,
        }
        return tuple(name for name, present in found.items() if present)

    def tools_of(self, agent: str) -> tuple[ToolSpec, ...]:
        """The tools `agent` may call, in blueprint order."""
        return tuple(tool for tool in self.tools if tool.agent == agent)

    def review_of(self, worker: str) -> ReviewPair | None:
        """The review pair whose worker is `worker`, if any."""
        return next((pair for pair in self.reviews if pair.worker == worker), None)
