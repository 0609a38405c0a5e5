"""Shared building blocks of the spec models: the base model and constrained types."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, WithJsonSchema
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError


class SpecModel(BaseModel):
    """Base of every spec model: frozen, unknown keys refused, camelCase keys as in config."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
    )


def _check_range(low: int, high: int, value: int) -> int:
    if not low <= value <= high:
        raise PydanticCustomError(
            "range",
            "must be between {low} and {high} (got {got})",
            {"low": low, "high": high, "got": value},
        )
    return value


def between(low: int, high: int) -> Any:
    """An int in [low, high]; the error reads "must be between low and high (got N)"."""
    return Annotated[
        int,
        AfterValidator(lambda v: _check_range(low, high, v)),
        WithJsonSchema({"type": "integer", "minimum": low, "maximum": high}),
    ]


LogicalName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")]
"""Key of a store or application in the stack file: lower-case, digits and dashes, 2-32 chars."""

DataClassification = Annotated[
    str, StringConstraints(pattern=r"^(public|internal|confidential|restricted)$")
]
"""Data class of a store; one customer-managed KMS key exists per class in use."""

Window = Annotated[
    str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
]
"""A daily UTC window `hh24:mi-hh24:mi`, as RDS and ElastiCache name backup/snapshot windows."""

WeeklyWindow = Annotated[
    str,
    StringConstraints(
        pattern=r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-"
        r"(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$"
    ),
]
"""A weekly UTC window `ddd:hh24:mi-ddd:hh24:mi`, as AWS names maintenance windows."""

Tags = dict[
    Annotated[str, StringConstraints(min_length=1, max_length=128)],
    Annotated[str, StringConstraints(max_length=256)],
]
"""Extra tags; the four required tags are always set by the components."""

SecurityGroupId = Annotated[str, StringConstraints(pattern=r"^sg-[0-9a-f]{8,17}$")]
SubnetId = Annotated[str, StringConstraints(pattern=r"^subnet-[0-9a-f]{8,17}$")]
CidrBlock = Annotated[
    str, StringConstraints(pattern=r"^(\d{1,3}\.){3}\d{1,3}/([0-9]|[12]\d|3[0-2])$")
]
