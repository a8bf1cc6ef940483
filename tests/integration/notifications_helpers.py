"""Helpers of the wsis-notifications tests: the file outbox read as a mail
reader would, the service's listings paged through, and the clock.

The file channel writes one RFC 5322 message per notification into
<data dir>/outbox/, renamed into place whole; Python's own email package
parses them here, so a test reads what a person would read.
"""
import email
import email.policy

PRIZES = "prizes-2022"
PRIZES_STAFF = "wsis-prizes@example.org"
SECRETARIAT = "wsis-secretariat@example.org"


def outbox(cluster):
    """Every message in the file outbox: {X-WSIS-Key: parsed message}."""
    folder = cluster.data_dir / "outbox"
    messages = {}
    if not folder.exists():
        return messages
    for path in sorted(folder.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        key = message["X-WSIS-Key"]
        assert key not in messages, f"two files for {key}"
        messages[key] = message
    return messages


def wait_message(cluster, key, timeout=20.0):
    """The message of that notification, once it is in the outbox."""
    found = {}

    def arrived():
        messages = outbox(cluster)
        if key in messages:
            found["message"] = messages[key]
            return True
        return False
    cluster.wait_until(arrived, timeout=timeout, what=f"a message {key} in the outbox")
    return found["message"]


def body_text(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def pages(cluster, op, body=None, role="staff"):
    """Every item of a paged listing ({items, next})."""
    body = dict(body or {})
    items = []
    while True:
        reply = cluster.call("notifications", op, body, role=role)
        assert reply["ok"], reply
        items += reply["body"]["items"]
        if reply["body"]["next"] is None:
            return items
        body["after"] = reply["body"]["next"]


def by_key(items):
    return {item["key"]: item for item in items}


def set_clock(cluster, now, *names):
    for name in names or ("notifications",):
        reply = cluster.call(name, "sys.clock.set", {"now": now})
        assert reply["ok"], reply


def settled(cluster):
    """True when nothing is waiting to be delivered: every notification that
    came due is sent, failed or skipped."""
    return not pages(cluster, "notify.list", {"status": "ready"})


def wait_settled(cluster, timeout=20.0):
    cluster.wait_until(lambda: settled(cluster), timeout=timeout, what="every due notification delivered")
