"""Secrets kept out of every output: the one redaction applied wherever text leaves AutoGenesis.

A secret is a URL's password (`scheme://user:PASSWORD@host`), a `password=` parameter (in a
URL's query or a libpq conninfo), the value of an environment variable named like a credential
(`*_API_KEY`, `*_TOKEN`, `*_SECRET`, `*_PASSWORD`, `PGPASSWORD`), or a value registered with
`register_secret` (a database password as the server or a driver may echo it, decoded).
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote

MASK = "***"
#: Environment values shorter than this are not masked: a one-letter "token" would garble every line.
MIN_SECRET_CHARS = 8
_CREDENTIAL_NAME = re.compile(r"(?:^|_)(?:API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD)$|^PGPASSWORD$", re.IGNORECASE)
# The password runs to the last `@` before a space, slash or quote: a password may hold `@`.
_URL_PASSWORD = re.compile(
    r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s:/?#@'\"]*:)(?P<password>[^\s'\"]*?)(?=@[^\s@/'\"]*(?:[\s/'\"?#]|$))"
)
_PARAM_PASSWORD = re.compile(
    r"(?P<head>\b(?:ssl)?pass(?:word|wd)\s*=\s*)(?P<password>'(?:[^'\\]|\\.)*'|[^\s&;#'\"]+)", re.IGNORECASE
)
_registered: set[str] = set()


def register_secret(value: str | None) -> None:
    """Mask `value` (and its percent-decoded form) in everything `redact` sees from now on in this process."""
    if not value:
        return
    for form in {value, unquote(value)}:
        if len(form) >= 3:
            _registered.add(form)


def environment_secrets() -> list[str]:
    """Values of the environment's credential variables, longest first."""
    found = {
        value for name, value in os.environ.items() if _CREDENTIAL_NAME.search(name) and len(value) >= MIN_SECRET_CHARS
    }
    return sorted(found, key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with every secret it holds replaced by `***`."""
    if not text:
        return text
    text = _URL_PASSWORD.sub(lambda m: m["head"] + MASK if m["password"] else m[0], text)
    text = _PARAM_PASSWORD.sub(lambda m: m["head"] + MASK, text)
    for secret in sorted({*environment_secrets(), *_registered}, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text
