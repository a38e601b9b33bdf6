"""A real S3-compatible server on loopback: moto in server mode, in its own process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.support.poll import wait_for

# moto accepts any credentials; boto3 only needs some to sign with. Child processes get these too.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def new_bucket(self) -> str:
        name = f"evidence-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def settings_env(self, bucket: str) -> dict[str, str]:
        """RIVALWATCH_* and AWS_* variables that point a Rivalwatch process's evidence at `bucket`."""
        return {
            **CREDENTIALS,
            "RIVALWATCH_EVIDENCE__BACKEND": "s3",
            "RIVALWATCH_EVIDENCE__S3_BUCKET": bucket,
            "RIVALWATCH_EVIDENCE__S3_ENDPOINT_URL": self.endpoint_url,
            "RIVALWATCH_EVIDENCE__S3_REGION": CREDENTIALS["AWS_DEFAULT_REGION"],
        }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@contextmanager
def moto_server() -> Iterator[S3Server]:
    """`moto_server` on 127.0.0.1 with a free port, until the block ends (AWS_* set for boto3 meanwhile)."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    saved = {key: os.environ.get(key) for key in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    try:
        wait_for(lambda: _answers(port) or process.poll() is not None, seconds=30, interval=0.1)
        assert process.poll() is None, "moto_server exited at start"
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        process.terminate()
        process.wait(timeout=10)
