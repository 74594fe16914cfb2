"""The small, stable runtime every generated system imports.

Generated projects depend on `autogenesis` for three things, so that each protection lives
in one place and improves for every generated system at once: the chat model a `--model` setting
names (the same settings as AutoGenesis) and its validated structured output, the review loop
with its retry cap and escalation, and the recursion limit derived from those caps.
Everything else is in the generated project itself.
"""

from autogenesis.drafts import Verdict
from autogenesis.runtime.agents import (
    AgentOutput,
    Choice,
    ask_human,
    choose,
    format_fields,
    review,
    review_update,
    run_agent,
    to_field,
)
from autogenesis.runtime.cli import LazyModel, ask_on_terminal, parse_model_arg, report
from autogenesis.runtime.graph import (
    Answer,
    ReviewState,
    add_review_loop,
    escalation_node,
    recursion_limit,
    route_by,
    run_graph,
)

__all__ = [
    "AgentOutput",
    "Answer",
    "Choice",
    "LazyModel",
    "ReviewState",
    "Verdict",
    "add_review_loop",
    "ask_human",
    "ask_on_terminal",
    "choose",
    "escalation_node",
    "format_fields",
    "parse_model_arg",
    "recursion_limit",
    "report",
    "review",
    "review_update",
    "route_by",
    "run_agent",
    "run_graph",
    "to_field",
]
