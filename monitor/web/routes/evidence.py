"""Evidence screenshots, looked up by database id only: no path or hash is ever taken from the request."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from models import Creative, PageCapture
from monitor.accounts.scope import NotInScope, capture_visible, readable_sighting
from monitor.core.evidence import EvidenceStorage, InvalidEvidenceHash
from monitor.web.context import CurrentUser, DbSession, RowId, evidence_store_of

router = APIRouter()

_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"))


def evidence_file(store: EvidenceStorage, sha: str | None) -> Response:
    """The stored file named `sha` as an image (read through the evidence store: a folder or S3), or 404."""
    if sha is None:
        raise NotInScope(sha)
    try:
        data = store.read(sha)
    except (InvalidEvidenceHash, FileNotFoundError):
        raise NotInScope(sha) from None
    headers = {"Cache-Control": "private, max-age=86400"}
    return Response(data, media_type=_image_type(data[:12]), headers=headers)


def _image_type(head: bytes) -> str:
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


@router.get("/evidence/sighting/{sighting_id}/element")
def element_shot(request: Request, sighting_id: RowId, user: CurrentUser, session: DbSession) -> Response:
    sighting = readable_sighting(session, user, sighting_id)
    return evidence_file(evidence_store_of(request), sighting.element_screenshot_sha256)


@router.get("/evidence/sighting/{sighting_id}/creative")
def creative_image(request: Request, sighting_id: RowId, user: CurrentUser, session: DbSession) -> Response:
    sighting = readable_sighting(session, user, sighting_id)
    creative = session.get(Creative, sighting.creative_id) if sighting.creative_id else None
    return evidence_file(evidence_store_of(request), creative.sha256 if creative else None)


@router.get("/evidence/capture/{capture_id}/page")
def page_shot(request: Request, capture_id: RowId, user: CurrentUser, session: DbSession) -> Response:
    capture = session.get(PageCapture, capture_id)
    if capture is None or not capture_visible(session, user, capture_id):
        raise NotInScope(capture_id)
    return evidence_file(evidence_store_of(request), capture.screenshot_sha256)
