"""Resource URNs exactly as the Pulumi engine builds them.

A URN is ``urn:pulumi:STACK::PROJECT::QUALIFIED_TYPE::NAME``. The qualified type is the
parent's qualified type, ``$``, and the resource's own type; a resource whose parent is the
root stack (or that has no parent) has its own type alone. Sources (pulumi/pulumi):

* ``sdk/go/common/resource/urn/urn.go`` ``New``: ``typ = parentType + "$" + baseType``
  when ``parentType`` is neither empty nor ``pulumi:pulumi:Stack``;
* ``pkg/resource/deploy/deployment.go`` ``generateURN``: the parent type passed is the
  parent URN's *full* ``QualifiedType()``, never only its last element;
* Pulumi's docs (``docs/iac/concepts/resources/names``): "the full type in the URN is a
  ``$`` delimited path of the parent chain of resource types that the resource is nested
  within (up to and excluding the root Stack resource)", e.g.
  ``urn:pulumi:production::acmecorp-website::custom:resources:Resource$aws:s3/bucket:Bucket::my-bucket``.

The SDK's mock monitor (``pulumi/runtime/mocks.py`` ``MockMonitor.make_urn``) keeps only
the parent's *last* type and keeps the root stack's type as a prefix; that is why the
offline engine builds URNs here instead.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "urn:pulumi:"
NAME_DELIMITER = "::"
TYPE_DELIMITER = "$"
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class AliasSpec:
    """One alias as the SDK sends it (``alias_pb2.Alias``): a URN, or parts of one."""

    urn: str = ""
    name: str = ""
    type: str = ""
    stack: str = ""
    project: str = ""
    parent_urn: str = ""
    no_parent: bool = False


def _parts(urn: str) -> list[str]:
    if not is_urn(urn):
        raise ValueError(f"not a Pulumi URN: {urn!r}")
    # The name is everything after the third "::" (it may itself contain "::").
    return urn[len(PREFIX) :].split(NAME_DELIMITER, 3)


def is_urn(value: str) -> bool:
    """Whether `value` is well-formed (``URN.IsValid``: the prefix and three ``::``)."""
    return value.startswith(PREFIX) and value.count(NAME_DELIMITER) >= 3


def qualified_type(urn: str) -> str:
    """The ``$``-joined type chain of `urn` (``urn.URN.QualifiedType``)."""
    return _parts(urn)[2]


def urn_type(urn: str) -> str:
    """The resource's own type: the last element of the qualified type (``URN.Type``)."""
    return qualified_type(urn).rsplit(TYPE_DELIMITER, 1)[-1]


def urn_name(urn: str) -> str:
    """The resource's name (``URN.Name``)."""
    return _parts(urn)[3]


def new_urn(stack: str, project: str, parent_type: str, type_: str, name: str) -> str:
    """``urn.New``: the URN of `type_` `name` below a parent of qualified type `parent_type`."""
    qualified = type_
    if parent_type and parent_type != ROOT_STACK_TYPE:
        qualified = parent_type + TYPE_DELIMITER + type_
    return PREFIX + NAME_DELIMITER.join((stack, project, qualified, name))


def resource_urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """``Deployment.generateURN``: the URN of a resource registered with `parent` (a URN or "")."""
    return new_urn(stack, project, qualified_type(parent) if parent else "", type_, name)


def root_stack_urn(stack: str, project: str) -> str:
    """The root stack's URN (``resource.DefaultRootStackURN``): named ``PROJECT-STACK``."""
    return new_urn(stack, project, "", ROOT_STACK_TYPE, f"{project}-{stack}")


def default_provider_name(version: str) -> str:
    """The name the engine gives a package's default provider for SDK `version`.

    ``pkg/resource/deploy/providers/provider.go`` ``ProviderRequest.DefaultName``:
    ``default`` alone without a version, else ``default_<major>_<minor>_<patch>``, then
    ``_<pre>`` per pre-release identifier and ``_<build>`` per build identifier.
    """
    if not version:
        return "default"
    core, _, build = version.partition("+")
    core, _, pre = core.partition("-")
    numbers = [*core.split("."), "0", "0", "0"][:3]
    name = "default_" + "_".join(str(int(n)) for n in numbers)
    for part in [p for p in pre.split(".") if p] + [b for b in build.split(".") if b]:
        name += "_" + part
    return name


def default_provider_urn(stack: str, project: str, package: str, version: str) -> str:
    """The URN of the default provider the engine creates for `package` at SDK `version`.

    Default providers have no parent (``default_providers.go``
    ``newRegisterDefaultProviderEvent``: ``Parent: ""``), so the type is
    ``pulumi:providers:<package>`` alone, wherever the resource using it sits.
    """
    return new_urn(
        stack, project, "", f"pulumi:providers:{package}", default_provider_name(version)
    )


def create_urn(name: str, type_: str, parent: str, project: str, stack: str) -> str:
    """``resource.CreateURN`` (``sdk/go/common/resource/alias.go``), which aliases use.

    With a parent, everything up to the parent URN's last ``::`` is the prefix: its stack,
    project and qualified type, then ``$`` and `type_`.
    """
    if not parent:
        return PREFIX + NAME_DELIMITER.join((stack, project, type_, name))
    return parent[: parent.rindex(NAME_DELIMITER)] + TYPE_DELIMITER + type_ + NAME_DELIMITER + name


def alias_urn(
    stack: str, project: str, name: str, type_: str, parent: str, alias: AliasSpec
) -> str:
    """The URN an alias of resource (`name`, `type_`, `parent`) stands for.

    ``pkg/resource/deploy/step_generator.go`` ``collapseAliasToUrn``: blank parts default
    to the resource's own; a parent that is the root stack, or ``noParent``, means none.
    """
    if alias.urn:
        return alias.urn
    alias_parent = alias.parent_urn or parent
    if alias.no_parent or (alias_parent and qualified_type(alias_parent) == ROOT_STACK_TYPE):
        alias_parent = ""
    return create_urn(
        alias.name or name,
        alias.type or type_,
        alias_parent,
        alias.project or project,
        alias.stack or stack,
    )


def inherited_child_alias(
    stack: str, project: str, child_type: str, child_name: str, parent_name: str, parent_alias: str
) -> str:
    """The old URN of a child whose parent was found in the old state under `parent_alias`.

    ``step_generator.go`` ``inheritedChildAlias``: a child named with its parent's name as
    prefix is looked up with the parent's old name in that prefix, below the parent's old
    qualified type (in this deployment's stack and project).
    """
    alias_name = child_name
    if child_name.startswith(parent_name):
        alias_name = urn_name(parent_alias) + child_name[len(parent_name) :]
    return new_urn(stack, project, qualified_type(parent_alias), child_type, alias_name)


def generate_aliases(
    name: str, type_: str, parent: str, aliases: list[str], parent_alias: str | None
) -> list[str]:
    """Every old URN the engine tries for a resource, after its own URN, in its order.

    ``step_generator.go`` ``generateAliases``: the resource's own aliases (already
    resolved to URNs, `alias_urn`), then — when its parent was found in the old state under
    `parent_alias` — the alias it inherits from the parent, and that inheritance applied to
    each of its own aliases. No repeats.
    """
    found = list(aliases)
    if is_urn(parent) and parent_alias and is_urn(parent_alias):
        stack, project = _parts(parent)[:2]
        parent_name = urn_name(parent)
        found.append(inherited_child_alias(stack, project, type_, name, parent_name, parent_alias))
        for alias in filter(is_urn, aliases):
            found.append(
                inherited_child_alias(
                    stack, project, urn_type(alias), urn_name(alias), parent_name, parent_alias
                )
            )
    return list(dict.fromkeys(found))
