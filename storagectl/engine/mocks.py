"""The engine's Mocks: inputs echoed, computed outputs from the per-type table, invokes answered."""

from __future__ import annotations

import json
import threading
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from .computed import Context, computed_outputs
from .values import unwrap


class EngineMocks(Mocks):
    """Answers the program's resource registrations and invokes like a deploy would."""

    def __init__(self, stack: str, project: str, region: str, account: str, preview: bool) -> None:
        self.stack = stack
        self.project = project
        self.region = region
        self.account = account
        self.preview = preview
        self.provider_regions: dict[str, str] = {}
        # The monitor calls `new_resource` on the registering thread (the SDK runs each
        # RegisterResource in an executor thread), so the URN it is about to answer with
        # travels here per thread. `MockResourceArgs` carries no parent.
        self._registering = threading.local()

    def registering(self, urn: str | None) -> None:
        """The engine URN of the registration this thread is answering (None: done)."""
        self._registering.urn = urn

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        # Computed values are seeded by the engine URN: two resources of one type and name
        # below different parents (a database's and a cache's `catalog-sg`) are distinct.
        urn = getattr(self._registering, "urn", None) or (
            f"urn:pulumi:{self.stack}::{self.project}::{args.typ}::{args.name}"
        )
        inputs = dict(args.inputs)
        if args.typ.startswith("pulumi:providers:"):
            region = unwrap(inputs.get("region"))
            if isinstance(region, str):
                # Keyed by URN: two components may each own a provider of the same name.
                self.provider_regions[urn] = region
            return (f"{args.name}-provider-id", inputs)
        if self.preview:
            # As in `pulumi preview`: what the program set is known, the rest is not.
            return ("", inputs)
        ctx = Context(urn, args.name, unwrap(inputs), self._region(args.provider), self.account)
        computed = computed_outputs(args.typ, ctx)
        resource_id = computed.pop("id", f"{args.name}-id")
        return (resource_id, {**computed, **inputs, **_keep_computed(computed, inputs)})

    def _region(self, provider_ref: str | None) -> str:
        # A provider reference is "<provider URN>::<id>".
        if provider_ref:
            return self.provider_regions.get(provider_ref.rsplit("::", 1)[0], self.region)
        return self.region

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        token, params = args.token, unwrap(dict(args.args))
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return (
                {
                    "accountId": self.account,
                    "arn": f"arn:aws:iam::{self.account}:user/offline",
                    "userId": "AIDAOFFLINE",
                    "id": self.account,
                },
                None,
            )
        if token == "aws:index/getRegion:getRegion":
            region = self._region(args.provider)
            return ({"name": region, "region": region, "id": region}, None)
        if token == "aws:index/getPartition:getPartition":
            return ({"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, None)
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            region = self._region(args.provider)
            names = [f"{region}{z}" for z in "abc"]
            return ({"names": names, "zoneIds": names, "id": region}, None)
        if token == "aws:iam/getPolicyDocument:getPolicyDocument":
            return ({"json": policy_document_json(params), "id": "policy"}, None)
        return ({}, None)


def _keep_computed(computed: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    # An input the program left empty must not hide the computed value (e.g. `name=None`).
    return {k: v for k, v in computed.items() if inputs.get(k) in (None, "")}


def policy_document_json(params: dict[str, Any]) -> str:
    """Render `aws.iam.get_policy_document` arguments the way the provider does."""
    statements = []
    for st in params.get("statements") or []:
        out: dict[str, Any] = {}
        if st.get("sid"):
            out["Sid"] = st["sid"]
        out["Effect"] = st.get("effect") or "Allow"
        for key, name in (("actions", "Action"), ("notActions", "NotAction")):
            if st.get(key):
                out[name] = _one_or_many(sorted(st[key]))
        for key, name in (("resources", "Resource"), ("notResources", "NotResource")):
            if st.get(key):
                out[name] = _one_or_many(sorted(st[key]))
        for key, name in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            if st.get(key):
                principal: dict[str, Any] = {}
                for p in st[key]:
                    principal[p["type"]] = _one_or_many(sorted(p["identifiers"]))
                out[name] = "*" if principal == {"*": "*"} else principal
        for cond in st.get("conditions") or []:
            block = out.setdefault("Condition", {}).setdefault(cond["test"], {})
            block[cond["variable"]] = _one_or_many(cond["values"])
        statements.append(out)
    return json.dumps(
        {"Version": params.get("version") or "2012-10-17", "Statement": statements}, indent=2
    )


def _one_or_many(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values
