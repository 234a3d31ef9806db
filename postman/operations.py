"""The gateway's OpenAPI operations as Postman v2.1 requests, saved example responses, and one
collection-level test that holds every answer to the document."""

from __future__ import annotations

import json
import re
import uuid
from http import HTTPStatus
from typing import Any

Json = dict[str, Any]

NAMESPACE = uuid.UUID("6f1c4b7e-3f7d-4c57-9a0e-6d0c1f1e0b9a")
"""Seed of the items' ids: stable ids keep the generated file's diffs small."""
UPLOAD_FILE = "examples/customers.csv"
"""What a file field sends, relative to the working directory (the repository root)."""
NO_AUTH: Json = {"type": "noauth"}
SCHEMAS = "#/components/schemas/"


def stable_id(name: str) -> str:
    """The same id for the same name on every run."""
    return str(uuid.uuid5(NAMESPACE, name))


def variable(parameter: str) -> str:
    """The collection variable a path parameter takes by default: session_id -> sessionId."""
    head, *rest = parameter.split("_")
    return head + "".join(word.capitalize() for word in rest)


class Operations:
    """The operations of one OpenAPI document, by 'METHOD /path'."""

    def __init__(self, document: Json) -> None:
        self.document = document
        self.by_key: dict[str, tuple[str, str, Json]] = {
            f"{method.upper()} {path}": (path, method, operation)
            for path, methods in document["paths"].items()
            for method, operation in methods.items()
        }

    def tags(self) -> dict[str, list[str]]:
        """Operation keys by tag, in the document's order."""
        grouped: dict[str, list[str]] = {}
        for key, (_, _, operation) in self.by_key.items():
            grouped.setdefault(operation["tags"][0], []).append(key)
        return grouped

    def operation(self, key: str) -> Json:
        """The operation object of 'METHOD /path'."""
        return self.by_key[key][2]

    def request(
        self,
        key: str,
        *,
        path: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        body: Any = None,
        auth: Json | None = None,
    ) -> Json:
        """A request for the operation: path parameters from `path` (default: the variable of
        each name), the documented query parameters (those in `query` set, the others off),
        the body given or the document's example, and its description."""
        template, method, operation = self.by_key[key]
        values = path or {}
        url_path = re.sub(
            r"\{(\w+)\}", lambda m: values.get(m[1], "{{" + variable(m[1]) + "}}"), template
        )
        parameters = operation.get("parameters", [])
        documented = {p["name"] for p in parameters if p["in"] == "query"}
        if unknown := set(query or {}) - documented:
            raise KeyError(f"{key} documents no query parameter {sorted(unknown)}")
        request: Json = {
            "method": method.upper(),
            "header": [_header(p) for p in parameters if p["in"] == "header"],
            "url": _url(
                url_path, [_query(p, query or {}) for p in parameters if p["in"] == "query"]
            ),
        }
        if "requestBody" in operation:
            request["body"] = self._body(operation["requestBody"]["content"], body)
            if request["body"]["mode"] == "raw":
                request["header"].append({"key": "Content-Type", "value": "application/json"})
        if auth is not None or "security" not in operation:
            request["auth"] = auth or NO_AUTH
        request["description"] = operation.get("description", "")
        return request

    def saved_responses(self, key: str, request: Json) -> list[Json]:
        """Every example response the document gives the operation."""
        responses: Json = self.operation(key)["responses"]
        original = {k: v for k, v in request.items() if k != "description"}
        saved = []
        for status, response in responses.items():
            for media_type, content in response.get("content", {}).items():
                for name, value in self._examples(content, f"{status} {response['description']}"):
                    text = value if isinstance(value, str) else json.dumps(value, indent=2)
                    saved.append(
                        {
                            "id": stable_id(f"{key}/{status}/{media_type}/{name}"),
                            "name": name,
                            "originalRequest": original,
                            "status": HTTPStatus(int(status)).phrase,
                            "code": int(status),
                            "_postman_previewlanguage": "json" if "json" in media_type else "text",
                            "header": [{"key": "Content-Type", "value": media_type}],
                            "cookie": [],
                            "body": text,
                        }
                    )
        return saved

    def answer_checks(self) -> list[str]:
        """The collection-level test: the request is a documented operation, the status one it
        lists, and a JSON body matches the schema listed for that status."""
        table = []
        for template, method, operation in self.by_key.values():
            pattern = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$"
            schemas = {
                status: _local_refs(response.get("content", {}).get("application/json", {})).get(
                    "schema"
                )
                for status, response in operation["responses"].items()
            }
            table.append([method.upper(), pattern, schemas])
        definitions = _local_refs(self.document["components"]["schemas"])
        return [
            "// Every answer, of any request, as the OpenAPI document says it.",
            f"const OPERATIONS = {json.dumps(table, separators=(',', ':'))};",
            f"const DEFINITIONS = {json.dumps(definitions, separators=(',', ':'))};",
            *ANSWER_CHECKS.strip("\n").split("\n"),
        ]

    def _body(self, content: Json, given: Any) -> Json:
        if "multipart/form-data" in content:
            if given is not None:
                return {"mode": "formdata", "formdata": given}
            fields = content["multipart/form-data"]["schema"]["properties"]
            return {
                "mode": "formdata",
                "formdata": [
                    {"key": name, "type": "file", "src": UPLOAD_FILE}
                    if schema.get("format") == "binary"
                    else {"key": name, "type": "text", "value": ""}
                    for name, schema in fields.items()
                ],
            }
        if given is None:
            examples = self._examples(content["application/json"], "")
            if not examples:
                raise ValueError(f"a JSON request body without an example: {content}")
            given = examples[0][1]
        raw = given if isinstance(given, str) else json.dumps(given, indent=2)
        return {"mode": "raw", "raw": raw, "options": {"raw": {"language": "json"}}}

    def _examples(self, content: Json, name: str) -> list[tuple[str, Any]]:
        """(name, value) of a media type's examples, or of its schema's."""
        if "examples" in content:
            return [(e.get("summary", key), e["value"]) for key, e in content["examples"].items()]
        if "example" in content:
            return [(name, content["example"])]
        schema = content.get("schema", {})
        schema = next((s for s in schema.get("anyOf", []) if "$ref" in s), schema)
        if ref := schema.get("$ref"):
            schema = self.document["components"]["schemas"][ref.removeprefix(SCHEMAS)]
        return [(name, value) for value in schema.get("examples", [])[:1]]


def _url(path: str, query: list[Json]) -> Json:
    url: Json = {"raw": "{{baseUrl}}" + path, "host": ["{{baseUrl}}"]}
    url["path"] = [part for part in path.split("/") if part]
    enabled = [f"{q['key']}={q['value']}" for q in query if not q.get("disabled")]
    if enabled:
        url["raw"] += "?" + "&".join(enabled)
    if query:
        url["query"] = query
    return url


def _query(parameter: Json, given: dict[str, str]) -> Json:
    name = parameter["name"]
    default = parameter.get("example", parameter.get("schema", {}).get("default", ""))
    entry: Json = {"key": name, "value": given.get(name, str(default))}
    if name not in given:
        entry["disabled"] = True
    entry["description"] = parameter.get("description", "")
    return entry


def _header(parameter: Json) -> Json:
    return {
        "key": parameter["name"],
        "value": "{{$guid}}",
        "disabled": True,
        "description": parameter.get("description", ""),
    }


def _local_refs(node: Any) -> Any:
    """`node` with its schema references pointing into DEFINITIONS, as Ajv reads them."""
    text = json.dumps(node).replace(f'"{SCHEMAS}', '"#/definitions/')
    return json.loads(text)


ANSWER_CHECKS = """
const path = pm.request.url.getPath();
const operation = OPERATIONS.find(([method, pattern]) =>
    method === pm.request.method && new RegExp(pattern).test(path));
pm.test('a documented operation', () => {
    pm.expect(operation, `${pm.request.method} ${path}`).to.be.an('array');
});
if (operation) {
    const schemas = operation[2];
    const status = String(pm.response.code);
    pm.test(`status ${status} is documented`, () => {
        pm.expect(Object.keys(schemas), pm.response.text().slice(0, 500)).to.include(status);
    });
    const schema = schemas[status];
    const type = pm.response.headers.get('Content-Type') || '';
    if (schema && type.includes('application/json')) {
        pm.test(`the ${status} body matches the document's schema`, () => {
            pm.response.to.have.jsonSchema(Object.assign({ definitions: DEFINITIONS }, schema));
        });
    }
}
"""
