"""A tiny user store in SQLite (standard library).

Python handlers run in a pool of worker processes, so anything kept in a module-level
dict would exist once per worker: CreateUser could land in one process and GetUser in
another. State that must be shared lives outside the workers, here in a SQLite file.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

DB_PATH = Path(__file__).resolve().parent.parent / ".rohas" / "hello-python.sqlite3"


def _connect() -> sqlite3.Connection:
    DB_PATH.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(DB_PATH, timeout=10)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(
        "CREATE TABLE IF NOT EXISTS users ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,"
        " email TEXT NOT NULL UNIQUE, createdAt TEXT NOT NULL)"
    )
    return connection


def add_user(name: str, email: str) -> dict[str, Any]:
    created = datetime.now(timezone.utc).isoformat()
    with closing(_connect()) as db, db:
        cursor = db.execute("INSERT INTO users (name, email, createdAt) VALUES (?, ?, ?)", (name, email, created))
        return {"id": cursor.lastrowid, "name": name, "email": email, "createdAt": created}


def find_user(user_id: int) -> dict[str, Any] | None:
    with closing(_connect()) as db:
        row = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return dict(row) if row else None


def list_users(search: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    with closing(_connect()) as db:
        if search:
            needle = f"%{search.lower()}%"
            rows = db.execute(
                "SELECT * FROM users WHERE lower(name) LIKE ? OR lower(email) LIKE ? ORDER BY id LIMIT ?",
                (needle, needle, limit),
            ).fetchall()
        else:
            rows = db.execute("SELECT * FROM users ORDER BY id LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]


def delete_user(user_id: int) -> bool:
    with closing(_connect()) as db, db:
        return db.execute("DELETE FROM users WHERE id = ?", (user_id,)).rowcount > 0


def count_users() -> int:
    with closing(_connect()) as db:
        return int(db.execute("SELECT count(*) FROM users").fetchone()[0])


class NotFound(Exception):
    """Raised by handlers; the numeric `status` picks the HTTP status."""

    status = 404
