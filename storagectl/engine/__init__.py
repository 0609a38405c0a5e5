"""The offline engine: a Pulumi Python program, run under the SDK's mocks, recorded as a graph."""

from .isolation import DEFAULT_TIMEOUT_S, Limits, check_timeout, memory_limit_mb, run_isolated
from .recorder import Registration
from .runner import (
    ProgramError,
    ProgramExit,
    ProgramRun,
    describe_failure,
    engine_config,
    project_name,
    run_program,
)
from .values import SECRET, UNKNOWN, to_json

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "SECRET",
    "UNKNOWN",
    "Limits",
    "ProgramError",
    "ProgramExit",
    "ProgramRun",
    "Registration",
    "check_timeout",
    "describe_failure",
    "engine_config",
    "memory_limit_mb",
    "project_name",
    "run_isolated",
    "run_program",
    "to_json",
]
