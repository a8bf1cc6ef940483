"""wsis-notifications: public subscriptions to the reminders of open calls,
with double opt-in and a working unsubscribe (docs/protocol.md section 11,
RFC 8058).
"""
import re

from notifications_helpers import (PRIZES, body_text, outbox, pages, set_clock, wait_message,
                                   wait_settled)

READER = "reader@example.org"


def start(cluster):
    cluster.start("bus", "notifications")


def subscribe(cluster, email=READER, calls=None, role="public"):
    body = {"email": email}
    if calls is not None:
        body["calls"] = calls
    return cluster.call("notifications", "notify.subscribe", body, role=role)


def confirmation(cluster, email=READER):
    """The token, as the confirmation mail gives it to the address."""
    messages = {}

    def arrived():
        messages.update({k: m for k, m in outbox(cluster).items() if k.startswith(f"subscribe/{email}/")})
        return bool(messages)
    cluster.wait_until(arrived, what="a confirmation mail")
    assert len(messages) == 1, list(messages)
    key, message = messages.popitem()
    token = key.rsplit("/", 1)[1]
    assert token in body_text(message)
    return token, message


def test_double_opt_in_then_reminders_then_unsubscribe(cluster):
    start(cluster)
    reply = subscribe(cluster, calls=[PRIZES])
    assert reply["ok"], reply
    assert reply["body"] == {"email": READER, "status": "pending"}
    assert "token" not in str(reply)
    token, _ = confirmation(cluster)
    # Asking again sends nothing new: an address cannot be flooded.
    assert subscribe(cluster, calls=[PRIZES])["body"]["status"] == "pending"
    wait_settled(cluster)
    token_again, _ = confirmation(cluster)
    assert token_again == token
    # Nothing scheduled for the address before it is confirmed.
    assert not [i for i in pages(cluster, "notify.list", {"kind": "subscriber_reminder"})]

    reply = cluster.call("notifications", "notify.confirm", {"token": token}, role="public")
    assert reply["ok"], reply
    assert reply["body"] == {"email": READER, "calls": PRIZES, "status": "active"}
    reminders = pages(cluster, "notify.list", {"kind": "subscriber_reminder"})
    assert reminders and all(r["call"] == PRIZES and r["to"] == READER for r in reminders)
    assert {r["status"] for r in reminders} == {"scheduled"}

    # 7 days before the Prizes submission close.
    set_clock(cluster, "2022-01-14T22:00:30Z")
    key = f"{PRIZES}/submission/reminder/7d/subscriber/{READER}"
    message = wait_message(cluster, key)
    unsubscribe = message["List-Unsubscribe"]
    assert f"subject=unsubscribe%20{token}" in unsubscribe and unsubscribe.count("<") == 2
    assert re.search(r"<https://[^>]*" + token + ">", unsubscribe)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert token in body_text(message)

    reply = cluster.call("notifications", "notify.unsubscribe", {"token": token}, role="public")
    assert reply["ok"] and reply["body"]["status"] == "removed", reply
    later = [r for r in pages(cluster, "notify.list", {"kind": "subscriber_reminder"})
             if r["due"] > "2022-01-14T22:00:30Z"]
    assert later and {r["status"] for r in later} == {"skipped"}
    # Confirming a removed subscription does not bring it back.
    reply = cluster.call("notifications", "notify.confirm", {"token": token}, role="public")
    assert reply["error"]["code"] == "conflict"


def test_bad_requests_are_refused_with_the_field(cluster):
    start(cluster)
    reply = subscribe(cluster, email="not-an-address")
    assert reply["error"]["code"] == "validation" and reply["error"]["field"] == "email"
    reply = subscribe(cluster, calls=[PRIZES, "prizes-1999"])
    assert reply["error"]["code"] == "validation" and reply["error"]["field"] == "calls.1"
    reply = cluster.call("notifications", "notify.confirm", {"token": "0" * 32}, role="public")
    assert reply["error"]["code"] == "not_found" and reply["error"]["field"] == "token"
    reply = cluster.call("notifications", "notify.confirm", {"token": "short"}, role="public")
    assert reply["error"]["code"] == "validation"
    # By address: staff only.
    reply = cluster.call("notifications", "notify.unsubscribe", {"email": READER}, role="public")
    assert reply["error"]["code"] == "forbidden"
    reply = cluster.call("notifications", "notify.unsubscribe", {"email": READER}, role="staff")
    assert reply["error"]["code"] == "not_found"
    reply = cluster.call("notifications", "notify.unsubscribe", {}, role="staff")
    assert reply["error"]["code"] == "validation"
    assert not outbox(cluster)


def test_staff_unsubscribe_an_address(cluster):
    start(cluster)
    assert subscribe(cluster)["ok"]
    token, _ = confirmation(cluster)
    assert cluster.call("notifications", "notify.confirm", {"token": token}, role="public")["ok"]
    reply = cluster.call("notifications", "notify.unsubscribe", {"email": READER.upper()},
                         role="staff")
    assert reply["ok"] and reply["body"]["status"] == "removed", reply
    assert {r["status"] for r in pages(cluster, "notify.list", {"kind": "subscriber_reminder"})} \
        == {"skipped"}
    # A new subscription starts over with a new token.
    assert subscribe(cluster)["body"]["status"] == "pending"
    wait_settled(cluster)
    tokens = [k.rsplit("/", 1)[1] for k in outbox(cluster) if k.startswith(f"subscribe/{READER}/")]
    assert len(tokens) == 2 and token in tokens
