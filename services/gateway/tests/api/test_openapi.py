"""The OpenAPI document lists every error an operation answers and links the ids it returns."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from modulardata.gateway.config import GatewaySettings
from modulardata.gateway.main import create_app


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = GatewaySettings(
        database_url="postgresql://postgres@127.0.0.1:1/none",
        storage_url=tmp_path_factory.mktemp("storage").as_uri(),
        create_topics=False,
    )
    # No lifespan: the document needs no connection.
    served: dict[str, Any] = TestClient(create_app(settings)).get("/openapi.json").json()
    return served


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, methods in document["paths"].items()
        if path.startswith("/v1/")
        for method, operation in methods.items()
    ]


def test_every_operation_documents_the_errors_it_can_answer(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        expected = {"401", "403", "429", "503"}
        expected |= {"404"} if "{" in path else set()
        expected |= {"400", "422"} if "requestBody" in operation else set()
        assert expected <= set(operation["responses"]), (method, path)
        for status in ("429", "503"):
            assert "Retry-After" in operation["responses"][status]["headers"], (method, path)


def test_every_post_takes_an_idempotency_key(document: dict[str, Any]) -> None:
    posts = [
        (path, operation) for path, method, operation in operations(document) if method == "post"
    ]
    assert len(posts) >= 5
    for path, operation in posts:
        (header,) = (p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
        assert (header["in"], header["required"]) == ("header", False), path
        assert header["schema"]["maxLength"] == 255
        conflict = operation["responses"]["409"]
        assert "idempotency_key_reused" in conflict["description"], path
        assert "Retry-After" in conflict["headers"], path


def test_a_new_session_links_to_what_takes_its_id(document: dict[str, Any]) -> None:
    created = document["paths"]["/v1/sessions"]["post"]["responses"]["201"]["links"]
    targets = {link["operationId"]: link for link in created.values()}
    upload = "upload_dataset_v1_sessions__session_id__datasets_post"
    assert targets[upload]["parameters"] == {"session_id": "$response.body#/session_id"}
    assert "move_head_v1_sessions__session_id__head_post" not in targets  # needs a node id


def test_an_upload_links_its_task_and_its_version(document: dict[str, Any]) -> None:
    path = "/v1/sessions/{session_id}/datasets"
    links = document["paths"][path]["post"]["responses"]["202"]["links"]
    head = links["move_head_v1_sessions__session_id__head_post"]
    assert head["requestBody"] == {"node_id": "$response.body#/node_id"}
    task = links["get_task_v1_tasks__task_id__get"]
    assert task["parameters"] == {"task_id": "$response.body#/task_id"}


def test_a_tagged_union_requires_its_tag(document: dict[str, Any]) -> None:
    # `kind` has a default in the model, yet a plan operation without it cannot be read.
    assert "kind" in document["components"]["schemas"]["ToDatetime"]["required"]


def examples(document: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) of every JSON example of the document."""
    found = [
        (name, {"$ref": f"#/components/schemas/{name}"}, example)
        for name, schema in document["components"]["schemas"].items()
        for example in schema.get("examples", [])
    ]
    for path, method, operation in operations(document):
        bodies = [("request", operation.get("requestBody", {}))]
        bodies += list(operation["responses"].items())
        for status, body in bodies:
            content = body.get("content", {}).get("application/json", {})
            shown = [e["value"] for e in content.get("examples", {}).values()]
            shown += [content["example"]] if "example" in content else []
            found += [(f"{method} {path} {status}", content["schema"], e) for e in shown]
    return found


def test_every_example_matches_its_schema(document: dict[str, Any]) -> None:
    found = examples(document)
    assert len(found) >= 30
    for where, schema, example in found:
        validator = jsonschema_rs.validator_for({**schema, "components": document["components"]})
        errors = [error.message for error in validator.iter_errors(example)]
        assert not errors, (where, errors)


def test_every_body_and_answer_has_an_example(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]

    def shown(content: dict[str, Any]) -> bool:
        ref = content.get("schema", {}).get("$ref", "")
        named = schemas.get(ref.rsplit("/", 1)[-1], {})
        nullable = content.get("schema", {}).get("anyOf", [{}])[0].get("$ref", "")
        either = schemas.get(nullable.rsplit("/", 1)[-1], {})
        return bool({"example", "examples"} & set(content)) or "examples" in named | either

    for path, method, operation in operations(document):
        contents = list(operation.get("requestBody", {}).get("content", {}).items())
        contents += [
            (media, content)
            for status, response in operation["responses"].items()
            if status.startswith("2")
            for media, content in response.get("content", {}).items()
        ]
        for media, content in contents:
            if media != "multipart/form-data":
                assert shown(content), (method, path, media)
