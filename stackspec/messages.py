"""Turn pydantic's validation errors into short sentences a stack-file author can act on."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from components.spec import did_you_mean


def describe(error: ErrorDetails, root: type[BaseModel], secret: bool) -> str:
    """One sentence for one pydantic error; never echoes a secret value."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = _got(error.get("input"), secret)
    if kind == "missing":
        hint = field_description(root, error["loc"])
        return f"is required: {hint[0].lower()}{hint[1:]}" if hint else "is required"
    if kind == "extra_forbidden":
        parent = error["loc"][:-1]
        allowed = allowed_keys(root, parent)
        if not parent:  # the loader fills these from the engine's context
            allowed = [k for k in allowed if k not in ("project", "stack", "region", "accountId")]
        key = str(error["loc"][-1])
        hint = did_you_mean(key, allowed) if allowed else ""
        listing = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
        return f"unknown key{hint}{listing}"
    if kind == "range":
        return error["msg"]
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}{got}"
    if kind == "string_pattern_mismatch":
        return f"has an invalid format{got}; it must match {ctx.get('pattern')}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number{got}"
    if kind in ("bool_parsing", "bool_type"):
        return f"must be true or false{got}"
    if kind in ("string_type",):
        return f"must be a string{got}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping of keys to values{got}"
    if kind in ("tuple_type", "list_type"):
        return f"must be a list{got}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s){got}"
    if kind == "too_long":
        return f"takes at most {ctx.get('max_length')} item(s)"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return f"{error['msg'][0].lower()}{error['msg'][1:]}{got}"


def _got(value: Any, secret: bool) -> str:
    if secret:
        return " (got a secret value)"
    if isinstance(value, bool) or value is None:
        return f" (got {str(value).lower() if value is not None else 'nothing'})"
    if isinstance(value, int | float):
        return f" (got {value})"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f" (got {shown!r})"
    if isinstance(value, dict):
        return " (got a mapping)"
    if isinstance(value, list | tuple):
        return " (got a list)"
    return ""


def allowed_keys(root: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys (camelCase aliases) the model at `loc` below `root` accepts; [] if not a model."""
    model = _model_at(root, loc)
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def field_description(root: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """The docs of the field at `loc` (what to write there), or '' when it has none."""
    model = _model_at(root, loc[:-1])
    if model is None:
        return ""
    field = next((f for n, f in model.model_fields.items() if loc[-1] in (n, f.alias)), None)
    return (field.description or "").rstrip(".") if field is not None else ""


def _model_at(annotation: Any, loc: tuple[Any, ...]) -> type[BaseModel] | None:
    current = annotation
    for step in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = next((f for n, f in current.model_fields.items() if step in (n, f.alias)), None)
            if field is None:
                return None
            current = field.annotation
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        elif typing.get_origin(current) in (tuple, list):
            current = typing.get_args(current)[0]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """Strip Optional[...] / Annotated[...] to the type that holds the keys."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        models = [a for a in options if isinstance(a, type) and issubclass(a, BaseModel)]
        return _unwrap(models[0] if models else options[0])
    return annotation
