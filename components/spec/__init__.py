"""Typed, frozen models of a stack file (pydantic v2). No I/O here: the loader is `stackspec`."""

from .access import (
    ApplicationIdentity,
    ApplicationSpec,
    BucketGrant,
    CacheGrant,
    DatabaseGrant,
    Grants,
    KubernetesIdentity,
)
from .defaults import TIER_DEFAULTS, BucketDefaults, CacheDefaults, DatabaseDefaults, TierDefaults
from .environment import (
    ClusterSpec,
    EnvironmentSpec,
    FailoverSpec,
    KubernetesSpec,
    NetworkSpec,
    Problem,
    cross_check,
    did_you_mean,
)
from .stores import (
    BucketSpec,
    CacheSpec,
    ClusterModeSpec,
    DatabaseSpec,
    LifecycleTransition,
    ObjectLockSpec,
    ReplicaOverride,
)

__all__ = [
    "TIER_DEFAULTS",
    "ApplicationIdentity",
    "ApplicationSpec",
    "BucketDefaults",
    "BucketGrant",
    "BucketSpec",
    "CacheDefaults",
    "CacheGrant",
    "CacheSpec",
    "ClusterModeSpec",
    "ClusterSpec",
    "DatabaseDefaults",
    "DatabaseGrant",
    "DatabaseSpec",
    "EnvironmentSpec",
    "FailoverSpec",
    "Grants",
    "KubernetesIdentity",
    "KubernetesSpec",
    "LifecycleTransition",
    "NetworkSpec",
    "ObjectLockSpec",
    "Problem",
    "ReplicaOverride",
    "TierDefaults",
    "cross_check",
    "did_you_mean",
]
