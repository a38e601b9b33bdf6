"""Copy the evidence a report cites into a folder beside it, so the archived report stands on its own; from
a local store on the same file system a copy is a hard link.

The report's pages refer to `report-YYYY-MM-DD/evidence/<sha>.<ext>` relatively. A file already in the
archive is kept even after retention pruned it from the evidence store: the archive outlives the store.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from monitor.core.evidence import EvidenceStorage, EvidenceStore, InvalidEvidenceHash, is_sha256_hex
from reports.context import EvidenceFile, ReportContext

EVIDENCE_FOLDER = "evidence"


def cited_files(context: ReportContext) -> list[EvidenceFile]:
    """Every file the report shows or links: thumbnails, and page screenshots of the days seen."""
    files: dict[str, EvidenceFile] = {}
    items = [item for rep in context.reps for item in rep.items]
    for item in items:
        for placement in item.placements:
            for file in (placement.thumbnail, placement.page_shot):
                if file:
                    files.setdefault(file.sha256, file)
            for cell in placement.days:
                if cell.page_shot:
                    files.setdefault(cell.page_shot.sha256, cell.page_shot)
    for file in context.intel.files if context.intel is not None else ():
        files.setdefault(file.sha256, file)  # the creatives of the intel page
    return list(files.values())


COPY_THREADS = 8  # copying is file-system waits, not CPU: a period's first archive copies thousands


def archive_evidence(store: EvidenceStorage, folder: Path, files: Iterable[EvidenceFile]) -> dict[str, str]:
    """Copy `files` into `folder`; returns sha -> file name for each file the archive now holds."""
    folder.mkdir(parents=True, exist_ok=True)
    present = {entry.name for entry in os.scandir(folder)}  # one listing, not a stat per file
    names: dict[str, str] = {}
    missing: list[EvidenceFile] = []
    for file in files:
        if not is_sha256_hex(file.sha256):
            continue  # a damaged hash from the database never becomes a file name
        if file.filename in present:
            names[file.sha256] = file.filename
        else:
            missing.append(file)
    with ThreadPoolExecutor(COPY_THREADS) as pool:
        copied = pool.map(lambda file: _copy_from_store(store, file.sha256, folder / file.filename), missing)
        names.update((file.sha256, file.filename) for file, done in zip(missing, copied, strict=True) if done)
    return names


def _copy_from_store(store: EvidenceStorage, sha: str, target: Path) -> bool:
    if isinstance(store, EvidenceStore) and _linked(store.path(sha), target):
        return True
    try:
        data = store.read(sha)
    except (FileNotFoundError, InvalidEvidenceHash):
        return False  # pruned or never stored: the report shows the hash instead
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{sha[:8]}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def _linked(source: Path, target: Path) -> bool:
    """Hard-link the store's file into the archive: nothing read or written, and no less the archive's own,
    since retention removing it from the store removes only the store's name for it.

    Only a read-only file is linked (the store writes its files 0444 since it was made so), so that the
    one file both names share cannot be written in place through either. False where the file is
    writable (an older store's), missing, or on another file system: the caller copies it then.
    """
    try:
        if stat.S_IMODE(source.stat().st_mode) & 0o222:
            return False
        os.link(source, target)
    except FileExistsError:
        return True  # another build of the same report archived it meanwhile: whole (linked or renamed)
    except OSError:
        return False
    return True
