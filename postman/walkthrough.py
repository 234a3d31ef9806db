"""The walkthrough: every endpoint as one chained flow (create a session, upload
customers.csv, chat, undo, branch, read, recipe, replay, errors, deletion), each step an
operation of the OpenAPI document given the flow's values and checks of its own. What every
answer must be (a listed status, a body of the listed schema) the collection checks for all."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from postman.operations import NO_AUTH, Json

UNKNOWN = "00000000-0000-0000-0000-000000000000"
FINAL_TASK_STATUSES = ["succeeded", "failed", "needs_input"]

AGAIN = """
// Runs this request again, pollIntervalMs later, while `pending` (at most pollTries times);
// true when it will. When the tries run out, a failed test says what was awaited.
function again(pending, what) {
    const tries = Number(pm.variables.get('pollTries')) || 200;
    const polls = Number(pm.collectionVariables.get('polls')) || 0;
    if (pending && polls + 1 < tries) {
        pm.collectionVariables.set('polls', polls + 1);
        pm.execution.setNextRequest(pm.info.requestId);
        return true;
    }
    pm.collectionVariables.unset('polls');
    if (pending) {
        pm.test(`${what} within ${tries} polls`, () => {
            pm.expect.fail(`gave up; last answer: ${pm.response.code} ${pm.response.text()}`);
        });
    }
    return false;
}
"""

WAIT_BEFORE_A_POLL = """
// A request that again() runs once more waits pollIntervalMs first.
if (Number(pm.collectionVariables.get('polls'))) {
    setTimeout(() => {}, Number(pm.variables.get('pollIntervalMs')) || 100);
}
"""


@dataclass(frozen=True)
class Step:
    """One request of the walkthrough: an operation with the flow's values and checks."""

    operation: str
    name: str
    description: str
    tests: str
    path: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] | None = None
    body: Any = None
    auth: Json | None = None


def expect_status(*codes: int) -> str:
    """A test on the status code."""
    listed = ", ".join(str(c) for c in codes)
    return (
        f"pm.test('status is {listed}', () => "
        f"pm.expect(pm.response.code).to.be.oneOf([{listed}]));\n"
    )


def expect_error(code: int, error_code: str) -> str:
    """Tests of an error response (the document's schema checks its shape)."""
    return expect_status(code) + (
        f"pm.test('error code is {error_code}', () => "
        f"pm.expect(pm.response.json().error.code).to.eql('{error_code}'));\n"
    )


def remember_task(variable: str = "") -> str:
    """Keep the accepted task (and `variable`'s session check) for the next wait."""
    same_session = (
        f"pm.test('for this session', () => {{\n"
        f"    pm.expect(body.session_id).to.eql(pm.collectionVariables.get('{variable}'));\n"
        f"}});\n"
        if variable
        else ""
    )
    return f"""const body = pm.response.json();
{same_session}if (body.task_id) {{
    pm.collectionVariables.set('taskId', body.task_id);
    pm.collectionVariables.set('taskSessionId', body.session_id);
}}
"""


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


def create_session(name: str, session_name: str, variable: str) -> Step:
    """POST /v1/sessions and remember the id."""
    return Step(
        "POST /v1/sessions",
        name,
        f"A session named {session_name!r}, saved as `{variable}`.",
        body={"name": session_name},
        tests=expect_status(201)
        + f"""
const body = pm.response.json();
pm.test('the new session', () => pm.expect(body.name).to.eql({json.dumps(session_name)}));
pm.test('Location names the session', () => {{
    pm.expect(pm.response.headers.get('Location')).to.eql('/v1/sessions/' + body.session_id);
}});
pm.collectionVariables.set('{variable}', body.session_id);
""",
    )


def upload(name: str, variable: str) -> Step:
    """POST examples/customers.csv to a session."""
    return Step(
        "POST /v1/sessions/{session_id}/datasets",
        name,
        "Uploads `examples/customers.csv` as field `file`; run newman with `--working-dir` set "
        "to the repository root (in the Postman app, set the working directory in Settings).",
        path={"session_id": "{{" + variable + "}}"},
        tests=expect_status(202)
        + remember_task(variable)
        + """pm.test('Location names the task', () => {
    pm.expect(pm.response.headers.get('Location')).to.eql('/v1/tasks/' + body.task_id);
});
""",
    )


def send_message(name: str, text: str) -> Step:
    """POST a chat message and remember its task."""
    return Step(
        "POST /v1/sessions/{session_id}/messages",
        name,
        f"Asks for *{text}*; the next request waits for the task.",
        body={"message": text},
        tests=expect_status(202) + remember_task("sessionId"),
    )


def wait_for_task(name: str, description: str, expect: str, kind: str = "", then: str = "") -> Step:
    """GET /v1/tasks/{{taskId}} again until the task is final; `then` runs with `task`."""
    kind_test = (
        f"    pm.test('task kind is {kind}', () => pm.expect(task.kind).to.eql('{kind}'));\n"
    )
    indented = "\n".join(f"    {line}" if line else "" for line in then.splitlines())
    return Step(
        "GET /v1/tasks/{task_id}",
        name,
        description + "\n\nRuns again (at most `pollTries` times, `pollIntervalMs` apart) until "
        "`status` is succeeded, failed or needs_input, then checks it.",
        tests=f"""
const task = pm.response.json();
const final = {json.dumps(FINAL_TASK_STATUSES)}.includes(task.status);
if (!again(pm.response.code === 200 && !final, 'task ' + task.task_id + ' to finish')) {{
    // Consumed: a later wait whose POST failed is skipped instead of reusing this task.
    pm.collectionVariables.unset('taskId');
    pm.collectionVariables.set('lastTaskId', task.task_id);
    pm.test('task {expect}', () => {{
        const why = JSON.stringify({{ error: task.error, question: task.question }});
        pm.expect(task.status, why).to.eql('{expect}');
    }});
    pm.test('task belongs to the session', () => {{
        pm.expect(task.session_id).to.eql(pm.collectionVariables.get('taskSessionId'));
    }});
{kind_test if kind else ""}{indented}
}}
""",
    )


def made_version(variable: str) -> str:
    """`then` of a chat wait: the result names the version, saved as `variable`."""
    return f"""
pm.test('the result has the version and the plan', () => {{
    pm.expect(task.result.node_id).to.be.a('string');
    pm.expect(task.result.plan.operations).to.be.an('array').that.is.not.empty;
}});
pm.collectionVariables.set('{variable}', task.result.node_id);
"""


def session_head(name: str, expected: str) -> Step:
    """GET the session and check where its head is."""
    return Step(
        "GET /v1/sessions/{session_id}",
        name,
        f"The session's head is `{expected}`.",
        tests=expect_status(200)
        + f"""pm.test('head is {expected}', () => {{
    pm.expect(pm.response.json().head_node_id).to.eql(pm.collectionVariables.get('{expected}'));
}});
""",
    )


def node(variable: str, session: str = "sessionId") -> dict[str, str]:
    """Path values of a version."""
    return {"session_id": "{{" + session + "}}", "node_id": "{{" + variable + "}}"}


DATA = "GET /v1/sessions/{session_id}/nodes/{node_id}/data"
ROWS = "GET /v1/sessions/{session_id}/nodes/{node_id}/rows"
PROFILE = "GET /v1/sessions/{session_id}/nodes/{node_id}/profile"
RECIPE = "GET /v1/sessions/{session_id}/nodes/{node_id}/recipe"
HISTORY = "GET /v1/sessions/{session_id}/history"
MESSAGES = "POST /v1/sessions/{session_id}/messages"
HEAD = "POST /v1/sessions/{session_id}/head"

WALKTHROUGH: list[tuple[str, str, list[Step]]] = [
    (
        "Health",
        "Liveness and readiness; no API key needed.",
        [
            Step(
                "GET /healthz",
                "Health check",
                "The gateway can serve requests.",
                tests=expect_status(200)
                + "pm.test('ok', () => pm.expect(pm.response.json()).to.eql({ status: 'ok' }));",
            ),
            Step(
                "GET /metrics",
                "Metrics",
                "Prometheus text, with the request counts and the dead letters.",
                tests=expect_status(200)
                + """pm.test('Prometheus text with the request counts', () => {
    pm.expect(pm.response.headers.get('Content-Type')).to.include('text/plain');
    pm.expect(pm.response.text()).to.include('modulardata_gateway_requests_total');
    pm.expect(pm.response.text()).to.include('modulardata_dead_letters');
});
""",
            ),
        ],
    ),
    (
        "Sessions",
        "Create a session, list the caller's sessions, read one. A session belongs to the key "
        "that created it and is invisible (404) to other keys.",
        [
            create_session("Create session", "postman", "sessionId"),
            Step(
                "GET /v1/sessions",
                "List sessions",
                "The new session comes first.",
                query={"limit": "50", "offset": "0"},
                tests=expect_status(200)
                + """const body = pm.response.json();
pm.test('a page of 50 from 0', () => pm.expect([body.limit, body.offset]).to.eql([50, 0]));
pm.test('lists the new session first', () => {
    pm.expect(body.sessions[0].session_id).to.eql(pm.collectionVariables.get('sessionId'));
});
""",
            ),
            Step(
                "GET /v1/sessions/{session_id}",
                "Get session",
                "Empty until the first upload.",
                tests=expect_status(200)
                + """const body = pm.response.json();
pm.test('empty until the first upload', () => {
    pm.expect(body.session_id).to.eql(pm.collectionVariables.get('sessionId'));
    pm.expect(body.head_node_id).to.eql(null);
    pm.expect(body.node_count).to.eql(0);
});
""",
            ),
        ],
    ),
    (
        "Datasets",
        "Upload a file into a session: it becomes the session's first version (its root node).",
        [
            upload("Upload customers.csv", "sessionId"),
            wait_for_task(
                "Wait for the upload",
                "Its `result.node_id` is the root version (saved as `rootNodeId`).",
                "succeeded",
                "upload",
                "pm.collectionVariables.set('rootNodeId', task.result.node_id);",
            ),
            session_head("Session head is the upload", "rootNodeId"),
        ],
    ),
    (
        "Chat & tasks",
        "Say what to change; each message is a task (202) that plans the change, runs the code "
        "in the sandbox and commits a new version, or ends with a question (`needs_input`).",
        [
            send_message("Send: drop rows where age is missing", "drop rows where age is missing"),
            wait_for_task(
                "Wait: drop rows",
                "Saved as `dropNodeId`.",
                "succeeded",
                "chat",
                made_version("dropNodeId"),
            ),
            Step(
                "GET /v1/tasks/{task_id}/events",
                "Task events (SSE)",
                "The finished task's stream is complete: it ends with the result.",
                path={"task_id": "{{lastTaskId}}"},
                tests=expect_status(200)
                + """pm.test('an event stream', () => {
    pm.expect(pm.response.headers.get('Content-Type')).to.include('text/event-stream');
});
pm.test('ends with the final status', () => pm.expect(pm.response.text()).to.include('succeeded'));
""",
            ),
            send_message("Send: trim whitespace in name", "trim whitespace in name"),
            wait_for_task(
                "Wait: trim",
                "Saved as `trimNodeId`.",
                "succeeded",
                "chat",
                made_version("trimNodeId"),
            ),
            send_message("Send: title case the city column", "title case the city column"),
            wait_for_task(
                "Wait: title case",
                "Saved as `titleNodeId`.",
                "succeeded",
                "chat",
                made_version("titleNodeId"),
            ),
            send_message("Send: undo that", "undo that"),
            wait_for_task(
                "Wait: undo",
                "An undo moves the head back to the version before; no version is made.",
                "succeeded",
                then="""pm.test('moved the head back to the trimmed version', () => {
    pm.expect(task.result.node_id).to.eql(pm.collectionVariables.get('trimNodeId'));
});""",
            ),
            send_message("Send: make it better (ambiguous)", "make it better"),
            wait_for_task(
                "Wait: a question back",
                "A request the planner cannot read ends with a `question` instead of a guess.",
                "needs_input",
                then="""pm.test('asks a question', () => {
    pm.expect(task.question).to.be.a('string').that.is.not.empty;
});
pm.test('no version made', () => pm.expect(task.result).to.eql(null));""",
            ),
            Step(
                "GET /v1/tasks/{task_id}",
                "Get task (unknown)",
                "A task that does not exist, or belongs to another key, is a 404.",
                path={"task_id": UNKNOWN},
                tests=expect_error(404, "task_not_found"),
            ),
        ],
    ),
    (
        "Timeline",
        "The version tree: history, moving the head (rollback/redo), branches.",
        [
            session_head("Session head after undo", "trimNodeId"),
            Step(
                HISTORY,
                "History",
                "A chain root -> drop -> trim -> title case, the head on trim.",
                tests=expect_status(200)
                + """const body = pm.response.json();
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
            ),
            Step(
                HEAD,
                "Move head (rollback)",
                "Back to the drop version; the next message branches from there.",
                body='{\n  "node_id": "{{dropNodeId}}"\n}',
                tests=expect_status(200, 202)
                + remember_task()
                + """if (pm.response.code === 200) {
    pm.test('head moved from trim to drop', () => {
        pm.expect(body.head_node_id).to.eql(pm.collectionVariables.get('dropNodeId'));
        pm.expect(body.previous_node_id).to.eql(pm.collectionVariables.get('trimNodeId'));
    });
}
""",
            ),
            wait_for_task(
                "Wait: head move",
                "The head move is a task too; it ends with the head on the target.",
                "succeeded",
                "head_move",
                """pm.test('moved to the drop version', () => {
    pm.expect(task.result.node_id).to.eql(pm.collectionVariables.get('dropNodeId'));
});""",
            ),
            send_message("Send on a branch: remove duplicate rows", "remove duplicate rows"),
            wait_for_task(
                "Wait: remove duplicates",
                "A message on a moved head starts a new branch; saved as `dedupNodeId`.",
                "succeeded",
                "chat",
                made_version("dedupNodeId"),
            ),
            Step(
                "GET /v1/sessions/{session_id}/branches",
                "Branches",
                "Two branches: title case, and remove duplicates (the head's).",
                tests=expect_status(200)
                + """const body = pm.response.json();
const v = (name) => pm.collectionVariables.get(name);
pm.test('two branches: title case and remove duplicates', () => {
    const tips = body.branches.map((b) => b.tip_node_id);
    pm.expect(tips).to.have.members([v('titleNodeId'), v('dedupNodeId')]);
});
pm.test('the head is on the remove-duplicates branch', () => {
    pm.expect(body.head_node_id).to.eql(v('dedupNodeId'));
    const head = body.branches.filter((b) => b.is_head_branch).map((b) => b.tip_node_id);
    pm.expect(head).to.eql([v('dedupNodeId')]);
});
""",
            ),
        ],
    ),
    (
        "Data",
        "Read a version: a page of rows, the difference between two versions, the whole data "
        "as a download, its profile.",
        [
            Step(
                HISTORY,
                "Head version",
                "Saves the head as `headNodeId`, its row count as `headRowCount`.",
                tests=expect_status(200)
                + """const body = pm.response.json();
const head = body.nodes.filter((n) => n.node_id === body.head_node_id)[0];
pm.test('the head is one of the nodes', () => pm.expect(head).to.be.an('object'));
if (head) {
    pm.collectionVariables.set('headNodeId', head.node_id);
    pm.collectionVariables.set('headRowCount', String(head.row_count));
}
""",
            ),
            Step(
                ROWS,
                "Rows of the upload (a page)",
                "The first 5 of the 21 uploaded rows.",
                path=node("rootNodeId"),
                query={"offset": "0", "limit": "5"},
                tests=expect_status(200)
                + """const body = pm.response.json();
pm.test('the first 5 of the 21 uploaded rows', () => {
    pm.expect(body.node_id).to.eql(pm.collectionVariables.get('rootNodeId'));
    pm.expect([body.offset, body.limit, body.total_rows]).to.eql([0, 5, 21]);
    pm.expect(body.rows).to.have.lengthOf(5);
    pm.expect(body.columns.map((c) => c.name)).to.include.members(['name', 'age', 'city']);
    pm.expect(body.rows[0]).to.have.property('customer_id');
});
""",
            ),
            Step(
                ROWS,
                "Rows of the head",
                "The cleaned version: fewer rows than uploaded, none missing its age.",
                path=node("headNodeId"),
                query={"offset": "0", "limit": "50"},
                tests=expect_status(200)
                + """const body = pm.response.json();
pm.test('fewer rows than uploaded, all on one page', () => {
    pm.expect(body.total_rows).to.be.below(21);
    pm.expect(body.rows).to.have.lengthOf(body.total_rows);
});
pm.test('no row is missing its age', () => {
    body.rows.forEach((row) => pm.expect(row.age, JSON.stringify(row)).to.not.be.oneOf([null, '']));
});
""",
            ),
            Step(
                "GET /v1/sessions/{session_id}/nodes/{from_node_id}/diff/{to_node_id}",
                "Diff upload -> head",
                "Rows were removed, none added.",
                path={
                    "session_id": "{{sessionId}}",
                    "from_node_id": "{{rootNodeId}}",
                    "to_node_id": "{{headNodeId}}",
                },
                tests=expect_status(200)
                + """const body = pm.response.json();
pm.test('rows were removed, none added', () => {
    pm.expect(body.from_node_id).to.eql(pm.collectionVariables.get('rootNodeId'));
    pm.expect(body.to_node_id).to.eql(pm.collectionVariables.get('headNodeId'));
    pm.expect(body.rows_before).to.eql(21);
    pm.expect(body.rows_removed).to.be.above(0);
    pm.expect(body.rows_added).to.eql(0);
    pm.expect(body.rows_after).to.eql(body.rows_before - body.rows_removed);
});
""",
            ),
            Step(
                DATA,
                "Download CSV",
                "A header and every row of the head.",
                path=node("headNodeId"),
                query={"format": "csv"},
                tests=expect_status(200)
                + """pm.test('a CSV attachment', () => {
    pm.expect(pm.response.headers.get('Content-Type')).to.include('text/csv');
    pm.expect(pm.response.headers.get('Content-Disposition')).to.include('attachment');
});
pm.test('a header and every row', () => {
    const lines = pm.response.text().trim().split(/\\r?\\n/);
    pm.expect(lines[0]).to.include('customer_id');
    pm.expect(lines.length - 1).to.eql(Number(pm.collectionVariables.get('headRowCount')));
});
""",
            ),
            Step(
                DATA,
                "Download Parquet",
                "A Parquet file.",
                path=node("headNodeId"),
                query={"format": "parquet"},
                tests=expect_status(200)
                + """pm.test('a Parquet file', () => {
    pm.expect(pm.response.headers.get('Content-Type')).to.include('parquet');
    pm.expect(pm.response.stream.slice(0, 4).toString()).to.eql('PAR1');
});
""",
            ),
            Step(
                DATA,
                "Download XLSX",
                "An Excel workbook.",
                path=node("headNodeId"),
                query={"format": "xlsx"},
                tests=expect_status(200)
                + """pm.test('an Excel workbook', () => {
    pm.expect(pm.response.headers.get('Content-Type')).to.include('spreadsheetml');
    pm.expect(pm.response.stream.slice(0, 2).toString()).to.eql('PK');
});
""",
            ),
            Step(
                PROFILE,
                "Profile (JSON)",
                "404 `profile_not_ready` until the version is profiled: runs again until it is.",
                path=node("headNodeId"),
                query={"format": "json"},
                tests="""const body = pm.response.json();
const notReady = pm.response.code === 404 && body.error.code === 'profile_not_ready';
if (!again(notReady, 'the profile')) {
    pm.test('status is 200', () => pm.response.to.have.status(200));
    pm.test('profiles every column of every row', () => {
        pm.expect(body.columns).to.have.lengthOf(body.column_count);
        pm.expect(body.row_count).to.eql(Number(pm.collectionVariables.get('headRowCount')));
    });
}
""",
            ),
            Step(
                PROFILE,
                "Profile (text)",
                "The same profile as a readable report.",
                path=node("headNodeId"),
                query={"format": "text"},
                tests=expect_status(200)
                + """pm.test('a text report naming the columns', () => {
    pm.expect(pm.response.headers.get('Content-Type')).to.include('text/plain');
    pm.expect(pm.response.text()).to.include('customer_id');
});
""",
            ),
        ],
    ),
    (
        "Recipes",
        "A version's recipe (the steps from its upload) as JSON or a Python script, and "
        "replaying a recipe on another session's data.",
        [
            Step(
                RECIPE,
                "Recipe (JSON)",
                "The head branch's steps; saved as `recipe` for the replay.",
                path=node("headNodeId"),
                query={"format": "json"},
                tests=expect_status(200)
                + """const body = pm.response.json();
pm.test('a recipe of the head from the upload', () => {
    pm.expect([body.format, body.version]).to.eql(['modulardata.recipe', 1]);
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
            ),
            Step(
                RECIPE,
                "Recipe (Python)",
                "The same recipe as a standalone pandas script.",
                path=node("headNodeId"),
                query={"format": "python"},
                tests=expect_status(200)
                + """pm.test('a Python script', () => {
    pm.expect(pm.response.headers.get('Content-Type')).to.include('python');
    pm.expect(pm.response.text()).to.include('import ');
});
""",
            ),
            create_session("Create a second session", "postman replay", "replaySessionId"),
            upload("Upload customers.csv again", "replaySessionId"),
            wait_for_task(
                "Wait for the second upload", "The second session's root.", "succeeded", "upload"
            ),
            Step(
                "POST /v1/sessions/{session_id}/replay",
                "Replay the recipe",
                "The recipe, as the first session gave it, on the second session.",
                path={"session_id": "{{replaySessionId}}"},
                body='{\n  "recipe": {{recipe}}\n}',
                tests=expect_status(202) + remember_task("replaySessionId"),
            ),
            wait_for_task(
                "Wait for the replay",
                "One new version on the second session (saved as `replayNodeId`).",
                "succeeded",
                "replay",
                "pm.collectionVariables.set('replayNodeId', task.result.node_id);",
            ),
            Step(
                ROWS,
                "Replayed rows match",
                "As many rows as the version the recipe came from.",
                path=node("replayNodeId", "replaySessionId"),
                query={"offset": "0", "limit": "1"},
                tests=expect_status(200)
                + """pm.test('same row count as the original', () => {
    pm.expect(pm.response.json().total_rows).to.eql(Number(pm.collectionVariables.get('headRowCount')));
});
""",
            ),
        ],
    ),
    (
        "Errors",
        'Every error answers `{"error": {"code": "...", "message": "..."}}`.',
        [
            Step(
                "GET /v1/sessions",
                "No API key",
                "A /v1 call without `Authorization: Bearer <key>` is a 401.",
                auth=NO_AUTH,
                tests=expect_error(401, "unauthorized")
                + """pm.test('asks for a bearer token', () => {
    pm.expect(pm.response.headers.get('WWW-Authenticate')).to.eql('Bearer');
});
""",
            ),
            Step(
                "GET /v1/sessions",
                "Unknown API key",
                "A key the gateway does not know is a 401.",
                auth={
                    "type": "bearer",
                    "bearer": [{"key": "token", "value": "md_not_a_known_key", "type": "string"}],
                },
                tests=expect_error(401, "unauthorized"),
            ),
            Step(
                "GET /v1/sessions/{session_id}",
                "Unknown session",
                "A session that does not exist (or belongs to another key) is a 404.",
                path={"session_id": UNKNOWN},
                tests=expect_error(404, "session_not_found"),
            ),
            Step(
                HISTORY,
                "Malformed session id",
                "An id that is not a UUID names nothing: 404 too.",
                path={"session_id": "not-a-session"},
                tests=expect_error(404, "session_not_found"),
            ),
            Step(
                "POST /v1/sessions",
                "Malformed JSON body",
                "A body that is not JSON is refused.",
                body='{"name": ',
                tests=expect_error(422, "validation_error"),
            ),
            Step(
                "POST /v1/sessions",
                "Unknown field in body",
                "Request bodies forbid unknown fields.",
                body={"title": "no such field"},
                tests=expect_error(422, "validation_error"),
            ),
            Step(
                "GET /v1/sessions",
                "Page size out of range",
                "`limit` must be 1..200.",
                query={"limit": "0"},
                tests=expect_error(422, "validation_error"),
            ),
            Step(
                "POST /v1/sessions/{session_id}/datasets",
                "Upload without a file part",
                "A multipart body without the `file` field.",
                body=[{"key": "note", "value": "no file here", "type": "text"}],
                tests=expect_error(422, "missing_file"),
            ),
            Step(
                DATA,
                "Unknown node",
                "A node that is not in the session is a 404.",
                path={"session_id": "{{sessionId}}", "node_id": UNKNOWN},
                tests=expect_error(404, "node_not_found"),
            ),
            Step(
                DATA,
                "Unknown download format",
                "`format` must be csv, parquet or xlsx.",
                path=node("rootNodeId"),
                query={"format": "xml"},
                tests=expect_error(422, "validation_error"),
            ),
            Step(
                MESSAGES,
                "Message without text",
                "A chat message needs `message`.",
                body={},
                tests=expect_error(422, "validation_error"),
            ),
            create_session("Create an empty session", "postman empty", "emptySessionId"),
            Step(
                MESSAGES,
                "Message before any upload",
                "A session without data has nothing to change.",
                path={"session_id": "{{emptySessionId}}"},
                body={"message": "drop rows where age is missing"},
                tests=expect_error(409, "no_dataset"),
            ),
            Step(
                HEAD,
                "Move head to an unknown node",
                "The head can only move to a version of the session.",
                body={"node_id": UNKNOWN},
                tests=expect_error(404, "node_not_found"),
            ),
        ],
    ),
    (
        "Deletion",
        "Delete a session for good; runs last, on the errors folder's session.",
        [
            Step(
                "DELETE /v1/sessions/{session_id}",
                "Delete session",
                "204 once gone (202 `deleting` if that takes longer than the gateway waits).",
                path={"session_id": "{{emptySessionId}}"},
                tests=expect_status(204, 202),
            ),
            Step(
                "GET /v1/sessions/{session_id}",
                "Deleted session is gone",
                "A deleted session is a 404, like one that never existed.",
                path={"session_id": "{{emptySessionId}}"},
                tests=expect_error(404, "session_not_found"),
            ),
        ],
    ),
]
