"""The search text of each document, kept in the same transaction as the document.

One row per document: its number, subject, body, sender, addressee, references,
endorsements and register numbers, normalised (``search.text.normalize``). PostgreSQL finds
substrings in it through a pg_trgm GIN index; SQLite through an FTS5 trigram table
(``search_fts``) that triggers keep equal to this one. Both are made by the migrations,
outside the models, and the drift check ignores them (``IGNORED``).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from saraban.db import Base

# Made by migration a7c1e2f3b4d5, not by the models.
IGNORED = {"table": ("search_fts",), "index": ("ix_search_text_trgm",)}


def include_name(name, type_, parent_names) -> bool:
    """For Alembic: leave out the search structures that only one database has."""
    return not (name and any(name.startswith(p) for p in IGNORED.get(type_, ())))


class SearchText(Base):
    __tablename__ = "search_text"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), primary_key=True)
    content: Mapped[str] = mapped_column(Text)
