"""Remote models over plain HTTP: TGI / HF Inference Endpoints and OpenAI-compatible servers.

`endpoint:URL` posts to `URL/generate` (TGI's protocol, also served by HF Inference Endpoints)
with a JSON-schema `grammar`, so the server constrains decoding; `openai:URL[#model]` posts to
`URL/chat/completions` with `response_format: {type: json_schema}` (vLLM, llama.cpp server,
Ollama's `/v1`). Both then go through the shared parse → repair → bounded retry.

Plain httpx rather than `HuggingFaceEndpoint`: `HF_HUB_OFFLINE=1` blocks that client even for a
loopback server. A connection failure, timeout, 429 or 5xx is retried a bounded number of times
(`CONNECT_RETRIES`), then raised as `TransientModelError` naming the URL.
"""

from __future__ import annotations

import os
import time
import urllib.parse
from typing import Any

from pydantic import BaseModel

from autogenesis.models.accounting import estimate_tokens
from autogenesis.models.base import ModelConfigError, ModelError, Prompt, TransientModelError
from autogenesis.models.render import grammar_schema, render_fewshot, render_messages
from autogenesis.models.structured import Completion, GenerationOptions, StructuredGenerator

#: Retries of one HTTP request after a connection failure, timeout, 429 or 5xx.
CONNECT_RETRIES = 2
#: Seconds before the first retry (doubled each time).
BACKOFF_S = 0.5
#: New tokens per call when no `max_tokens` setting is given.
DEFAULT_MAX_TOKENS = 512


def _check_url(url: str, form: str) -> str:
    url = url.strip()
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ModelConfigError(f"{form} needs an http(s) URL, got {url!r}")
    return url.rstrip("/")


def _loopback(url: str) -> bool:
    return (urllib.parse.urlparse(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


class HttpModel(StructuredGenerator):
    """Shared HTTP plumbing: bounded retries on transient faults, clear errors naming the URL."""

    def __init__(self, name: str, url: str, options: GenerationOptions | None = None) -> None:
        super().__init__(options)
        self.name = name
        self.url = url
        self.api_key = ""

    def post(self, path: str, body: dict[str, Any], options: GenerationOptions) -> dict[str, Any]:
        import httpx

        target = self.url + path
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        last: Exception | None = None
        for attempt in range(CONNECT_RETRIES + 1):
            if attempt:
                time.sleep(BACKOFF_S * 2 ** (attempt - 1))
            try:
                with httpx.Client(timeout=options.timeout, trust_env=not _loopback(target)) as client:
                    response = client.post(target, json=body, headers=headers)
            except (httpx.TransportError, httpx.TimeoutException) as exc:
                last = exc
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last = ModelError(f"HTTP {response.status_code}: {response.text[:200]}")
                continue
            if response.status_code >= 400:
                raise ModelError(f"{self.name}: {target} answered HTTP {response.status_code}: {response.text[:300]}")
            try:
                data = response.json()
            except ValueError as exc:
                raise ModelError(
                    f"{self.name}: {target} answered something that is not JSON: {response.text[:200]}"
                ) from exc
            if not isinstance(data, dict):
                raise ModelError(f"{self.name}: unexpected answer from {target}: {str(data)[:200]}")
            return data
        raise TransientModelError(
            f"model endpoint {target} unreachable after {CONNECT_RETRIES + 1} attempts: {type(last).__name__}: {last}"
        )


class TgiModel(HttpModel):
    """`endpoint:URL` — TGI's `/generate` with a JSON grammar (few-shot prompt text)."""

    def complete(self, schema: type[BaseModel], prompt: Prompt, options: GenerationOptions) -> Completion:
        text = render_fewshot(prompt, schema)
        parameters: dict[str, Any] = {
            "max_new_tokens": options.max_tokens or DEFAULT_MAX_TOKENS,
            "grammar": {"type": "json", "value": grammar_schema(schema)},
            "details": True,
            "decoder_input_details": True,
            "return_full_text": False,
            "do_sample": options.temperature > 0,
        }
        if options.temperature > 0:
            parameters["temperature"] = options.temperature
        data = self.post("/generate", {"inputs": text, "parameters": parameters}, options)
        if "generated_text" not in data:
            raise ModelError(f"{self.name}: no generated_text in the answer from {self.url}/generate")
        details = data.get("details") or {}
        generated = str(data["generated_text"])
        prefill = details.get("prefill")
        return Completion(
            generated,
            len(prefill) if isinstance(prefill, list) and prefill else estimate_tokens(text),
            int(details.get("generated_tokens") or estimate_tokens(generated)),
            constrained=True,
        )


class OpenAIModel(HttpModel):
    """`openai:URL[#model]` — chat completions with a `json_schema` response format."""

    def __init__(self, name: str, url: str, model: str, options: GenerationOptions | None = None) -> None:
        super().__init__(name, url, options)
        self.model = model
        self.api_key = os.environ.get("OPENAI_API_KEY", "")

    def complete(self, schema: type[BaseModel], prompt: Prompt, options: GenerationOptions) -> Completion:
        messages = render_messages(prompt, schema)
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": options.temperature,
            "max_tokens": options.max_tokens or DEFAULT_MAX_TOKENS,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": schema.__name__, "schema": grammar_schema(schema), "strict": True},
            },
        }
        data = self.post("/chat/completions", body, options)
        try:
            content = data["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError) as exc:
            raise ModelError(f"{self.name}: no choices[0].message.content in the answer from {self.url}") from exc
        usage = data.get("usage") or {}
        return Completion(
            str(content),
            int(usage.get("prompt_tokens") or estimate_tokens(" ".join(m["content"] for m in messages))),
            int(usage.get("completion_tokens") or estimate_tokens(str(content))),
            constrained=True,
        )


def endpoint_provider(argument: str) -> TgiModel:
    """`endpoint:URL` (e.g. `endpoint:http://127.0.0.1:8080`)."""
    url = _check_url(argument, "endpoint:URL")
    if url.endswith("/generate"):
        url = url[: -len("/generate")]
    model = TgiModel(f"endpoint:{url}", url)
    model.api_key = os.environ.get("HF_TOKEN", "")
    return model


def openai_provider(argument: str) -> OpenAIModel:
    """`openai:URL[#model]` (e.g. `openai:http://127.0.0.1:8000/v1#qwen`); model defaults to 'default'."""
    url, _, model = argument.partition("#")
    url = _check_url(url, "openai:URL[#model]")
    name = f"openai:{url}" + (f"#{model}" if model else "")
    return OpenAIModel(name, url, model.strip() or "default")
