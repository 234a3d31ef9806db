"""The executor's own errors (the sandbox's are in `modulardata.sandbox.exceptions`)."""

from __future__ import annotations

from modulardata.messaging.steps import StepFailed


class ParentMissing(StepFailed):
    """The version a transformation starts from is not in storage."""
