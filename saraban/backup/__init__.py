"""Backing up a running saraban and restoring it into an empty installation.

``saraban backup PATH`` writes a directory (``PATH`` must not exist, or be empty)::

    manifest.json            what the backup holds, with the SHA-256 of every file in it
    tables/<table>.jsonl     one JSON object per row, in primary-key order
    files/ab/cd/<sha256>     the stored files (scans, enclosures), laid out as in DATA_DIR

Every table is read inside one read transaction (PostgreSQL: ``REPEATABLE READ, READ
ONLY``; SQLite: one deferred ``BEGIN``, which in WAL mode lets writers go on), so the
snapshot is consistent (the audit head matches the last audit event, every line of a
register its document) while the server keeps writing. The stored files are
content-addressed and never rewritten: they are copied after that transaction, each one's
SHA-256 checked while it is copied; a missing or damaged file stops the backup.

Values are written portably: dates and times as ISO 8601 strings (aware, UTC), JSON columns
as they are, booleans as booleans, enumerations as their stored value, so a backup of a
SQLite installation restores into PostgreSQL and the other way round. The search index is
derived from the documents: it is not backed up but rebuilt at restore.

The manifest is signed (``signature``: HMAC-SHA256 with the installation key, which is kept
in the data directory and never backed up; ``key_id`` names that key): a backup altered and
its digests recomputed by someone holding only the backup is refused.

``saraban restore PATH [--key-file KEY]`` checks the manifest's signature (with this
installation's key, or the one given, which a blank installation then keeps as its own) and
the digests of every table file and stored file before writing anything; migrates a blank
database (the backup must come from the same schema revision as this program); refuses a
database that holds any data (a restore never merges); inserts every row in one
transaction; moves PostgreSQL's id sequences past the restored ids; copies the files into
DATA_DIR; rebuilds the search index; and checks that the audit chain is intact (its head's
MAC too) and ends at the head the backup recorded, and that every record agrees with the
last digest the chain holds for it, before committing.

``manifest.json`` (format version 2)::

    {"format": "saraban-backup", "format_version": 2, "saraban_version": "0.1.0",
     "alembic_revision": "...", "created_at": "2026-11-29T06:53:38+00:00",
     "dialect": "sqlite", "audit_head": "<hash of the last audit event>",
     "derived": ["search_text"],
     "tables": [{"name": "agency", "path": "tables/agency.jsonl", "rows": 1,
                 "bytes": 312, "sha256": "...", "columns": ["id", ...]}, ...],
     "files": [{"path": "files/ab/cd/abcd...", "bytes": 5120, "sha256": "abcd..."}, ...],
     "key_id": "<16 hex>", "signature": "<HMAC-SHA256 of the rest>"}

``tables`` lists the tables in the order they are restored (parents first).

The writing is in ``saraban.backup.backup``, the restoring in ``saraban.backup.restore``.
"""
