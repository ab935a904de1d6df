"""The sites a user file names: found by their slug or name, created the first time."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Site


def slugify(name: str) -> str:
    """Return the slug a site name is known by: "Nîmes centre" is "nimes-centre"."""
    bare = unicodedata.normalize("NFKD", name.casefold())
    bare = "".join(c for c in bare if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", bare).strip("-")[:64] or "site"


class FileSites:
    """The organisation's sites by slug, creating those a file names for the first time."""

    def __init__(
        self, session: AsyncSession, organisation_id: int, default_id: int, created: list[str]
    ) -> None:
        self.session = session
        self.organisation_id = organisation_id
        self.default_id = default_id
        # The names of the sites this import created, appended to as they are.
        self.created = created
        self.known: dict[str, int] | None = None

    async def site_id(self, name: str | None) -> int:
        if not name:
            return self.default_id
        if self.known is None:
            rows = await self.session.execute(
                select(Site.slug, Site.name, Site.id).where(
                    Site.organisation_id == self.organisation_id
                )
            )
            self.known = {}
            for slug, site_name, site_id in rows:
                self.known.setdefault(slug, site_id)
                self.known.setdefault(slugify(site_name), site_id)
        slug = slugify(name)
        if slug not in self.known:
            site = Site(organisation_id=self.organisation_id, slug=slug, name=name, info={})
            self.session.add(site)
            await self.session.flush()
            self.known[slug] = site.id
            self.created.append(name)
        return self.known[slug]
