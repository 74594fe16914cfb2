"""A small OpenAI-compatible server over the embedded model, for the tests of `--model openai:URL#model`.

It serves `POST /v1/chat/completions` in the wire format of `tests/openai_wire.py`: the
messages, and `response_format: {"type": "json_schema", ...}` honoured by decoding under that
schema's grammar (the embedded model's own, as a guided-decoding server would). Each request
is appended as one JSON line to the log named by `--log` (response format type, streaming,
usage), so a test can match what the client recorded against what the server did.

Run: `python tests/e2e/openai_server.py --log requests.jsonl`; it prints `listening on PORT`
once the model is loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the wire format beside the tests
from openai_wire import handler

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

    def complete(self, body: dict[str, Any]) -> tuple[str, dict[str, int]]:
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
        self.record({"response_format": response_format.get("type"), "stream": bool(body.get("stream"))} | counts)
        return str(message.content), counts

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock, self.log.open("a") as out:
            out.write(json.dumps(entry) + "\n")


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
