"""Which failures are retried and which are dead-lettered."""

from __future__ import annotations

import errno

import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NotLeaderForPartitionError,
)
from pydantic import BaseModel, ValidationError

from modulardata.messaging.failures import FailureClassifier


class StorageError(Exception):
    pass


class ObjectNotFound(StorageError):
    pass


class DriverDataError(Exception):
    pass


class WrapperError(Exception):
    pass


def _wrapped(cause: BaseException, wrapper: type[Exception] = StorageError) -> Exception:
    try:
        raise wrapper("failed") from cause
    except Exception as exc:
        return exc


def _validation_error() -> ValidationError:
    class Model(BaseModel):
        count: int

    try:
        Model.model_validate({"count": "many"})
    except ValidationError as exc:
        return exc
    raise AssertionError("unreachable")


CLASSIFIER = FailureClassifier(
    transient=(StorageError, WrapperError), deterministic=(ObjectNotFound, DriverDataError)
)


@pytest.mark.parametrize(
    "failure",
    [
        KafkaConnectionError(),
        KafkaTimeoutError(),
        NotLeaderForPartitionError(),
        ConnectionRefusedError(),
        TimeoutError(),
        OSError(errno.ENOSPC, "no space left"),
        OSError("no errno"),
        StorageError("s3 unavailable"),
        _wrapped(OSError(errno.EIO, "i/o error")),
        WrapperError("connection lost"),
    ],
    ids=repr,
)
def test_failures_outside_the_message_are_transient(failure: BaseException) -> None:
    assert CLASSIFIER.is_transient(failure)


@pytest.mark.parametrize(
    "failure",
    [
        ValueError("A string literal cannot contain NUL (0x00) characters."),
        UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
        _validation_error(),
        KeyError("column"),
        MessageSizeTooLargeError(),
        OSError(errno.ENAMETOOLONG, "file name too long"),
        FileNotFoundError(errno.ENOENT, "missing"),
        ObjectNotFound("file:///gone"),
        _wrapped(OSError(errno.ENAMETOOLONG, "file name too long")),
        _wrapped(DriverDataError("invalid byte sequence"), WrapperError),
    ],
    ids=repr,
)
def test_failures_of_the_message_itself_are_deterministic(failure: BaseException) -> None:
    assert not CLASSIFIER.is_transient(failure)


def test_without_service_errors_only_the_common_transient_ones_are_retried() -> None:
    assert FailureClassifier().is_transient(KafkaConnectionError())
    assert not FailureClassifier().is_transient(StorageError("unknown to this service"))
