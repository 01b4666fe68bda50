"""The local queue: reports wait here (a SQLite file) until the server has them.

Every report gets the next sequence number when it is queued; the server refuses to apply a
number twice. The queue is capped in bytes: past the cap the oldest reports are dropped.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any


class Spool:
    def __init__(self, path: Path, max_bytes: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.max_bytes = max_bytes
        self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS report (sequence INTEGER PRIMARY KEY, body TEXT NOT NULL, size INTEGER NOT NULL)"
        )
        self.db.execute("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    def close(self) -> None:
        self.db.close()

    def _next_sequence(self) -> int:
        row = self.db.execute("SELECT value FROM state WHERE key = 'last_sequence'").fetchone()
        last = int(row[0]) if row else 0
        queued = self.db.execute("SELECT MAX(sequence) FROM report").fetchone()[0] or 0
        return max(last, queued) + 1

    def push(self, report: dict[str, Any]) -> int:
        """Number the report, queue it, trim the queue to its cap; returns the number."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            sequence = self._next_sequence()
            report["sequence"] = sequence
            body = json.dumps(report, separators=(",", ":"), sort_keys=True)
            self.db.execute("INSERT INTO report (sequence, body, size) VALUES (?, ?, ?)", (sequence, body, len(body)))
            self.db.execute("INSERT OR REPLACE INTO state (key, value) VALUES ('last_sequence', ?)", (str(sequence),))
            total = self.db.execute("SELECT COALESCE(SUM(size), 0) FROM report").fetchone()[0]
            while total > self.max_bytes:
                oldest = self.db.execute("SELECT sequence, size FROM report ORDER BY sequence LIMIT 1").fetchone()
                if oldest is None or oldest[0] == sequence:
                    break
                self.db.execute("DELETE FROM report WHERE sequence = ?", (oldest[0],))
                total -= oldest[1]
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return sequence

    def oldest(self, limit: int, max_bytes: int) -> list[tuple[int, dict[str, Any]]]:
        """Up to ``limit`` reports, oldest first, within ``max_bytes`` (at least one)."""
        rows = self.db.execute("SELECT sequence, body, size FROM report ORDER BY sequence LIMIT ?", (limit,)).fetchall()
        batch: list[tuple[int, dict[str, Any]]] = []
        size = 0
        for sequence, body, length in rows:
            if batch and size + length > max_bytes:
                break
            batch.append((sequence, json.loads(body)))
            size += length
        return batch

    def remove(self, sequences: list[int]) -> None:
        self.db.executemany("DELETE FROM report WHERE sequence = ?", [(sequence,) for sequence in sequences])

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM report").fetchone()[0])

    def sequences(self) -> list[int]:
        return [row[0] for row in self.db.execute("SELECT sequence FROM report ORDER BY sequence")]
