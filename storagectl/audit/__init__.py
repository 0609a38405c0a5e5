"""`storagectl audit`: the policy pack over deployed state (`pulumi stack export` JSON)."""

from . import export
from .export import ExportError, read_export
from .run import audit_export

__all__ = ["ExportError", "audit_export", "export", "read_export"]
