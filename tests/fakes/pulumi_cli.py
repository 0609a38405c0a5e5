"""A stand-in for the `pulumi` executable: records what reaches it, answers as the CLI does.

Tests put a `pulumi` script first on PATH (see `tests/fakes/fake_cli.py`) that runs this
module with the test's Python. Each invocation appends one JSON line to
``$FAKE_PULUMI_DIR/calls.jsonl`` with its argv, working directory and environment, then
answers from ``$FAKE_PULUMI_DIR/scenario.json``:

* ``version`` prints the scenario's version (``v3.210.0`` unless it says otherwise);
* ``whoami --json``, ``stack select|init``, ``stack output --json [--show-secrets]`` and
  ``stack history --json`` answer with the scenario's data, as the CLI prints them;
* ``preview``, ``up``, ``refresh``, ``destroy`` stream the scenario's engine events for
  that command to ``--event-log`` — a file (CLI <= 3.205) or, as newer CLIs do, the
  Automation API's gRPC ``Events`` service at ``tcp://host:port`` — then print its stdout
  and exit with its exit code.

The event shapes follow the CLI's documented JSON event stream (``pulumi preview --json``
/ ``--event-log``: ``preludeEvent``, ``resourcePreEvent``, ``summaryEvent``...).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ENGINE_COMMANDS = ("preview", "up", "refresh", "destroy")


def main(argv: list[str]) -> int:
    """Record the call, then answer it from the scenario."""
    home = Path(os.environ["FAKE_PULUMI_DIR"])
    with (home / "calls.jsonl").open("a", encoding="utf-8") as log:
        log.write(json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}) + "\n")
    scenario: dict[str, Any] = json.loads((home / "scenario.json").read_text("utf-8"))
    words = [a for a in argv if not a.startswith("-")]
    command = words[0] if words else ""
    if command == "version":
        print(scenario.get("version", "v3.210.0"))
        return 0
    if command == "whoami":
        answer = scenario.get("whoami")
        if answer is None:
            message = scenario.get("whoami_error", "PULUMI_ACCESS_TOKEN must be set for login")
            print(f"error: {message}", file=sys.stderr)
            return 255
        print(json.dumps(answer))
        return 0
    if command == "stack":
        return _stack(words[1:] if len(words) > 1 else [], argv, scenario)
    if command in ENGINE_COMMANDS:
        return _engine(command, argv, scenario)
    print(f"error: fake pulumi: unsupported command {argv}", file=sys.stderr)
    return 255


def _stack(words: list[str], argv: list[str], scenario: dict[str, Any]) -> int:
    sub = words[0] if words else ""
    if sub in ("select", "init"):
        missing = scenario.get("missing_stacks", [])
        name = argv[argv.index("--stack") + 1] if "--stack" in argv else words[-1]
        if sub == "select" and name in missing:
            print(f"error: no stack named '{name}' found", file=sys.stderr)
            return 255
        return 0
    if sub == "output":
        outputs = scenario.get("outputs", {})
        if "--show-secrets" not in argv:
            secret = set(scenario.get("secret_outputs", []))
            outputs = {k: ("[secret]" if k in secret else v) for k, v in outputs.items()}
        print(json.dumps(outputs))
        return 0
    if sub == "history":
        print(json.dumps(scenario.get("history", [])))
        return 0
    if sub == "export":
        print(json.dumps(scenario.get("export", {"version": 3, "deployment": {}})))
        return 0
    print(f"error: fake pulumi: unsupported stack command {argv}", file=sys.stderr)
    return 255


def _engine(command: str, argv: list[str], scenario: dict[str, Any]) -> int:
    key = command
    if command == "refresh" and "--preview-only" in argv:
        key = "refresh-preview"
    if command == "destroy" and "--preview-only" in argv:
        key = "destroy-preview"
    answer = scenario.get(key, {})
    if "--event-log" in argv:
        events = [
            {"sequence": i, "timestamp": int(time.time()), **event}
            for i, event in enumerate(answer.get("events", []))
        ]
        _send(argv[argv.index("--event-log") + 1], events)
    sys.stdout.write(answer.get("stdout", ""))
    sys.stderr.write(answer.get("stderr", ""))
    return int(answer.get("exit", 0))


def _send(target: str, events: list[dict[str, Any]]) -> None:
    if target.startswith("tcp://"):
        import grpc
        from pulumi.runtime.proto import events_pb2, events_pb2_grpc

        with grpc.insecure_channel(target.removeprefix("tcp://")) as channel:
            stub = events_pb2_grpc.EventsStub(channel)
            stub.StreamEvents(iter([events_pb2.EventRequest(event=json.dumps(e)) for e in events]))
        return
    with open(target, "a", encoding="utf-8") as log:
        for event in events:
            log.write(json.dumps(event) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
