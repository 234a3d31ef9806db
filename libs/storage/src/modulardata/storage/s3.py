"""ObjectStorage over an S3 bucket (AWS or any S3-API server such as MinIO)."""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO, cast

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError

from modulardata.storage.exceptions import InvalidStorageUri, ObjectNotFound, StorageError
from modulardata.storage.keys import check_key

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer
    from botocore.response import StreamingBody
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.literals import BucketLocationConstraintType
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

_READ_BUFFER = 1024 * 1024
# HEAD answers a bare status code; GET names the error.
_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


@contextlib.contextmanager
def _translate(uri: str) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _NOT_FOUND_CODES:
            raise ObjectNotFound(uri) from exc
        raise StorageError(f"{uri}: {exc}") from exc
    except (BotoCoreError, Boto3Error) as exc:
        raise StorageError(f"{uri}: {exc}") from exc


class _BodyReader(io.RawIOBase):
    """Raw stream over a GET response body, so io.BufferedReader can make it a full BinaryIO."""

    def __init__(self, body: StreamingBody, uri: str) -> None:
        self._body = body
        self._uri = uri

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        with _translate(self._uri):
            data = self._body.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()


class S3Storage:
    """Objects live under ``prefix`` in ``bucket``; uris are ``s3://bucket/prefix/key``."""

    def __init__(self, bucket: str, prefix: str = "", *, client: S3Client) -> None:
        if not bucket or "/" in bucket:
            raise InvalidStorageUri(f"invalid bucket name: {bucket!r}")
        prefix = prefix.strip("/")
        self.bucket = bucket
        self.prefix = check_key(prefix) + "/" if prefix else ""
        self._client = client

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist (tests and local setups; not for production)."""
        region = self._client.meta.region_name
        try:
            # us-east-1 refuses an explicit LocationConstraint; every other region needs one.
            if region in (None, "us-east-1"):
                self._client.create_bucket(Bucket=self.bucket)
            else:
                location = cast("BucketLocationConstraintType", region)
                self._client.create_bucket(
                    Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": location}
                )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                raise StorageError(f"cannot create bucket {self.bucket!r}: {exc}") from exc

    def uri_for(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._object_key(key)}"

    def _object_key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _key_from_uri(self, uri: str) -> str:
        if not uri.startswith("s3://"):
            raise InvalidStorageUri(f"not an s3 uri: {uri!r}")
        bucket, _, object_key = uri.removeprefix("s3://").partition("/")
        if bucket != self.bucket or not object_key.startswith(self.prefix):
            raise InvalidStorageUri(f"{uri!r} is outside s3://{self.bucket}/{self.prefix}")
        return self._object_key(object_key.removeprefix(self.prefix))

    @contextlib.contextmanager
    def writer(self, key: str) -> Iterator[BinaryIO]:
        object_key = self._object_key(key)
        # Spooled to disk because S3 has no atomic append: the object is created by a single
        # upload (multipart when large) only once the caller's block has succeeded.
        with tempfile.TemporaryFile() as spool:
            yield spool
            spool.seek(0)
            with _translate(self.uri_for(key)):
                self._client.upload_fileobj(spool, self.bucket, object_key)

    def put_file(self, key: str, path: Path) -> str:
        uri = self.uri_for(key)
        with _translate(uri):
            self._client.upload_file(str(path), self.bucket, self._object_key(key))
        return uri

    @contextlib.contextmanager
    def open(self, uri: str) -> Iterator[BinaryIO]:
        object_key = self._key_from_uri(uri)
        with _translate(uri):
            body = self._client.get_object(Bucket=self.bucket, Key=object_key)["Body"]
        with io.BufferedReader(_BodyReader(body, uri), _READ_BUFFER) as stream:
            yield stream

    @contextlib.contextmanager
    def local_copy(self, uri: str) -> Iterator[Path]:
        object_key = self._key_from_uri(uri)
        with tempfile.TemporaryDirectory(prefix="modulardata-storage-") as tmp:
            # Keep the object's file name: readers infer format and compression from the suffix.
            path = Path(tmp) / PurePosixPath(object_key).name
            with _translate(uri):
                self._client.download_file(self.bucket, object_key, str(path))
            yield path

    def exists(self, uri: str) -> bool:
        try:
            self.size(uri)
        except ObjectNotFound:
            return False
        return True

    def size(self, uri: str) -> int:
        object_key = self._key_from_uri(uri)
        with _translate(uri):
            return self._client.head_object(Bucket=self.bucket, Key=object_key)["ContentLength"]

    def delete(self, uri: str) -> None:
        object_key = self._key_from_uri(uri)
        with _translate(uri):
            self._client.delete_object(Bucket=self.bucket, Key=object_key)

    def delete_prefix(self, folder: str) -> int:
        prefix = self._object_key(folder) + "/"
        removed = 0
        with _translate(f"s3://{self.bucket}/{prefix}"):
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            # A listing page holds at most 1000 keys, as many as one DeleteObjects call takes.
            for page in pages:
                keys: list[ObjectIdentifierTypeDef] = [
                    {"Key": item["Key"]} for item in page.get("Contents", [])
                ]
                if keys:
                    answer = self._client.delete_objects(
                        Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True}
                    )
                    if errors := answer.get("Errors"):
                        raise StorageError(f"could not delete {errors[0].get('Key')}: {errors[0]}")
                    removed += len(keys)
        return removed
