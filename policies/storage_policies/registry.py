"""The rule registry: every policy of the pack, with the metadata CrossGuard has no field for.

A rule is a `pulumi_policy` policy object (what the engine runs) plus the FSBP control ids
it implements, its severity and its remediation text (what reports and SARIF need). The
registry refuses a second rule under a name already taken, so two modules cannot silently
shadow each other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from pulumi_policy import (
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

#: `<service>-<resource>-<verb>-<thing>` with the small verb set of pulumi/compliance-policies.
NAME_PATTERN = re.compile(
    r"^(s3|rds|elasticache|kms|iam|aws|dynamodb|docdb)(-[a-z0-9]+)+"
    r"-(missing|disallow|enable|disable|configure|enforce)(-[a-z0-9]+)+$"
)

FSBP = "AWS Foundational Security Best Practices"
#: FSBP control ids (``S3.8``); every other id in `controls` is one of the pack's own.
FSBP_ID = re.compile(r"^(S3|RDS|ElastiCache|KMS|IAM|DynamoDB|DocumentDB)\.\d+$")
#: The pack's own control ids, for rules no FSBP control covers (``BS.1``: backend-storage).
OWN_ID = re.compile(r"^BS\.\d+$")


class Report(Protocol):
    """`ReportViolation` as the engine really calls it: the URN is optional."""

    def __call__(self, message: str, urn: str | None = None) -> None: ...


ResourceCheck = Callable[[ResourceValidationArgs, Report], None]
StackCheck = Callable[[StackValidationArgs, Report], None]


@dataclass(frozen=True)
class Rule:
    """One policy of the pack and its reporting metadata."""

    policy: ResourceValidationPolicy | StackValidationPolicy
    """The `pulumi_policy` object the engine (or the offline evaluator) calls."""
    controls: tuple[str, ...]
    """FSBP control ids this rule implements, e.g. ``("S3.8",)``; the pack's own id
    (``("BS.3",)``) when no FSBP control covers it."""
    severity: Severity
    """How bad a violation is."""
    remediation: str
    """What to change so the violation goes away."""
    resource_types: tuple[str, ...] = ()
    """Type tokens the rule judges (informational for stack rules)."""
    notes: str = ""
    """Limits of the static check: what it cannot decide and why."""
    security: bool = True
    """Whether prod makes this rule mandatory (security) or keeps it advisory (hygiene)."""
    causes: tuple[str, ...] = ()
    """What a violation of this rule is *about*: the settings it asks to change, as
    ``<property>`` or ``<property>:<aspect>`` tokens (``protect``, ``policy:public-read``,
    ``engineVersion:minor-pin``). Two rules reporting the same resource must not share a
    token: that would be one cause reported twice (a meta-test checks it on fixtures)."""

    @property
    def fsbp_controls(self) -> tuple[str, ...]:
        """The FSBP control ids among `controls` (the pack's own ids left out)."""
        return tuple(c for c in self.controls if FSBP_ID.match(c))

    @property
    def name(self) -> str:
        """The policy name, unique within the pack."""
        return self.policy.name

    @property
    def description(self) -> str:
        """The policy description ("Checks that ...")."""
        return self.policy.description

    @property
    def is_stack_rule(self) -> bool:
        """True when the rule validates the whole stack rather than one resource."""
        return isinstance(self.policy, StackValidationPolicy)


@dataclass
class Registry:
    """An ordered collection of rules that refuses duplicate names."""

    _rules: dict[str, Rule] = field(default_factory=dict)

    def add(self, rule: Rule) -> Rule:
        """Register `rule`; raise ValueError when its name is malformed or already taken."""
        if rule.name in self._rules:
            raise ValueError(f"policy {rule.name!r} is already registered")
        if not NAME_PATTERN.match(rule.name):
            raise ValueError(
                f"policy name {rule.name!r} does not follow <service>-<resource>-<verb>-<thing>"
            )
        self._rules[rule.name] = rule
        return rule

    def __iter__(self):
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def __getitem__(self, name: str) -> Rule:
        return self._rules[name]

    def __contains__(self, name: object) -> bool:
        return name in self._rules

    def policies(self) -> list[ResourceValidationPolicy | StackValidationPolicy]:
        """The policy objects, in registration order, for `PolicyPack(policies=...)`."""
        return [rule.policy for rule in self._rules.values()]

    def resource_rule(
        self,
        name: str,
        description: str,
        *,
        types: Iterable[str],
        controls: Iterable[str] = (),
        severity: Severity = Severity.MEDIUM,
        remediation: str,
        notes: str = "",
        security: bool = True,
        config: Mapping[str, Mapping[str, Any]] | None = None,
        causes: Iterable[str] = (),
    ) -> Callable[[ResourceCheck], ResourceCheck]:
        """Decorator registering `check` as a resource rule for the given type tokens.

        The check runs only for resources of those types, so each check body can assume
        its resource shape.
        """
        type_set = tuple(types)

        def decorate(check: ResourceCheck) -> ResourceCheck:
            def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
                if args.resource_type in type_set:
                    check(args, cast(Report, report))

            policy = ResourceValidationPolicy(
                name=name,
                description=description,
                validate=validate,
                config_schema=_schema(config),
                severity=severity,
                framework=_framework(controls),
                tags=list(controls),
                remediation_steps=remediation,
            )
            self.add(
                Rule(
                    policy,
                    tuple(controls),
                    severity,
                    remediation,
                    type_set,
                    notes,
                    security,
                    tuple(causes),
                )
            )
            return check

        return decorate

    def stack_rule(
        self,
        name: str,
        description: str,
        *,
        types: Iterable[str],
        controls: Iterable[str] = (),
        severity: Severity = Severity.MEDIUM,
        remediation: str,
        notes: str = "",
        security: bool = True,
        config: Mapping[str, Mapping[str, Any]] | None = None,
        causes: Iterable[str] = (),
    ) -> Callable[[StackCheck], StackCheck]:
        """Decorator registering `check` as a stack rule (it sees every resource)."""

        def decorate(check: StackCheck) -> StackCheck:
            def validate(args: StackValidationArgs, report: ReportViolation) -> None:
                check(args, cast(Report, report))

            policy = StackValidationPolicy(
                name=name,
                description=description,
                validate=validate,
                config_schema=_schema(config),
                severity=severity,
                framework=_framework(controls),
                tags=list(controls),
                remediation_steps=remediation,
            )
            self.add(
                Rule(
                    policy,
                    tuple(controls),
                    severity,
                    remediation,
                    tuple(types),
                    notes,
                    security,
                    tuple(causes),
                )
            )
            return check

        return decorate


def _framework(controls: Iterable[str]) -> PolicyComplianceFramework | None:
    ids = [c for c in controls if FSBP_ID.match(c)]
    if not ids:
        return None
    return PolicyComplianceFramework(name=FSBP, version="1.0.0", reference=", ".join(ids))


def _schema(config: Mapping[str, Mapping[str, Any]] | None) -> PolicyConfigSchema | None:
    if not config:
        return None
    return PolicyConfigSchema(properties={key: dict(value) for key, value in config.items()})


#: The pack's single registry; service modules add to it when imported.
REGISTRY = Registry()
