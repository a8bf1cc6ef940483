"""wsis-submissions: Stocktaking entries, Photo Contest entries, Open
Consultation inputs, and the call that decides the kind."""
import pytest

from wsis_harness import pack
from submissions_helpers import (JPEG, PNG, ocp_body, photo_body, prize_body, stocktaking_body,
                                 subs)  # noqa: F401 (fixture)

MiB = 1024 * 1024


# ---------------------------------------------------------------- the call

@pytest.mark.parametrize("call", ["hltf-2022", "trendsetters-2021", "prizes-2099", "", None, 2022])
def test_a_call_that_takes_no_submissions(subs, call):
    subs.refuse_invalid(stocktaking_body, "call", call)


def test_the_call_decides_the_kind(subs):
    stk = subs.register()
    # A prize project's body sent to the stocktaking call is read as a
    # stocktaking entry: its category is no field of one, and without it
    # the entry still lacks its action lines.
    body = prize_body(stk, call="stocktaking-2022")
    reply = subs.refuse(lambda: subs.create(body), "validation", "category")
    assert "is not a field of a stocktaking submission" in reply["error"]["message"]
    for key in ("category", "short_description", "sdg_linkages", "impact", "partnerships",
                "challenges", "language"):
        del body[key]
    subs.refuse(lambda: subs.create(body), "validation", "action_lines")


# ---------------------------------------------------------------- stocktaking

def test_stocktaking_entry(subs):
    stk = subs.register(type="academia", region="americas")
    subs.drain()
    body = stocktaking_body(stk, action_lines=["e-hea", "C1", "C11"], sdgs=[3, 1], status="completed")
    submission_id = subs.created(body)
    (event,) = subs.drain()
    assert event["type"] == "submission.received"
    record = event["body"]
    assert record["submission_id"] == submission_id
    assert record["kind"] == "stocktaking" and record["call"] == "stocktaking-2022"
    assert record["status"] == "received"
    assert record["project_status"] == "completed"      # the entry's own status
    assert record["action_lines"] == ["C1", "e-hea", "C11"]   # matrix order
    assert record["sdgs"] == [1, 3]
    for key in ("entity", "stakeholder_type", "country", "region", "title", "description", "url",
                "contact", "stakeholder_id"):
        assert record[key] == body[key], key
    assert "category" not in record
    assert subs.get(submission_id) == record


@pytest.mark.parametrize("field, value", [
    ("action_lines", None), ("action_lines", []), ("action_lines", ["C7"]), ("action_lines", ["C1", "C1"]),
    ("action_lines", "C1"), ("sdgs", []), ("title", ""), ("description", None),
    ("status", "done"), ("status", None), ("url", "ftp://example.org"), ("url", "https://exa mple.org"),
    ("contact", None), ("contact.email", "x@"),
])
def test_stocktaking_rules(subs, field, value):
    subs.refuse_invalid(stocktaking_body, field, value)


def test_stocktaking_url_is_optional(subs):
    stk = subs.register()
    body = stocktaking_body(stk)
    del body["url"]
    record = subs.get(subs.created(body))
    assert "url" not in record


# ---------------------------------------------------------------- photo

@pytest.mark.parametrize("image, content_type", [(JPEG, "image/jpeg"), (PNG, "image/png")])
def test_photo_entry(subs, image, content_type):
    stk = subs.register(type="private_sector", region="asia_pacific", organization="Lens Co")
    subs.drain()
    body = photo_body(stk, image=image)
    submission_id = subs.created(body)
    (event,) = subs.drain()
    record = event["body"]
    assert event["type"] == "submission.received"
    assert "image" not in record                      # never in an event
    assert record["kind"] == "photo" and record["call"] == "photo-2022"
    assert record["photographer"] == body["photographer"]
    assert record["contact"] == body["photographer"]  # copied for consumers
    assert record["image_type"] == content_type and record["image_size"] == len(image)
    assert record["sdgs"] == [5] and record["country"] == "IN" and record["title"] == body["title"]
    # What the photo form does not ask comes from the stakeholder.
    assert record["stakeholder_type"] == "private_sector" and record["region"] == "asia_pacific"
    assert record["entity"] == "Lens Co"
    # get leaves the image out unless asked; it adds where the entry stands
    # in the contest, which events do not carry
    assert "contest_status" not in record
    replied = dict(record, contest_status="submitted")
    assert subs.get(submission_id) == replied
    with_image = subs.ok("submission.get", {"submission_id": submission_id, "include_image": True})
    assert with_image["image"] == image
    assert {k: v for k, v in with_image.items() if k != "image"} == replied
    # list never carries it.
    (listed,) = [i for i in subs.list_all("photo-2022") if i["submission_id"] == submission_id]
    assert listed == replied


def test_an_image_of_4_mib_is_accepted(subs):
    stk = subs.register()
    image = JPEG + b"\x00" * (4 * MiB - len(JPEG))
    submission_id = subs.created(photo_body(stk, image=image))
    got = subs.ok("submission.get", {"submission_id": submission_id, "include_image": True})
    assert got["image_size"] == 4 * MiB and got["image"] == image


@pytest.mark.parametrize("image", [
    JPEG + b"\x00" * (4 * MiB - len(JPEG) + 1),       # one byte over 4 MiB
    b"GIF89a" + b"\x00" * 100,                         # not JPEG or PNG
    b"\x89PNG\r\n" + b"\x00" * 100,                    # a truncated PNG signature
    b"\xff\xd8",
    b"",
    "a string, not bin",
    None,
])
def test_photo_image_rules(subs, image):
    subs.refuse_invalid(photo_body, "image", image)


@pytest.mark.parametrize("field, value", [
    ("title", ""), ("caption", None), ("country", "uk"), ("sdgs", None),
    ("photographer", None), ("photographer.gender", "m"), ("photographer.email", None),
])
def test_photo_rules(subs, field, value):
    subs.refuse_invalid(photo_body, field, value)


def test_a_request_over_the_frame_limit_is_too_large(subs):
    stk = subs.register()
    body = photo_body(stk, image=JPEG + b"\x00" * (7 * MiB))
    request = {"v": 1, "id": "big-photo", "op": "submission.create", "body": body,
               "actor": {"role": "stakeholder", "id": stk}}

    def send():
        client = subs.cluster.client("submissions")
        client.send_raw(pack(request))
        return client.recv(timeout=10)
    # Over wsis/max_request (6 MiB) the frame is refused before it is read,
    # so the id cannot be echoed.
    reply = subs.refuse(send, "too_large", None)
    assert reply["id"] == ""


# ---------------------------------------------------------------- OCP

def test_ocp_input(subs):
    stk = subs.register(type="international_organization", country="CH", region="europe",
                        organization="UNESCO")
    subs.drain()
    speakers = [{"name": "Amina", "gender": "female", "organization": "ITU"},
                {"name": "Bo", "gender": "male"},
                {"name": "Cy", "gender": "non_binary", "organization": "UNDP"}]
    body = ocp_body(stk, request="thematic_input", speakers=speakers, action_lines=["C10", "C4"],
                    sdgs=[10, 5])
    submission_id = subs.created(body)
    (event,) = subs.drain()
    record = event["body"]
    assert record["kind"] == "ocp" and record["call"] == "ocp-2022"
    assert record["request"] == "thematic_input"
    assert record["speakers"] == speakers
    assert record["organizer"] == body["organizer"] and record["contact"] == body["organizer"]
    assert record["action_lines"] == ["C4", "C10"] and record["sdgs"] == [5, 10]
    assert record["stakeholder_type"] == "international_organization"
    assert record["country"] == "CH" and record["region"] == "europe" and record["entity"] == "UNESCO"
    assert subs.get(submission_id) == record


def test_ocp_input_with_only_what_is_required(subs):
    stk = subs.register()
    body = ocp_body(stk, request="format_input")
    for key in ("speakers", "action_lines", "sdgs"):
        del body[key]
    record = subs.get(subs.created(body))
    assert record["sdgs"] == []                       # always present for consumers
    assert "speakers" not in record and "action_lines" not in record


@pytest.mark.parametrize("field, value", [
    ("request", "keynote"), ("request", None), ("title", None), ("description", ""),
    ("organizer", None), ("organizer.gender", None),
    ("speakers", "Amina"), ("speakers", [{"name": "x", "gender": "f"}] * 51),
    ("speakers.1.gender", None), ("speakers.0.name", ""), ("speakers.0", "Amina"),
    ("action_lines", ["C99"]), ("sdgs", [0]),
])
def test_ocp_rules(subs, field, value):
    subs.refuse_invalid(ocp_body, field, value)


# ---------------------------------------------------------------- every kind

@pytest.mark.parametrize("make", [stocktaking_body, photo_body, ocp_body])
def test_every_kind_needs_a_registered_stakeholder_acting_for_itself(subs, make):
    stk = subs.register()
    other = subs.register()
    subs.refuse(lambda: subs.create(make("stk-987654"), role="operator"), "not_found", "stakeholder_id")
    subs.refuse(lambda: subs.create(make(stk), role="stakeholder", actor=other), "forbidden", "stakeholder_id")
    subs.refuse(lambda: subs.create(make(stk), role="public", actor=stk), "forbidden", None)
