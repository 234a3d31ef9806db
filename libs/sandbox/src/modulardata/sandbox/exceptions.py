"""The sandbox's errors. Each says, in words a user can act on, why a snippet did not run."""

from __future__ import annotations


class SandboxError(Exception):
    """Base of every error the sandbox raises on purpose."""


class SnippetRejected(SandboxError):
    """The snippet broke a rule of the sandbox and was not run."""


class AccessDenied(SandboxError):
    """The running snippet reached for something the sandbox withholds."""


class ResultRejected(SandboxError):
    """The snippet ran, but what it left in `df` cannot become a dataset version."""


class SandboxUnavailable(SandboxError):
    """No sandbox process could be started or reached; worth retrying later."""


class ChannelBroken(SandboxError):
    """A worker's channel closed early or carried something that is not a valid frame."""
