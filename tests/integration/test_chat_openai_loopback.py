"""`openai:URL#model` settings (ChatOpenAI through init_chat_model) and the helper, against a loopback server.

The server is a protocol test double in the wire format of `tests/openai_wire.py`: it records
each request and answers chat completions with queued texts and fixed usage, or with queued
error statuses.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from openai_wire import Refused, handler

from autogenesis.drafts import Verdict
from autogenesis.models import ModelError, TransientModelError, resolve_model
from autogenesis.models.accounting import collecting
from autogenesis.models.base import Prompt
from autogenesis.models.chat import generate

pytestmark = pytest.mark.real_model  # an OpenAI client, against the loopback server only

PROMPT = Prompt(role="review:design", task="Judge the design.", input="a helpdesk with a triager")


class Server:
    """Answers with the queued error statuses first, then the queued texts, with fixed usage."""

    def __init__(self) -> None:
        self.answers: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), handler(self))
        self.url = f"http://127.0.0.1:{self.http.server_port}/v1"

    def complete(self, body: dict[str, Any]) -> tuple[str, dict[str, int]]:
        self.requests.append(body)
        if self.statuses:
            raise Refused(self.statuses.pop(0), "overloaded")
        return self.answers.pop(0), {"prompt_tokens": 33, "completion_tokens": 9, "total_tokens": 42}


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    thread = threading.Thread(target=srv.http.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.http.shutdown()
    srv.http.server_close()


def _model(url: str) -> Any:
    return resolve_model(f"openai:{url}#m?timeout=5")


def test_json_schema_response_format_and_usage_are_used(server: Server) -> None:
    server.answers = ['{"approved": "perhaps"}', '{"approved": true, "reasons": []}']
    with collecting() as calls:
        assert generate(_model(server.url), Verdict, PROMPT).approved is True
    first = server.requests[0]
    assert first["response_format"]["type"] == "json_schema"
    assert first["response_format"]["json_schema"]["name"] == "Verdict"
    assert first["response_format"]["json_schema"]["schema"]["properties"]["reasons"]["maxItems"] == 8
    assert "not a valid Verdict" in server.requests[1]["messages"][-1]["content"]
    assert [(c.prompt_tokens, c.completion_tokens, c.attempts, c.constrained) for c in calls] == [(66, 18, 2, True)]


def test_unreachable_server_is_a_transient_error_naming_the_url(server: Server) -> None:
    url = server.url
    server.http.shutdown()
    server.http.server_close()
    with pytest.raises(TransientModelError, match=f"model {url} unavailable"):
        generate(_model(url), Verdict, PROMPT)


def test_a_server_error_is_retried_once_then_transient_and_a_bad_path_is_a_model_error(server: Server) -> None:
    server.statuses = [503]
    server.answers = ['{"approved": true, "reasons": []}']
    assert generate(_model(server.url), Verdict, PROMPT).approved is True  # the client's one retry
    assert len(server.requests) == 2
    server.statuses = [503, 503]
    with pytest.raises(TransientModelError, match=r"127\.0\.0\.1:\d+/v1 unavailable: \w+: Error code: 503"):
        generate(_model(server.url), Verdict, PROMPT)
    server.statuses = [404]
    with pytest.raises(ModelError, match=r"127\.0\.0\.1:\d+/v1 refused the request: \w+: Error code: 404"):
        generate(_model(server.url), Verdict, PROMPT)
