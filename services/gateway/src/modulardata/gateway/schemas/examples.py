"""Example values of the OpenAPI document: one session of `examples/customers.csv` (uploaded,
then 'drop rows where age is missing'), so the bodies of every operation tell one story. The
Postman collection sends and saves them; tests hold each to its schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

Model = TypeVar("Model", bound=type)

SESSION_ID = "3f0b6c1e-8a51-4a0b-9c52-7d1f2a9e4b10"
TASK_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
MESSAGE_ID = "5c4d3e2f-1a0b-4c9d-8e7f-6a5b4c3d2e1f"
ROOT_ID = "417471ee-4e55-53c9-8482-7e8d868e59a6"
NODE_ID = "c1d2e3f4-a5b6-5c7d-8e9f-0a1b2c3d4e5f"
AT = "2026-01-15T10:21:07.123456Z"
MESSAGE = "drop rows where age is missing"

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
CODE = "df = df.dropna(subset=['age'])"

SESSION = {
    "session_id": SESSION_ID,
    "name": "customers",
    "created_at": AT,
    "updated_at": AT,
    "head_node_id": NODE_ID,
    "node_count": 2,
}
UPLOADED = {
    "node_id": ROOT_ID,
    "parent_id": None,
    "created_at": AT,
    "row_count": 21,
    "column_count": 8,
    "columns": COLUMNS,
    "description": "Uploaded customers.csv",
    "message": None,
    "is_head": False,
    "task_id": TASK_ID,
    "plan": None,
    "code": None,
}
CLEANED = UPLOADED | {
    "node_id": NODE_ID,
    "parent_id": ROOT_ID,
    "row_count": 18,
    "description": "Drop rows where age is missing",
    "message": MESSAGE,
    "is_head": True,
    "plan": PLAN,
    "code": CODE,
}
FINISHED_TASK = {
    "task_id": TASK_ID,
    "session_id": SESSION_ID,
    "kind": "chat",
    "status": "succeeded",
    "stage": "succeeded",
    "events": [
        {"stage": stage, "at": AT}
        for stage in ("queued", "thinking", "generating_code", "executing", "committing")
    ],
    "result": {
        "node_id": NODE_ID,
        "plan": PLAN,
        "code": CODE,
        "explanation": "Dropped the rows whose age is missing.",
        "summary": {"rows_before": 21, "rows_after": 18},
        "message": "Dropped 3 rows where age is missing: 21 -> 18 rows.",
    },
    "question": None,
    "error": None,
    "created_at": AT,
    "updated_at": AT,
}
RECIPE = {
    "format": "modulardata.recipe",
    "version": 1,
    "node_id": NODE_ID,
    "source": {
        "node_id": ROOT_ID,
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
    "steps": [{"description": "Drop rows where age is missing", "message": MESSAGE, "plan": PLAN}],
}
PROFILE = {
    "row_count": 18,
    "column_count": 1,
    "duplicate_row_count": 0,
    "duplicate_row_examples": [],
    "memory_bytes": 1024,
    "columns": [
        {
            "name": "city",
            "physical_type": "string",
            "semantic_type": "text",
            "null_count": 0,
            "null_pct": 0.0,
            "null_like_count": 0,
            "null_like_values": [],
            "distinct_count": 4,
            "distinct_approximate": False,
            "top_values": [{"value": "Berlin", "count": 9}, {"value": "berlin", "count": 2}],
            "first_values": ["Berlin", "Munich", "berlin"],
        }
    ],
    "findings": [
        {
            "kind": "case_variants",
            "severity": "medium",
            "column": "city",
            "message": "'city' has 2 spellings of Berlin",
            "affected_rows": 11,
        }
    ],
}

CSV = (
    "customer_id,name,email,age,city,country,signup_date,lifetime_value\n"
    '1001,Anna Schmidt,anna.schmidt@example.com,34,Berlin,Germany,2023-01-15,"$1,250.00"\n'
)
DOWNLOADED = {"csv": CSV, "parquet": "PAR1...", "xlsx": "PK..."}
"""The start of a download, by format."""
PROMETHEUS_TEXT = (
    'modulardata_gateway_requests_total{method="GET",route="/healthz",status="200"} 1.0\n'
    "modulardata_dead_letters 0.0\n"
)
TASK_EVENTS = (
    f'event: stage\ndata: {{"stage": "queued", "at": "{AT}"}}\n\n'
    f'event: stage\ndata: {{"stage": "executing", "at": "{AT}"}}\n\n'
    'event: result\ndata: {"task_id": "' + TASK_ID + '", "status": "succeeded", "...": "..."}\n\n'
)
PROFILE_REPORT = "Dataset: 18 rows x 8 columns\ncustomer_id int64 ...\n"
PYTHON_RECIPE = f'"""Rebuilds version {NODE_ID} of a ModularData session."""\nimport pandas as pd\n'


SHOWN: dict[str, list[dict[str, Any]]] = {}
"""Examples by schema name, put in the document once built (FastAPI's build drops their nulls)."""


def shown(*values: dict[str, Any]) -> Callable[[Model], Model]:
    """Class decorator: the examples the model's schema shows."""

    def register(model: Model) -> Model:
        SHOWN[model.__name__] = list(values)
        return model

    return register
