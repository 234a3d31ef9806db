"""The chat loop over the real stack: messages become versions, the timeline can be moved."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from tests.integration.conftest import TASK_TIMEOUT_S, new_session, upload, wait_for, wait_task
from tests.support.stack import Stack

CUSTOMERS = Path(__file__).resolve().parents[2] / "examples" / "customers.csv"


class Chat:
    """One session with the customers example uploaded, and helpers to talk to it."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.session = new_session(client)
        uploaded = wait_task(client, upload(client, self.session, CUSTOMERS).json()["task_id"])
        assert uploaded["status"] == "succeeded", uploaded
        self.root: str = uploaded["result"]["node_id"]

    def post(self, message: str) -> str:
        response = self.client.post(
            f"/v1/sessions/{self.session}/messages", json={"message": message}
        )
        assert response.status_code == 202, response.text
        task_id: str = response.json()["task_id"]
        return task_id

    def say(self, message: str) -> dict[str, Any]:
        return wait_task(self.client, self.post(message))

    def frame(self, node_id: str) -> pd.DataFrame:
        response = self.client.get(
            f"/v1/sessions/{self.session}/nodes/{node_id}/data", params={"format": "parquet"}
        )
        assert response.status_code == 200, response.text
        return pd.read_parquet(io.BytesIO(response.content))

    def history(self) -> dict[str, Any]:
        response = self.client.get(f"/v1/sessions/{self.session}/history")
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        return body

    def head(self) -> str:
        head: str = self.history()["head_node_id"]
        return head


@pytest.fixture
def chat(client: httpx.Client) -> Chat:
    return Chat(client)


def _equal(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert_frame_equal(actual.reset_index(drop=True), expected.reset_index(drop=True))


def test_a_conversation_makes_one_version_per_message(chat: Chat) -> None:
    original = chat.frame(chat.root)
    first = chat.say("drop rows where age is missing")
    assert first["status"] == "succeeded", first
    result = first["result"]
    assert result["code"] == 'df = df.dropna(subset=["age"])'
    assert result["plan"]["operations"][0]["kind"] == "drop_nulls"
    assert result["explanation"]
    summary = result["summary"]
    expected = original.dropna(subset=["age"])
    assert (summary["rows_before"], summary["rows_after"]) == (len(original), len(expected))
    stages = [event["stage"] for event in first["events"]]
    assert stages[0] == "queued" and stages[-1] == "succeeded"
    assert {"thinking", "executing", "committing"} <= set(stages)
    assert "profiling" not in stages  # committed first, profiled after
    _equal(chat.frame(result["node_id"]), expected)
    # The profile the request waits for is the new version's.
    profile = chat.client.get(f"/v1/sessions/{chat.session}/nodes/{result['node_id']}/profile")
    assert profile.status_code == 200, profile.text
    assert profile.json()["row_count"] == len(expected)

    second = chat.say("remove duplicates")
    assert second["status"] == "succeeded", second
    _equal(chat.frame(second["result"]["node_id"]), expected.drop_duplicates())

    history = chat.history()
    assert history["head_node_id"] == second["result"]["node_id"]
    nodes = {node["node_id"]: node for node in history["nodes"]}
    assert nodes[second["result"]["node_id"]]["parent_id"] == result["node_id"]
    assert nodes[result["node_id"]]["message"] == "drop rows where age is missing"
    assert nodes[result["node_id"]]["code"] == result["code"]
    assert nodes[result["node_id"]]["plan"] == result["plan"]
    assert nodes[chat.root]["plan"] is None
    users = [m for m in history["messages"] if m["role"] == "user"]
    assistants = [m for m in history["messages"] if m["role"] == "assistant"]
    assert [m["node_id"] for m in users] == [result["node_id"], second["result"]["node_id"]]
    assert [m["node_id"] for m in assistants] == [m["node_id"] for m in users]
    profile = chat.client.get(
        f"/v1/sessions/{chat.session}/nodes/{second['result']['node_id']}/profile"
    )
    assert profile.status_code == 200 and profile.json()["row_count"] == len(
        expected.drop_duplicates()
    )


def test_undo_redo_and_a_branch(chat: Chat) -> None:
    one = chat.say("drop the email column")["result"]["node_id"]
    two = chat.say("keep the first 5 rows")["result"]["node_id"]
    undone = chat.say("undo that")
    assert undone["status"] == "succeeded" and undone["result"]["node_id"] == one
    assert chat.head() == one

    redo = chat.client.post(f"/v1/sessions/{chat.session}/head", json={"node_id": two})
    assert redo.status_code == 200, redo.text
    assert redo.json()["head_node_id"] == two and chat.head() == two

    back = chat.client.post(f"/v1/sessions/{chat.session}/head", json={"node_id": one})
    assert back.status_code == 200 and chat.head() == one
    branch = chat.say("keep the last 3 rows")
    assert branch["status"] == "succeeded", branch
    tip = branch["result"]["node_id"]
    _equal(chat.frame(tip), chat.frame(one).tail(3))

    branches = chat.client.get(f"/v1/sessions/{chat.session}/branches").json()
    tips = {b["tip_node_id"]: b for b in branches["branches"]}
    assert set(tips) == {two, tip}
    assert tips[tip]["is_head_branch"] and not tips[two]["is_head_branch"]
    assert tips[tip]["length"] == tips[two]["length"] == 3


def test_nothing_to_undo_and_an_unknown_node_are_refused(chat: Chat) -> None:
    nothing = chat.say("undo that")
    assert nothing["status"] == "failed"
    assert nothing["error"]["code"] == "nothing_to_undo"
    unknown = chat.client.post(
        f"/v1/sessions/{chat.session}/head",
        json={"node_id": "00000000-0000-0000-0000-000000000000"},
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "node_not_found"
    assert chat.head() == chat.root


def test_an_unclear_message_gets_a_question_and_no_version(chat: Chat) -> None:
    asked = chat.say("make it better")
    assert asked["status"] == "needs_input", asked
    assert asked["question"] and asked["result"] is None
    assert len(chat.history()["nodes"]) == 1
    assistant = chat.history()["messages"][-1]
    assert assistant["role"] == "assistant" and assistant["text"] == asked["question"]


def test_a_quoted_column_the_table_lacks_gets_a_readable_question_and_the_session_goes_on(
    chat: Chat,
) -> None:
    asked = chat.say('drop rows where "loyalty_tier" is missing')
    assert asked["status"] == "needs_input", asked
    assert asked["question"].startswith("I couldn't find a column called 'loyalty_tier'.")
    assert chat.history()["messages"][-1]["text"] == asked["question"]
    done = chat.say('sort by "email"')
    assert done["status"] == "succeeded", done
    assert done["result"]["plan"]["operations"][0]["columns"] == ["email"]


def test_the_answer_to_a_question_completes_the_message_asked_about(client: httpx.Client) -> None:
    session = new_session(client)
    data = b"name,signup_date,last_order_date\nAnn,2024-01-02,2024-03-04\nBob,2024-02-03,\n"
    uploaded = wait_task(client, upload(client, session, data, "dates.csv").json()["task_id"])
    assert uploaded["status"] == "succeeded", uploaded

    def say(message: str) -> dict[str, Any]:
        response = client.post(f"/v1/sessions/{session}/messages", json={"message": message})
        assert response.status_code == 202, response.text
        return wait_task(client, response.json()["task_id"])

    asked = say("drop the date column")
    assert asked["status"] == "needs_input"
    assert "'signup_date'" in asked["question"] and "'last_order_date'" in asked["question"]
    answered = say("the signup one")
    assert answered["status"] == "succeeded", answered
    assert answered["result"]["summary"]["columns_removed"] == ["signup_date"]


def test_a_failing_transformation_fails_its_task_and_makes_no_version(chat: Chat) -> None:
    recipe = {
        "format": "modulardata.recipe",
        "version": 1,
        "node_id": chat.root,
        "source": _recipe(chat, chat.root)["source"],
        "steps": [
            {
                "description": "Use a column that does not exist.",
                "message": None,
                "plan": {
                    "operations": [
                        {
                            "kind": "custom_snippet",
                            "code": 'df = df[df["salary"] > 10]',
                            "description": "Keep high salaries.",
                        }
                    ]
                },
            }
        ],
    }
    response = chat.client.post(f"/v1/sessions/{chat.session}/replay", json={"recipe": recipe})
    assert response.status_code == 202, response.text
    failed = wait_task(chat.client, response.json()["task_id"])
    assert failed["status"] == "failed"
    assert "salary" in failed["error"]["message"]
    assert len(chat.history()["nodes"]) == 1 and chat.head() == chat.root
    # The session goes on: the next message still works.
    assert chat.say("remove duplicates")["status"] == "succeeded"


def test_messages_sent_at_once_apply_in_order_without_losing_one(chat: Chat) -> None:
    messages = ["drop rows where age is missing", "remove duplicates", "keep the first 5 rows"]
    tasks = [chat.post(message) for message in messages]
    results = [wait_task(chat.client, task) for task in tasks]
    assert [r["status"] for r in results] == ["succeeded"] * 3, results
    nodes = [r["result"]["node_id"] for r in results]
    parents = {n["node_id"]: n["parent_id"] for n in chat.history()["nodes"]}
    assert [parents[n] for n in nodes] == [chat.root, nodes[0], nodes[1]]
    expected = chat.frame(chat.root).dropna(subset=["age"]).drop_duplicates().head(5)
    _equal(chat.frame(nodes[-1]), expected)
    assert chat.head() == nodes[-1]


def test_the_task_stream_sends_every_stage_then_the_result(chat: Chat) -> None:
    task = chat.post("remove duplicates")
    with chat.client.stream("GET", f"/v1/tasks/{task}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())
    events = [block for block in body.split("\r\n\r\n") if block.strip()]
    kinds = [
        line.split(": ", 1)[1]
        for e in events
        for line in e.splitlines()
        if line.startswith("event: ")
    ]
    assert kinds[-1] == "result" and kinds.count("result") == 1
    assert "stage" in kinds
    last = events[-1].splitlines()
    data = json.loads(next(line for line in last if line.startswith("data: "))[6:])
    assert data["status"] == "succeeded" and data["task_id"] == task


def test_diff_between_versions(chat: Chat) -> None:
    node = chat.say("drop rows where age is missing")["result"]["node_id"]
    removed = len(chat.frame(chat.root)) - len(chat.frame(node))
    diff = chat.client.get(f"/v1/sessions/{chat.session}/nodes/{chat.root}/diff/{node}")
    assert diff.status_code == 200, diff.text
    body = diff.json()
    assert body["rows_removed"] == removed > 0
    assert body["rows_added"] == 0 and body["columns_added"] == []


def _recipe(chat: Chat, node_id: str) -> dict[str, Any]:
    def ready() -> dict[str, Any] | None:
        response = chat.client.get(f"/v1/sessions/{chat.session}/nodes/{node_id}/recipe")
        if response.status_code == 409:
            return None
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    result: dict[str, Any] = wait_for(ready, what="recipe")
    return result


def test_a_recipe_replays_to_the_same_data_here_and_as_a_script(
    chat: Chat, client: httpx.Client, tmp_path: Path
) -> None:
    chat.say("drop rows where age is missing")
    chat.say("trim whitespace in name")
    last = chat.say("remove duplicates")["result"]["node_id"]
    expected = chat.frame(last)

    recipe = _recipe(chat, last)
    assert len(recipe["steps"]) == 3
    other = Chat(client)
    response = client.post(f"/v1/sessions/{other.session}/replay", json={"recipe": recipe})
    assert response.status_code == 202, response.text
    replayed = wait_task(client, response.json()["task_id"])
    assert replayed["status"] == "succeeded", replayed
    _equal(other.frame(replayed["result"]["node_id"]), expected)

    script = client.get(
        f"/v1/sessions/{chat.session}/nodes/{last}/recipe", params={"format": "python"}
    )
    assert script.status_code == 200
    path = tmp_path / "recipe.py"
    path.write_text(script.text)
    output = tmp_path / "out.parquet"
    subprocess.run([sys.executable, str(path), str(CUSTOMERS), str(output)], check=True)
    _equal(pd.read_parquet(output), expected)


def test_chat_before_any_upload_and_bad_bodies_are_refused(client: httpx.Client) -> None:
    session = new_session(client)
    early = client.post(f"/v1/sessions/{session}/messages", json={"message": "remove duplicates"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "no_dataset"
    bodies: list[dict[str, Any]] = [
        {},
        {"message": " \n "},
        {"message": "x" * 4001},
        {"message": "ok", "extra": 1},
    ]
    for body in bodies:
        response = client.post(f"/v1/sessions/{session}/messages", json=body)
        assert response.status_code == 422, body
        assert "error" in response.json()


def test_a_task_whose_executor_is_gone_times_out_and_frees_the_session(
    chat: Chat, stack: Stack
) -> None:
    executor = stack.services["executor"]
    executor.stop()
    try:
        stuck = chat.post("remove duplicates")
        queued = chat.post("keep the first 5 rows")
        failed = wait_task(chat.client, stuck, timeout_s=TASK_TIMEOUT_S * 4)
        assert failed["status"] == "failed" and failed["error"]["code"] == "timed_out"
        assert failed["error"]["message"].startswith("No answer came for")
    finally:
        executor.start()
    # The message queued behind it runs once an executor is back (its command is redelivered).
    done = wait_task(chat.client, queued, timeout_s=120)
    assert done["status"] == "succeeded", done
    assert chat.head() == done["result"]["node_id"]
