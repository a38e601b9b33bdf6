"""The content-addressed evidence store."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.core.evidence import EvidenceStore, InvalidEvidenceHash, S3EvidenceStore, open_evidence_store
from monitor.core.settings import SettingsError, load_settings
from tests.support.s3 import S3Server, moto_server

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


# --- the S3 backend, against a real S3-compatible server (moto in server mode) on loopback ----------


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    with moto_server() as server:
        yield server


@pytest.fixture
def s3_store(s3_server: S3Server) -> S3EvidenceStore:
    return S3EvidenceStore(s3_server.new_bucket(), "evidence/", client=s3_server.client())


def test_s3_put_stores_the_same_banner_twice_as_one_object(s3_store: S3EvidenceStore) -> None:
    monday = s3_store.put(BANNER)
    tuesday = s3_store.put(bytes(BANNER))

    keys = [
        entry["Key"] for entry in s3_store.client.list_objects_v2(Bucket=s3_store.bucket).get("Contents", [])
    ]
    assert monday == tuesday == hashlib.sha256(BANNER).hexdigest()
    assert keys == [f"evidence/{monday[:2]}/{monday[2:4]}/{monday}"]
    assert s3_store.read(monday) == BANNER
    assert s3_store.size(monday) == len(BANNER)
    assert s3_store.exists(monday) and s3_store.verify(monday)


def test_s3_put_never_rewrites_a_stored_object(s3_store: S3EvidenceStore) -> None:
    sha = s3_store.put(BANNER)
    first = s3_store.client.head_object(Bucket=s3_store.bucket, Key=s3_store.key(sha))["LastModified"]

    s3_store.put(BANNER)

    again = s3_store.client.head_object(Bucket=s3_store.bucket, Key=s3_store.key(sha))["LastModified"]
    assert again == first


def test_s3_missing_objects_read_as_absent(s3_store: S3EvidenceStore) -> None:
    sha = hashlib.sha256(b"never stored").hexdigest()

    assert not s3_store.exists(sha)
    assert s3_store.size(sha) is None
    assert not s3_store.verify(sha)
    assert not s3_store.delete(sha)
    with pytest.raises(FileNotFoundError):
        s3_store.read(sha)


def test_s3_verify_catches_an_object_whose_bytes_changed(s3_store: S3EvidenceStore) -> None:
    sha = s3_store.put(BANNER)
    s3_store.client.put_object(Bucket=s3_store.bucket, Key=s3_store.key(sha), Body=b"tampered")

    assert s3_store.exists(sha)
    assert not s3_store.verify(sha)


def test_s3_iter_all_lists_stored_hashes_in_order_and_skips_strays(s3_store: S3EvidenceStore) -> None:
    hashes = sorted(s3_store.put(bytes([n]) * 100) for n in range(5))
    s3_store.client.put_object(Bucket=s3_store.bucket, Key="evidence/notes.txt", Body=b"x")
    s3_store.client.put_object(Bucket=s3_store.bucket, Key="elsewhere/ab/cd/" + "a" * 64, Body=b"x")

    assert list(s3_store.iter_all()) == hashes
    assert s3_store.delete(hashes[0])
    assert list(s3_store.iter_all()) == hashes[1:]


def test_s3_refuses_a_key_that_is_not_a_hash(s3_store: S3EvidenceStore) -> None:
    with pytest.raises(InvalidEvidenceHash):
        s3_store.read("../../etc/passwd")


def test_settings_choose_the_store(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = s3_server.new_bucket()
    local = open_evidence_store(load_settings(None, var_dir=tmp_path))
    remote = open_evidence_store(
        load_settings(
            None,
            var_dir=tmp_path,
            evidence={"backend": "s3", "s3_bucket": bucket, "s3_endpoint_url": s3_server.endpoint_url},
        )
    )

    sha = remote.put(BANNER)

    assert isinstance(local, EvidenceStore) and local.root == tmp_path / "evidence"
    assert isinstance(remote, S3EvidenceStore)
    assert s3_server.client().get_object(Bucket=bucket, Key=f"evidence/{sha[:2]}/{sha[2:4]}/{sha}")


def test_s3_backend_without_a_bucket_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="s3_bucket"):
        load_settings(None, var_dir=tmp_path, evidence={"backend": "s3"})
