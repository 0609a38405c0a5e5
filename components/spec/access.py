"""Spec models of applications: who they are, and which stores they may use how."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from .base import SpecModel, Tags
from .nosql import DocumentGrant, TableGrant
from .stores import DatabaseUser

KubernetesName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]


class KubernetesIdentity(SpecModel):
    """A Kubernetes service account on the environment's EKS cluster."""

    namespace: KubernetesName
    service_account: KubernetesName
    mechanism: Literal["irsa", "pod-identity"] = Field(
        default="pod-identity",
        description="IRSA (OIDC web identity) or EKS Pod Identity.",
    )


class ApplicationIdentity(SpecModel):
    """Exactly one of: a Kubernetes service account, or an AWS service principal."""

    kubernetes: KubernetesIdentity | None = None
    service: Annotated[str, StringConstraints(pattern=r"^[a-z0-9.-]+\.amazonaws\.com$")] | None = (
        None
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.kubernetes is None) == (self.service is None):
            raise ValueError(
                "give exactly one of `kubernetes: {namespace, serviceAccount}` "
                "or `service: <principal>.amazonaws.com`"
            )
        return self


class BucketGrant(SpecModel):
    """Access to one bucket, optionally under one key prefix."""

    access: Literal["read", "write", "readwrite"]
    prefix: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9!_.*'()/-]{1,512}$")] | None = (
        None
    )


class DatabaseGrant(SpecModel):
    """Connect to a database as a named database user through IAM authentication."""

    user: DatabaseUser
    endpoint: Literal["writer", "reader"] = "writer"


class CacheGrant(SpecModel):
    """Connect to a cache as the application's own ElastiCache user."""


class Grants(SpecModel):
    """Everything one application may use, by store name."""

    buckets: dict[str, BucketGrant] = {}
    databases: dict[str, DatabaseGrant] = {}
    caches: dict[str, CacheGrant] = {}
    tables: dict[str, TableGrant] = {}
    document_clusters: dict[str, DocumentGrant] = {}


class ApplicationSpec(SpecModel):
    """An application of the estate: its identity and its grants."""

    identity: ApplicationIdentity = Field(
        description="Who the application is: `kubernetes: {namespace, serviceAccount, "
        "mechanism}` or `service: <principal>.amazonaws.com`."
    )
    grants: Grants = Grants()
    tags: Tags = {}
