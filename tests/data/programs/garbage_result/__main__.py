"""Writes a forged result to every descriptor it can, then ends its process."""

import os

for name in os.listdir("/proc/self/fd"):
    fd = int(name)
    if fd > 2:
        try:
            os.write(fd, b"ok\n[]\n{not a recorded run")
        except OSError:
            pass
os._exit(0)
