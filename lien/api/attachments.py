"""The files people send, served to staff of their association, every view audited."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import StreamingResponse

from gateway.attachment_files import view_attachment
from lien.attachment_response import file_response
from lien.auth import CurrentStaff
from lien.deps import RuntimeDep, SessionDep

router = APIRouter(prefix="/api/attachments", tags=["attachments"])


@router.get(
    "/{attachment_id}",
    summary="Fichier envoyé par une personne",
    response_class=StreamingResponse,
)
async def attachment(
    attachment_id: int, session: SessionDep, runtime: RuntimeDep, staff: CurrentStaff
) -> StreamingResponse:
    served = await view_attachment(
        session, attachment_id=attachment_id, staff_id=staff.id, via="api"
    )
    return await file_response(runtime.attachments, served)
