"""Probe: the helper (autogenesis.models.chat.generate) over init_chat_model against the p3 loopback server."""
from __future__ import annotations

import json
import threading
from http.server import ThreadingHTTPServer

import p3_init_chat_model_loopback as p3
from langchain.chat_models import init_chat_model

from autogenesis.drafts import Verdict
from autogenesis.models.accounting import collecting
from autogenesis.models.base import Prompt
from autogenesis.models.chat import generate

p3.ANSWER = '{"approved": true, "reasons": ["fine"]}'
server = ThreadingHTTPServer(("127.0.0.1", 0), p3.Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
model = init_chat_model("openai:m", base_url=f"http://127.0.0.1:{server.server_port}/v1", api_key="x", max_retries=0)
with collecting() as calls:
    print(generate(model, Verdict, Prompt(role="review:design", task="Judge.", input="a helpdesk")))
print(calls)
body = p3.SEEN[-1]["body"]
print("response_format:", json.dumps(body.get("response_format"))[:400])
print("messages:", [(m["role"], m.get("name")) for m in body["messages"]])
server.shutdown()
server.server_close()
model = init_chat_model("openai:m", base_url=f"http://127.0.0.1:{server.server_port}/v1", api_key="x", max_retries=0, timeout=2)
try:
    generate(model, Verdict, Prompt(role="review:design", task="Judge.", input="a helpdesk"))
except Exception as e:
    print("server down:", type(e).__name__, e)
