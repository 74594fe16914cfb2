"""The OpenAI chat-completions wire format, served over `http.server` for the loopback tests.

`handler(backend)` answers `POST /v1/chat/completions` the way vLLM or llama.cpp's server do
for the requests ChatOpenAI sends: a JSON completion with `usage`, or server-sent events with a
final usage chunk when the request streams. The backend decides the answer; it raises `Refused`
to answer with an error status instead.
"""

from __future__ import annotations

import json
import time
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol


class Refused(Exception):
    """Answer the request with this HTTP status and an OpenAI-style error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Backend(Protocol):
    def complete(self, body: dict[str, Any]) -> tuple[str, dict[str, int]] | tuple[str, dict[str, int], list[Any]]:
        """The answer's text, its `usage` (`prompt_tokens`, `completion_tokens`, `total_tokens`),
        and optionally the tool calls it makes (`{"name", "arguments"}` each)."""
        ...


def handler(backend: Backend) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            try:
                if self.path.rstrip("/") != "/v1/chat/completions":
                    raise Refused(404, f"no route {self.path}")
                text, usage, *calls = backend.complete(body)
            except Refused as refused:
                self._json(refused.status, {"error": {"message": str(refused), "type": "server_error"}})
                return
            completion_id = f"chatcmpl-{uuid.uuid4().hex[:12]}"
            if body.get("stream"):
                self._stream(completion_id, body["model"], text, usage)
                return
            message: dict[str, Any] = {"role": "assistant", "content": text}
            tool_calls = [
                {"id": f"call_{i}", "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
                for i, c in enumerate(calls[0] if calls else [])
            ]
            if tool_calls:
                message["tool_calls"] = tool_calls
            self._json(
                200,
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body["model"],
                    "choices": [
                        {"index": 0, "message": message, "finish_reason": "tool_calls" if tool_calls else "stop"}
                    ],
                    "usage": usage,
                },
            )

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, completion_id: str, model: str, text: str, usage: dict[str, int]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            pieces = [text[i : i + 8] for i in range(0, len(text), 8)]
            base = {"id": completion_id, "object": "chat.completion.chunk", "created": int(time.time()), "model": model}
            for index, piece in enumerate(pieces):
                delta = {"content": piece} | ({"role": "assistant"} if index == 0 else {})
                self._event(base | {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
            self._event(base | {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            self._event(base | {"choices": [], "usage": usage})
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

        def _event(self, payload: dict[str, Any]) -> None:
            self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())

    return Handler
