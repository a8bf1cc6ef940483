"""Client processes of the chaos scenarios: each sends its share of the
requests (votes, registrations, ...) as a real gateway would, one at a
time, retrying with the same request id when a reply does not come
(docs/protocol.md, section 2: "Retrying is safe"), on a fresh socket so
that nothing queued for a dead peer is sent twice by ZeroMQ behind its back.

They run in processes of their own (multiprocessing, spawn, load.Load),
import nothing of the harness, and return what they saw: for each
request, every attempt (None for a timeout, or the reply).
"""
import time

import msgpack
import zmq

TIMEOUT = 0.5        # seconds without a reply before the same request is sent again
GIVE_UP = 120.0      # seconds of retries before a request is recorded as never answered


def _socket(context, endpoint):
    sock = context.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(endpoint)
    return sock


def _ask(context, sock, endpoint, request):
    """Sends request until a reply other than `unavailable` comes, or
    GIVE_UP seconds pass. Returns (socket, attempts): attempts is a list of
    None (no reply within TIMEOUT) and replies."""
    frame = msgpack.packb(request, use_bin_type=True)
    attempts = []
    deadline = time.monotonic() + GIVE_UP
    while time.monotonic() < deadline:
        sock.send_multipart([b"", frame])
        reply = None
        until = time.monotonic() + TIMEOUT
        while reply is None:
            left = until - time.monotonic()
            if left <= 0 or not sock.poll(int(left * 1000)):
                break
            candidate = msgpack.unpackb(sock.recv_multipart()[-1], raw=False)
            if candidate.get("id") == request["id"]:
                reply = candidate
        attempts.append(reply)
        if reply is None:
            sock.close(0)
            sock = _socket(context, endpoint)
        elif reply["ok"] or reply["error"]["code"] != "unavailable":
            break
        else:
            time.sleep(0.05)
    return sock, attempts


def ask(endpoint, request):
    """One request asked as send_all asks each, on a context of its own
    (for a thread of the scenario): its attempts."""
    context = zmq.Context()
    sock = _socket(context, endpoint)
    try:
        sock, attempts = _ask(context, sock, endpoint, request)
    finally:
        sock.close(0)
        context.term()
    return attempts


def send_all(endpoint, requests, pace, worker, stop, out):
    """Sends requests (whole request maps, each with its own id) in order,
    pace seconds apart, each until it is answered (clients._ask), until
    they are all sent or stop is set; puts (worker, [(request,
    attempts)]) on the queue out."""
    context = zmq.Context()
    sock = _socket(context, endpoint)
    records = []
    try:
        for request in requests:
            if stop.is_set():
                break
            sock, attempts = _ask(context, sock, endpoint, request)
            records.append((request, attempts))
            if pace:
                time.sleep(pace)
    finally:
        sock.close(0)
        context.term()
        out.put((worker, records))
