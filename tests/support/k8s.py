"""Rendering deploy/k8s offline and validating what it renders: built-in kinds against the
Kubernetes schemas kubernetes-validate carries, custom resources against the CRDs of their
operators (`../shared/k8s-crds/` beside the repository, or MODULARDATA_K8S_CRDS)."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

from tests.support.images import ROOT

K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.33.0"
"""The oldest Kubernetes the manifests are for: pods' user namespaces (`hostUsers`) are on by
default from 1.33."""

Manifest = dict[str, Any]


def kustomize() -> list[str]:
    """The command that renders a kustomization: kubectl's built-in kustomize, or kustomize
    (`make deps` installs it in the run folder where kubectl is missing)."""
    if kubectl := shutil.which("kubectl"):
        return [kubectl, "kustomize"]
    run_dir = Path(os.environ.get("MODULARDATA_RUN_DIR", ROOT / ".run"))
    for candidate in (shutil.which("kustomize"), run_dir / "bin" / "kustomize"):
        if candidate and Path(candidate).is_file():
            return [str(candidate), "build"]
    raise FileNotFoundError("neither kubectl nor kustomize found: `make deps` installs kustomize")


@functools.cache
def render_overlay(name: str) -> tuple[Manifest, ...]:
    """Every object an overlay of deploy/k8s renders, rendered once per test run."""
    return tuple(render(K8S / "overlays" / name))


def render(directory: Path) -> list[Manifest]:
    """Every object a kustomization renders."""
    rendered = subprocess.run(
        [*kustomize(), str(directory)], check=True, capture_output=True, text=True, timeout=120
    ).stdout
    return [doc for doc in yaml.safe_load_all(rendered) if doc]


def render_with_components(tmp_path: Path, overlay: str, components: list[str]) -> list[Manifest]:
    """An overlay rendered with components added, as an operator's own kustomization would."""

    def relative(path: Path) -> str:
        return os.path.relpath(path, tmp_path)

    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "resources": [relative(K8S / "overlays" / overlay)],
                "components": [relative(K8S / "components" / name) for name in components],
            }
        )
    )
    return render(tmp_path)


def crd_directory() -> Path:
    """Where the operators' CustomResourceDefinitions are read from (never copied here)."""
    return Path(os.environ.get("MODULARDATA_K8S_CRDS", ROOT.parent / "shared" / "k8s-crds"))


def crd_schemas() -> dict[tuple[str, str], Manifest]:
    """The OpenAPI schema of each (apiVersion, kind) the CRDs serve."""
    directory = crd_directory()
    if not directory.is_dir():
        raise FileNotFoundError(f"no CRDs at {directory} (set MODULARDATA_K8S_CRDS)")
    schemas = {}
    for path in sorted(directory.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                api_version = f"{spec['group']}/{version['name']}"
                schemas[(api_version, spec["names"]["kind"])] = version["schema"]["openAPIV3Schema"]
    return schemas


def validate(manifest: Manifest, schemas: dict[tuple[str, str], Manifest]) -> list[str]:
    """What is wrong with one rendered object; empty when it validates."""
    key = (manifest["apiVersion"], manifest["kind"])
    if key in schemas:
        validator = jsonschema.Draft7Validator(schemas[key])
        errors = [
            f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(manifest)
        ]
        unknown = [f"{path}: unknown field" for path in unknown_fields(manifest, schemas[key])]
        return errors + unknown
    try:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{'.'.join(map(str, error.path))}: {error.message}"]
    return []


def unknown_fields(value: Any, schema: Manifest, path: str = "") -> Iterator[str]:
    """Fields a structural schema does not declare, which the API server would drop (as
    `kubectl apply --validate=strict` refuses them)."""
    if isinstance(value, dict) and "properties" in schema:
        if schema.get("x-kubernetes-preserve-unknown-fields") or "additionalProperties" in schema:
            return
        for name, item in value.items():
            if name not in schema["properties"]:
                yield f"{path}{name}"
            else:
                yield from unknown_fields(item, schema["properties"][name], f"{path}{name}.")
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            yield from unknown_fields(item, schema["items"], f"{path}{index}.")
