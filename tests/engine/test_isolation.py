"""The isolation's parts on their own: bounded program output, the result's transport,
the completeness checks and the limits' validation."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from pulumi.output import Unknown

from storagectl.engine import ProgramError, ProgramExit, isolation, memory_limit_mb, run_program
from storagectl.engine.completion import CompletionMonitor, Constructed, check_completed
from storagectl.engine.mocks import EngineMocks
from storagectl.engine.output import HEAD_BYTES, TAIL_BYTES, CapturedOutput
from storagectl.engine.recorder import Registration
from storagectl.engine.transport import TransportError, decode, encode, plain
from tests.plans import REPO

PROGRAMS = REPO / "tests" / "data" / "programs"


def test_captured_output_keeps_head_and_tail_within_bounds() -> None:
    captured = CapturedOutput()
    captured.feed(b"first line\n")
    for _ in range(1000):
        captured.feed(b"x" * 1023 + b"\n")
    captured.feed(b"last line\n")
    text = "\n".join(captured.lines())
    assert (
        text.startswith("first line"),
        text.endswith("last line"),
        "bytes of program output not shown" in text,
        len(text) < HEAD_BYTES + TAIL_BYTES + 200,
    ) == (True, True, True, True)


def test_captured_output_escapes_terminal_controls() -> None:
    captured = CapturedOutput()
    captured.feed(b"\x1b[2Jcleared\x07\tok\n")
    assert captured.lines() == ["\\x1b[2Jcleared\\x07\tok"]


def test_recorded_run_survives_the_transport() -> None:
    run = run_program(PROGRAMS / "exports_only", "dev", {"aws:region": "eu-west-1"})
    back = decode(encode(run))
    assert (back.project, back.stack_outputs, back.registrations) == (
        run.project,
        {"greeting": "hello"},
        run.registrations,
    )


@pytest.mark.parametrize(
    "odd",
    [
        {"unknown": Unknown(), "set": {"a"}, "bytes": b"x"},
        {"nan": float("nan"), "inf": [float("-inf")]},
    ],
    ids=["values-json-cannot-carry", "non-finite-floats"],
)
def test_encoding_writes_what_the_plain_walk_writes(odd: dict[str, Any]) -> None:
    # `encode` serializes in one C pass and falls back to the `plain` walk; both must
    # give the same bytes for the same run.
    run = run_program(PROGRAMS / "exports_only", "dev", {"aws:region": "eu-west-1"})
    run.stack_outputs = {**run.stack_outputs, **odd}
    run.registrations.append(
        Registration(
            urn="urn:pulumi:dev::p::t::n",
            type="t",
            name="n",
            parent=None,
            provider=None,
            custom=True,
            protect=False,
            retain_on_delete=False,
            delete_before_replace=False,
            ignore_changes=[],
            additional_secret_outputs=[],
            dependencies=[],
            property_dependencies={},
            inputs=odd,
            outputs=odd,
        )
    )
    walked = json.loads(encode(run))
    assert walked["stack_outputs"] == plain(run.stack_outputs)
    assert (walked["registrations"][-1]["inputs"], walked["registrations"][-1]["outputs"]) == (
        plain(odd),
        plain(odd),
    )


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe",
        b"[]",
        b'{"project": 1}',
        b'{"project": "p", "stack": "s", "program": "m", "preview": false, '
        b'"registrations": [{"urn": 1}], "stack_outputs": {}, "log": []}',
        b"[" * 100000,
    ],
    ids=["not-utf8", "not-an-object", "missing-fields", "bad-registration", "deep"],
)
def test_transport_refuses_what_is_not_a_recorded_run(data: bytes) -> None:
    with pytest.raises(TransportError):
        decode(data)


def test_sys_exit_in_process_is_a_program_exit_not_an_exit() -> None:
    with pytest.raises(ProgramExit, match=r"sys.exit\(0\)"):
        run_program(PROGRAMS / "exit_zero", "dev", {"aws:region": "eu-west-1"})


def test_resource_never_registered_is_reported_by_type_and_name() -> None:
    monitor = CompletionMonitor(EngineMocks("dev", "p", "eu-west-1", "123456789012", False))
    monitor.stack_outputs_registered = True
    constructed = Constructed()
    constructed.counts[("aws:s3/bucket:Bucket", "logs")] += 1
    assert check_completed(monitor, constructed) == (
        "the program ended before 1 of its resources were registered "
        "(aws:s3/bucket:Bucket 'logs'); it must not leave work behind (threads, pending tasks)"
    )


@pytest.mark.parametrize("value", ["0", "-5", "lots"])
def test_memory_ceiling_setting_must_be_a_positive_number(value: str) -> None:
    with pytest.raises(ProgramError, match="STORAGECTL_PROGRAM_MEMORY_MB"):
        memory_limit_mb({"STORAGECTL_PROGRAM_MEMORY_MB": value})


def test_memory_ceiling_defaults_to_4_gib() -> None:
    assert memory_limit_mb({}) == 4096


def test_program_dir_paths_are_kept(tmp_path: Path) -> None:
    run = run_program(PROGRAMS / "exports_only", "dev", {})
    assert decode(encode(run)).program == run.program


def test_child_leaves_the_drivers_event_loop_working() -> None:
    # The child inherits the driver's event loop, whose epoll instance it shares. Closing
    # that loop in the child (garbage collection does) unregistered the driver's self-pipe:
    # the driver's next in-process run then waited forever for its executor threads.
    holder = [asyncio.new_event_loop()]
    loop = holder[0]
    asyncio.set_event_loop(loop)
    try:
        pid = os.fork()
        if pid == 0:
            try:
                del loop  # in the child, only the policy refers to the inherited loop
                holder.clear()
                isolation._fresh_event_loop()
                gc.collect()
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        woken = loop.create_future()
        started = time.monotonic()
        threading.Timer(0.05, loop.call_soon_threadsafe, (woken.set_result, True)).start()
        # Without its self-pipe the loop sleeps until its next timer (here 3 s) fires.
        loop.run_until_complete(asyncio.wait_for(woken, 3))
        assert time.monotonic() - started < 2
    finally:
        asyncio.set_event_loop(None)
        loop.close()
