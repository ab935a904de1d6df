"""The public address of a file staff sent by SMS: a signed link, working for a few days.

Only files staff sent are served here, never a file a person sent. The answer is a download
that no browser sniffs into something else; an expired or altered link gets a French page.
"""

from __future__ import annotations

import html
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import select

from db.base import utcnow
from db.models import Attachment
from db.models.attachments import OUTBOUND, STORED
from gateway.attachment_files import AttachmentNotFound, ServedFile
from gateway.file_links import LinkExpired, LinkInvalid
from lien.attachment_response import file_response
from lien.deps import RuntimeDep, SessionDep

router = APIRouter(include_in_schema=False)
PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Lien</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Lien</h1><p>{message}</p></main></body></html>
"""


@router.get("/f/{token}", response_model=None)
async def shared_file(
    token: str, runtime: RuntimeDep, session: SessionDep
) -> HTMLResponse | StreamingResponse:
    settings = runtime.settings
    try:
        attachment_id = settings.file_links().read(token, now=utcnow())
    except (LinkExpired, LinkInvalid) as exc:
        return _page(exc.message, exc.status)
    found = (
        await session.execute(
            select(
                Attachment.storage_key,
                Attachment.detected_type,
                Attachment.file_name,
                Attachment.size,
            ).where(
                Attachment.id == attachment_id,
                Attachment.direction == OUTBOUND,
                Attachment.status == STORED,
            )
        )
    ).first()
    if found is None or found.storage_key is None:
        return _page(LinkInvalid().message, 404)
    served = ServedFile(
        attachment_id,
        found.storage_key,
        found.detected_type or "application/octet-stream",
        found.size,
    )
    # The name staff gave the file, as a download: the person saves what they were sent.
    name = quote(found.file_name or "fichier")
    try:
        answer = await file_response(
            runtime.attachments, served, disposition=f"attachment; filename*=UTF-8''{name}"
        )
    except AttachmentNotFound:  # erased meanwhile
        return _page(LinkInvalid().message, 404)
    answer.headers["Referrer-Policy"] = "no-referrer"
    return answer


def _page(message: str, status: int) -> HTMLResponse:
    return HTMLResponse(
        PAGE.format(message=html.escape(message)),
        status_code=status,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
    )
