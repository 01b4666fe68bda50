"""Fail when a French or English message catalog is missing, stale, or incomplete.

Regenerates the catalogs into a temporary copy with ``makemessages`` and checks that
every message id of the code is present and translated in ``fr`` (English source
strings need no translation, but the ``en`` catalog must exist and be current).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "vigie" / "locale"
ENTRY = re.compile(r'(?:^#, (?P<flags>.*)\n)?(?:^#\|.*\n)*^msgid (?P<id>(?:".*"\n)+)^msgstr (?P<str>(?:".*"\n)+)', re.M)
PLURAL_ENTRY = re.compile(r'^msgid (?P<id>(?:".*"\n)+)^msgid_plural (?:".*"\n)+(?P<strs>(?:^msgstr\[\d\] (?:".*"\n)+)+)', re.M)


def _join(block: str) -> str:
    return "".join(line.strip()[1:-1] for line in block.strip().splitlines())


def entries(path: Path) -> dict[str, tuple[bool, bool]]:
    """msgid → (translated, fuzzy)."""
    text = path.read_text(encoding="utf-8")
    found: dict[str, tuple[bool, bool]] = {}
    for match in ENTRY.finditer(text):
        msgid = _join(match["id"])
        if msgid:
            found[msgid] = (bool(_join(match["str"])), "fuzzy" in (match["flags"] or ""))
    for match in PLURAL_ENTRY.finditer(text):
        msgid = _join(match["id"])
        strs = re.findall(r'^msgstr\[\d\] ((?:".*"\n)+)', match["strs"], re.M)
        found[msgid] = (all(_join(s) for s in strs), False)
    return found


def main() -> int:
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as temp:
        copy = Path(temp) / "vigie"
        shutil.copytree(ROOT / "vigie", copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        for domain in ("django", "djangojs"):
            if domain == "djangojs" and not list(copy.rglob("*.js")):
                continue
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "django",
                    "makemessages",
                    "-l",
                    "fr",
                    "-l",
                    "en",
                    "-d",
                    domain,
                    "--no-obsolete",
                    "--no-location",
                ],
                cwd=copy,
                check=True,
                capture_output=True,
                env={
                    "DJANGO_SETTINGS_MODULE": "vigie.settings",
                    "PATH": "/usr/bin:/bin",
                    "PYTHONPATH": str(Path(temp)),
                    "VIGIE_DATA_DIR": str(Path(temp) / "var"),
                },
            )
        for language in ("fr", "en"):
            committed = LOCALE / language / "LC_MESSAGES" / "django.po"
            fresh = copy / "locale" / language / "LC_MESSAGES" / "django.po"
            if not committed.exists():
                problems.append(f"{committed.relative_to(ROOT)} is missing")
                continue
            wanted = entries(fresh)
            have = entries(committed)
            missing = sorted(set(wanted) - set(have))
            if missing:
                problems.append(
                    f"{language}: {len(missing)} message(s) not in the catalog, e.g. {missing[:5]} — run `make messages`"
                )
            if language == "fr":
                untranslated = sorted(m for m in wanted if m in have and (not have[m][0] or have[m][1]))
                if untranslated:
                    problems.append(f"fr: {len(untranslated)} message(s) untranslated or fuzzy, e.g. {untranslated[:5]}")
    for problem in problems:
        print(f"catalog: {problem}", file=sys.stderr)
    if not problems:
        print("catalogs: French and English complete")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
