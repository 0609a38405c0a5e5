"""The backend-storage CrossGuard rules.

Importing the package registers every rule in `REGISTRY`; `policies/__main__.py` hands them
to `PolicyPack`, and `storagectl.policy` calls the very same objects offline.
"""

from __future__ import annotations

from . import (
    credentials,
    docdb,
    dynamodb,
    elasticache,
    iam,
    kms,
    rds,
    s3,
    stack,
    tagging,
    traps,
)
from .registry import REGISTRY, Registry, Rule

__all__ = [
    "REGISTRY",
    "Registry",
    "Rule",
    "credentials",
    "docdb",
    "dynamodb",
    "elasticache",
    "iam",
    "kms",
    "rds",
    "s3",
    "stack",
    "tagging",
    "traps",
]
