"""IAM rules: FSBP IAM.1, IAM.2, IAM.21, plus wildcard trust and cross-environment grants."""

from __future__ import annotations

import re

from pulumi_policy import ResourceValidationArgs, Severity

from . import documents, tokens
from .kms import inline_documents
from .props import as_list, environment, project_of
from .registry import REGISTRY, Report

_DOCUMENT_CARRIERS = tokens.IAM_POLICY + tokens.IAM_INLINE_POLICIES + tokens.IAM_ROLE
_SERVICE_WILDCARD = re.compile(r"^[a-z0-9-]+:\*$", re.IGNORECASE)
_DEFAULT_ENVIRONMENTS = ["dev", "staging", "prod"]


def _statements(args: ResourceValidationArgs) -> list[documents.Statement]:
    return [s for doc in inline_documents(args) for s in documents.parse(doc) or []]


@REGISTRY.resource_rule(
    "iam-policy-disallow-full-admin",
    'Checks that IAM policies do not allow "*" actions on "*" resources.',
    types=_DOCUMENT_CARRIERS,
    controls=("IAM.1",),
    severity=Severity.HIGH,
    remediation="Grant only the actions and resources the principal needs.",
    notes="Security Hub judges customer managed policies; inline documents are held to the "
    "same bar here because they grant the same power.",
    causes=("policy:full-admin",),
)
def _full_admin(args: ResourceValidationArgs, report: Report) -> None:
    for statement in _statements(args):
        if documents.is_full_admin(statement):
            report(
                f"Policy {args.name} allows every action on every resource; grant only the "
                "actions and resources needed."
            )
            return


@REGISTRY.resource_rule(
    "iam-policy-disallow-service-wildcards",
    "Checks that IAM customer managed policies do not allow whole-service wildcard actions "
    '(such as "s3:*").',
    types=tokens.IAM_POLICY,
    controls=("IAM.21",),
    severity=Severity.LOW,
    remediation="Replace service wildcards with the specific actions the principal needs.",
    causes=("policy:service-wildcard",),
)
def _service_wildcards(args: ResourceValidationArgs, report: Report) -> None:
    wildcards = sorted(
        {
            action
            for statement in _statements(args)
            if statement.allows
            for action in statement.actions
            if _SERVICE_WILDCARD.match(action)
        }
    )
    if wildcards:
        report(
            f"Policy {args.name} allows {', '.join(wildcards)}; list the specific actions instead."
        )


@REGISTRY.resource_rule(
    "iam-user-disallow-attached-policies",
    "Checks that IAM policies are attached to groups or roles, never directly to users.",
    types=tokens.IAM_USER_POLICY + tokens.IAM_USER_POLICY_ATTACHMENT + tokens.IAM_POLICY_ATTACHMENT,
    controls=("IAM.2",),
    severity=Severity.LOW,
    remediation="Attach the policy to a group (and add the user to it) or to a role the "
    "workload assumes.",
    causes=("policy-attachment:user",),
)
def _user_policies(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type in tokens.IAM_POLICY_ATTACHMENT and not as_list(args.props.get("users")):
        return
    report(
        f"{args.name} attaches a policy directly to an IAM user; attach it to a group or role "
        "instead."
    )


@REGISTRY.resource_rule(
    "iam-role-disallow-wildcard-trust",
    "Checks that IAM role trust policies do not let any principal assume the role.",
    types=tokens.IAM_ROLE,
    severity=Severity.CRITICAL,
    remediation="Name the trusted principals (account, role, service or OIDC provider), or pin "
    "a wildcard with an aws:PrincipalAccount / aws:PrincipalOrgID condition.",
    controls=("BS.6",),
    causes=("assumeRolePolicy:public-principal",),
)
def _wildcard_trust(args: ResourceValidationArgs, report: Report) -> None:
    for statement in documents.parse(args.props.get("assumeRolePolicy")) or []:
        if documents.is_public(statement):
            report(
                f"Role {args.name} can be assumed by any principal; name the trusted principals "
                "in its trust policy."
            )
            return


def _mentions(resource: str, env: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(env)}(?![a-z0-9])", resource.lower()) is not None


@REGISTRY.resource_rule(
    "iam-policy-disallow-cross-environment-access",
    "Checks that IAM grants of one environment do not reach resources named for another "
    "environment.",
    types=_DOCUMENT_CARRIERS,
    severity=Severity.HIGH,
    remediation="Remove the other environment's ARNs; each environment's roles reach only "
    "<project>-<env>-* resources of their own environment.",
    notes="Environments are recognised by name inside ARNs (``<project>-<env>-...``); ARNs "
    "that do not mention any environment are not judged.",
    config={
        "environment": {"type": "string"},
        "environments": {
            "type": "array",
            "items": {"type": "string"},
            "default": _DEFAULT_ENVIRONMENTS,
        },
    },
    controls=("BS.7",),
    causes=("policy:cross-environment",),
)
def _cross_environment(args: ResourceValidationArgs, report: Report) -> None:
    config = args.get_config()
    own = environment(config, args.urn)
    others = [e for e in config.get("environments", _DEFAULT_ENVIRONMENTS) if e != own]
    project = project_of(args.urn)
    for statement in _statements(args):
        if not statement.allows:
            continue
        for resource in statement.resources:
            reached = [e for e in others if _mentions(resource, e)]
            if own and reached and not (project and _mentions(resource, f"{project}-{own}")):
                report(
                    f"Policy {args.name} of environment {own} grants access to {resource} of "
                    f"environment {reached[0]}; remove it."
                )
                return
