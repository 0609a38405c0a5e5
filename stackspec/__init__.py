"""Load Pulumi stack config into a validated `EnvironmentSpec` (the only place that reads it).

`components/` never does I/O; this package reads the stack file (for line numbers, and
for offline use) and the engine's config, renders templates in a sandbox, layers tier
defaults, validates, and reports every problem as `file:line: key.path: message`.
"""

from .errors import Located, SpecError
from .loader import build_spec, key_path, load_runtime_config, load_stack_file, stack_name
from .source import SECRET_PLACEHOLDER, StackFile, read_stack_file

__all__ = [
    "SECRET_PLACEHOLDER",
    "Located",
    "SpecError",
    "StackFile",
    "build_spec",
    "key_path",
    "load_runtime_config",
    "load_stack_file",
    "read_stack_file",
    "stack_name",
]
