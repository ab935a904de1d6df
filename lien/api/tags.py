"""An organisation's tag vocabulary through the API: list, rename, merge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from db.errors import InvalidError
from db.models import StaffMember
from gateway.tags import (
    LABEL_LENGTH,
    default_label,
    fold_tag,
    merge_tags,
    set_label,
    tag_counts,
    tag_labels,
)
from lien.api.broadcasts import caller_organisation_id
from lien.auth import require_role
from lien.deps import SessionDep

router = APIRouter(prefix="/api/tags", tags=["tags"])
Reader = Annotated[StaffMember, require_role("volunteer")]
Editor = Annotated[StaffMember, require_role("staff")]


class TagOut(BaseModel):
    tag: str
    label: str
    people: int


class LabelIn(BaseModel):
    label: str = Field(min_length=1, max_length=LABEL_LENGTH)


class MergeIn(BaseModel):
    source: str = Field(min_length=1, max_length=200)
    target: str = Field(min_length=1, max_length=200)


class MergeOut(BaseModel):
    source: str
    target: str
    moved: int


def _code(text: str) -> str:
    code = fold_tag(text)
    if not code:
        raise InvalidError("étiquette vide")
    return code


@router.get("", response_model=list[TagOut], summary="Les étiquettes et leurs libellés")
async def list_tags(
    session: SessionDep, staff: Reader, organisation: Annotated[str | None, Query()] = None
) -> list[TagOut]:
    organisation_id = await caller_organisation_id(session, staff, organisation)
    labels = await tag_labels(session, organisation_id=organisation_id)
    counts = await tag_counts(session, organisation_id=organisation_id)
    return [
        TagOut(tag=code, label=labels.get(code) or default_label(code), people=counts.get(code, 0))
        for code in sorted(set(labels) | set(counts))
    ]


@router.put("/{tag}", response_model=TagOut, summary="Changer le libellé d'une étiquette")
async def rename_tag(
    tag: str,
    body: LabelIn,
    session: SessionDep,
    staff: Editor,
    organisation: Annotated[str | None, Query()] = None,
) -> TagOut:
    organisation_id = await caller_organisation_id(session, staff, organisation)
    code = _code(tag)
    await set_label(session, organisation_id=organisation_id, tag=code, label=body.label)
    counts = await tag_counts(session, organisation_id=organisation_id)
    labels = await tag_labels(session, organisation_id=organisation_id)
    return TagOut(tag=code, label=labels[code], people=counts.get(code, 0))


@router.post("/merge", response_model=MergeOut, summary="Fusionner deux étiquettes")
async def merge(
    body: MergeIn,
    session: SessionDep,
    staff: Editor,
    organisation: Annotated[str | None, Query()] = None,
) -> MergeOut:
    organisation_id = await caller_organisation_id(session, staff, organisation)
    source, target = _code(body.source), _code(body.target)
    moved = await merge_tags(session, organisation_id=organisation_id, source=source, target=target)
    return MergeOut(source=source, target=target, moved=moved)
