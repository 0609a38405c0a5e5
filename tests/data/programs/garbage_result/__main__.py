"""Writes a forged result to every descriptor it can, then ends its process."""

import contextlib
import os

for name in os.listdir("/proc/self/fd"):
    fd = int(name)
    if fd > 2:
        with contextlib.suppress(OSError):
            os.write(fd, b"ok\n[]\n{not a recorded run")
os._exit(0)
