"""The evidence store: every screenshot, page and creative kept once, named by its SHA-256.

`EvidenceStorage` is the one interface every reader and writer uses (docs/CONTRACTS.md); settings pick the
implementation (`open_evidence_store`): `EvidenceStore`, a local folder (the default), or
`S3EvidenceStore`, a bucket on any S3-compatible service, for crawl workers on several machines.

Layout (fixed for both): `sha[:2] / sha[2:4] / sha` under the folder (or the bucket's key prefix), with
`sha` the lowercase hex SHA-256 of the file's bytes. Names are only ever built from a validated hash, so
no path or key from the outside world reaches the filesystem or the bucket. A stored file is never
rewritten: `put` of bytes already there writes nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from monitor.core.settings import Settings

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


class InvalidEvidenceHash(ValueError):
    """A string that is not a 64-character lowercase hex SHA-256."""


def is_sha256_hex(value: object) -> bool:
    """True when `value` is a 64-character lowercase hex string."""
    return isinstance(value, str) and _SHA256_HEX.fullmatch(value) is not None


def sha256_hex(data: bytes) -> str:
    """The evidence name of `data`."""
    return hashlib.sha256(data).hexdigest()


class EvidenceStorage(Protocol):
    """What every evidence store does; callers hold one of these, never a path."""

    def exists(self, sha: str) -> bool:
        """True when the file named `sha` is stored."""
        ...

    def put(self, data: bytes) -> str:
        """Store `data` (atomically, once: bytes already stored are not written again); its hash."""
        ...

    def read(self, sha: str) -> bytes:
        """The file's bytes; FileNotFoundError when it is absent."""
        ...

    def size(self, sha: str) -> int | None:
        """The file's size in bytes, None when it is absent."""
        ...

    def verify(self, sha: str) -> bool:
        """True when the file exists and its bytes still hash to `sha`."""
        ...

    def delete(self, sha: str) -> bool:
        """Remove the file; True when there was one to remove."""
        ...

    def iter_all(self) -> Iterator[str]:
        """Every stored hash, in sorted order."""
        ...


class EvidenceStore:
    """Content-addressed files under `root` (a local folder); writes are atomic and a known file is never
    rewritten. Implements `EvidenceStorage`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"EvidenceStore({str(self.root)!r})"

    def path(self, sha: str) -> Path:
        """Where the file named `sha` lives; refuses anything but a lowercase hex SHA-256."""
        if not is_sha256_hex(sha):
            raise InvalidEvidenceHash(f"not a sha256 evidence name: {sha!r}")
        return self.root / sha[:2] / sha[2:4] / sha

    def exists(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def put(self, data: bytes) -> str:
        """Store `data` and return its hash. A present file of the right size is left untouched.

        A present file of another size is damaged (a torn write by some other writer) and is replaced.
        """
        sha = sha256_hex(data)
        target = self.path(sha)
        try:
            if target.stat().st_size == len(data):
                return sha
        except FileNotFoundError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(target, data)
        return sha

    def read(self, sha: str) -> bytes:
        """The file's bytes; FileNotFoundError when it is absent."""
        return self.path(sha).read_bytes()

    def size(self, sha: str) -> int | None:
        try:
            return self.path(sha).stat().st_size
        except FileNotFoundError:
            return None

    def verify(self, sha: str) -> bool:
        """True when the file exists and its bytes still hash to `sha`."""
        digest = hashlib.sha256()
        try:
            with self.path(sha).open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
        except FileNotFoundError:
            return False
        return digest.hexdigest() == sha

    def delete(self, sha: str) -> bool:
        """Remove the file; True when there was one to remove."""
        try:
            self.path(sha).unlink()
        except FileNotFoundError:
            return False
        return True

    def iter_all(self) -> Iterator[str]:
        """Every stored hash, in sorted order (temporary and stray files are skipped)."""
        for first in _sorted_dirs(self.root):
            for second in _sorted_dirs(first):
                for entry in sorted(second.iterdir()):
                    name = entry.name
                    if is_sha256_hex(name) and name[:2] == first.name and name[2:4] == second.name:
                        yield name


def _sorted_dirs(parent: Path) -> list[Path]:
    if not parent.is_dir():
        return []
    return sorted(entry for entry in parent.iterdir() if entry.is_dir() and len(entry.name) == 2)


def _write_atomically(target: Path, data: bytes) -> None:
    """Write to a temporary file beside `target`, flush it to disk, then rename it into place."""
    # The leading dot keeps half-written files out of iter_all().
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:8]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # Read-only (mkstemp makes 0600): evidence is never written in place, and the web app may read
        # it as another user. A report's archive hard-links these files (reports.archive).
        os.chmod(temp_name, 0o444)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


class S3EvidenceStore:
    """Content-addressed objects in an S3-compatible bucket: key `prefix + sha[:2]/sha[2:4]/sha`.

    A put first asks whether the object is there (HEAD) and writes only when it is not, conditionally
    (`If-None-Match: *`, so two machines storing the same bytes at once write it once) and with its
    SHA-256 checksum (the service refuses a body torn on the way). An object is whole or absent: S3 has no
    half-written objects. Credentials come from boto3's usual places (environment, ~/.aws, instance role).
    Implements `EvidenceStorage`.
    """

    def __init__(self, bucket: str, prefix: str = "", client: Any = None, **client_options: Any) -> None:
        if client is None:
            import boto3

            client = boto3.client("s3", **client_options)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"S3EvidenceStore({self.bucket!r}, {self.prefix!r})"

    def key(self, sha: str) -> str:
        """The object key of the file named `sha`; refuses anything but a lowercase hex SHA-256."""
        if not is_sha256_hex(sha):
            raise InvalidEvidenceHash(f"not a sha256 evidence name: {sha!r}")
        return f"{self.prefix}{sha[:2]}/{sha[2:4]}/{sha}"

    def exists(self, sha: str) -> bool:
        return self.size(sha) is not None

    def size(self, sha: str) -> int | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(sha))
        except self.client.exceptions.ClientError as exc:
            if _s3_code(exc) in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
        return int(head["ContentLength"])

    def put(self, data: bytes) -> str:
        sha = sha256_hex(data)
        if self.size(sha) == len(data):
            return sha
        import base64

        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.key(sha),
                Body=data,
                IfNoneMatch="*",
                ChecksumSHA256=base64.b64encode(bytes.fromhex(sha)).decode("ascii"),
            )
        except self.client.exceptions.ClientError as exc:
            # Another machine stored the same bytes between our HEAD and our PUT: they are there, once.
            if _s3_code(exc) not in {"PreconditionFailed", "412", "ConditionalRequestConflict"}:
                raise
        return sha

    def read(self, sha: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(sha))
        except self.client.exceptions.ClientError as exc:
            if _s3_code(exc) in {"404", "NoSuchKey", "NotFound"}:
                raise FileNotFoundError(f"s3://{self.bucket}/{self.key(sha)}") from None
            raise
        body: bytes = answer["Body"].read()
        return body

    def verify(self, sha: str) -> bool:
        try:
            return sha256_hex(self.read(sha)) == sha
        except FileNotFoundError:
            return False

    def delete(self, sha: str) -> bool:
        if not self.exists(sha):
            return False
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha))
        return True

    def iter_all(self) -> Iterator[str]:
        """Every stored hash, in sorted order (S3 lists keys in order); stray keys are skipped."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for entry in page.get("Contents", []):
                name = entry["Key"][len(self.prefix) :]
                parts = name.split("/")
                if len(parts) == 3 and is_sha256_hex(parts[2]) and parts[:2] == [parts[2][:2], parts[2][2:4]]:
                    yield parts[2]


def _s3_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def open_evidence_store(settings: Settings) -> EvidenceStorage:
    """The evidence store the settings choose: the local folder (default) or an S3-compatible bucket."""
    evidence = settings.evidence
    if evidence.backend == "s3":
        options: dict[str, Any] = {}
        if evidence.s3_endpoint_url:
            options["endpoint_url"] = evidence.s3_endpoint_url
        if evidence.s3_region:
            options["region_name"] = evidence.s3_region
        return S3EvidenceStore(evidence.s3_bucket, evidence.s3_prefix, **options)
    return EvidenceStore(settings.evidence_path)
