"""Probe (ii-b): can a model that only implements `_generate` stream tokens to stream_mode="messages"
by calling run_manager.on_llm_new_token(chunk=ChatGenerationChunk) synchronously (no thread)?
(Our local decode runs model.generate in the caller's thread; a transformers BaseStreamer's put()
would make these calls.)"""
from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict


class GenOnly(BaseChatModel):
    @property
    def _llm_type(self) -> str:
        return "gen-only"

    def _generate(self, messages, stop=None, run_manager=None, **kw):
        text = ""
        for piece in ['{"goal"', ': "x"}']:
            text += piece
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=ChatGenerationChunk(message=AIMessageChunk(piece)))
        msg = AIMessage(text, usage_metadata={"input_tokens": 3, "output_tokens": 2, "total_tokens": 5})
        return ChatResult(generations=[ChatGeneration(message=msg)])


class S(TypedDict, total=False):
    x: str


model = GenOnly()


def understand(state: S) -> dict:
    model.invoke("hi")
    return {"x": "done"}


g = StateGraph(S)
g.add_node("understand", understand)
g.add_edge(START, "understand")
g.add_edge("understand", END)
app = g.compile()
for chunk, meta in app.stream({}, stream_mode="messages"):
    print(type(chunk).__name__, repr(chunk.content), meta["langgraph_node"], chunk.id)
