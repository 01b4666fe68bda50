"""The GLPI Agent's HTTP protocol: compressed JSON bodies and the server's replies.

The agent POSTs JSON, compressed as its Content-Type says: ``application/x-compress-zlib``
(RFC 1950, what it uses when Compress::Zlib is installed), ``application/x-compress-gzip``
(RFC 1952), ``application/x-compress-deflate`` (raw RFC 1951) or plain ``application/json``.
The reply is compressed the same way. Every reply is an object with a ``status`` ("ok" or
"error"), an ``expiration`` in hours (when the agent should come back), and a ``message`` on error.
"""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

from django.utils.translation import gettext as _

ZLIB = "zlib"
GZIP = "gzip"
DEFLATE = "deflate"
NONE = "none"
CONTENT_TYPES = {
    "application/x-compress-zlib": ZLIB,
    "application/x-zlib": ZLIB,
    "application/x-compress-gzip": GZIP,
    "application/x-gzip": GZIP,
    "application/x-compress-deflate": DEFLATE,
    "application/x-deflate": DEFLATE,
    "application/json": NONE,
    "text/plain": NONE,
    "": NONE,
}
REPLY_TYPES = {
    ZLIB: "application/x-compress-zlib",
    GZIP: "application/x-compress-gzip",
    DEFLATE: "application/x-compress-deflate",
    NONE: "application/json",
}
MAX_INFLATED = 64 * 1024 * 1024


class ProtocolError(ValueError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def compression_of(content_type: str) -> str:
    kind = content_type.split(";")[0].strip().lower()
    if kind not in CONTENT_TYPES:
        raise ProtocolError(_("Unsupported content type %(type)s.") % {"type": kind}, 415)
    return CONTENT_TYPES[kind]


def _inflate(decompressor: Any, body: bytes) -> bytes:
    data: bytes = decompressor.decompress(body, MAX_INFLATED)
    if decompressor.unconsumed_tail:
        raise ProtocolError(_("The inflated body is too large."), 413)
    return data


def decode(body: bytes, compression: str) -> dict[str, Any]:
    """The JSON message of a request body."""
    try:
        if compression == ZLIB:
            # Some agents label a gzip stream as zlib: wbits 47 accepts both headers.
            body = _inflate(zlib.decompressobj(47), body)
        elif compression == GZIP:
            body = _inflate(zlib.decompressobj(31), body)
        elif compression == DEFLATE:
            body = _inflate(zlib.decompressobj(-15), body)
    except zlib.error as error:
        raise ProtocolError(_("The body cannot be decompressed: %(error)s") % {"error": error}) from None
    if body.lstrip().startswith(b"<"):
        raise ProtocolError(_("XML inventories (the old FusionInventory protocol) are not accepted; use the JSON protocol."))
    try:
        message = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProtocolError(_("The body is not valid JSON: %(error)s") % {"error": error}) from None
    if not isinstance(message, dict):
        raise ProtocolError(_("The body must be a JSON object."))
    return message


def encode(reply: dict[str, Any], compression: str) -> tuple[bytes, str]:
    """The reply's bytes and Content-Type, compressed as the request was."""
    data = json.dumps(reply).encode()
    if compression == ZLIB:
        data = zlib.compress(data)
    elif compression == GZIP:
        data = gzip.compress(data)
    elif compression == DEFLATE:
        compressor = zlib.compressobj(wbits=-15)
        data = compressor.compress(data) + compressor.flush()
    return data, REPLY_TYPES[compression]
