"""The offline engine: a Pulumi Python program, run under the SDK's mocks, recorded as a graph."""

from .recorder import Registration
from .runner import ProgramError, ProgramRun, engine_config, project_name, run_program
from .values import SECRET, UNKNOWN, to_json

__all__ = [
    "SECRET",
    "UNKNOWN",
    "ProgramError",
    "ProgramRun",
    "Registration",
    "engine_config",
    "project_name",
    "run_program",
    "to_json",
]
