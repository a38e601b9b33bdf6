"""The pipeline's uploads: from several threads at once, and still each evidence file put once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from monitor.core.evidence import EvidenceStore, sha256_hex
from spiders.pipelines import EvidenceUploads

UPLOAD_SECONDS = 0.05


class SlowStore(EvidenceStore):
    """A real evidence folder whose puts take as long as an upload, noting how many overlap per file."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.lock = threading.Lock()
        self.active: dict[str, int] = {}
        self.most_at_once: dict[str, int] = {}
        self.failing: set[str] = set()

    def put(self, data: bytes) -> str:
        sha = sha256_hex(data)
        with self.lock:
            self.active[sha] = self.active.get(sha, 0) + 1
            self.most_at_once[sha] = max(self.most_at_once.get(sha, 0), self.active[sha])
        try:
            time.sleep(UPLOAD_SECONDS)  # the upload's own time, during which another thread may come
            if sha in self.failing:
                raise OSError("the store refused it")
            return super().put(data)
        finally:
            with self.lock:
                self.active[sha] -= 1


def upload_together(uploads: EvidenceUploads, files: list[list[bytes | None]]) -> list[set[str]]:
    start = threading.Barrier(len(files))

    def upload(batch: list[bytes | None]) -> set[str]:
        start.wait()
        return uploads.upload(batch).hashes

    with ThreadPoolExecutor(len(files)) as pool:
        return list(pool.map(upload, files))


def test_pages_stored_at_once_put_a_file_they_share_once_at_a_time(tmp_path: Path) -> None:
    store = SlowStore(tmp_path / "evidence")
    logo, page = b"the same logo cut out of two pages", b"<html>each page its own</html>"
    batches: list[list[bytes | None]] = [[logo, page + bytes([n]), None] for n in range(6)]
    results = upload_together(EvidenceUploads(store), batches)

    assert store.most_at_once[sha256_hex(logo)] == 1
    assert all(sha256_hex(logo) in hashes and len(hashes) == 2 for hashes in results)
    assert store.read(sha256_hex(logo)) == logo


def test_a_put_that_fails_fails_every_page_waiting_for_it_and_is_tried_again_later(tmp_path: Path) -> None:
    store = SlowStore(tmp_path / "evidence")
    logo = b"a logo the store refuses for now"
    store.failing.add(sha256_hex(logo))
    uploads = EvidenceUploads(store)
    with pytest.raises(OSError, match="refused"):
        upload_together(uploads, [[logo]] * 3)

    store.failing.clear()
    assert uploads.upload([logo]).hashes == {sha256_hex(logo)}
    assert store.read(sha256_hex(logo)) == logo
