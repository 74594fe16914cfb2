"""Mermaid rendering of blueprints."""

from __future__ import annotations

from autogenesis.blueprint.examples import linear_blueprint
from autogenesis.blueprint.ir import AgentSpec
from autogenesis.blueprint.mermaid import to_mermaid


def test_reviewed_blueprint_as_flowchart() -> None:
    assert to_mermaid(linear_blueprint(max_retries=3)) == (
        "flowchart TD\n"
        '    START(["start"])\n'
        '    END(["end"])\n'
        '    triage["triage: Sort incoming tickets"]\n'
        '    triage_reviewer{{"triage_reviewer"}}\n'
        '    reply["reply: Draft a reply"]\n'
        '    reply_reviewer{{"reply_reviewer"}}\n'
        "    START --> triage\n"
        "    triage --> triage_reviewer\n"
        "    triage_reviewer -->|approve| reply\n"
        "    reply --> reply_reviewer\n"
        "    reply_reviewer -->|approve| END\n"
        '    triage_reviewer -.->|"reject (at most 3)"| triage\n'
        "    triage_reviewer -.->|escalate| END\n"
        '    reply_reviewer -.->|"reject (at most 3)"| reply\n'
        "    reply_reviewer -.->|escalate| END\n"
    )


def test_labels_are_escaped() -> None:
    bp = linear_blueprint(reviewed=False)
    hostile = 'say "hi" <script>|x|\n`end` #1 & more'
    bp = bp.model_copy(update={"agents": (bp.agents[0].model_copy(update={"role": hostile}), bp.agents[1])})
    lines = to_mermaid(bp).splitlines()
    assert lines[3] == '    triage["triage: say #quot;hi#quot; #lt;script#gt;#124;x#124; #96;end#96; #35;1 #amp; more"]'


def test_mermaid_keywords_are_not_node_ids() -> None:
    bp = linear_blueprint(reviewed=False)
    end = AgentSpec(slug="end", role="", reads=("request",), writes=("reply_output",))
    bp = bp.model_copy(update={"agents": (bp.agents[0], end)})
    assert '    end_["end"]' in to_mermaid(bp).splitlines()
