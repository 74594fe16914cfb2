"""Protocol tests for the `endpoint:` (TGI) and `openai:` providers.

The server started here on 127.0.0.1 is a protocol test double, not a model: it checks that
requests carry the JSON-schema constraint each protocol defines and answers with scripted
text in that protocol's response format.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from autogenesis.drafts import Verdict
from autogenesis.models import ModelError, TransientModelError, resolve_model
from autogenesis.models import endpoints as endpoints_module
from autogenesis.models.accounting import collecting
from autogenesis.models.base import Prompt

pytestmark = pytest.mark.real_model  # resolves the endpoint providers (against the local test server)

PROMPT = Prompt(role="review:design", task="Judge the design.", input="a helpdesk with a triager")


class ProtocolServer:
    """Answers `/generate` (TGI) and `/v1/chat/completions` (OpenAI) with queued texts."""

    def __init__(self) -> None:
        self.answers: list[str] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.status: list[int] = []  # statuses to answer before the queued texts (e.g. 503)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append((self.path, body))
                if server.status:
                    self._send(server.status.pop(0), {"error": "overloaded"})
                elif self.path == "/generate":
                    text = server.answers.pop(0)
                    self._send(200, {"generated_text": text, "details": {"generated_tokens": 7, "prefill": [{}] * 21}})
                elif self.path == "/v1/chat/completions":
                    text = server.answers.pop(0)
                    self._send(
                        200,
                        {
                            "choices": [{"message": {"role": "assistant", "content": text}}],
                            "usage": {"prompt_tokens": 33, "completion_tokens": 9},
                        },
                    )
                else:
                    self._send(404, {"error": "no route"})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ProtocolServer]:
    monkeypatch.setattr(endpoints_module, "BACKOFF_S", 0.0)
    srv = ProtocolServer()
    yield srv
    srv.close()


def test_tgi_endpoint_sends_a_json_grammar_and_retries_an_invalid_answer(server: ProtocolServer) -> None:
    server.answers = ['{"approved": "perhaps"}', '{"approved": true, "reasons": ["covers triage"]}']
    model = resolve_model(f"endpoint:{server.url}?max_tokens=50")
    with collecting() as calls:
        verdict = model.generate(Verdict, PROMPT)
    assert verdict == Verdict(approved=True, reasons=["covers triage"])
    (path, first), (_, second) = server.requests
    assert path == "/generate"
    assert first["parameters"]["grammar"]["type"] == "json"
    assert first["parameters"]["grammar"]["value"]["required"] == ["approved"]
    assert first["parameters"]["max_new_tokens"] == 50
    assert first["parameters"]["do_sample"] is False
    assert first["inputs"].startswith("Judge the design.")
    assert first["inputs"].endswith("Input: a helpdesk with a triager\nOutput:\n")
    assert "approved: Input should be a valid boolean" in second["inputs"]
    assert [(c.model, c.prompt_tokens, c.completion_tokens, c.attempts, c.constrained) for c in calls] == [
        (f"endpoint:{server.url}", 42, 14, 2, True)
    ]


def test_openai_server_gets_messages_and_a_json_schema_response_format(server: ProtocolServer) -> None:
    server.answers = ['{"approved": false, "reasons": ["no reviewer"]}']
    model = resolve_model(f"openai:{server.url}/v1#qwen?temperature=0.2")
    with collecting() as calls:
        verdict = model.generate(Verdict, PROMPT)
    assert verdict == Verdict(approved=False, reasons=["no reviewer"])
    ((path, body),) = server.requests
    assert path == "/v1/chat/completions"
    assert body["model"] == "qwen"
    assert body["temperature"] == 0.2
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Verdict"
    assert body["response_format"]["json_schema"]["schema"]["properties"]["reasons"]["maxItems"] == 8
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["messages"][-1]["content"] == "a helpdesk with a triager"
    assert [(c.role, c.prompt_tokens, c.completion_tokens, c.attempts) for c in calls] == [("review:design", 33, 9, 1)]


def test_overloaded_server_is_retried_then_answers(server: ProtocolServer) -> None:
    server.status = [503]
    server.answers = ['{"approved": true}']
    assert resolve_model(f"openai:{server.url}/v1").generate(Verdict, PROMPT) == Verdict(approved=True)
    assert len(server.requests) == 2
    assert server.requests[1][1]["model"] == "default"


def test_client_error_is_a_model_error_naming_the_url(server: ProtocolServer) -> None:
    model = resolve_model(f"openai:{server.url}/wrong")
    with pytest.raises(ModelError, match=rf"{server.url}/wrong/chat/completions answered HTTP 404"):
        model.generate(Verdict, PROMPT)


def test_unreachable_endpoint_is_a_transient_error_naming_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(endpoints_module, "BACKOFF_S", 0.0)
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    for setting, target in (
        (f"endpoint:http://127.0.0.1:{port}", f"http://127.0.0.1:{port}/generate"),
        (f"openai:http://127.0.0.1:{port}/v1#m", f"http://127.0.0.1:{port}/v1/chat/completions"),
    ):
        with pytest.raises(TransientModelError, match=rf"model endpoint {target} unreachable after 3 attempts"):
            resolve_model(setting).generate(Verdict, PROMPT)
