"""The report's evidence archive: linked from a read-only store, copied otherwise, and outliving the store."""

from __future__ import annotations

import stat
from pathlib import Path

from monitor.core.evidence import EvidenceStore
from reports.archive import archive_evidence
from reports.context import EvidenceFile


def test_stored_evidence_is_read_only_and_the_archive_links_it(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "store")
    sha = store.put(b"\x89PNG a screenshot")
    assert stat.S_IMODE(store.path(sha).stat().st_mode) == 0o444  # never written in place
    folder = tmp_path / "report-2026-11-09" / "evidence"
    names = archive_evidence(store, folder, [EvidenceFile(sha, "page", "jpg")])
    archived = folder / f"{sha}.jpg"
    assert names == {sha: archived.name}
    assert archived.stat().st_ino == store.path(sha).stat().st_ino  # one file, no bytes moved
    assert store.delete(sha)  # retention removes the store's name: the archive's stays
    assert archived.read_bytes() == b"\x89PNG a screenshot"


def test_a_writable_file_of_an_older_store_is_copied_not_linked(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "store")
    sha = store.put(b"\x89PNG a logo")
    store.path(sha).chmod(0o644)  # as stores wrote their files before they were made read-only
    folder = tmp_path / "evidence"
    archive_evidence(store, folder, [EvidenceFile(sha, "element")])
    archived = folder / f"{sha}.png"
    assert archived.stat().st_ino != store.path(sha).stat().st_ino
    assert archived.read_bytes() == b"\x89PNG a logo"
