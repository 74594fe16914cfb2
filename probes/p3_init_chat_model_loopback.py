"""Probe (iii): init_chat_model("openai:m", base_url=loopback) + with_structured_output(json_schema).

Prints what the client sends (path, response_format/tools, stream flag) and what it parses.
"""
from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pydantic import BaseModel

SEEN: list[dict] = []
ANSWER = '{"goal": "a helpdesk", "actors": ["user"]}'


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):  # quiet
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        SEEN.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        if body.get("tools"):
            name = body["tools"][0]["function"]["name"]
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": name, "arguments": ANSWER}}]}
        else:
            message = {"role": "assistant", "content": ANSWER}
        usage = {"prompt_tokens": 11, "completion_tokens": 9, "total_tokens": 20}
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for piece in [ANSWER[:10], ANSWER[10:]]:
                ev = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                      "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(ev)}\n\n".encode())
            ev = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                  "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": usage}
            self.wfile.write(f"data: {json.dumps(ev)}\n\ndata: [DONE]\n\n".encode())
            return
        out = {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
               "choices": [{"index": 0, "message": message, "finish_reason": "stop"}], "usage": usage}
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Spec(BaseModel):
    goal: str
    actors: list[str]


if __name__ == "__main__":
    from langchain.chat_models import init_chat_model

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/v1"
    os.environ.pop("OPENAI_API_KEY", None)
    model = init_chat_model("openai:m", base_url=url, api_key="x", temperature=0, max_retries=0, timeout=10)
    print("class:", type(model).__name__)
    msg = model.invoke("hi")
    print("plain:", repr(msg.content), msg.usage_metadata, msg.response_metadata.get("model_name"))
    print("sent keys:", sorted(SEEN[-1]["body"]), SEEN[-1]["path"], SEEN[-1]["auth"])

    for method in ("json_schema", "function_calling", "json_mode"):
        s = model.with_structured_output(Spec, method=method, include_raw=True)
        r = s.invoke("describe")
        b = SEEN[-1]["body"]
        print(f"[{method}] parsed={r['parsed']!r} err={r['parsing_error']} usage={r['raw'].usage_metadata}")
        print("   response_format:", json.dumps(b.get("response_format"))[:300])
        print("   tools:", json.dumps(b.get("tools"))[:200], "tool_choice:", b.get("tool_choice"))

    print("--- streaming through the client (stream usage?)")
    chunks = list(model.stream("hi"))
    print(len(chunks), "chunks; stream_options sent:", SEEN[-1]["body"].get("stream_options"),
          "; usage on last:", [c.usage_metadata for c in chunks if c.usage_metadata])
    print("--- default init_chat_model('openai:m') without api key")
    try:
        init_chat_model("openai:m", base_url=url)
        print("ok without key")
    except Exception as e:
        print(type(e).__name__, str(e)[:200])
    print("--- unknown/missing provider package")
    for s in ("anthropic:claude-x", "ollama:qwen2.5", "huggingface:foo/bar", "nosuch:m", "gpt-4o-mini"):
        try:
            m = init_chat_model(s)
            print(s, "->", type(m).__name__)
        except Exception as e:
            print(s, "->", type(e).__name__, str(e)[:160])
    server.shutdown()
