"""Evidence screenshots, looked up by database id only: no path or hash is ever taken from the request."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from models import Creative, PageCapture
from monitor.accounts.scope import NotInScope, capture_visible, readable_sighting
from monitor.web.context import CurrentUser, DbSession, RowId, settings_of

router = APIRouter()

_SHA256 = re.compile(r"[0-9a-f]{64}")
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"))


def evidence_file(root: Path, sha: str | None) -> Response:
    """The stored file `root/sha[:2]/sha[2:4]/sha` as an image, or 404."""
    if sha is None or not _SHA256.fullmatch(sha):
        raise NotInScope(sha)
    path = root / sha[:2] / sha[2:4] / sha
    if not path.is_file():
        raise NotInScope(sha)
    headers = {"Cache-Control": "private, max-age=86400"}
    return FileResponse(path, media_type=_image_type(path), headers=headers)


def _image_type(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(12)
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


@router.get("/evidence/sighting/{sighting_id}/element")
def element_shot(request: Request, sighting_id: RowId, user: CurrentUser, session: DbSession) -> Response:
    sighting = readable_sighting(session, user, sighting_id)
    return evidence_file(settings_of(request).evidence_path, sighting.element_screenshot_sha256)


@router.get("/evidence/sighting/{sighting_id}/creative")
def creative_image(request: Request, sighting_id: RowId, user: CurrentUser, session: DbSession) -> Response:
    sighting = readable_sighting(session, user, sighting_id)
    creative = session.get(Creative, sighting.creative_id) if sighting.creative_id else None
    return evidence_file(settings_of(request).evidence_path, creative.sha256 if creative else None)


@router.get("/evidence/capture/{capture_id}/page")
def page_shot(request: Request, capture_id: RowId, user: CurrentUser, session: DbSession) -> Response:
    capture = session.get(PageCapture, capture_id)
    if capture is None or not capture_visible(session, user, capture_id):
        raise NotInScope(capture_id)
    return evidence_file(settings_of(request).evidence_path, capture.screenshot_sha256)
