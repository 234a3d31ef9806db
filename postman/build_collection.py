"""Writes modulardata.postman_collection.json: every REST endpoint as one chained, tested flow.

The collection is generated so that its test scripts share one set of helpers and one place
naming every response's fields (`SHAPES`): when a field is renamed, change it here and run

    uv run python postman/build_collection.py

`tests/integration/test_postman.py` fails while the committed JSON differs from this output.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
OUTPUT = HERE / "modulardata.postman_collection.json"
NAMESPACE = uuid.UUID("6f1c4b7e-3f7d-4c57-9a0e-6d0c1f1e0b9a")
"""Seed of the items' ids: stable ids keep the generated file's diffs small."""

Json = dict[str, Any]

# Fields each response must have, with their JSON types ('string|null' allows null). Only the
# fields a client relies on are named; extra fields are fine.
SHAPES: dict[str, dict[str, str]] = {
    "error": {"code": "string", "message": "string"},
    "session_created": {"session_id": "string", "name": "string|null", "created_at": "string"},
    "session": {
        "session_id": "string",
        "name": "string|null",
        "created_at": "string",
        "updated_at": "string",
        "head_node_id": "string|null",
        "node_count": "number",
    },
    "session_list": {
        "sessions": "array",
        "total": "number",
        "limit": "number",
        "offset": "number",
    },
    "upload_accepted": {
        "task_id": "string",
        "session_id": "string",
        "status": "string",
        "node_id": "string|null",
    },
    "message_accepted": {
        "task_id": "string",
        "session_id": "string",
        "chat_message_id": "string",
        "status": "string",
    },
    "task_accepted": {"task_id": "string", "session_id": "string", "status": "string"},
    "task": {
        "task_id": "string",
        "session_id": "string",
        "kind": "string",
        "status": "string",
        "stage": "string",
        "events": "array",
        "result": "object|null",
        "error": "object|null",
        "created_at": "string",
        "updated_at": "string",
    },
    "task_event": {"stage": "string", "at": "string"},
    "chat_result": {"node_id": "string", "plan": "object|array"},
    "history": {
        "session_id": "string",
        "head_node_id": "string|null",
        "nodes": "array",
        "messages": "array",
    },
    "node": {
        "node_id": "string",
        "parent_id": "string|null",
        "created_at": "string",
        "row_count": "number",
        "column_count": "number",
        "columns": "array",
        "description": "string",
        "message": "string|null",
        "is_head": "boolean",
    },
    "message": {
        "chat_message_id": "string",
        "role": "string",
        "text": "string",
        "node_id": "string|null",
        "created_at": "string",
    },
    "head_moved": {
        "session_id": "string",
        "head_node_id": "string",
        "previous_node_id": "string|null",
        "task_id": "string",
    },
    "branches": {"head_node_id": "string", "branches": "array"},
    "branch": {
        "tip_node_id": "string",
        "length": "number",
        "is_head_branch": "boolean",
        "description": "string",
        "message": "string|null",
        "created_at": "string",
        "row_count": "number",
        "column_count": "number",
    },
    "rows": {
        "node_id": "string",
        "columns": "array",
        "rows": "array",
        "offset": "number",
        "limit": "number",
        "total_rows": "number",
    },
    "diff": {
        "from_node_id": "string",
        "to_node_id": "string",
        "rows_before": "number",
        "rows_after": "number",
        "rows_added": "number",
        "rows_removed": "number",
        "rows_changed": "number",
        "columns_added": "array",
        "columns_removed": "array",
        "columns_retyped": "array",
        "cells_changed": "object",
    },
    "profile": {"row_count": "number", "column_count": "number", "columns": "array"},
    "recipe": {
        "format": "string",
        "version": "number",
        "node_id": "string",
        "source": "object",
        "steps": "array",
    },
    "recipe_step": {"description": "string", "message": "string|null", "plan": "object|array"},
}

FINAL_TASK_STATUSES = ["succeeded", "failed", "needs_input"]

# The test-script helpers; a script gets the ones it calls.
HELPERS: dict[str, str] = {
    "expectShape": """
// Asserts that `value` has every field of SHAPES[shapeName] with one of its JSON types.
function expectShape(value, shapeName, where) {
    const shape = SHAPES[shapeName];
    where = where || shapeName;
    pm.expect(value, where).to.be.an('object');
    Object.keys(shape).forEach((field) => {
        pm.expect(value, where).to.have.property(field);
        const v = value[field];
        const actual = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
        pm.expect(shape[field].split('|'), `${where}.${field} is ${actual}`).to.include(actual);
    });
}""",
    "poll": """
// GETs `path` every pollIntervalMs ms until `ready(response)`, at most pollTries times, then
// calls `done(response)`; when the tries run out, a failed test says what was awaited.
function poll(path, ready, done, what) {
    const tries = Number(pm.variables.get('pollTries')) || 100;
    const interval = Number(pm.variables.get('pollIntervalMs')) || 100;
    const request = {
        url: pm.variables.replaceIn('{{baseUrl}}' + path),
        method: 'GET',
        header: { Authorization: 'Bearer ' + pm.variables.get('apiKey') },
    };
    let attempt = 0;
    const next = () => pm.sendRequest(request, (error, response) => {
        attempt += 1;
        if (!error && ready(response)) {
            done(response);
            return;
        }
        if (attempt >= tries) {
            const last = error ? String(error) : `${response.code} ${response.text()}`;
            pm.test(`${what} within ${tries} polls of ${interval} ms`, () => {
                pm.expect.fail(`gave up waiting; the last answer was: ${last}`);
            });
            return;
        }
        setTimeout(next, interval);
    });
    next();
}""",
}


def script(code: str) -> list[str]:
    """A script's lines: the SHAPES it uses and the helpers it calls, then `code`."""
    parts: list[str] = []
    used = {name for name in HELPERS if f"{name}(" in code}
    if "expectShape" in used or "SHAPES" in code:
        used.add("expectShape")
        parts.append(f"const SHAPES = {json.dumps(SHAPES)};")
    for name, helper in HELPERS.items():
        if name in used:
            parts.append(helper.strip("\n"))
    parts.append(code.strip("\n"))
    return "\n".join(parts).split("\n")


def event(listen: str, code: str) -> Json:
    """A prerequest or test event running `code`."""
    return {"listen": listen, "script": {"type": "text/javascript", "exec": script(code)}}


def url(path: str, query: dict[str, str] | None = None) -> Json:
    """A v2.1 URL object for `{{baseUrl}}` + path (+ query)."""
    raw = "{{baseUrl}}" + path
    value: Json = {"host": ["{{baseUrl}}"], "path": [p for p in path.split("/") if p]}
    if query:
        raw += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        value["query"] = [{"key": k, "value": v} for k, v in query.items()]
    return {"raw": raw, **value}


def json_body(value: Any) -> Json:
    """A raw JSON body; a str is sent as is (it may hold {{variables}} or be malformed)."""
    raw = value if isinstance(value, str) else json.dumps(value, indent=2)
    return {"mode": "raw", "raw": raw, "options": {"raw": {"language": "json"}}}


def example(
    name: str, code: int, body: Any, content_type: str = "application/json"
) -> tuple[str, int, Any, str]:
    """A saved example response: (name, status code, body, content type)."""
    return (name, code, body, content_type)


STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    503: "Service Unavailable",
}


def item(
    name: str,
    method: str,
    path: str,
    *,
    description: str,
    tests: str,
    query: dict[str, str] | None = None,
    body: Json | None = None,
    auth: Json | None = None,
    needs: list[str] | None = None,
    prerequest: str = "",
    examples: list[tuple[str, int, Any, str]] | None = None,
) -> Json:
    """One request with its description, scripts and saved example responses."""
    request: Json = {"method": method, "header": [], "url": url(path, query)}
    if body is not None:
        request["body"] = body
        if body["mode"] == "raw":
            request["header"] = [{"key": "Content-Type", "value": "application/json"}]
    if auth is not None:
        request["auth"] = auth
    request["description"] = description
    if needs:
        prerequest = need(needs) + prerequest
    events = [event("prerequest", prerequest)] if prerequest else []
    events.append(event("test", tests))
    responses = []
    for example_name, code, example_body, content_type in examples or []:
        text = example_body if isinstance(example_body, str) else json.dumps(example_body, indent=2)
        responses.append(
            {
                "id": str(uuid.uuid5(NAMESPACE, f"{name}/{example_name}")),
                "name": example_name,
                "originalRequest": {k: v for k, v in request.items() if k != "description"},
                "status": STATUS_TEXT[code],
                "code": code,
                "_postman_previewlanguage": "json" if "json" in content_type else "text",
                "header": [{"key": "Content-Type", "value": content_type}],
                "cookie": [],
                "body": text,
            }
        )
    return {
        "id": str(uuid.uuid5(NAMESPACE, name)),
        "name": name,
        "event": events,
        "request": request,
        "response": responses,
    }


def folder(name: str, description: str, items: list[Json]) -> Json:
    """A folder of requests."""
    return {"name": name, "description": description, "item": items}


NO_AUTH: Json = {"type": "noauth"}
UNKNOWN_KEY_AUTH: Json = {
    "type": "bearer",
    "bearer": [{"key": "token", "value": "md_not_a_known_key", "type": "string"}],
}

# Example values for saved responses.
SESSION = "3f0b6c1e-8a51-4a0b-9c52-7d1f2a9e4b10"
SESSION2 = "b2e0a7d4-1c3f-4e6a-8b9d-0f5e6a7c8d21"
TASK = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
MESSAGE = "5c4d3e2f-1a0b-4c9d-8e7f-6a5b4c3d2e1f"
ROOT = "417471ee-4e55-53c9-8482-7e8d868e59a6"
NODE = "c1d2e3f4-a5b6-5c7d-8e9f-0a1b2c3d4e5f"
NODE2 = "d2e3f4a5-b6c7-5d8e-9fa0-1b2c3d4e5f60"
AT = "2026-01-15T10:21:07.123456Z"
COLUMNS = [
    {"name": "customer_id", "dtype": "int64"},
    {"name": "name", "dtype": "string"},
    {"name": "email", "dtype": "string"},
    {"name": "age", "dtype": "string"},
    {"name": "city", "dtype": "string"},
    {"name": "country", "dtype": "string"},
    {"name": "signup_date", "dtype": "string"},
    {"name": "lifetime_value", "dtype": "string"},
]
ROW = {
    "customer_id": 1001,
    "name": "Anna Schmidt",
    "email": "anna.schmidt@example.com",
    "age": "34",
    "city": "Berlin",
    "country": "Germany",
    "signup_date": "2023-01-15",
    "lifetime_value": "$1,250.00",
}
PLAN = {"operations": [{"kind": "drop_nulls", "columns": ["age"]}]}


HISTORY_EXAMPLE: Json = {
    "session_id": SESSION,
    "head_node_id": NODE,
    "nodes": [
        {
            "node_id": ROOT,
            "parent_id": None,
            "created_at": AT,
            "row_count": 21,
            "column_count": 8,
            "columns": COLUMNS,
            "description": "Uploaded customers.csv",
            "message": None,
            "is_head": False,
        },
        {
            "node_id": NODE,
            "parent_id": ROOT,
            "created_at": AT,
            "row_count": 18,
            "column_count": 8,
            "columns": COLUMNS,
            "description": "Drop rows where age is missing",
            "message": "drop rows where age is missing",
            "is_head": True,
        },
    ],
    "messages": [
        {
            "chat_message_id": MESSAGE,
            "role": "user",
            "text": "drop rows where age is missing",
            "node_id": NODE,
            "created_at": AT,
        }
    ],
}


def error_example(name: str, code: int, error_code: str, message: str) -> tuple[str, int, Any, str]:
    """A saved error response."""
    return example(name, code, {"error": {"code": error_code, "message": message}})


def task_example(status: str, kind: str = "chat", **extra: Any) -> Json:
    """A task as GET /v1/tasks/{task_id} answers it."""
    stages = ["queued", "thinking", "generating_code", "executing", "committing"]
    body: Json = {
        "task_id": TASK,
        "session_id": SESSION,
        "kind": kind,
        "status": status,
        "stage": status,
        "events": [{"stage": s, "at": AT} for s in [*stages, status]],
        "result": None,
        "question": None,
        "error": None,
        "created_at": AT,
        "updated_at": AT,
    }
    body.update(extra)
    return body


def expect_status(*codes: int) -> str:
    """A test on the status code."""
    if len(codes) == 1:
        return f"pm.test('status is {codes[0]}', () => pm.response.to.have.status({codes[0]}));\n"
    listed = ", ".join(str(c) for c in codes)
    return (
        f"pm.test('status is one of {listed}', () => "
        f"pm.expect(pm.response.code).to.be.oneOf([{listed}]));\n"
    )


def expect_error(code: int, error_code: str) -> str:
    """Tests of an error response (the collection-level script checks its shape)."""
    return expect_status(code) + (
        f"pm.test('error code is {error_code}', () => "
        f"pm.expect(pm.response.json().error.code).to.eql('{error_code}'));\n"
    )


def need(variables: list[str]) -> str:
    """Prerequest: skip the request, with a failed test naming what is missing, when a
    variable it chains on was not set (the request that sets it failed)."""
    return f"""
const missing = {json.dumps(variables)}.filter((name) => !pm.collectionVariables.get(name));
if (missing.length) {{
    pm.test(`needs ${{missing.join(', ')}} from an earlier request`, () => {{
        pm.expect.fail(`not set: ${{missing.join(', ')}} (an earlier request failed); skipped`);
    }});
    pm.execution.skipRequest();
}}
"""


def wait_for_task(
    name: str, *, description: str, expect: str, then: str = "", kind: str | None = None
) -> Json:
    """GET /v1/tasks/{{taskId}}, polled until the task is final; `then` runs with `task`."""
    kind_test = (
        f"    pm.test('task kind is {kind}', () => pm.expect(task.kind).to.eql('{kind}'));\n"
        if kind
        else ""
    )
    indented_then = "\n".join(f"    {line}" if line else "" for line in then.splitlines())
    tests = f"""
const taskId = pm.collectionVariables.get('taskId');
// Consumed: a later wait whose POST failed is skipped instead of reusing this task.
pm.collectionVariables.unset('taskId');
pm.collectionVariables.set('lastTaskId', taskId);
const FINAL = {json.dumps(FINAL_TASK_STATUSES)};
const isFinal = (response) => response.code === 200 && FINAL.includes(response.json().status);
const check = (response) => {{
    pm.test('status is 200', () => pm.expect(response.code).to.eql(200));
    const task = response.json();
    pm.test('task has its fields', () => {{
        expectShape(task, 'task');
        task.events.forEach((e, i) => expectShape(e, 'task_event', `events[${{i}}]`));
    }});
    pm.test('task {expect}', () => {{
        const why = JSON.stringify({{ error: task.error, question: task.question }});
        pm.expect(task.status, why).to.eql('{expect}');
    }});
    pm.test('task belongs to the session', () => {{
        pm.expect(task.session_id).to.eql(pm.collectionVariables.get('taskSessionId'));
    }});
{kind_test}{indented_then}
}};
if (isFinal(pm.response)) {{
    check(pm.response);
}} else {{
    poll('/v1/tasks/' + taskId, isFinal, check, `task ${{taskId}} to finish`);
}}
"""
    finished_example = task_example(expect)
    if expect == "succeeded":
        finished_example["result"] = {
            "node_id": NODE,
            "plan": PLAN,
            "code": "df = df.dropna(subset=['age'])",
            "explanation": "Dropped the rows whose age is missing.",
            "summary": {"rows_before": 21, "rows_after": 18},
            "message": "Dropped 3 rows where age is missing: 21 -> 18 rows.",
        }
    if expect == "needs_input":
        finished_example["question"] = "What should change? For example: trim whitespace in name."
    return item(
        name,
        "GET",
        "/v1/tasks/{{taskId}}",
        description=description
        + "\n\nThe test script polls this URL (at most `pollTries` times, `pollIntervalMs` "
        "apart) until `status` is one of succeeded, failed or needs_input, then checks it.",
        needs=["taskId"],
        tests=tests,
        examples=[
            example("Still running", 200, task_example("running") | {"stage": "executing"}),
            example(f"Finished: {expect}", 200, finished_example),
        ],
    )


def send_message(name: str, text: str, session_var: str = "sessionId") -> Json:
    """POST a chat message and remember its task."""
    return item(
        name,
        "POST",
        f"/v1/sessions/{{{{{session_var}}}}}/messages",
        description=f"Asks for a change in plain English: *{text}*. The answer is 202 with the "
        "task that plans and applies it; the next request waits for that task.",
        body=json_body({"message": text}),
        needs=[session_var],
        tests=expect_status(202)
        + f"""
const body = pm.response.json();
pm.test('accepted with a task and the message id', () => expectShape(body, 'message_accepted'));
pm.test('for this session', () => {{
    pm.expect(body.session_id).to.eql(pm.collectionVariables.get('{session_var}'));
}});
if (pm.response.code === 202) {{
    pm.collectionVariables.set('taskId', body.task_id);
    pm.collectionVariables.set('taskSessionId', body.session_id);
}}
""",
        examples=[
            example(
                "Accepted",
                202,
                {
                    "task_id": TASK,
                    "session_id": SESSION,
                    "chat_message_id": MESSAGE,
                    "status": "queued",
                },
            )
        ],
    )


def upload(name: str, session_var: str) -> Json:
    """POST examples/customers.csv to a session."""
    return item(
        name,
        "POST",
        f"/v1/sessions/{{{{{session_var}}}}}/datasets",
        description="Uploads `examples/customers.csv` as multipart field `file` (CSV, TSV, "
        "XLSX, Parquet, JSON or JSON Lines). The file path is relative to the working "
        "directory: run newman with `--working-dir` set to the repository root (in the "
        "Postman app, set the working directory in Settings, or pick the file again). The "
        "gateway waits up to `upload_wait_s` for the file to be read, so `status` is often "
        "already `succeeded`; a file the profiler refuses is a 4xx naming the problem.",
        body={
            "mode": "formdata",
            "formdata": [{"key": "file", "type": "file", "src": "examples/customers.csv"}],
        },
        needs=[session_var],
        tests=expect_status(202)
        + f"""
const body = pm.response.json();
pm.test('accepted with a task', () => expectShape(body, 'upload_accepted'));
pm.test('for this session', () => {{
    pm.expect(body.session_id).to.eql(pm.collectionVariables.get('{session_var}'));
}});
pm.test('Location names the task', () => {{
    pm.expect(pm.response.headers.get('Location')).to.eql('/v1/tasks/' + body.task_id);
}});
if (pm.response.code === 202) {{
    pm.collectionVariables.set('taskId', body.task_id);
    pm.collectionVariables.set('taskSessionId', body.session_id);
}}
""",
        examples=[
            example(
                "Accepted (already read)",
                202,
                {"task_id": TASK, "session_id": SESSION, "status": "succeeded", "node_id": ROOT},
            ),
            error_example("Refused: empty file", 400, "empty_file", "the file is empty (0 bytes)"),
        ],
    )


def create_session(name: str, session_name: str, session_var: str) -> Json:
    """POST /v1/sessions and remember the id."""
    return item(
        name,
        "POST",
        "/v1/sessions",
        description="Creates a session owned by the caller's key (201); its id may be used in "
        "the very next request.",
        body=json_body({"name": session_name}),
        tests=expect_status(201)
        + f"""
const body = pm.response.json();
pm.test('the new session', () => {{
    expectShape(body, 'session_created');
    pm.expect(body.name).to.eql({json.dumps(session_name)});
}});
pm.test('Location names the session', () => {{
    pm.expect(pm.response.headers.get('Location')).to.eql('/v1/sessions/' + body.session_id);
}});
pm.collectionVariables.set('{session_var}', body.session_id);
""",
        examples=[
            example(
                "Created", 201, {"session_id": SESSION, "name": session_name, "created_at": AT}
            ),
        ],
    )


def node_path(node_var: str, suffix: str, session_var: str = "sessionId") -> str:
    """The path of a node resource."""
    return f"/v1/sessions/{{{{{session_var}}}}}/nodes/{{{{{node_var}}}}}{suffix}"


def session_head(name: str, expected_var: str, description: str) -> Json:
    """GET the session and check where its head is."""
    return item(
        name,
        "GET",
        "/v1/sessions/{{sessionId}}",
        description=description,
        needs=["sessionId", expected_var],
        tests=expect_status(200)
        + f"""
const body = pm.response.json();
pm.test('session has its fields', () => expectShape(body, 'session'));
pm.test('head is {expected_var}', () => {{
    pm.expect(body.head_node_id).to.eql(pm.collectionVariables.get('{expected_var}'));
}});
""",
        examples=[
            example(
                "Session",
                200,
                {
                    "session_id": SESSION,
                    "name": "postman",
                    "created_at": AT,
                    "updated_at": AT,
                    "head_node_id": NODE,
                    "node_count": 4,
                },
            )
        ],
    )


HEALTH = folder(
    "Health",
    "Liveness and readiness; no API key needed.",
    [
        item(
            "Health check",
            "GET",
            "/healthz",
            auth=NO_AUTH,
            description="200 `{status: ok}` when the gateway can serve requests (its database "
            "answers and holds the read models); 503 otherwise.",
            tests=expect_status(200)
            + "pm.test('status ok', () => pm.expect(pm.response.json()).to.eql({ status: 'ok' }));",
            examples=[
                example("Ready", 200, {"status": "ok"}),
                error_example(
                    "Database down", 503, "database_unavailable", "the database does not answer"
                ),
            ],
        ),
        item(
            "Metrics",
            "GET",
            "/metrics",
            auth=NO_AUTH,
            description="Prometheus metrics: `modulardata_gateway_requests_total` (by method, "
            "route and status), `modulardata_gateway_request_duration_seconds`, "
            "`modulardata_gateway_throttled_total` (429s by reason: `rate_limited`, "
            "`session_busy`) and `modulardata_dead_letters`. Needs an API key only when "
            "`MODULARDATA_GATEWAY_METRICS_REQUIRE_KEY` is set.",
            tests=expect_status(200)
            + """pm.test('Prometheus text with the request counts', () => {
    pm.expect(pm.response.headers.get('Content-Type')).to.include('text/plain');
    pm.expect(pm.response.text()).to.include('modulardata_gateway_requests_total');
    pm.expect(pm.response.text()).to.include('modulardata_dead_letters');
});
""",
            examples=[
                example(
                    "Metrics",
                    200,
                    'modulardata_gateway_requests_total{method="GET",route="/healthz",'
                    'status="200"} 1.0\nmodulardata_dead_letters 0.0\n',
                    "text/plain; version=0.0.4; charset=utf-8",
                )
            ],
        ),
    ],
)

SESSIONS = folder(
    "Sessions",
    "Create a session, list the caller's sessions, read one. A session belongs to the key "
    "that created it and is invisible (404) to other keys.",
    [
        create_session("Create session", "postman", "sessionId"),
        item(
            "List sessions",
            "GET",
            "/v1/sessions",
            query={"limit": "50", "offset": "0"},
            description="The caller's sessions, newest first, one page (`limit` 1..200, "
            "`offset` >= 0).",
            needs=["sessionId"],
            tests=expect_status(200)
            + """
const body = pm.response.json();
pm.test('a page of sessions', () => {
    expectShape(body, 'session_list');
    body.sessions.forEach((s, i) => expectShape(s, 'session', `sessions[${i}]`));
    pm.expect(body.limit).to.eql(50);
    pm.expect(body.offset).to.eql(0);
});
pm.test('lists the new session first', () => {
    pm.expect(body.sessions[0].session_id).to.eql(pm.collectionVariables.get('sessionId'));
});
""",
            examples=[
                example(
                    "A page",
                    200,
                    {
                        "sessions": [
                            {
                                "session_id": SESSION,
                                "name": "postman",
                                "created_at": AT,
                                "updated_at": AT,
                                "head_node_id": None,
                                "node_count": 0,
                            }
                        ],
                        "total": 1,
                        "limit": 50,
                        "offset": 0,
                    },
                )
            ],
        ),
        item(
            "Get session",
            "GET",
            "/v1/sessions/{{sessionId}}",
            description="The session, its head and how many versions it has.",
            needs=["sessionId"],
            tests=expect_status(200)
            + """
const body = pm.response.json();
pm.test('session has its fields', () => expectShape(body, 'session'));
pm.test('empty until the first upload', () => {
    pm.expect(body.session_id).to.eql(pm.collectionVariables.get('sessionId'));
    pm.expect(body.head_node_id).to.eql(null);
    pm.expect(body.node_count).to.eql(0);
});
""",
            examples=[
                example(
                    "New session",
                    200,
                    {
                        "session_id": SESSION,
                        "name": "postman",
                        "created_at": AT,
                        "updated_at": AT,
                        "head_node_id": None,
                        "node_count": 0,
                    },
                ),
                error_example("Unknown", 404, "session_not_found", f"session {SESSION} not found"),
            ],
        ),
    ],
)

DATASETS = folder(
    "Datasets",
    "Upload a file into a session: it becomes the session's first version (its root node).",
    [
        upload("Upload customers.csv", "sessionId"),
        wait_for_task(
            "Wait for the upload",
            description="Follows the upload's task to its end; its `result.node_id` is the "
            "root version (saved as `rootNodeId`).",
            expect="succeeded",
            kind="upload",
            then="""
pm.test('the task made a version', () => pm.expect(task.result.node_id).to.be.a('string'));
if (task.result) {
    pm.collectionVariables.set('rootNodeId', task.result.node_id);
    pm.collectionVariables.set('nodeId', task.result.node_id);
}
""",
        ),
        session_head(
            "Session head is the upload",
            "rootNodeId",
            "After the upload the session's head is the root version.",
        ),
    ],
)


def needs_input_then() -> str:
    return """
pm.test('asks a question', () => pm.expect(task.question).to.be.a('string').and.not.empty);
pm.test('no version made', () => pm.expect(task.result).to.eql(null));
"""


def chat_then(node_var: str) -> str:
    return f"""
pm.test('the result has the version and the plan', () => expectShape(task.result, 'chat_result'));
if (task.result) {{
    pm.collectionVariables.set('{node_var}', task.result.node_id);
    pm.collectionVariables.set('nodeId', task.result.node_id);
}}
"""


CHAT = folder(
    "Chat & tasks",
    "Say what to change; each message is a task (202) that plans the change, runs the code in "
    "the sandbox and commits a new version, or ends with a question (`needs_input`). Tasks "
    "of a session run one at a time, in order.",
    [
        send_message("Send: drop rows where age is missing", "drop rows where age is missing"),
        wait_for_task(
            "Wait: drop rows",
            description="The chat task ends with a new version (saved as `dropNodeId`).",
            expect="succeeded",
            kind="chat",
            then=chat_then("dropNodeId"),
        ),
        item(
            "Task events (SSE)",
            "GET",
            "/v1/tasks/{{lastTaskId}}/events",
            description="The task's stages as a `text/event-stream` (server-sent events); the "
            "stream ends after the task's final status, so this finished task's stream is "
            "complete.",
            needs=["lastTaskId"],
            tests=expect_status(200)
            + """
pm.test('an event stream', () => {
    pm.expect(pm.response.headers.get('Content-Type')).to.include('text/event-stream');
});
pm.test('ends with the final status', () => {
    pm.expect(pm.response.text()).to.include('succeeded');
});
""",
            examples=[
                example(
                    "Stream of a finished task",
                    200,
                    'event: stage\ndata: {"stage": "queued", "at": "' + AT + '"}\n\n'
                    'event: stage\ndata: {"stage": "thinking", "at": "' + AT + '"}\n\n'
                    'event: stage\ndata: {"stage": "executing", "at": "' + AT + '"}\n\n'
                    'event: status\ndata: {"status": "succeeded", "node_id": "' + NODE + '"}\n\n',
                    "text/event-stream",
                )
            ],
        ),
        send_message("Send: trim whitespace in name", "trim whitespace in name"),
        wait_for_task(
            "Wait: trim",
            description="Saves the new version as `trimNodeId`.",
            expect="succeeded",
            kind="chat",
            then=chat_then("trimNodeId"),
        ),
        send_message("Send: title case the city column", "title case the city column"),
        wait_for_task(
            "Wait: title case",
            description="Saves the new version as `titleNodeId`.",
            expect="succeeded",
            kind="chat",
            then=chat_then("titleNodeId"),
        ),
        send_message("Send: undo that", "undo that"),
        wait_for_task(
            "Wait: undo",
            description="An undo moves the head back to the version before; no version is made.",
            expect="succeeded",
            then="""
pm.test('moved the head back to the trimmed version', () => {
    pm.expect(task.result && task.result.node_id).to.eql(pm.collectionVariables.get('trimNodeId'));
});
""",
        ),
        send_message("Send: make it better (ambiguous)", "make it better"),
        wait_for_task(
            "Wait: a question back",
            description="A request the planner cannot read ends with `needs_input` and a "
            "`question` instead of a guess.",
            expect="needs_input",
            then=needs_input_then(),
        ),
        item(
            "Get task (unknown)",
            "GET",
            "/v1/tasks/00000000-0000-0000-0000-000000000000",
            description="A task that does not exist, or belongs to another key, is a 404.",
            tests=expect_error(404, "task_not_found"),
            examples=[
                error_example(
                    "Unknown task",
                    404,
                    "task_not_found",
                    "task 00000000-0000-0000-0000-000000000000 not found",
                )
            ],
        ),
    ],
)

TIMELINE = folder(
    "Timeline",
    "The version tree: history, moving the head (rollback/redo), branches.",
    [
        session_head(
            "Session head after undo",
            "trimNodeId",
            "After *undo that* the head is the trimmed version again.",
        ),
        item(
            "History",
            "GET",
            "/v1/sessions/{{sessionId}}/history",
            description="Every version (node) of the session with its parent, shape and the "
            "message that made it, and the whole conversation.",
            needs=["sessionId", "rootNodeId", "dropNodeId", "trimNodeId", "titleNodeId"],
            tests=expect_status(200)
            + """
const body = pm.response.json();
pm.test('history has its fields', () => {
    expectShape(body, 'history');
    body.nodes.forEach((n, i) => expectShape(n, 'node', `nodes[${i}]`));
    body.messages.forEach((m, i) => expectShape(m, 'message', `messages[${i}]`));
});
const byId = {};
body.nodes.forEach((n) => { byId[n.node_id] = n; });
const v = (name) => pm.collectionVariables.get(name);
pm.test('a chain root -> drop -> trim -> title case', () => {
    pm.expect(byId[v('rootNodeId')].parent_id).to.eql(null);
    pm.expect(byId[v('dropNodeId')].parent_id).to.eql(v('rootNodeId'));
    pm.expect(byId[v('trimNodeId')].parent_id).to.eql(v('dropNodeId'));
    pm.expect(byId[v('titleNodeId')].parent_id).to.eql(v('trimNodeId'));
});
pm.test('the head is the trimmed version', () => {
    pm.expect(body.head_node_id).to.eql(v('trimNodeId'));
    pm.expect(byId[v('trimNodeId')].is_head).to.eql(true);
});
pm.test('dropping rows where age is missing dropped rows', () => {
    pm.expect(byId[v('dropNodeId')].row_count).to.be.below(byId[v('rootNodeId')].row_count);
    pm.expect(byId[v('dropNodeId')].message).to.eql('drop rows where age is missing');
});
pm.test('the conversation has the user messages', () => {
    const said = body.messages.filter((m) => m.role === 'user').map((m) => m.text);
    pm.expect(said).to.include.members(['drop rows where age is missing', 'undo that']);
});
""",
            examples=[
                example("History", 200, HISTORY_EXAMPLE),
            ],
        ),
        item(
            "Move head (rollback)",
            "POST",
            "/v1/sessions/{{sessionId}}/head",
            description="Points the head at any version of the session (a rollback or a "
            "redo); the next message branches from there. 200 once applied, or 202 with the "
            "task if not applied within the wait.",
            body=json_body('{\n  "node_id": "{{dropNodeId}}"\n}'),
            needs=["sessionId", "dropNodeId"],
            tests=expect_status(200, 202)
            + """
const body = pm.response.json();
if (pm.response.code === 200) {
    pm.test('head moved', () => {
        expectShape(body, 'head_moved');
        pm.expect(body.head_node_id).to.eql(pm.collectionVariables.get('dropNodeId'));
        pm.expect(body.previous_node_id).to.eql(pm.collectionVariables.get('trimNodeId'));
    });
} else {
    pm.test('accepted with a task', () => expectShape(body, 'task_accepted'));
}
if (body.task_id) {
    pm.collectionVariables.set('taskId', body.task_id);
    pm.collectionVariables.set('taskSessionId', body.session_id);
}
""",
            examples=[
                example(
                    "Moved",
                    200,
                    {
                        "session_id": SESSION,
                        "head_node_id": NODE,
                        "previous_node_id": NODE2,
                        "task_id": TASK,
                    },
                ),
                example(
                    "Not applied yet",
                    202,
                    {"task_id": TASK, "session_id": SESSION, "status": "queued"},
                ),
                error_example("Unknown node", 404, "node_not_found", f"node {NODE} not found"),
            ],
        ),
        wait_for_task(
            "Wait: head move",
            description="The head move is a task too; it ends with the head on the target.",
            expect="succeeded",
            kind="head_move",
            then="""
pm.test('moved to the drop version', () => {
    pm.expect(task.result && task.result.node_id).to.eql(pm.collectionVariables.get('dropNodeId'));
});
""",
        ),
        send_message("Send on a branch: remove duplicate rows", "remove duplicate rows"),
        wait_for_task(
            "Wait: remove duplicates",
            description="A message on a moved head starts a new branch; the version is saved "
            "as `dedupNodeId`.",
            expect="succeeded",
            kind="chat",
            then=chat_then("dedupNodeId"),
        ),
        item(
            "Branches",
            "GET",
            "/v1/sessions/{{sessionId}}/branches",
            description="Every branch of the version tree by its tip (a version with no "
            "children), its length and whether the head is on it.",
            needs=["sessionId", "dedupNodeId", "titleNodeId"],
            tests=expect_status(200)
            + """
const body = pm.response.json();
pm.test('branches have their fields', () => {
    expectShape(body, 'branches');
    body.branches.forEach((b, i) => expectShape(b, 'branch', `branches[${i}]`));
});
const tips = body.branches.map((b) => b.tip_node_id);
pm.test('two branches: title case and remove duplicates', () => {
    pm.expect(tips).to.have.members([
        pm.collectionVariables.get('titleNodeId'),
        pm.collectionVariables.get('dedupNodeId'),
    ]);
});
pm.test('the head is on the remove-duplicates branch', () => {
    pm.expect(body.head_node_id).to.eql(pm.collectionVariables.get('dedupNodeId'));
    const head = body.branches.filter((b) => b.is_head_branch);
    pm.expect(head.map((b) => b.tip_node_id)).to.eql([pm.collectionVariables.get('dedupNodeId')]);
});
""",
            examples=[
                example(
                    "Two branches",
                    200,
                    {
                        "head_node_id": NODE,
                        "branches": [
                            {
                                "tip_node_id": NODE,
                                "length": 3,
                                "is_head_branch": True,
                                "description": "Remove duplicate rows",
                                "message": "remove duplicate rows",
                                "created_at": AT,
                                "row_count": 17,
                                "column_count": 8,
                            },
                            {
                                "tip_node_id": NODE2,
                                "length": 4,
                                "is_head_branch": False,
                                "description": "Title case city",
                                "message": "title case the city column",
                                "created_at": AT,
                                "row_count": 18,
                                "column_count": 8,
                            },
                        ],
                    },
                )
            ],
        ),
    ],
)

DATA = folder(
    "Data",
    "Read a version: a page of rows, the difference between two versions, the whole data as "
    "a download, its profile.",
    [
        item(
            "Head version",
            "GET",
            "/v1/sessions/{{sessionId}}/history",
            description="Finds the session's head version (saved as `headNodeId`, its row "
            "count as `headRowCount`); the requests below read it.",
            needs=["sessionId"],
            tests=expect_status(200)
            + """
const body = pm.response.json();
pm.test('history has its fields', () => expectShape(body, 'history'));
const head = body.nodes.filter((n) => n.node_id === body.head_node_id)[0];
pm.test('the head is one of the nodes', () => pm.expect(head).to.be.an('object'));
if (head) {
    pm.collectionVariables.set('headNodeId', head.node_id);
    pm.collectionVariables.set('headRowCount', String(head.row_count));
}
""",
            examples=[example("History", 200, HISTORY_EXAMPLE)],
        ),
        item(
            "Rows of the upload (a page)",
            "GET",
            node_path("rootNodeId", "/rows"),
            query={"offset": "0", "limit": "5"},
            description="A page of a version's rows as JSON objects, with the columns and "
            "their types and the total row count.",
            needs=["sessionId", "rootNodeId"],
            tests=expect_status(200)
            + """
const body = pm.response.json();
pm.test('rows have their fields', () => expectShape(body, 'rows'));
pm.test('the first 5 of the 21 uploaded rows', () => {
    pm.expect(body.node_id).to.eql(pm.collectionVariables.get('rootNodeId'));
    pm.expect([body.offset, body.limit, body.total_rows]).to.eql([0, 5, 21]);
    pm.expect(body.rows).to.have.lengthOf(5);
    pm.expect(body.columns.map((c) => c.name)).to.include.members(['name', 'age', 'city']);
    pm.expect(body.rows[0]).to.have.property('customer_id');
});
""",
            examples=[
                example(
                    "A page",
                    200,
                    {
                        "node_id": ROOT,
                        "columns": COLUMNS,
                        "rows": [ROW],
                        "offset": 0,
                        "limit": 5,
                        "total_rows": 21,
                    },
                )
            ],
        ),
        item(
            "Rows of the head",
            "GET",
            node_path("headNodeId", "/rows"),
            query={"offset": "0", "limit": "50"},
            description="The cleaned version's rows: fewer than uploaded.",
            needs=["sessionId", "headNodeId"],
            tests=expect_status(200)
            + """
const body = pm.response.json();
pm.test('rows have their fields', () => expectShape(body, 'rows'));
pm.test('fewer rows than uploaded, all on one page', () => {
    pm.expect(body.total_rows).to.be.below(21);
    pm.expect(body.rows).to.have.lengthOf(body.total_rows);
});
pm.test('no row is missing its age', () => {
    body.rows.forEach((row) => pm.expect(row.age, JSON.stringify(row)).to.not.be.oneOf([null, '']));
});
""",
            examples=[
                example(
                    "A page",
                    200,
                    {
                        "node_id": NODE,
                        "columns": COLUMNS,
                        "rows": [ROW],
                        "offset": 0,
                        "limit": 50,
                        "total_rows": 17,
                    },
                )
            ],
        ),
        item(
            "Diff upload -> head",
            "GET",
            "/v1/sessions/{{sessionId}}/nodes/{{rootNodeId}}/diff/{{headNodeId}}",
            description="What changed between two versions of the session: rows added, "
            "removed and changed, columns added, removed and retyped, cells changed.",
            needs=["sessionId", "rootNodeId", "headNodeId"],
            tests=expect_status(200)
            + """
const body = pm.response.json();
pm.test('diff has its fields', () => expectShape(body, 'diff'));
pm.test('rows were removed, none added', () => {
    pm.expect(body.from_node_id).to.eql(pm.collectionVariables.get('rootNodeId'));
    pm.expect(body.to_node_id).to.eql(pm.collectionVariables.get('headNodeId'));
    pm.expect(body.rows_before).to.eql(21);
    pm.expect(body.rows_removed).to.be.above(0);
    pm.expect(body.rows_added).to.eql(0);
    pm.expect(body.rows_after).to.eql(body.rows_before - body.rows_removed);
});
""",
            examples=[
                example(
                    "Diff",
                    200,
                    {
                        "from_node_id": ROOT,
                        "to_node_id": NODE,
                        "rows_before": 21,
                        "rows_after": 17,
                        "rows_added": 0,
                        "rows_removed": 4,
                        "rows_changed": 0,
                        "columns_added": [],
                        "columns_removed": [],
                        "columns_retyped": [],
                        "cells_changed": {},
                    },
                )
            ],
        ),
        item(
            "Download CSV",
            "GET",
            node_path("headNodeId", "/data"),
            query={"format": "csv"},
            description="The whole version, streamed as a CSV download.",
            needs=["sessionId", "headNodeId"],
            tests=expect_status(200)
            + """
pm.test('a CSV attachment', () => {
    pm.expect(pm.response.headers.get('Content-Type')).to.include('text/csv');
    pm.expect(pm.response.headers.get('Content-Disposition')).to.include('attachment');
});
pm.test('a header and every row', () => {
    const lines = pm.response.text().trim().split(/\\r?\\n/);
    pm.expect(lines[0]).to.include('customer_id');
    const rows = pm.collectionVariables.get('headRowCount');
    if (rows) pm.expect(lines.length - 1).to.eql(Number(rows));
});
""",
            examples=[
                example(
                    "CSV",
                    200,
                    "customer_id,name,email,age,city,country,signup_date,lifetime_value\n"
                    "1001,Anna Schmidt,anna.schmidt@example.com,34,Berlin,Germany,2023-01-15,"
                    '"$1,250.00"\n',
                    "text/csv; charset=utf-8",
                )
            ],
        ),
        item(
            "Download Parquet",
            "GET",
            node_path("headNodeId", "/data"),
            query={"format": "parquet"},
            description="The whole version as a Parquet file.",
            needs=["sessionId", "headNodeId"],
            tests=expect_status(200)
            + """
pm.test('a Parquet file', () => {
    pm.expect(pm.response.headers.get('Content-Type')).to.include('parquet');
    pm.expect(pm.response.stream.slice(0, 4).toString()).to.eql('PAR1');
});
""",
            examples=[
                example("Parquet", 200, "PAR1...", "application/vnd.apache.parquet"),
            ],
        ),
        item(
            "Download XLSX",
            "GET",
            node_path("headNodeId", "/data"),
            query={"format": "xlsx"},
            description="The whole version as an Excel workbook.",
            needs=["sessionId", "headNodeId"],
            tests=expect_status(200)
            + """
pm.test('an Excel workbook', () => {
    pm.expect(pm.response.headers.get('Content-Type')).to.include('spreadsheetml');
    pm.expect(pm.response.stream.slice(0, 2).toString()).to.eql('PK');
});
""",
            examples=[
                example(
                    "XLSX",
                    200,
                    "PK...",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
            ],
        ),
        item(
            "Profile (JSON)",
            "GET",
            node_path("headNodeId", "/profile"),
            query={"format": "json"},
            description="The version's profile: per-column types and statistics, findings "
            "with typed fixes (what the agents see). 404 `profile_not_ready` until profiled; "
            "the test polls until it is.",
            needs=["sessionId", "headNodeId"],
            tests=expect_status(200, 404)
            + """
const path = pm.request.url.getPathWithQuery();
const ready = (r) => !(r.code === 404 && r.json().error.code === 'profile_not_ready');
const check = (response) => {
    pm.test('profile is ready', () => pm.expect(response.code).to.eql(200));
    const body = response.json();
    pm.test('profile has its fields', () => expectShape(body, 'profile'));
    pm.test('profiles every column', () => {
        pm.expect(body.columns).to.have.lengthOf(body.column_count);
        const rows = pm.collectionVariables.get('headRowCount');
        if (rows) pm.expect(body.row_count).to.eql(Number(rows));
    });
};
if (ready(pm.response)) {
    check(pm.response);
} else {
    poll(path, ready, check, 'the profile');
}
""",
            examples=[
                example(
                    "Profile",
                    200,
                    {
                        "row_count": 17,
                        "column_count": 8,
                        "columns": [{"name": "age", "dtype": "string", "null_count": 0}],
                        "findings": [],
                    },
                ),
                error_example(
                    "Not ready",
                    404,
                    "profile_not_ready",
                    f"the profile of node {NODE} is not ready yet; try again shortly",
                ),
            ],
        ),
        item(
            "Profile (text)",
            "GET",
            node_path("headNodeId", "/profile"),
            query={"format": "text"},
            description="The same profile as a readable report.",
            needs=["sessionId", "headNodeId"],
            tests=expect_status(200)
            + """
pm.test('a text report naming the columns', () => {
    pm.expect(pm.response.headers.get('Content-Type')).to.include('text/plain');
    pm.expect(pm.response.text()).to.include('customer_id');
});
""",
            examples=[
                example(
                    "Report",
                    200,
                    "Dataset: 17 rows x 8 columns\ncustomer_id int64 ...\n",
                    "text/plain; charset=utf-8",
                )
            ],
        ),
    ],
)

RECIPE_EXAMPLE = {
    "format": "modulardata.recipe",
    "version": 1,
    "node_id": NODE,
    "source": {
        "node_id": ROOT,
        "filename": "customers.csv",
        "format": "csv",
        "encoding": "utf-8",
        "delimiter": ",",
        "header": True,
        "sheet": None,
        "renamed_columns": [],
        "dropped_columns": [],
        "quarantined_count": 0,
        "columns": COLUMNS,
    },
    "steps": [
        {
            "description": "Drop rows where age is missing",
            "message": "drop rows where age is missing",
            "plan": PLAN,
        }
    ],
}

RECIPES = folder(
    "Recipes",
    "A version's recipe (the steps from its upload) as JSON or a Python script, and replaying "
    "a recipe on another session's data.",
    [
        item(
            "Recipe (JSON)",
            "GET",
            node_path("headNodeId", "/recipe"),
            query={"format": "json"},
            description="The steps that made the version from its upload, each with the "
            "message and the typed plan; saved as `recipe` for the replay.",
            needs=["sessionId", "rootNodeId", "headNodeId"],
            tests=expect_status(200)
            + """
const body = pm.response.json();
pm.test('a recipe', () => {
    expectShape(body, 'recipe');
    body.steps.forEach((s, i) => expectShape(s, 'recipe_step', `steps[${i}]`));
    pm.expect(body.format).to.eql('modulardata.recipe');
    pm.expect(body.version).to.eql(1);
    pm.expect(body.node_id).to.eql(pm.collectionVariables.get('headNodeId'));
    pm.expect(body.source.node_id).to.eql(pm.collectionVariables.get('rootNodeId'));
});
pm.test('the steps of the head branch: drop rows, remove duplicates', () => {
    pm.expect(body.steps.map((s) => s.message)).to.eql([
        'drop rows where age is missing',
        'remove duplicate rows',
    ]);
});
if (pm.response.code === 200) pm.collectionVariables.set('recipe', JSON.stringify(body));
""",
            examples=[example("Recipe", 200, RECIPE_EXAMPLE)],
        ),
        item(
            "Recipe (Python)",
            "GET",
            node_path("headNodeId", "/recipe"),
            query={"format": "python"},
            description="The same recipe as a standalone pandas script.",
            needs=["sessionId", "headNodeId"],
            tests=expect_status(200)
            + """
pm.test('a Python script', () => {
    pm.expect(pm.response.headers.get('Content-Type')).to.include('python');
    pm.expect(pm.response.text()).to.include('import ');
});
""",
            examples=[
                example(
                    "Script",
                    200,
                    '"""Rebuilds version ' + NODE + ' of a ModularData session. ..."""\n'
                    "import pandas as pd\n...\n",
                    "text/x-python",
                )
            ],
        ),
        create_session("Create a second session", "postman replay", "replaySessionId"),
        upload("Upload customers.csv again", "replaySessionId"),
        wait_for_task(
            "Wait for the second upload",
            description="The second session's root version (saved as `replayRootNodeId`).",
            expect="succeeded",
            kind="upload",
            then="""
if (task.result) pm.collectionVariables.set('replayRootNodeId', task.result.node_id);
""",
        ),
        item(
            "Replay the recipe",
            "POST",
            "/v1/sessions/{{replaySessionId}}/replay",
            description="Applies a recipe's steps to the session's head as one new version; "
            "202 with the task.",
            body=json_body('{\n  "recipe": {{recipe}}\n}'),
            needs=["replaySessionId", "recipe"],
            tests=expect_status(202)
            + """
const body = pm.response.json();
pm.test('accepted with a task', () => expectShape(body, 'task_accepted'));
if (pm.response.code === 202) {
    pm.collectionVariables.set('taskId', body.task_id);
    pm.collectionVariables.set('taskSessionId', body.session_id);
}
""",
            examples=[
                example(
                    "Accepted",
                    202,
                    {"task_id": TASK, "session_id": SESSION2, "status": "queued"},
                )
            ],
        ),
        wait_for_task(
            "Wait for the replay",
            description="The replay ends with one new version on the second session.",
            expect="succeeded",
            kind="replay",
            then="""
if (task.result) pm.collectionVariables.set('replayNodeId', task.result.node_id);
""",
        ),
        item(
            "Replayed rows match",
            "GET",
            node_path("replayNodeId", "/rows", "replaySessionId"),
            query={"offset": "0", "limit": "1"},
            description="The replayed version has as many rows as the version the recipe "
            "came from.",
            needs=["replaySessionId", "replayNodeId", "headRowCount"],
            tests=expect_status(200)
            + """
pm.test('same row count as the original', () => {
    pm.expect(pm.response.json().total_rows).to.eql(
        Number(pm.collectionVariables.get('headRowCount')));
});
""",
            examples=[
                example(
                    "A page",
                    200,
                    {
                        "node_id": NODE2,
                        "columns": COLUMNS,
                        "rows": [ROW],
                        "offset": 0,
                        "limit": 1,
                        "total_rows": 17,
                    },
                )
            ],
        ),
    ],
)

UNKNOWN = "00000000-0000-0000-0000-000000000000"

ERRORS = folder(
    "Errors",
    'Every error answers `{"error": {"code": "...", "message": "..."}}` (the collection-level '
    "test checks the shape on every 4xx/5xx).",
    [
        item(
            "No API key",
            "GET",
            "/v1/sessions",
            auth=NO_AUTH,
            description="A /v1 call without `Authorization: Bearer <key>` is a 401.",
            tests=expect_error(401, "unauthorized")
            + """
pm.test('asks for a bearer token', () => {
    pm.expect(pm.response.headers.get('WWW-Authenticate')).to.eql('Bearer');
});
""",
            examples=[
                error_example(
                    "Unauthorized",
                    401,
                    "unauthorized",
                    "missing Authorization header (expected 'Bearer <api key>')",
                )
            ],
        ),
        item(
            "Unknown API key",
            "GET",
            "/v1/sessions",
            auth=UNKNOWN_KEY_AUTH,
            description="A key the gateway does not know is a 401.",
            tests=expect_error(401, "unauthorized"),
            examples=[error_example("Unauthorized", 401, "unauthorized", "unknown API key")],
        ),
        item(
            "Unknown session",
            "GET",
            f"/v1/sessions/{UNKNOWN}",
            description="A session that does not exist (or belongs to another key) is a 404.",
            tests=expect_error(404, "session_not_found"),
            examples=[
                error_example("Not found", 404, "session_not_found", f"session {UNKNOWN} not found")
            ],
        ),
        item(
            "Malformed session id",
            "GET",
            "/v1/sessions/not-a-session/history",
            description="An id that is not a UUID names nothing: 404 too.",
            tests=expect_error(404, "session_not_found"),
            examples=[
                error_example(
                    "Not found", 404, "session_not_found", "session 'not-a-session' not found"
                )
            ],
        ),
        item(
            "Malformed JSON body",
            "POST",
            "/v1/sessions",
            body=json_body('{"name": '),
            description="A body that is not JSON is a 422 `validation_error`.",
            tests=expect_error(422, "validation_error"),
            examples=[
                error_example("Invalid", 422, "validation_error", "body.9: JSON decode error")
            ],
        ),
        item(
            "Unknown field in body",
            "POST",
            "/v1/sessions",
            body=json_body({"title": "no such field"}),
            description="Request bodies forbid unknown fields: 422.",
            tests=expect_error(422, "validation_error"),
            examples=[
                error_example(
                    "Invalid", 422, "validation_error", "body.title: Extra inputs are not permitted"
                )
            ],
        ),
        item(
            "Page size out of range",
            "GET",
            "/v1/sessions",
            query={"limit": "0"},
            description="`limit` must be 1..200: 422.",
            tests=expect_error(422, "validation_error"),
            examples=[
                error_example(
                    "Invalid",
                    422,
                    "validation_error",
                    "query.limit: Input should be greater than or equal to 1",
                )
            ],
        ),
        item(
            "Upload without a file part",
            "POST",
            "/v1/sessions/{{sessionId}}/datasets",
            body={
                "mode": "formdata",
                "formdata": [{"key": "note", "value": "no file here", "type": "text"}],
            },
            description="A multipart body without the `file` field is a 422.",
            needs=["sessionId"],
            tests=expect_status(422),
            examples=[
                error_example(
                    "No file", 422, "missing_file", "the multipart body has no 'file' field"
                )
            ],
        ),
        item(
            "Unknown node",
            "GET",
            node_path("unknownNodeId", "/data"),
            description="A node that is not in the session is a 404.",
            prerequest=f"pm.collectionVariables.set('unknownNodeId', '{UNKNOWN}');\n",
            needs=["sessionId"],
            tests=expect_error(404, "node_not_found"),
            examples=[
                error_example("Not found", 404, "node_not_found", f"node {UNKNOWN} not found")
            ],
        ),
        item(
            "Unknown download format",
            "GET",
            node_path("rootNodeId", "/data"),
            query={"format": "xml"},
            description="`format` must be csv, parquet or xlsx: 422.",
            needs=["sessionId", "rootNodeId"],
            tests=expect_error(422, "validation_error"),
            examples=[
                error_example(
                    "Invalid",
                    422,
                    "validation_error",
                    "query.format: Input should be 'csv', 'parquet' or 'xlsx'",
                )
            ],
        ),
        item(
            "Message without text",
            "POST",
            "/v1/sessions/{{sessionId}}/messages",
            body=json_body({}),
            description="A chat message needs `message`: 422.",
            needs=["sessionId"],
            tests=expect_error(422, "validation_error"),
            examples=[
                error_example("Invalid", 422, "validation_error", "body.message: Field required")
            ],
        ),
        create_session("Create an empty session", "postman empty", "emptySessionId"),
        item(
            "Message before any upload",
            "POST",
            "/v1/sessions/{{emptySessionId}}/messages",
            body=json_body({"message": "drop rows where age is missing"}),
            description="A session without data has nothing to change: 409 `no_dataset`.",
            needs=["emptySessionId"],
            tests=expect_error(409, "no_dataset"),
            examples=[
                error_example(
                    "No dataset",
                    409,
                    "no_dataset",
                    "the session has no dataset yet; upload one first",
                )
            ],
        ),
        item(
            "Move head to an unknown node",
            "POST",
            "/v1/sessions/{{sessionId}}/head",
            body=json_body({"node_id": UNKNOWN}),
            description="The head can only move to a version of the session: 404.",
            needs=["sessionId"],
            tests=expect_error(404, "node_not_found"),
            examples=[
                error_example("Not found", 404, "node_not_found", f"node {UNKNOWN} not found")
            ],
        ),
    ],
)

DELETION = folder(
    "Deletion",
    "Delete a session for good: its uploads and versions leave storage, its history is gone "
    "and its events in the log become unreadable. Runs last, on the errors folder's session.",
    [
        item(
            "Delete session",
            "DELETE",
            "/v1/sessions/{{emptySessionId}}",
            description="204 once the session is gone (202 `deleting` if that takes longer "
            "than the gateway waits; it is then gone shortly after). A `read` key gets 403.",
            needs=["emptySessionId"],
            tests=expect_status(204, 202),
            examples=[
                example("Deleted", 204, ""),
                example("Still deleting", 202, {"session_id": SESSION, "status": "deleting"}),
            ],
        ),
        item(
            "Deleted session is gone",
            "GET",
            "/v1/sessions/{{emptySessionId}}",
            description="A deleted session is a 404, like one that never existed.",
            needs=["emptySessionId"],
            tests=expect_error(404, "session_not_found"),
            examples=[
                error_example("Not found", 404, "session_not_found", f"session {SESSION} not found")
            ],
        ),
    ],
)

COLLECTION_TESTS = """
// Every error, from any request, answers in the gateway's one shape.
if (pm.response.code >= 400) {
    pm.test('error body is {"error": {"code", "message"}}', () => {
        const body = pm.response.json();
        pm.expect(body).to.have.property('error');
        expectShape(body.error, 'error', 'error');
    });
}
"""

VARIABLES: list[tuple[str, str, str]] = [
    ("baseUrl", "http://127.0.0.1:8000", "The gateway, e.g. http://127.0.0.1:8000."),
    ("apiKey", "", "An API key (`make up` writes one to .run/api-key)."),
    ("pollTries", "200", "How many times a test polls for a task or a profile."),
    ("pollIntervalMs", "100", "Milliseconds between two polls."),
]
"""Settings; override them with --env-var NAME=value."""

CHAINED = [
    "sessionId",
    "taskId",
    "lastTaskId",
    "taskSessionId",
    "nodeId",
    "rootNodeId",
    "dropNodeId",
    "trimNodeId",
    "titleNodeId",
    "dedupNodeId",
    "headNodeId",
    "headRowCount",
    "recipe",
    "replaySessionId",
    "replayRootNodeId",
    "replayNodeId",
    "emptySessionId",
    "unknownNodeId",
]
"""Set by the scripts as the run goes; declared here so they are documented."""


def collection() -> Json:
    """The whole collection."""
    return {
        "info": {
            "_postman_id": str(uuid.uuid5(NAMESPACE, "collection")),
            "name": "ModularData",
            "description": "Conversational data cleaning over a REST API: every endpoint, in "
            "the order a client uses them (create a session, upload customers.csv, chat, "
            "undo, branch, read, recipe, replay, errors, deletion). Requests chain through "
            "variables their test scripts set; tasks are polled until they finish.\n\n"
            "Set `baseUrl` and `apiKey`, then run the whole collection (folders depend on "
            "the ones before). With newman: see postman/README.md.\n\n"
            "Generated by postman/build_collection.py: edit that, not this file.",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "auth": {
            "type": "bearer",
            "bearer": [{"key": "token", "value": "{{apiKey}}", "type": "string"}],
        },
        "event": [event("test", COLLECTION_TESTS)],
        "variable": [
            {"key": key, "value": value, "type": "string", "description": description}
            for key, value, description in VARIABLES
        ]
        + [
            {"key": key, "value": "", "type": "string", "description": "Set by a test script."}
            for key in CHAINED
        ],
        "item": [HEALTH, SESSIONS, DATASETS, CHAT, TIMELINE, DATA, RECIPES, ERRORS, DELETION],
    }


def render() -> str:
    """The collection file's text."""
    return json.dumps(collection(), indent=2, ensure_ascii=False) + "\n"


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
