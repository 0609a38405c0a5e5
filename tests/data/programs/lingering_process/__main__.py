"""Starts a process that outlives the program (it holds the output pipe open)."""

import os
import pathlib
import subprocess

import pulumi

sleeper = subprocess.Popen(["sleep", "300"])
pathlib.Path(os.environ["LINGERING_PID_FILE"]).write_text(str(sleeper.pid))
pulumi.export("sleeper", sleeper.pid)
