"""The executor's errors. Each says, in words a user can act on, why a snippet did not run."""

from __future__ import annotations


class ExecutorError(Exception):
    """Base of every error the executor raises on purpose."""


class SnippetRejected(ExecutorError):
    """The snippet broke a rule of the sandbox and was not run."""


class AccessDenied(ExecutorError):
    """The running snippet reached for something the sandbox withholds."""


class ResultRejected(ExecutorError):
    """The snippet ran, but what it left in `df` cannot become a dataset version."""


class SandboxUnavailable(ExecutorError):
    """No sandbox process could be started or reached; worth retrying later."""


class ParentMissing(ExecutorError):
    """The version a transformation starts from is not in storage."""


class ChannelBroken(ExecutorError):
    """A worker's channel closed early or carried something that is not a valid frame."""
