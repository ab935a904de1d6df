"""An organisation's tag vocabulary: the folded code people carry and the label staff read."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamped


class TagLabel(Timestamped, Base):
    """How an organisation shows one tag ("isole" is "Isolé·e")."""

    __tablename__ = "tag_labels"
    __table_args__ = (UniqueConstraint("organisation_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100))
