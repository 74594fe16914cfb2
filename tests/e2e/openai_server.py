"""A small OpenAI-compatible server over the embedded model, for the tests of `--model openai:URL#model`.

It serves `POST /v1/chat/completions` the way vLLM or llama.cpp's server do for the requests
ChatOpenAI sends: the messages, and `response_format: {"type": "json_schema", ...}` honoured by
decoding under that schema's grammar (the embedded model's own, as a guided-decoding server
would). Non-streaming answers carry `usage`; streaming ones are server-sent events with a final
usage chunk. Each request is appended as one JSON line to the log named by `--log` (path,
response format type, usage), so a test can match what the client recorded against what the
server did.

Run: `python tests/e2e/openai_server.py --log requests.jsonl`; it prints `listening on PORT`
once the model is loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from autogenesis.models.local_chat import LocalChatModel

_MESSAGE_TYPES = {"system": SystemMessage, "developer": SystemMessage, "user": HumanMessage, "assistant": AIMessage}


def to_messages(raw: list[dict[str, Any]]) -> list[BaseMessage]:
    messages: list[BaseMessage] = []
    for item in raw:
        content = item.get("content") or ""
        if isinstance(content, list):  # content parts: keep the text ones
            content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        kind = _MESSAGE_TYPES[item["role"]]
        messages.append(kind(content=content, name=item.get("name")))
    return messages


class Server:
    def __init__(self, log: Path) -> None:
        self.model = LocalChatModel()
        self.log = log
        self.lock = threading.Lock()

    def complete(self, body: dict[str, Any]) -> tuple[str, dict[str, int], str | None]:
        messages = to_messages(body["messages"])
        response_format = body.get("response_format") or {}
        schema = None
        if response_format.get("type") == "json_schema":
            schema = json.dumps(response_format["json_schema"]["schema"])
        result = self.model._generate(messages, json_schema=schema)
        message = result.generations[0].message
        usage = message.usage_metadata or {"input_tokens": 0, "output_tokens": 0}
        counts = {
            "prompt_tokens": usage["input_tokens"],
            "completion_tokens": usage["output_tokens"],
            "total_tokens": usage["input_tokens"] + usage["output_tokens"],
        }
        return str(message.content), counts, response_format.get("type")

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock, self.log.open("a") as out:
            out.write(json.dumps(entry) + "\n")


def handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._json(404, {"error": {"message": f"no route {self.path}"}})
                return
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            text, usage, response_format = server.complete(body)
            server.record(
                {"path": self.path, "response_format": response_format, "stream": bool(body.get("stream"))} | usage
            )
            completion_id = f"chatcmpl-{uuid.uuid4().hex[:12]}"
            if body.get("stream"):
                self._stream(completion_id, body["model"], text, usage)
                return
            self._json(
                200,
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body["model"],
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args()
    server = Server(args.log)
    server.model.prepare()  # loaded before the port is announced: the client's calls time decoding only
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler(server))
    print(f"listening on {httpd.server_address[1]}", flush=True)
    try:
        httpd.serve_forever()
    finally:
        httpd.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
