"""A production configuration passes Django's deployment checks without a warning."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("VIGIE_")}
    env.update({"VIGIE_DATA_DIR": str(tmp_path), **variables})
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "vigie.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deployment_checks(tmp_path: Path) -> None:
    result = run_check(
        tmp_path,
        VIGIE_PRODUCTION="true",
        VIGIE_SECRET_KEY=secrets.token_urlsafe(50)[:50],
        VIGIE_ENCRYPTION_KEY=secrets.token_urlsafe(32),
        VIGIE_ALLOWED_HOSTS="desk.example.fr",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_an_encryption_key_the_deployment_checks_warn(tmp_path: Path) -> None:
    result = run_check(
        tmp_path,
        VIGIE_PRODUCTION="true",
        VIGIE_SECRET_KEY=secrets.token_urlsafe(50)[:50],
        VIGIE_ALLOWED_HOSTS="desk.example.fr",
    )
    assert result.returncode != 0
    assert "vigie.W001" in result.stderr + result.stdout


def test_without_production_mode_the_deployment_checks_complain(tmp_path: Path) -> None:
    result = run_check(tmp_path, VIGIE_SECRET_KEY=secrets.token_urlsafe(50)[:50], VIGIE_ALLOWED_HOSTS="desk.example.fr")
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # no HSTS
    assert "security.W012" in result.stderr + result.stdout  # session cookie not secure
