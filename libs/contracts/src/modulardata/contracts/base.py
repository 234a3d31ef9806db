"""The base every command and event derives from, and the registry of their stable type names."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Message(BaseModel):
    """A frozen command or event; `TYPE` is its stable wire name, never derived from the module."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1


_REGISTRY: dict[str, type[Message]] = {}


def register(cls: type[Message]) -> type[Message]:
    """Class decorator: make a message type decodable by its `TYPE`."""
    if cls.TYPE in _REGISTRY:
        raise ValueError(f"message type {cls.TYPE!r} is registered twice")
    _REGISTRY[cls.TYPE] = cls
    return cls


def message_class(type_name: str) -> type[Message]:
    """The message class for a wire type name; `UnknownMessageType` when nobody defined it."""
    try:
        return _REGISTRY[type_name]
    except KeyError:
        raise UnknownMessageType(type_name) from None


def registered_types() -> dict[str, type[Message]]:
    """Every known message type by name (for docs and tests)."""
    return dict(_REGISTRY)


class UnknownMessageType(ValueError):
    """A message named a type this code does not know."""

    def __init__(self, type_name: str) -> None:
        super().__init__(f"unknown message type {type_name!r}")
        self.type_name = type_name
