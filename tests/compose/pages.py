"""The voter's visit to the public pages (tests/integration/pages_flow.py)
through the compose stack, in headless chromium on the host: the site at
the gateway's published port, the sign-in code read from the file channel
inside the notifications container, the next edition's prize call
(prizes-2027; the cycle has used prizes-2022), a manual clock.

scripts/check-compose.sh runs it after the prize cycle:

    python3 tests/compose/pages.py KEYS_DIR NOTIFICATIONS_CONTAINER

Screenshots go to build/test-artifacts/pages-compose/. Exit 0 when every
step of the visit went as it should.
"""
import os
import pathlib
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault("WSIS_PAGES_ARTIFACTS",
                      os.path.join(HERE, "..", "..", "build", "test-artifacts", "pages-compose"))

from cycle import Stack  # noqa: E402  (puts tests/ and tests/integration/ on the path)
import pages_flow  # noqa: E402
from browser_helpers import chromium  # noqa: E402
from contest_helpers import set_clock  # noqa: E402
from gateway_helpers import mailed_codes  # noqa: E402

CALL = "prizes-2027"
OPEN = "2026-10-01T10:00:00Z"
IN_REVIEW = "2027-02-10T10:00:00Z"
IN_VOTING = "2027-03-10T12:00:00Z"
CLOSED = "2027-04-05T10:00:00Z"
OUTBOX = "/var/lib/wsis/outbox"


class Mailbox:
    """The notifications container's file outbox, copied out whole (docker
    exec ... tar) each time it is read, for the helpers that read a
    Cluster's data_dir/outbox."""

    def __init__(self, container):
        self.container = container
        self.data_dir = pathlib.Path(tempfile.mkdtemp(prefix="wsis-outbox-"))

    def codes(self, email):
        archive = subprocess.run(["docker", "exec", self.container, "tar", "-C", os.path.dirname(OUTBOX),
                                  "-cf", "-", os.path.basename(OUTBOX)],
                                 capture_output=True, timeout=30, check=True).stdout
        with tempfile.TemporaryFile() as file:
            file.write(archive)
            file.seek(0)
            with tarfile.open(fileobj=file) as tar:
                tar.extractall(self.data_dir)       # our own container's files
        return mailed_codes(self, email)


def main():
    keys_dir, container = sys.argv[1], sys.argv[2]
    stack = Stack(keys_dir)
    mailbox = Mailbox(container)
    driver = chromium()
    try:
        set_clock(stack, OPEN)
        pages_flow.visit(driver, stack, f"http://127.0.0.1:{stack.ports['http']}", CALL, "voter.compose@example.org",
                         mailbox.codes, IN_REVIEW, IN_VOTING, CLOSED, "31 March 2027 at 23:00")
        print(f"pages: signed in, voted in {len(pages_flow.BALLOT)} categories, verified a receipt, "
              f"read the results of {CALL}")
    finally:
        driver.quit()
        stack.close()


if __name__ == "__main__":
    main()
