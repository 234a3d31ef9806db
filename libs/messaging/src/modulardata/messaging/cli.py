"""`modulardata-topics`: create this deployment's topics that are missing, with the partitions
and replicas of the settings, as every service does when it starts; for an operator, a deploy
Job or an init container."""

from __future__ import annotations

import argparse
import asyncio
import sys

from aiokafka.errors import KafkaConnectionError

from modulardata.contracts import topics
from modulardata.messaging.settings import KafkaSettings
from modulardata.messaging.topics import TopicsNotCreated, ensure_topics


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `modulardata-topics` command."""
    argparse.ArgumentParser(prog="modulardata-topics", description=__doc__).parse_args(argv)
    settings = KafkaSettings()
    try:
        asyncio.run(ensure_topics(settings))
    except (KafkaConnectionError, TopicsNotCreated) as error:
        sys.exit(f"topics not created: {error}")
    names = [topics.topic_name(base, settings.topic_prefix) for base in topics.ALL]
    print(f"{len(names)} topics present: {', '.join(names)}")
