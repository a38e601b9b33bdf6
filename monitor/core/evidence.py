"""The evidence store: every screenshot, page and creative kept once, named by its SHA-256.

Layout (fixed; the spider writes the same): `root / sha[:2] / sha[2:4] / sha`, with `sha` the
lowercase hex SHA-256 of the file's bytes. Names are only ever built from a validated hash, so no
path from the outside world reaches the filesystem.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

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


class EvidenceStore:
    """Content-addressed files under `root`; writes are atomic and a known file is never rewritten."""

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
        os.chmod(temp_name, 0o644)  # mkstemp makes 0600; the web app may read as another user
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
