"""wsis-notifications: delivery over SMTP and signed webhooks, against a
real SMTP server (aiosmtpd) and a real HTTP receiver started by the test
(tests/wsis_mail.py): once each, retried with backoff, failed and reported
to staff when the server stays away or refuses for good, over STARTTLS
with AUTH, across a kill -9 in the middle of a delivery (also with the
reminder's deadline moved meanwhile: what went out is not rewritten), and
never in the way of the loop.
"""
import hashlib
import json
import signal

import pytest

from nominations_helpers import project
from test_50_notifications_reminders import own_calendar
from notifications_helpers import (PRIZES, SECRETARIAT, by_key, pages, set_clock, wait_message,
                                   wait_settled)
from wsis_harness import Cluster, FakeSource, free_ports
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
    """wsis-notifications with an SMTP server and a webhook receiver;
    sink_options go to the SmtpSink, smtp_options to the service's
    notifications section, and sources are stood in for by FakeSource
    (in sources, by name)."""

    def __init__(self, tmp_path, smtp_delay=0.0, sink_options=None, smtp_options=None,
                 sources=()):
        self.smtp_port, self.hook_port = free_ports(2)
        self.sink = SmtpSink(self.smtp_port, delay=smtp_delay, **(sink_options or {}))
        options = {
            "wsis": {"staff": staff_file(tmp_path, self.hook_port)},
            "notifications": {
                "smtp_url": f"smtp://127.0.0.1:{self.smtp_port}",
                "smtp_starttls": "false",
                "retry_base_ms": 100,
                "retry_max": 2,
                "timeout_ms": 20000,
                **(smtp_options or {}),
            },
        }
        self.cluster = Cluster(tmp_path, options=options)
        self.sink.start()
        self.hooks = WebhookReceiver(self.hook_port, SECRET).start()
        self.sources = {}
        try:
            self.cluster.start("bus")
            self.sources = {name: FakeSource(self.cluster, name) for name in sources}
            self.cluster.start("notifications")
        except BaseException:
            self.close()
            raise

    def settle_before_the_reminder(self):
        """Everything due before the 7-day reminder of the voting close
        delivered (the clock jumped from the epoch), so what a test does
        to the servers next meets that reminder first."""
        set_clock(self.cluster, BEFORE_VOTING_7D)
        wait_settled(self.cluster)

    def kill_while_in_flight(self, kept_before_the_reply):
        """The 7-day reminder to Zoë in flight, the SMTP server sitting on
        it (having kept it, or not yet), and the service killed (-9)
        there; the server answers at once from then on. Its key."""
        key = f"{VOTING_7D}/staff/{ZOE}"
        arrived = len(self.sink.arrivals.items)
        self.sink.delay = 60.0
        self.sink.keep_before_reply = kept_before_the_reply
        set_clock(self.cluster, PAST_VOTING_7D)
        self.sink.wait_arrivals(arrived + 1)
        # Everything else of that instant (the webhook, the file) delivered
        # and recorded: this message is the one in flight.
        self.cluster.wait_until(lambda: [i["key"] for i in pages(self.cluster, "notify.list",
                                                                 {"status": "ready"})] == [key],
                                what="only the slow message in flight")
        self.cluster.kill("notifications", signal.SIGKILL)
        self.sink.delay = 0.0
        self.sink.keep_before_reply = False
        return key

    def close(self):
        self.cluster.close()
        for source in self.sources.values():
            source.close()
        self.sink.stop()
        self.hooks.stop()

    def item(self, key):
        return by_key(pages(self.cluster, "notify.list", {"call": PRIZES}))[key]

    def wait_status(self, key, status):
        self.cluster.wait_until(lambda: self.item(key)["status"] == status,
                                what=f"{key} {status}")
        return self.item(key)

    def events_of(self, type, key):
        return [e for e in self.cluster.events("notifications") if e["type"] == type
                and e["body"]["ref"] == ref(key)]

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


def test_a_permanent_refusal_fails_at_once_and_a_transient_one_is_retried(delivery):
    """The retry policy, branch by branch (docs/protocol.md section 11): an
    SMTP 5xx and an HTTP 4xx other than 408 and 429 are final, failed at
    the first answer and reported; a 429 is retried like a 451 or a 503."""
    cluster = delivery.cluster
    delivery.settle_before_the_reminder()
    arrived, kept = len(delivery.sink.arrivals.items), len(delivery.sink.messages)
    delivery.sink.fail_next(1, "550 5.1.1 no such user")
    delivery.hooks.fail_next(1, 404)
    set_clock(cluster, PAST_VOTING_7D)
    mail_key, hook_key = f"{VOTING_7D}/staff/{ZOE}", f"{VOTING_7D}/staff/{HOOK}"
    for key, answer in ((mail_key, "550 5.1.1 no such user"), (hook_key, "404")):
        item = delivery.wait_status(key, "failed")
        assert item["attempts"] == 0 and answer in item["error"], item
        assert len(delivery.events_of("notification.failed", key)) == 1
        wait_message(cluster, f"failed/{key}/staff/{SECRETARIAT}")
    wait_settled(cluster)
    # Asked once each, never again (what else reached the server since is
    # staff's reports of the two failures, by Zoë's channel).
    assert not delivery.mails_to(mail_key)
    refused = len(delivery.sink.arrivals.items) - arrived - (len(delivery.sink.messages) - kept)
    assert refused == 1
    assert [h.status for h in delivery.hooks_of(hook_key)] == [404]

    # A 429 asks to come back later: retried, delivered once.
    delivery.hooks.fail_next(1, 429)
    set_clock(cluster, "2022-03-30T21:00:30Z")      # the 1-day reminder of the voting close
    key = f"{PRIZES}/voting/reminder/1d/staff/{HOOK}"
    item = delivery.wait_status(key, "sent")
    assert item["attempts"] == 1
    assert [h.status for h in delivery.hooks_of(key)] == [429, 200]


def starttls_delivery(tmp_path, password):
    """Delivery through a server that requires STARTTLS, then AUTH as
    wsis-notifications with "right password"; the service is given
    password in its password file and trusts the server's throwaway
    certificate through notifications/smtp_ca_file."""
    tls = tmp_path / "tls"
    tls.mkdir()
    secret = tmp_path / "smtp.password"
    secret.write_text(password + "\n")
    secret.chmod(0o600)
    return Delivery(tmp_path,
                    sink_options={"tls_dir": str(tls),
                                  "auth": ("wsis-notifications", "right password")},
                    smtp_options={"smtp_starttls": "true", "smtp_user": "wsis-notifications",
                                  "smtp_password_file": secret,
                                  "smtp_ca_file": tls / "cert.pem"})


def test_mail_goes_over_starttls_with_the_configured_user_and_password(tmp_path):
    d = starttls_delivery(tmp_path, "right password")
    try:
        cluster = d.cluster
        set_clock(cluster, PAST_VOTING_7D)
        key = f"{VOTING_7D}/staff/{ZOE}"
        # The server takes no MAIL before STARTTLS and AUTH: what it has
        # came encrypted, from the configured user.
        item = d.wait_status(key, "sent")
        assert item["attempts"] == 0
        [mail] = d.mails_to(key)
        assert mail.rcpt_tos == [ZOE] and mail.message["X-WSIS-Key"] == key
        assert d.sink.auth_refused == 0
        wait_settled(cluster)
        assert not [i for i in pages(cluster, "notify.list", {"status": "failed"})
                    if i["channel"] == "smtp"]
    finally:
        d.close()


def test_a_wrong_smtp_password_is_retried_then_failed_and_reported(tmp_path):
    """A 535 to AUTH is our configuration, not the message: retried with
    backoff like a server that is down, then failed after retry_max."""
    d = starttls_delivery(tmp_path, "wrong password")
    try:
        cluster = d.cluster
        d.settle_before_the_reminder()
        refused = d.sink.auth_refused
        set_clock(cluster, PAST_VOTING_7D)
        key = f"{VOTING_7D}/staff/{ZOE}"
        item = d.wait_status(key, "failed")
        assert item["attempts"] == 2 and "login refused" in item["error"], item
        # Each of the three tries logged in, and was refused.
        assert d.sink.auth_refused >= refused + 3
        assert not d.sink.messages
        assert len(d.events_of("notification.failed", key)) == 1
        report = wait_message(cluster, f"failed/{key}/staff/{SECRETARIAT}")
        assert "535" in report.get_body(preferencelist=("plain",)).get_content()
    finally:
        d.close()


@pytest.mark.parametrize("kept_before_the_reply", [False, True],
                         ids=["killed-before-the-server-took-it",
                              "killed-after-the-server-took-it"])
def test_a_kill_9_while_mail_is_in_flight_sends_it_once(tmp_path, kept_before_the_reply):
    """kill -9 while the SMTP server sits on a message. Killed before the
    server took it: after the restart it arrives exactly once. Killed
    after the server took it but before the service learned so (the
    server keeps it, then is slow to say 250): the resend carries the
    same Message-ID, so the other side can tell, and nothing else comes
    twice."""
    d = Delivery(tmp_path)
    try:
        cluster = d.cluster
        d.settle_before_the_reminder()
        key = d.kill_while_in_flight(kept_before_the_reply)
        cluster.start("notifications")

        item = d.wait_status(key, "sent")
        wait_settled(cluster)
        mails = d.mails_to(key)
        if kept_before_the_reply:
            assert len(mails) == 2
            assert mails[0].message["Message-ID"] == mails[1].message["Message-ID"]
            assert mails[0].data == mails[1].data
        else:
            assert len(mails) == 1
        assert item["attempts"] == 0
        assert len(d.events_of("notification.sent", key)) == 1
        # Nothing else twice, by key and by Message-ID.
        others = [m for m in d.sink.messages if m.message["X-WSIS-Key"] != key]
        assert len({m.message["X-WSIS-Key"] for m in others}) == len(others)
        assert len({m.message["Message-ID"] for m in others}) == len(others)
        delivered = [h.key for h in d.hooks.hooks if h.status == 200]
        assert len(delivered) == len(set(delivered))
    finally:
        d.close()


def test_a_kill_9_while_a_reminder_is_in_flight_and_its_deadline_moves_leaves_it_as_it_was(
        tmp_path):
    """kill -9 while the SMTP server sits on a reminder it has kept, and
    the voting deadline moved in the calendar while the service was down:
    the message that may be in a mailbox already is sent again as it was
    (same Message-ID, same bytes, the old deadline), not rewritten; the
    new deadline's reminder is a message of its own."""
    d = Delivery(tmp_path)
    try:
        cluster = d.cluster
        calendar = own_calendar(cluster, tmp_path)
        cluster.stop("notifications")
        cluster.start("notifications")
        d.settle_before_the_reminder()
        key = d.kill_while_in_flight(True)
        old_end, new_end = 'end = "2022-03-31 23:00"', 'end = "2022-03-30 23:00"'
        text = calendar.read_text()
        assert text.count(old_end) == 1
        calendar.write_text(text.replace(old_end, new_end))
        cluster.start("notifications")

        item = d.wait_status(key, "sent")
        assert item["due"] == "2022-03-24T22:00:00Z"
        mails = d.mails_to(key)
        assert len(mails) == 2
        assert mails[0].message["Message-ID"] == mails[1].message["Message-ID"]
        assert mails[0].data == mails[1].data
        assert "2022-03-31 23:00" in mails[1].message.get_body(("plain",)).get_content()

        # A day earlier: its 7 days' reminder was due already, and goes out
        # at once, late, saying the new deadline.
        moved = f"{VOTING_7D}@2022-03-23T22:00:00Z/staff/{ZOE}"
        assert d.wait_status(moved, "sent")["late"] is True
        [mail] = d.mails_to(moved)
        assert mail.message["Message-ID"] != mails[0].message["Message-ID"]
        assert "2022-03-30 23:00" in mail.message.get_body(("plain",)).get_content()
    finally:
        d.close()


def test_a_slow_mail_server_does_not_slow_the_service(tmp_path):
    d = Delivery(tmp_path, smtp_delay=10.0, sources=("submissions",))
    try:
        cluster = d.cluster
        set_clock(cluster, PAST_VOTING_7D)
        # While the server sits on a message for 10 s, the loop answers
        # and applies events.
        d.sink.wait_arrivals(1)
        slow = [i["key"] for i in pages(cluster, "notify.list", {"status": "ready"})]
        assert slow
        for _ in range(5):
            reply = cluster.call("notifications", "sys.ping", timeout=2.0)
            assert reply["ok"]
        seq = d.sources["submissions"].emit("submission.received", project(1))
        cluster.wait_until(lambda: cluster.call("notifications", "sys.stats")["body"]
                           ["sources"]["submissions"]["last_seq"] >= seq,
                           what="submission.received applied")
        reply = cluster.call("notifications", "notify.preview",
                             {"key": "submission.received/sub-1"}, role="staff")
        assert reply["ok"], reply
        assert reply["body"]["to"] == "contact1@example.org" and reply["body"]["channel"] == "smtp"
        assert reply["body"]["status"] in ("scheduled", "ready")
        # All of it while the first message was still at the server.
        assert not d.sink.messages, "the slow server was not slow"
        still = {i["key"] for i in pages(cluster, "notify.list", {"status": "ready"})}
        assert set(slow) & still
        # Owed and not delivered yet: "pending" has the ready ones too (the
        # mail at the slow server; the files may be written meanwhile).
        at_the_server = {i["key"] for i in pages(cluster, "notify.list", {"status": "ready"})
                         if i["channel"] == "smtp"}
        pending = {i["key"] for i in pages(cluster, "notify.list", {"status": "pending"})}
        assert at_the_server and at_the_server <= pending
    finally:
        d.close()
