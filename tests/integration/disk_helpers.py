"""A small filesystem for a data folder: a size-limited tmpfs, mounted
before the services start and filled with a filler file, so that SQLite
meets a real full disk (ENOSPC), with no fault-injection hook."""
import errno
import os
import subprocess

import pytest


class SmallDisk:
    """A tmpfs of size_mb at folder; fill() leaves at most keep bytes
    free, free() deletes the filler."""

    def __init__(self, folder, size_mb=8):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            pytest.skip("a full disk needs a tmpfs mount, and mounting needs root")
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0700", "tmpfs",
                                 str(folder)], capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs at {folder}: {result.stderr.strip()}")
        self.filler = folder / "filler"

    def available(self):
        stat = os.statvfs(self.folder)
        return stat.f_bavail * stat.f_frsize

    def fill(self, keep=0):
        """Writes the filler until at most keep bytes are left (0: until
        ENOSPC)."""
        chunk = b"\0" * 65536
        with open(self.filler, "ab", buffering=0) as filler:
            while self.available() > keep:
                want = min(len(chunk), max(self.available() - keep, 4096))
                try:
                    filler.write(chunk[:want])
                except OSError as error:
                    assert error.errno == errno.ENOSPC, error
                    break

    def free(self):
        self.filler.unlink(missing_ok=True)

    def close(self):
        subprocess.run(["umount", "-l", str(self.folder)], capture_output=True)
