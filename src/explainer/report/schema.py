"""The JSON Schema of report.json, generated from the result dataclasses, and a small validator.

:func:`report_schema` walks :class:`~explainer.report.result.ReportResult` and the dataclasses
it holds: each field becomes a property (named as in the JSON, ``class_`` as ``class``), its
type from the annotation, its description from the docstring under it in ``result.py``; fields
marked ``internal`` (arrays for the figures) are not in report.json and not in the schema. The
published copy is ``docs/_static/report.schema.json`` (a test keeps it current; regenerate
with ``python -m explainer.report.schema > docs/_static/report.schema.json``).

:func:`validate` checks a document against the subset of JSON Schema used here (``type``,
``properties``, ``required``, ``additionalProperties``, ``items``, ``anyOf``, ``const``,
``$ref``), so the test suite needs no extra dependency.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import json
import sys
import types
import typing
from typing import Any

from explainer.report import result
from explainer.report.output import GENERATOR
from explainer.report.result import ReportResult

__all__ = ["SCHEMA_ID", "report_schema", "validate"]

SCHEMA_ID = "https://explainer.invalid/report.schema.json"
"""The schema's ``$id`` (a name, not a place to fetch it from)."""

_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}


@functools.cache
def _field_docs() -> dict[str, dict[str, str]]:
    """``{class name: {field name: the docstring under it}}`` from result.py's source."""
    tree = ast.parse(inspect.getsource(result))
    docs: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        found: dict[str, str] = {}
        body = node.body
        for stmt, after in zip(body, [*body[1:], None], strict=True):
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                found[stmt.target.id] = " ".join(after.value.value.split())
        docs[node.name] = found
    return docs


def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    if tp is Any:
        return {}
    if tp is type(None):
        return {"type": "null"}
    if tp in _JSON_TYPES:
        return {"type": _JSON_TYPES[tp]}
    if dataclasses.is_dataclass(tp):
        _define(tp, defs)
        return {"$ref": f"#/$defs/{tp.__name__}"}
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_type_schema(a, defs) for a in args]}
    if origin in (list, tuple):
        return {"type": "array", "items": _type_schema(args[0], defs) if args else {}}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type_schema(args[1], defs)}
    raise TypeError(f"no JSON Schema for the annotation {tp!r}")


def _define(cls: type, defs: dict[str, Any]) -> None:
    if cls.__name__ in defs:
        return
    defs[cls.__name__] = {}  # placeholder: a dataclass may refer to itself
    hints = typing.get_type_hints(cls)
    notes = _field_docs().get(cls.__name__, {})
    properties: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.metadata.get("internal"):
            continue
        prop = _type_schema(hints[f.name], defs)
        if notes.get(f.name):
            prop = {"description": notes[f.name], **prop}
        properties[f.metadata.get("json", f.name)] = prop
    entry: dict[str, Any] = {"type": "object"}
    if cls.__doc__ and not cls.__doc__.startswith(f"{cls.__name__}("):
        entry["description"] = " ".join(cls.__doc__.split())
    entry.update(properties=properties, required=list(properties), additionalProperties=False)
    defs[cls.__name__] = entry


@functools.cache
def _schema() -> str:
    defs: dict[str, Any] = {}
    _define(ReportResult, defs)
    root = defs.pop("ReportResult")
    root["properties"]["generator"] = {**root["properties"]["generator"], "const": GENERATOR}
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "report.json of explainer report",
        **root,
        "$defs": dict(sorted(defs.items())),
    }
    return json.dumps(schema)


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of report.json, as a new dict."""
    return json.loads(_schema())


def _is(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "array":
        return isinstance(value, list)
    return isinstance(value, dict)  # "object"


def validate(document: Any, schema: dict[str, Any] | None = None) -> list[str]:
    """Where ``document`` breaks the schema (default :func:`report_schema`): one line each."""
    root = report_schema() if schema is None else schema
    errors: list[str] = []

    def check(value: Any, node: dict[str, Any], where: str) -> None:
        if "$ref" in node:
            node = root["$defs"][node["$ref"].rsplit("/", 1)[1]]
        if "anyOf" in node:
            if not any(not _errors(value, option) for option in node["anyOf"]):
                errors.append(f"{where}: {value!r:.60} matches none of the allowed types")
            return
        if "const" in node and value != node["const"]:
            errors.append(f"{where}: must be {node['const']!r}, not {value!r:.60}")
            return
        kind = node.get("type")
        if kind is not None and not _is(value, kind):
            errors.append(f"{where}: expected {kind}, got {type(value).__name__}")
            return
        if kind == "array":
            for i, item in enumerate(value):
                check(item, node.get("items", {}), f"{where}[{i}]")
        elif kind == "object":
            props = node.get("properties", {})
            for key in node.get("required", []):
                if key not in value:
                    errors.append(f"{where}: missing {key!r}")
            extra = node.get("additionalProperties", True)
            for key, item in value.items():
                if key in props:
                    check(item, props[key], f"{where}.{key}")
                elif extra is False:
                    errors.append(f"{where}: unexpected {key!r}")
                elif isinstance(extra, dict):
                    check(item, extra, f"{where}.{key}")

    def _errors(value: Any, node: dict[str, Any]) -> list[str]:
        before = len(errors)
        check(value, node, "")
        found = errors[before:]
        del errors[before:]
        return found

    check(document, root, "report")
    return errors


if __name__ == "__main__":
    sys.stdout.write(json.dumps(report_schema(), indent=1, ensure_ascii=False) + "\n")
