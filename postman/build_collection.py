"""Writes modulardata.postman_collection.json from the gateway's OpenAPI document.

Two folders: "API", one request per operation grouped by tag, with the document's example
bodies and example responses; and "Walkthrough", every endpoint as one chained flow, whose
requests are the same operations given the flow's values and checks of their own. A
collection-level test holds every answer to the document (status listed, body matching the
schema), so only the flow is written here:

    uv run python postman/build_collection.py          # write the file
    uv run python postman/build_collection.py --check  # fail if it is out of date
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from modulardata.gateway.config import GatewaySettings  # noqa: E402
from modulardata.gateway.main import create_app  # noqa: E402
from postman.operations import Json, Operations, stable_id  # noqa: E402
from postman.walkthrough import AGAIN, WAIT_BEFORE_A_POLL, WALKTHROUGH, need  # noqa: E402

OUTPUT = Path(__file__).with_name("modulardata.postman_collection.json")
SETTINGS = {"baseUrl", "apiKey", "pollTries", "pollIntervalMs", "polls"}

VARIABLES: list[tuple[str, str, str]] = [
    ("baseUrl", "http://127.0.0.1:8000", "The gateway, e.g. http://127.0.0.1:8000."),
    ("apiKey", "", "An API key (`make up` writes one to .run/api-key)."),
    ("pollTries", "200", "How many times a request runs again for a task or a profile."),
    ("pollIntervalMs", "100", "Milliseconds between two runs of it."),
    ("sessionId", "", "A session (the API folder's requests take it)."),
    ("nodeId", "", "A version of that session."),
    ("taskId", "", "A task."),
    ("fromNodeId", "", "The older version of a diff."),
    ("toNodeId", "", "The newer version of a diff."),
]
"""Settings and the API folder's ids; override them with --env-var NAME=value."""

CHAINED = [
    "lastTaskId",
    "taskSessionId",
    "rootNodeId",
    "dropNodeId",
    "trimNodeId",
    "titleNodeId",
    "dedupNodeId",
    "headNodeId",
    "headRowCount",
    "recipe",
    "replaySessionId",
    "replayNodeId",
    "emptySessionId",
]
"""Set by the walkthrough's scripts as it goes; declared here so they are documented."""


def event(listen: str, code: str) -> Json:
    """A prerequest or test event running `code`, with the helper it calls."""
    if "again(" in code:
        code = AGAIN + code
    return {
        "listen": listen,
        "script": {"type": "text/javascript", "exec": code.strip().split("\n")},
    }


def chained_on(request: Json, tests: str) -> list[str]:
    """The variables a request reads that an earlier request sets."""
    sent = request["url"]["raw"] + request.get("body", {}).get("raw", "")
    read = re.findall(r"\{\{(\w+)\}\}", sent) + re.findall(
        r"collectionVariables\.get\('(\w+)'\)", tests
    )
    return [name for name in dict.fromkeys(read) if name not in SETTINGS]


def api_folder(operations: Operations) -> Json:
    """One folder per tag, one request per operation, with the document's examples."""
    folders = []
    for tag, keys in operations.tags().items():
        items = []
        for key in keys:
            request = operations.request(key)
            items.append(
                {
                    "id": stable_id(key),
                    "name": operations.operation(key)["summary"],
                    "request": request,
                    "response": operations.saved_responses(key, request),
                }
            )
        folders.append({"name": tag, "item": items})
    return {
        "name": "API",
        "description": "Every operation of the OpenAPI document, by tag, with its example "
        "body and responses. Set `sessionId`, `nodeId`, `taskId` (or run the walkthrough).",
        "item": folders,
    }


def walkthrough_folder(operations: Operations) -> Json:
    """The chained flow, folder by folder."""
    folders = []
    for name, description, steps in WALKTHROUGH:
        items = []
        for step in steps:
            request = operations.request(
                step.operation, path=step.path, query=step.query, body=step.body, auth=step.auth
            )
            request["description"] = f"{step.description}\n\n{request['description']}"
            events = [event("test", step.tests)]
            if needs := chained_on(request, step.tests):
                events.insert(0, event("prerequest", need(needs)))
            items.append(
                {
                    "id": stable_id(f"{name}/{step.name}"),
                    "name": step.name,
                    "event": events,
                    "request": request,
                }
            )
        folders.append({"name": name, "description": description, "item": items})
    return {
        "name": "Walkthrough",
        "description": "Every endpoint in the order a client uses them; run the whole folder "
        "(folders depend on the ones before). Requests chain through variables their test "
        "scripts set; a task is asked again until it finishes.",
        "item": folders,
    }


def collection(document: Json) -> Json:
    """The whole collection."""
    operations = Operations(document)
    return {
        "info": {
            "_postman_id": stable_id("collection"),
            "name": "ModularData",
            "description": f"{document['info']['title']} {document['info']['version']}: "
            "conversational data cleaning over a REST API. Set `baseUrl` and `apiKey`, then "
            "run the Walkthrough folder (with newman: see postman/README.md). Every answer is "
            "checked against the OpenAPI document.\n\nGenerated by postman/build_collection.py "
            "from the OpenAPI document: edit that (or the gateway), not this file.",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "auth": {
            "type": "bearer",
            "bearer": [{"key": "token", "value": "{{apiKey}}", "type": "string"}],
        },
        "event": [
            event("prerequest", WAIT_BEFORE_A_POLL),
            {
                "listen": "test",
                "script": {"type": "text/javascript", "exec": operations.answer_checks()},
            },
        ],
        "variable": [
            {"key": key, "value": value, "type": "string", "description": description}
            for key, value, description in VARIABLES
        ]
        + [
            {"key": key, "value": "", "type": "string", "description": "Set by a test script."}
            for key in CHAINED
        ],
        "item": [walkthrough_folder(operations), api_folder(operations)],
    }


def openapi_document() -> Json:
    """The gateway's OpenAPI document, as it serves it (no connection is made)."""
    with tempfile.TemporaryDirectory() as storage:
        settings = GatewaySettings(
            database_url="postgresql://postgres@127.0.0.1:1/none",
            storage_url=Path(storage).as_uri(),
            create_topics=False,
        )
        document: Json = create_app(settings).openapi()
    return document


def render() -> str:
    """The collection file's text."""
    return json.dumps(collection(openapi_document()), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    """Write the collection, or with --check say whether the file is up to date."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT} is out of date: run python {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
