"""The policy pack started exactly as the Pulumi CLI starts it, answering the analyzer protocol.

The CLI's Python language host (pulumi/pulumi `sdk/python/cmd/pulumi-language-python/
main.go` `RunPlugin`, kind `analyzer`) runs `<virtualenv>/bin/python -u -m pulumi.policy
<engine address> <pack dir>` in the pack directory, with `PULUMI_PROJECT`, `PULUMI_STACK`,
`PULUMI_DRY_RUN` and `PULUMI_CONFIG` set; the virtualenv is the one `PulumiPolicy.yaml`
names, relative to the pack (`sdk/python/toolchain/pip.go`). The pack prints its port; the
engine then calls `GetAnalyzerInfo`, `Configure` (the pack config reconciled with the
policies' schema defaults: `pkg/resource/analyzer/config.go` `ReconcilePolicyPackConfig`),
`Analyze` per resource with its inputs and `AnalyzeStack` with every resource's outputs
(`pkg/resource/deploy/step_generator.go` `analyzeAll`, `AnalyzeResources`).

Here the test is the engine: it speaks that protocol with the installed `pulumi` SDK's
generated stubs, feeding the resources of a real `storagectl plan`, and checks that the
pack's answers are the violations the plan reports — for a shipped stack and for one
weakened on purpose.
"""

from __future__ import annotations

import copy
import json
import os
import select
import subprocess
from collections.abc import Iterator, Mapping
from concurrent import futures
from importlib.metadata import version
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, engine_pb2_grpc
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from storagectl.engine.urns import default_provider_urn, root_stack_urn
from storagectl.policy.evaluate import evaluate_plan
from tests.plans import REPO, STACKS, plan_of

PACK = REPO / "policies"
STARTUP_SECONDS = 30
LEVELS = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
NAMES = {value: name for name, value in LEVELS.items()}


def pack_python() -> Path:
    """The interpreter the CLI would use: `runtime.options.virtualenv` of PulumiPolicy.yaml."""
    project = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    venv = Path(project["runtime"]["options"]["virtualenv"])
    return (venv if venv.is_absolute() else PACK / venv) / "bin" / "python"


class _Analyzer:
    """A started pack: its process, and a client speaking the analyzer protocol to it."""

    def __init__(self, process: subprocess.Popen[bytes], stub: Any, channel: grpc.Channel) -> None:
        self.process, self.stub, self.channel = process, stub, channel


def _read_port(process: subprocess.Popen[bytes]) -> int:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], STARTUP_SECONDS)
    line = process.stdout.readline() if ready else b""
    if not line.strip().isdigit():
        process.kill()
        _, err = process.communicate(timeout=5)
        raise AssertionError(
            f"the pack did not print its port: {line!r}; stderr: {err.decode(errors='replace')}"
        )
    return int(line)


@pytest.fixture(scope="module")
def analyzer() -> Iterator[_Analyzer]:
    python = pack_python()
    assert python.exists(), f"{python}: missing; `scripts/bootstrap` creates the pack's virtualenv"
    # The engine the pack is told about: it only needs to exist (the pack logs nothing).
    engine = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    engine_pb2_grpc.add_EngineServicer_to_server(engine_pb2_grpc.EngineServicer(), engine)
    engine_port = engine.add_insecure_port("127.0.0.1:0")
    engine.start()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(
        PULUMI_PROJECT="backend-storage",
        PULUMI_STACK="prod",
        PULUMI_DRY_RUN="false",
        PULUMI_CONFIG=json.dumps({"aws:region": "eu-west-1"}),
    )
    process = subprocess.Popen(
        [str(python), "-u", "-m", "pulumi.policy", f"127.0.0.1:{engine_port}", str(PACK)],
        cwd=PACK,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        port = _read_port(process)
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=STARTUP_SECONDS)
        yield _Analyzer(process, analyzer_pb2_grpc.AnalyzerStub(channel), channel)
        channel.close()
    finally:
        process.kill()
        process.communicate(timeout=10)
        engine.stop(0)


# --- the engine's side: config, and plan resources as analyzer messages -----------------


def reconcile(info: Any, config_file: Path | None) -> dict[str, analyzer_pb2.PolicyConfig]:
    """`ReconcilePolicyPackConfig`: schema defaults, then `all`, then each policy's entry."""
    result: dict[str, tuple[int, dict[str, Any]]] = {}
    for policy in info.policies:
        schema = json_format.MessageToDict(policy.configSchema.properties)
        defaults = {k: v["default"] for k, v in schema.items() if "default" in v}
        result[policy.name] = (policy.enforcementLevel, defaults)
    given = json.loads(config_file.read_text(encoding="utf-8")) if config_file else {}
    if isinstance(given.get("all"), str):
        result = {name: (LEVELS[given["all"]], props) for name, (_, props) in result.items()}
    for name, entry in given.items():
        if name == "all" or name not in result:
            continue
        level, props = result[name]
        if isinstance(entry, str):
            level = LEVELS[entry]
        else:
            level = LEVELS.get(entry.get("enforcementLevel"), level)
            props = {**props, **{k: v for k, v in entry.items() if k != "enforcementLevel"}}
        result[name] = (level, props)
    out = {}
    for name, (level, props) in result.items():
        message = analyzer_pb2.PolicyConfig(enforcementLevel=level)
        message.properties.update(props)
        out[name] = message
    return out


def _engine_value(value: Any) -> Any:
    # The plan's "[unknown]" marker is what the engine sends as the unknown sentinel.
    if value == "[unknown]":
        return UNKNOWN_STRING_VALUE
    if isinstance(value, dict):
        return {k: _engine_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_engine_value(v) for v in value]
    return value


def _struct(values: Mapping[str, Any] | None) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(_engine_value(dict(values or {})))
    return message


class EngineView:
    """The plan's resources as the engine holds them, default providers and root stack too."""

    def __init__(self, plan: Mapping[str, Any]) -> None:
        stack, project = plan["stack"], plan["project"]
        self.resources: list[dict[str, Any]] = [dict(r) for r in plan["resources"]]
        config = plan["config"]
        defaults: dict[str, dict[str, Any]] = {}
        for resource in self.resources:
            package = resource["type"].split(":", 1)[0]
            if resource["provider"] or package == "pulumi" or not resource["custom"]:
                continue
            # The engine creates the package's default provider from the stack config
            # (`default_providers.go`; `Target.GetPackageConfig`: structured values as JSON).
            sdk = version(f"pulumi_{package}")
            urn = default_provider_urn(stack, project, package, sdk)
            if urn not in defaults:
                inputs = {
                    key.split(":", 1)[1]: value if isinstance(value, str) else json.dumps(value)
                    for key, value in config.items()
                    if key.startswith(f"{package}:")
                }
                defaults[urn] = {
                    "urn": urn,
                    "type": f"pulumi:providers:{package}",
                    "name": urn.rsplit("::", 1)[1],
                    "parent": None,
                    "provider": None,
                    "custom": True,
                    "protect": False,
                    "dependencies": [],
                    "property_dependencies": {},
                    "inputs": {**inputs, "version": sdk},
                    "outputs": {**inputs, "version": sdk},
                }
            resource["provider"] = urn
        root = root_stack_urn(stack, project)
        self.root = {
            "urn": root,
            "type": "pulumi:pulumi:Stack",
            "name": f"{project}-{stack}",
            "parent": None,
            "provider": None,
            "custom": False,
            "protect": False,
            "dependencies": [],
            "property_dependencies": {},
            "inputs": {},
            "outputs": plan.get("outputs") or {},
        }
        self.providers = {**defaults, **{r["urn"]: r for r in self.resources}}
        self.everything = [self.root, *defaults.values(), *self.resources]

    def _options(self, r: Mapping[str, Any]) -> analyzer_pb2.AnalyzerResourceOptions:
        return analyzer_pb2.AnalyzerResourceOptions(
            protect=bool(r["protect"]),
            ignoreChanges=r.get("ignore_changes") or [],
            deleteBeforeReplace=bool(r.get("delete_before_replace")),
            deleteBeforeReplaceDefined=r.get("delete_before_replace") is not None,
            additionalSecretOutputs=r.get("additional_secret_outputs") or [],
            aliases=r.get("aliases") or [],
            parent=r["parent"] or "",
        )

    def _provider(self, r: Mapping[str, Any]) -> analyzer_pb2.AnalyzerProviderResource | None:
        provider = self.providers.get(r["provider"] or "")
        if provider is None:
            return None
        return analyzer_pb2.AnalyzerProviderResource(
            type=provider["type"],
            properties=_struct(provider["inputs"]),
            urn=provider["urn"],
            name=provider["name"],
        )

    def analyze_requests(self) -> list[analyzer_pb2.AnalyzeRequest]:
        """One `Analyze` per registered resource, with its inputs."""
        return [
            analyzer_pb2.AnalyzeRequest(
                type=r["type"],
                properties=_struct(r["inputs"]),
                urn=r["urn"],
                name=r["name"],
                options=self._options(r),
                provider=self._provider(r),
            )
            for r in self.resources
        ]

    def analyze_stack_request(self) -> analyzer_pb2.AnalyzeStackRequest:
        """`AnalyzeStack` over every resource of the stack, with its outputs."""
        return analyzer_pb2.AnalyzeStackRequest(
            resources=[
                analyzer_pb2.AnalyzerResource(
                    type=r["type"],
                    properties=_struct(r["outputs"] if r["outputs"] is not None else r["inputs"]),
                    urn=r["urn"],
                    name=r["name"],
                    options=self._options(r),
                    provider=self._provider(r),
                    parent=r["parent"] or "",
                    dependencies=r["dependencies"],
                    propertyDependencies={
                        k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v)
                        for k, v in r["property_dependencies"].items()
                    },
                )
                for r in self.everything
            ]
        )


def analyze(analyzer: _Analyzer, plan: Mapping[str, Any], config: Path | None) -> set[tuple]:
    """(policy, enforcement, urn, message) of every violation the started pack reports."""
    stub = analyzer.stub
    info = stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    stub.Configure(
        analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=reconcile(info, config)), timeout=30
    )
    view = EngineView(plan)
    diagnostics = []
    for request in view.analyze_requests():
        response = stub.Analyze(request, timeout=30)
        diagnostics += [(d, request.urn) for d in response.diagnostics]
    response = stub.AnalyzeStack(view.analyze_stack_request(), timeout=30)
    diagnostics += [(d, d.urn) for d in response.diagnostics]
    found = set()
    for d, urn in diagnostics:
        # The pack sends "<description>\n<message>"; the plan keeps the message alone.
        message = (
            d.message[len(d.description) + 1 :]
            if d.message.startswith(d.description)
            else d.message
        )
        found.add((d.policyName, NAMES[d.enforcementLevel], urn, message))
    return found


def reported(plan: Mapping[str, Any]) -> set[tuple]:
    """The same tuples from the plan's own `violations`."""
    return {(v["policy"], v["enforcement"], v["urn"], v["message"]) for v in plan["violations"]}


# --- the tests --------------------------------------------------------------------------


def test_pack_virtualenv_holds_the_packs_requirements_only() -> None:
    # The CLI never adds the project's .venv: the pack must start from its own requirements,
    # and must not quietly rely on the program's (pulumi_aws is not one of them).
    probe = (
        "import importlib.util as u; "
        "print([u.find_spec(m) is not None for m in ('pulumi_policy', 'pulumi_aws')])"
    )
    done = subprocess.run(
        [str(pack_python()), "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.strip() == "[True, False]", done.stderr


def test_pack_describes_itself_as_the_registry(analyzer: _Analyzer) -> None:
    from storagectl.policy.evaluate import load_pack

    info = analyzer.stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    assert (info.name, sorted(p.name for p in info.policies)) == (
        "backend-storage",
        sorted(rule.name for rule in load_pack().REGISTRY),
    )


@pytest.mark.parametrize("stack", STACKS)
def test_shipped_stack_gets_the_plans_violations(analyzer: _Analyzer, stack: str) -> None:
    plan = plan_of(stack)
    assert analyze(analyzer, plan, PACK / "config" / f"{stack}.json") == reported(plan)


def _weakened(plan: Mapping[str, Any]) -> dict[str, Any]:
    """prod with every bucket's server-side encryption configuration and one tag removed."""
    weak = copy.deepcopy(dict(plan))
    weak["resources"] = [
        r
        for r in weak["resources"]
        if r["type"]
        != "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ]
    (key,) = [r for r in weak["resources"] if r["name"] == "backend-storage-prod-confidential-key"]
    for side in ("inputs", "outputs"):
        key[side]["tags"] = {k: v for k, v in key[side]["tags"].items() if k != "owner"}
    weak["violations"] = evaluate_plan(weak, PACK / "config" / "prod.json")
    return weak


def test_weakened_stack_gets_the_plans_violations(analyzer: _Analyzer) -> None:
    weak = _weakened(plan_of("prod"))
    found = analyze(analyzer, weak, PACK / "config" / "prod.json")
    new = {v[0] for v in reported(weak) - reported(plan_of("prod"))}
    assert (found, new) == (
        reported(weak),
        {"s3-bucket-enforce-kms-encryption", "aws-resource-missing-required-tags"},
    )
