"""Build the configured ObjectStorage from a storage url."""

from pathlib import Path
from urllib.parse import unquote, urlsplit

import boto3

from modulardata.storage.base import ObjectStorage
from modulardata.storage.exceptions import InvalidStorageUri
from modulardata.storage.local import LocalStorage
from modulardata.storage.s3 import S3Storage


def open_storage(url: str, *, endpoint_url: str | None = None) -> ObjectStorage:
    """Storage for ``s3://bucket[/prefix]``, ``file:///abs/dir``, ``file://rel/dir`` or a path.

    ``endpoint_url`` points S3 at a non-AWS server (e.g. MinIO); it is ignored for local storage.
    Relative paths resolve against the current directory.
    """
    if "://" not in url:
        return _local(url, url)
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise InvalidStorageUri(f"unexpected query or fragment in storage url {url!r}")
    if parts.scheme == "file":
        # file://data/x is no real file uri, but a handy spelling of the relative path data/x.
        relative = parts.netloc not in ("", "localhost")
        return _local(unquote(parts.netloc + parts.path if relative else parts.path), url)
    if parts.scheme == "s3":
        client = boto3.client("s3", endpoint_url=endpoint_url)
        return S3Storage(parts.netloc, parts.path, client=client)
    raise InvalidStorageUri(f"unsupported storage url {url!r}: use s3://, file:// or a path")


def _local(path: str, url: str) -> LocalStorage:
    if not path:
        raise InvalidStorageUri(f"no directory in storage url {url!r}")
    return LocalStorage(Path(path))
