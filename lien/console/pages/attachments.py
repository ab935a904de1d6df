"""The files people send, opened from a ticket or a record by signed-in staff."""

from __future__ import annotations

from starlette.responses import StreamingResponse

from gateway.attachment_files import view_attachment
from lien.attachment_response import file_response
from lien.console.roles import VolunteerPage
from lien.console.routing import console_router
from lien.deps import RuntimeDep, SessionDep

router = console_router()


@router.get(
    "/attachments/{attachment_id}",
    name="console.attachment",
    response_class=StreamingResponse,
)
async def attachment(
    attachment_id: int, session: SessionDep, runtime: RuntimeDep, staff: VolunteerPage
) -> StreamingResponse:
    # Another association's file, or one not kept, answers as a missing page (404).
    served = await view_attachment(
        session, attachment_id=attachment_id, staff_id=staff.id, via="console"
    )
    return await file_response(runtime.attachments, served)
