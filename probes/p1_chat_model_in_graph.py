"""Probe (i)+(ii): a minimal BaseChatModel inside a LangGraph node.

- callbacks: one chat-model run per call, parent_run_id = the node's run
- stream_mode="messages": which chunks show up when the node calls the model through a helper
"""
from __future__ import annotations

from typing import Any, Iterator

from langchain_core.callbacks import BaseCallbackHandler, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

TEXT = '{"goal": "a helpdesk"}'


class Toy(BaseChatModel):
    streaming_impl: bool = True

    @property
    def _llm_type(self) -> str:
        return "toy"

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager: CallbackManagerForLLMRun | None = None, **kw: Any) -> ChatResult:
        msg = AIMessage(TEXT, usage_metadata={"input_tokens": 7, "output_tokens": 5, "total_tokens": 12},
                        response_metadata={"model_name": "toy"})
        return ChatResult(generations=[ChatGeneration(message=msg)])

    def _stream(self, messages, stop=None, run_manager=None, **kw) -> Iterator[ChatGenerationChunk]:
        pieces = ['{"goal"', ': "a ', 'helpdesk"}']
        for i, p in enumerate(pieces):
            usage = {"input_tokens": 7 if i == 0 else 0, "output_tokens": 1, "total_tokens": 8 if i == 0 else 1}
            chunk = ChatGenerationChunk(message=AIMessageChunk(p, usage_metadata=usage))
            if run_manager:
                run_manager.on_llm_new_token(p, chunk=chunk)
            yield chunk


class Rec(BaseCallbackHandler):
    def __init__(self):
        self.runs = {}
        self.events = []

    def on_chain_start(self, serialized, inputs, *, run_id, parent_run_id=None, **kw):
        self.runs[run_id] = (kw.get("name") or (serialized or {}).get("name"), parent_run_id)

    def on_chat_model_start(self, serialized, messages, *, run_id, parent_run_id=None, **kw):
        self.events.append(("chat_start", run_id, parent_run_id, kw.get("metadata", {}).get("langgraph_node")))

    def on_llm_end(self, response, *, run_id, parent_run_id=None, **kw):
        gen = response.generations[0][0]
        self.events.append(("llm_end", run_id, parent_run_id, getattr(gen.message, "usage_metadata", None), response.llm_output))


def helper(model: BaseChatModel, prompt: str) -> dict:
    """Calls the model and returns a parsed dict, not the message (like our structured helper)."""
    import json
    msg = model.invoke(prompt)
    return json.loads(msg.content)


class S(TypedDict, total=False):
    request: str
    spec: dict


def build(model):
    def understand(state: S) -> dict:
        return {"spec": helper(model, state["request"])}

    def design(state: S) -> dict:
        helper(model, "design")
        return {}

    g = StateGraph(S)
    g.add_node("understand", understand)
    g.add_node("design", design)
    g.add_edge(START, "understand")
    g.add_edge("understand", "design")
    g.add_edge("design", END)
    return g.compile()


if __name__ == "__main__":
    model = Toy()
    app = build(model)
    rec = Rec()
    out = app.invoke({"request": "x"}, {"callbacks": [rec]})
    print("out:", out)
    for e in rec.events:
        parent = rec.runs.get(e[2])
        print(e[0], "parent=", parent, e[3:])

    print("--- stream_mode=messages, model with _stream, invoked via helper")
    for chunk, meta in app.stream({"request": "x"}, stream_mode="messages"):
        print(type(chunk).__name__, repr(chunk.content), meta["langgraph_node"], getattr(chunk, "usage_metadata", None))

    print("--- stream_mode=messages, model WITHOUT _stream override (only _generate)")
    class NoStream(Toy):
        pass
    NoStream._stream = BaseChatModel._stream  # type: ignore
    app2 = build(NoStream())
    for chunk, meta in app2.stream({"request": "x"}, stream_mode="messages"):
        print(type(chunk).__name__, repr(chunk.content), meta["langgraph_node"])

    print("--- disable_streaming=True")
    app3 = build(Toy(disable_streaming=True))
    for chunk, meta in app3.stream({"request": "x"}, stream_mode="messages"):
        print(type(chunk).__name__, repr(chunk.content), meta["langgraph_node"])

    print("--- plain invoke outside graph: does invoke use _stream?")
    rec2 = Rec()
    m = model.invoke("x", config={"callbacks": [rec2]})
    print(type(m).__name__, m.usage_metadata)
    print("--- with_structured_output default on BaseChatModel:")
    from pydantic import BaseModel
    class Spec(BaseModel):
        goal: str
    try:
        print(model.with_structured_output(Spec))
    except Exception as e:
        print(type(e).__name__, e)

    print("--- usage on on_llm_end while streaming (stream_mode=messages + callbacks)")
    rec3 = Rec()
    for _ in app.stream({"request": "x"}, {"callbacks": [rec3]}, stream_mode="messages"):
        pass
    for e in rec3.events:
        if e[0] == "llm_end":
            print(e[3])
    print("--- tags=['nostream'] on the model: suppressed from messages stream?")
    app4 = build(Toy().with_config(tags=["nostream"]))
    print(sum(1 for _ in app4.stream({"request": "x"}, stream_mode="messages")), "chunks")
