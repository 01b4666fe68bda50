"""Checking and storing uploaded files: size limit, content sniffing, blocked types, safe names."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Executables and scripts are refused whatever their declared type: they are the usual
# payload of a phishing mail that a requester forwards in good faith.
BLOCKED_EXTENSIONS = frozenset(
    {
        "exe",
        "dll",
        "com",
        "scr",
        "msi",
        "msp",
        "bat",
        "cmd",
        "ps1",
        "psm1",
        "vbs",
        "vbe",
        "js",
        "jse",
        "wsf",
        "wsh",
        "hta",
        "cpl",
        "jar",
        "lnk",
        "reg",
        "sh",
        "app",
        "apk",
        "elf",
    }
)
BLOCKED_SNIFFED_TYPES = frozenset(
    {
        "application/x-msdownload",
        "application/x-executable",
        "application/x-mach-binary",
        "application/x-elf",
        "application/vnd.microsoft.portable-executable",
    }
)
# Types a browser may show inline; everything else is always downloaded.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"})


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    size: int
    sha256: str
    content: ContentFile[bytes]


def safe_filename(name: str) -> str:
    name = unicodedata.normalize("NFC", os.path.basename(name.replace("\\", "/"))).strip()
    name = re.sub(r"[\x00-\x1f\x7f<>:\"/\\|?*]", "_", name)
    name = name.lstrip(".") or "file"
    return name[:200]


def sniff_content_type(data: bytes) -> str:
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return str(kind.mime)
    sample = data[:8192]
    if not sample or b"\x00" in sample:
        return "application/octet-stream"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # Only a multi-byte character cut by the end of the sample is forgiven.
        if len(data) <= len(sample) or error.start < len(sample) - 3:
            return "application/octet-stream"
    return "text/plain"


def check_file(filename: str, data: bytes) -> CheckedFile:
    limit = settings.VIGIE_MAX_ATTACHMENT_BYTES
    if len(data) > limit:
        raise ValidationError(
            _("“%(name)s” is too large (%(size)s); the limit is %(limit)s.")
            % {"name": filename, "size": filesizeformat(len(data)), "limit": filesizeformat(limit)},
            code="too_large",
        )
    clean_name = safe_filename(filename)
    extension = clean_name.rsplit(".", 1)[-1].lower() if "." in clean_name else ""
    content_type = sniff_content_type(data)
    if extension in BLOCKED_EXTENSIONS or content_type in BLOCKED_SNIFFED_TYPES:
        raise ValidationError(
            _("“%(name)s” is a program or script; such files are refused.") % {"name": clean_name},
            code="blocked_type",
        )
    return CheckedFile(
        filename=clean_name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=ContentFile(data, name=clean_name),
    )
