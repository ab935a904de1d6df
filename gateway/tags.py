"""Tags as staff write them: one folded code per meaning, and the label an organisation shows."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources

import yaml
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, BeneficiaryTag, TagLabel
from db.session import insert_ignore

TAG_LENGTH = 64
LABEL_LENGTH = 100
# Inclusive spellings: "isolé·e", "isolé.e·s", "isolé(e)", "isolé(e)s".
_INCLUSIVE = re.compile(r"(?:[·.•]e(?:[·.•]?s)?|\(e\)s?|\(es\))(?=[^\w]|$)")
_WORD = re.compile(r"[a-z0-9]+")
# Words whose final s is not a plural.
_INVARIABLE = frozenset(
    {
        "sans", "plus", "sous", "dans", "vers", "mois", "pays", "fils", "gros", "temps", "corps",
        "colis", "repas", "abus", "refus", "avis", "jus", "bus", "bras", "fois", "gens", "cours",
        "secours", "concours", "discours", "parcours", "recours", "tres", "apres", "depuis",
    }
)  # fmt: skip
# Feminine endings folded onto the masculine, longest first.
_FEMININE = (("ienne", "ien"), ("euse", "eur"), ("ive", "if"), ("ee", "e"))


@lru_cache(maxsize=4096)
def fold_tag(text: str) -> str:
    """Return the code of a tag: no case, accent, gender or plural ("Isolées" is "isole")."""
    lowered = _INCLUSIVE.sub("", text.casefold())
    decomposed = unicodedata.normalize("NFKD", lowered)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = [_singular(word) for word in _WORD.findall(bare)]
    return "-".join(words)


def _singular(word: str) -> str:
    if len(word) > 3 and word not in _INVARIABLE and word[-1] == "s" and word[-2] != "s":
        word = word[:-1]
    for ending, masculine in _FEMININE:
        if len(word) > len(ending) + 1 and word.endswith(ending):
            return word[: -len(ending)] + masculine
    return word


def fold_tags(texts: Iterable[str]) -> tuple[str, ...]:
    """Return the distinct codes of several tags, in the order first written."""
    return tuple(dict.fromkeys(code for code in map(fold_tag, texts) if code))


def default_label(tag: str, *, written: str | None = None, language: str = "fr") -> str:
    """Return the shipped label of a tag, else how it was written, else the code itself."""
    known = _catalogue().get(tag)
    if known is not None:
        return known.get(language, known["fr"])
    text = " ".join((written or tag.replace("-", " ")).split())
    return (text[:1].upper() + text[1:])[:LABEL_LENGTH]


@cache
def _catalogue() -> dict[str, dict[str, str]]:
    source = resources.files("gateway").joinpath("tags.yaml")
    loaded: dict[str, dict[str, str]] = yaml.safe_load(source.read_text(encoding="utf-8"))
    return loaded


async def tag_labels(session: AsyncSession, *, organisation_id: int) -> dict[str, str]:
    """Return the organisation's label of every tag it has named."""
    rows = await session.execute(
        select(TagLabel.tag, TagLabel.label).where(TagLabel.organisation_id == organisation_id)
    )
    return dict(rows.all())


async def name_tag(
    session: AsyncSession, *, organisation_id: int, tag: str, written: str | None = None
) -> None:
    """Give a tag its default label in the organisation unless it already has one."""
    label = default_label(tag, written=written)
    values = {"organisation_id": organisation_id, "tag": tag, "label": label}
    await insert_ignore(session, TagLabel.__table__, values)  # type: ignore[arg-type]


async def set_label(session: AsyncSession, *, organisation_id: int, tag: str, label: str) -> None:
    """Set how the organisation shows a tag."""
    await name_tag(session, organisation_id=organisation_id, tag=tag)
    await session.execute(
        update(TagLabel)
        .where(TagLabel.organisation_id == organisation_id, TagLabel.tag == tag)
        .values(label=" ".join(label.split())[:LABEL_LENGTH])
    )


async def tag_counts(session: AsyncSession, *, organisation_id: int) -> dict[str, int]:
    """Return how many of the organisation's people carry each tag."""
    rows = await session.execute(
        select(BeneficiaryTag.tag, func.count())
        .join(Beneficiary, Beneficiary.id == BeneficiaryTag.beneficiary_id)
        .where(Beneficiary.organisation_id == organisation_id)
        .group_by(BeneficiaryTag.tag)
    )
    return dict(rows.all())


async def merge_tags(
    session: AsyncSession, *, organisation_id: int, source: str, target: str
) -> int:
    """Move every person of the organisation tagged `source` to `target`; return how many."""
    source, target = fold_tag(source) or source, fold_tag(target) or target
    if source == target:
        return 0
    people = select(Beneficiary.id).where(Beneficiary.organisation_id == organisation_id)
    already = select(BeneficiaryTag.beneficiary_id).where(BeneficiaryTag.tag == target)
    moved = await session.execute(
        update(BeneficiaryTag)
        .where(
            BeneficiaryTag.tag == source,
            BeneficiaryTag.beneficiary_id.in_(people),
            BeneficiaryTag.beneficiary_id.not_in(already),
        )
        .values(tag=target)
        .execution_options(synchronize_session=False)
    )
    # Those who carried both keep the target once.
    await session.execute(
        delete(BeneficiaryTag)
        .where(BeneficiaryTag.tag == source, BeneficiaryTag.beneficiary_id.in_(people))
        .execution_options(synchronize_session=False)
    )
    await name_tag(session, organisation_id=organisation_id, tag=target)
    await session.execute(
        delete(TagLabel).where(TagLabel.organisation_id == organisation_id, TagLabel.tag == source)
    )
    await session.flush()
    return int(getattr(moved, "rowcount", 0) or 0)
