"""Telling a failure worth retrying from one that will happen again on every delivery.

Transient failures come from something outside the message (the broker, the database
connection, storage, the disk) and pass once it recovers: they are retried with backoff. Every
other failure is deterministic (the message's data cannot be stored, fails validation, breaks
a constraint): retrying it changes nothing, so it is dead-lettered after a few attempts.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError

_TRANSIENT_ERRNOS = frozenset(
    {
        errno.EAGAIN,
        errno.EBUSY,
        errno.EIO,
        errno.EMFILE,
        errno.ENFILE,
        errno.ENOMEM,
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EINTR,
        errno.ESTALE,
    }
)
"""Errnos of a disk or system under pressure; any other errno (ENOENT, ENAMETOOLONG, EINVAL,
...) is about the request itself."""


def _is_transient_os_error(exc: OSError) -> bool:
    if isinstance(exc, ConnectionError | TimeoutError):
        return True
    return exc.errno is None or exc.errno in _TRANSIENT_ERRNOS


def _is_transient_kafka_error(exc: KafkaError) -> bool:
    # A message too large or a topic that is not allowed is refused on every retry.
    return bool(exc.retriable) or isinstance(exc, KafkaConnectionError | KafkaTimeoutError)


@dataclass(frozen=True)
class FailureClassifier:
    """Decides, for a handler's failure, whether to retry it (transient) or not.

    Kafka's retriable errors, connection errors, timeouts and OS errors of a system under
    pressure are always transient. A service adds the errors of its own dependencies
    (`transient`) and the subclasses of those that are about the request (`deterministic`),
    e.g. storage errors are transient but a missing object is not. A wrapper (such as
    SQLAlchemy's of a driver's error) counts as deterministic when its cause is.
    """

    transient: tuple[type[BaseException], ...] = ()
    deterministic: tuple[type[BaseException], ...] = ()

    def is_transient(self, exc: BaseException) -> bool:
        """True when a later attempt may succeed without any change to the message."""
        if isinstance(exc, self.deterministic) or isinstance(exc.__cause__, self.deterministic):
            return False
        if isinstance(exc, KafkaError):
            return _is_transient_kafka_error(exc)
        if isinstance(exc, self.transient):
            # A wrapper of an OS error (e.g. a storage error) is only as transient as its cause.
            cause = exc.__cause__
            return not isinstance(cause, OSError) or _is_transient_os_error(cause)
        if isinstance(exc, OSError):
            return _is_transient_os_error(exc)
        return False
