"""The content-addressed evidence store."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from monitor.core.evidence import EvidenceStore, InvalidEvidenceHash

BANNER = b"\x89PNG\r\n\x1a\n" + b"the same banner, seen again tomorrow" * 100


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence")


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def test_put_stores_the_same_banner_on_two_days_as_one_file(store: EvidenceStore) -> None:
    monday = store.put(BANNER)
    tuesday = store.put(bytes(BANNER))

    assert monday == tuesday == hashlib.sha256(BANNER).hexdigest()
    assert files_under(store.root) == [store.root / monday[:2] / monday[2:4] / monday]
    assert store.read(monday) == BANNER


def test_put_uses_the_layout_the_spider_writes(store: EvidenceStore) -> None:
    sha = hashlib.sha256(b"page html").hexdigest()
    spider_path = store.root / sha[:2] / sha[2:4] / sha
    spider_path.parent.mkdir(parents=True)
    spider_path.write_bytes(b"page html")

    assert store.exists(sha)
    assert store.put(b"page html") == sha
    assert list(store.iter_all()) == [sha]


def test_put_leaves_a_present_file_untouched(store: EvidenceStore) -> None:
    sha = store.put(BANNER)
    os.utime(store.path(sha), (1_000_000, 1_000_000))

    store.put(BANNER)

    assert store.path(sha).stat().st_mtime == 1_000_000


def test_put_replaces_a_torn_file_of_the_wrong_size(store: EvidenceStore) -> None:
    sha = store.put(BANNER)
    store.path(sha).write_bytes(BANNER[:10])

    store.put(BANNER)

    assert store.verify(sha)


def test_put_leaves_no_temporary_files(store: EvidenceStore) -> None:
    for index in range(5):
        store.put(f"creative {index}".encode())

    names = [path.name for path in files_under(store.root)]
    assert len(names) == 5
    assert not [name for name in names if name.startswith(".")]


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "..",
        "",
        "ab/../../../../etc/passwd",
        "A" * 64,  # uppercase hex is not our name for it
        "0" * 63,
        "0" * 65,
        "0" * 62 + "/x",
        "0" * 63 + "\n",
        "0" * 64 + "/../x",
        "g" * 64,
    ],
)
def test_path_refuses_anything_but_a_sha256(store: EvidenceStore, name: str) -> None:
    for operation in (store.path, store.read, store.exists, store.verify, store.delete):
        with pytest.raises(InvalidEvidenceHash):
            operation(name)


def test_verify_detects_a_corrupted_file(store: EvidenceStore) -> None:
    sha = store.put(BANNER)
    assert store.verify(sha)

    damaged = bytearray(BANNER)
    damaged[20] ^= 0xFF
    store.path(sha).write_bytes(bytes(damaged))

    assert not store.verify(sha)


def test_verify_of_a_missing_file_is_false(store: EvidenceStore) -> None:
    assert not store.verify(hashlib.sha256(b"never stored").hexdigest())


def test_iter_all_lists_stored_hashes_and_skips_strays(store: EvidenceStore) -> None:
    stored = sorted(store.put(f"screenshot {index}".encode()) for index in range(3))
    stray = store.root / stored[0][:2] / stored[0][2:4]
    (stray / "notes.txt").write_text("not evidence")
    (stray / f".{stored[0][:8]}.abc.tmp").write_bytes(b"half written")
    misplaced = hashlib.sha256(b"elsewhere").hexdigest()
    (store.root / "zz").mkdir()
    (store.root / misplaced).write_bytes(b"elsewhere")

    assert list(store.iter_all()) == stored


def test_iter_all_of_an_empty_store_is_empty(store: EvidenceStore) -> None:
    assert list(store.iter_all()) == []


def test_delete_removes_the_file_once(store: EvidenceStore) -> None:
    sha = store.put(BANNER)

    assert store.delete(sha)
    assert not store.exists(sha)
    assert not store.delete(sha)
    with pytest.raises(FileNotFoundError):
        store.read(sha)
