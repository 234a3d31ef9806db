"""Commands, events, the envelope and topic names shared by every ModularData service."""

# Importing the message modules registers their types, so any envelope can be opened.
from modulardata.contracts import commands, deadletters, events  # noqa: F401
