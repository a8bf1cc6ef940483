"""wsis-notifications: delivery over SMTP and signed webhooks, against a
real SMTP server (aiosmtpd) and a real HTTP receiver started by the test
(tests/wsis_mail.py): once each, retried with backoff, failed and reported
to staff when the server stays away, and never in the way of the loop.
"""
import hashlib
import json

import pytest

from notifications_helpers import (PRIZES, SECRETARIAT, by_key, pages, set_clock, wait_message,
                                   wait_settled)
from wsis_harness import Cluster, free_ports
from wsis_mail import SmtpSink, WebhookReceiver

ZOE = "zoe@example.org"
HOOK = "hooks@example.org"
SECRET = "s3cret-of-the-hook"
VOTING_7D = f"{PRIZES}/voting/reminder/7d"
PAST_VOTING_7D = "2022-03-24T22:00:30Z"
BEFORE_VOTING_7D = "2022-03-24T21:59:00Z"


def ref(key):
    """How notification.sent / .failed name a notification: the bus carries
    no addresses, and keys hold them."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def staff_file(tmp_path, hook_port):
    secret = tmp_path / "hook.secret"
    secret.write_text(SECRET + "\n")
    path = tmp_path / "staff.cfg"
    path.write_text(f"""staff
    name = "Zoë Ōsaka"
    email = {ZOE}
    calls = "{PRIZES}"
    channel = smtp
staff
    name = "Prizes hook"
    email = {HOOK}
    calls = "{PRIZES}"
    channel = webhook
    url = http://127.0.0.1:{hook_port}/wsis
    secret_file = {secret}
staff
    name = "WSIS Forum secretariat"
    email = {SECRETARIAT}
    calls = "*"
    channel = file
""")
    return path


class Delivery:
    """wsis-notifications with an SMTP server and a webhook receiver."""

    def __init__(self, tmp_path, smtp_delay=0.0):
        self.smtp_port, self.hook_port = free_ports(2)
        options = {
            "wsis": {"staff": staff_file(tmp_path, self.hook_port)},
            "notifications": {
                "smtp_url": f"smtp://127.0.0.1:{self.smtp_port}",
                "smtp_starttls": "false",
                "retry_base_ms": 100,
                "retry_max": 2,
                "timeout_ms": 20000,
            },
        }
        self.cluster = Cluster(tmp_path, options=options)
        self.sink = SmtpSink(self.smtp_port, delay=smtp_delay).start()
        self.hooks = WebhookReceiver(self.hook_port, SECRET).start()
        try:
            self.cluster.start("bus", "notifications")
        except BaseException:
            self.close()
            raise

    def settle_before_the_reminder(self):
        """Everything due before the 7-day reminder of the voting close
        delivered (the clock jumped from the epoch), so what a test does
        to the servers next meets that reminder first."""
        set_clock(self.cluster, BEFORE_VOTING_7D)
        wait_settled(self.cluster)

    def close(self):
        self.cluster.close()
        self.sink.stop()
        self.hooks.stop()

    def mails_to(self, key):
        return [m for m in self.sink.messages if m.message["X-WSIS-Key"] == key]

    def hooks_of(self, key):
        return [h for h in self.hooks.hooks if h.key == key]


@pytest.fixture
def delivery(tmp_path):
    d = Delivery(tmp_path)
    yield d
    d.close()


def test_smtp_delivers_once_with_its_headers(delivery):
    cluster = delivery.cluster
    set_clock(cluster, PAST_VOTING_7D)
    key = f"{VOTING_7D}/staff/{ZOE}"
    cluster.wait_until(lambda: delivery.mails_to(key), what="the reminder at the SMTP server")
    wait_settled(cluster)
    [mail] = delivery.mails_to(key)
    assert mail.rcpt_tos == [ZOE]
    assert mail.mail_from == "noreply@wsis.example.org"
    message = mail.message
    assert message["To"].addresses[0].display_name == "Zoë Ōsaka"
    assert message["Message-ID"].endswith("@wsis.example.org>")
    assert message["X-WSIS-Key"] == key
    assert "7 days" in message.get_body(preferencelist=("plain",)).get_content()
    sent = [e for e in cluster.events("notifications") if e["type"] == "notification.sent"
            and e["body"]["ref"] == ref(key)]
    assert len(sent) == 1 and sent[0]["body"]["channel"] == "smtp"
    assert "@" not in str(sent[0]["body"])      # the bus carries no addresses


def test_a_451_is_retried_and_the_message_arrives_once(delivery):
    cluster = delivery.cluster
    delivery.settle_before_the_reminder()
    delivery.sink.fail_next(1, "451 4.3.0 try again later")
    set_clock(cluster, PAST_VOTING_7D)
    key = f"{VOTING_7D}/staff/{ZOE}"
    cluster.wait_until(lambda: delivery.mails_to(key), what="the retried reminder")
    wait_settled(cluster)
    assert len(delivery.mails_to(key)) == 1
    item = by_key(pages(cluster, "notify.list", {"call": PRIZES}))[key]
    assert item["status"] == "sent" and item["attempts"] == 1


def test_a_server_that_stays_away_fails_the_message_and_staff_are_told(delivery):
    cluster = delivery.cluster
    delivery.settle_before_the_reminder()
    delivery.sink.stop()
    set_clock(cluster, PAST_VOTING_7D)
    key = f"{VOTING_7D}/staff/{ZOE}"

    def failed():
        return by_key(pages(cluster, "notify.list", {"call": PRIZES}))[key]["status"] == "failed"
    cluster.wait_until(failed, what="the reminder failed after its retries")
    item = by_key(pages(cluster, "notify.list", {"call": PRIZES}))[key]
    assert item["attempts"] == 2 and item["error"]
    events = [e for e in cluster.events("notifications") if e["type"] == "notification.failed"
              and e["body"]["ref"] == ref(key)]
    assert len(events) == 1
    report = wait_message(cluster, f"failed/{key}/staff/{SECRETARIAT}")
    text = report.get_body(preferencelist=("plain",)).get_content()
    assert key in text and ZOE in text

    # The server is back; staff retry it.
    delivery.sink = SmtpSink(delivery.smtp_port).start()
    reply = cluster.call("notifications", "notify.retry", {"key": key}, role="staff")
    assert reply["ok"], reply
    cluster.wait_until(lambda: delivery.mails_to(key), what="the retried reminder")
    wait_settled(cluster)
    assert len(delivery.mails_to(key)) == 1


def test_a_webhook_is_signed_and_delivered_once(delivery):
    cluster = delivery.cluster
    delivery.settle_before_the_reminder()
    delivery.hooks.fail_next(1, 503)
    set_clock(cluster, PAST_VOTING_7D)
    key = f"{VOTING_7D}/staff/{HOOK}"
    cluster.wait_until(lambda: [h for h in delivery.hooks_of(key) if h.status == 200],
                       what="the webhook")
    wait_settled(cluster)
    hooks = delivery.hooks_of(key)
    assert [h.status for h in hooks] == [503, 200]
    assert all(h.signature_valid for h in hooks)
    body = json.loads(hooks[-1].body)
    assert body["key"] == key and body["kind"] == "deadline_reminder" and "7 days" in body["text"]
    # Every other webhook notification went once too.
    delivered = [h.key for h in delivery.hooks.hooks if h.status == 200]
    assert len(delivered) == len(set(delivered))


def test_a_slow_mail_server_does_not_slow_the_service(tmp_path):
    d = Delivery(tmp_path, smtp_delay=8.0)
    try:
        cluster = d.cluster
        set_clock(cluster, PAST_VOTING_7D)
        # While the server sits on a message for 8 s, the loop answers.
        cluster.wait_until(lambda: pages(cluster, "notify.list", {"status": "ready"}),
                           what="mail waiting for the slow server")
        for _ in range(5):
            reply = cluster.call("notifications", "sys.ping", timeout=2.0)
            assert reply["ok"]
        assert pages(cluster, "notify.list", {"status": "ready"}), "the slow server was not slow"
    finally:
        d.close()
