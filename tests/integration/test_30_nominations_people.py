"""High-Level Track Facilitator and Gender Trendsetter nominations."""
import copy

from nominations_helpers import (  # noqa: F401  (nom is a fixture)
    HLTF, HLTF_CLOSE, HLTF_OPEN, PRIZES, TRENDSETTERS, TRENDSETTERS_OPEN, nom)

IN_HLTF = "2022-02-01T10:00:00Z"


def hltf(n=1, stakeholder_type="academia", email=None, gender="female"):
    return {"call": HLTF, "stakeholder_type": stakeholder_type,
            "nominee": {"name": f"Nominee {n}", "title": "Associate Professor",
                        "organization": "Qatar University", "email": email or f"nominee{n}@example.org",
                        "gender": gender},
            "nominated_by": {"name": "Coordination Mechanism", "email": "mechanism@example.org"}}


def ambassador(n=1, objectives=(1, 4, 6), email=None):
    return {"call": TRENDSETTERS,
            "nominee": {"name": f"Trendsetter {n}", "organization": "The Gender Security Project",
                        "country": "IN", "email": email or f"trend{n}@example.org", "gender": "female"},
            "objectives": list(objectives),
            "motivation": "She founded a network of women engineers across the region."}


def with_field(body, path, value):
    """A copy of body with the dotted path set (value ... deletes it)."""
    body = copy.deepcopy(body)
    keys = path.split(".")
    target = body
    for key in keys[:-1]:
        target = target[key]
    if value is ...:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return body


# ---------------------------------------------------------------- HLTF

def test_hltf_nomination_event_and_list(nom):
    nom.clock(IN_HLTF)
    first = nom.ok("hltf.nominate", hltf(1), role="public", actor=None)
    assert first == {"nomination_id": "hltf-1"}
    second = nom.ok("hltf.nominate", hltf(2, "government", gender="male"), role="gateway")
    third = nom.ok("hltf.nominate", hltf(3, "academia", gender="non_binary"),
                   role="stakeholder", actor="stk-9")
    assert (second["nomination_id"], third["nomination_id"]) == ("hltf-2", "hltf-3")

    events = nom.events("hltf.nominated")
    assert events[0]["body"] == {
        "nomination_id": "hltf-1", "call": HLTF, "stakeholder_type": "academia",
        "nominee": {"name": "Nominee 1", "title": "Associate Professor",
                    "organization": "Qatar University", "email": "nominee1@example.org",
                    "gender": "female"},
        "nominated_by": {"name": "Coordination Mechanism", "email": "mechanism@example.org"}}
    assert [e["body"]["nominee"]["gender"] for e in events] == ["female", "male", "non_binary"]

    listed = nom.ok("hltf.list", {"call": HLTF})
    assert listed["count"] == 3
    groups = listed["stakeholder_types"]
    assert set(groups) == {"government", "private_sector", "civil_society", "academia",
                           "international_organization"}
    assert [i["nomination_id"] for i in groups["academia"]] == ["hltf-1", "hltf-3"]
    assert [i["nomination_id"] for i in groups["government"]] == ["hltf-2"]
    assert groups["private_sector"] == []
    assert groups["academia"][0]["nominated_at"] == IN_HLTF
    assert groups["academia"][0]["nominee"]["email"] == "nominee1@example.org"
    assert groups["academia"][0]["nominated_by"]["name"] == "Coordination Mechanism"
    one = nom.ok("hltf.list", {"call": HLTF, "stakeholder_type": "government"}, role="operator")
    assert list(one["stakeholder_types"]) == ["government"] and one["count"] == 1
    nom.refused("hltf.list", {"call": HLTF}, "forbidden", role="public")
    nom.refused("hltf.list", {"call": HLTF}, "forbidden", role="expert")
    nom.refused("hltf.list", {"call": HLTF, "stakeholder_type": "media"},
                "validation", "stakeholder_type")


def test_hltf_phase(nom):
    nom.clock("2021-08-18T21:59:59Z")
    error = nom.refused("hltf.nominate", hltf(), "phase_not_open", role="public")
    assert "2021-08-19 00:00" in error["message"]
    nom.clock(HLTF_OPEN)
    nom.ok("hltf.nominate", hltf(1), role="public")
    nom.clock("2022-03-07T22:58:59Z")       # 23:58:59 CET on 7 March
    nom.ok("hltf.nominate", hltf(2), role="public")
    nom.clock(HLTF_CLOSE)
    nom.refused("hltf.nominate", hltf(3), "deadline_passed", role="public")


def test_hltf_refusals(nom):
    nom.clock(IN_HLTF)
    good = hltf(1)
    cases = [
        (with_field(good, "call", ...), "call"),
        (with_field(good, "call", PRIZES), "call"),
        (with_field(good, "call", "hltf-1999"), "call"),
        (with_field(good, "stakeholder_type", "technical_community"), "stakeholder_type"),
        (with_field(good, "stakeholder_type", ...), "stakeholder_type"),
        (with_field(good, "nominee", ...), "nominee"),
        (with_field(good, "nominee", "Ms X"), "nominee"),
        (with_field(good, "nominee.name", ...), "nominee.name"),
        (with_field(good, "nominee.name", "   "), "nominee.name"),
        (with_field(good, "nominee.title", ...), "nominee.title"),
        (with_field(good, "nominee.organization", "x" * 201), "nominee.organization"),
        (with_field(good, "nominee.email", "not-an-address"), "nominee.email"),
        (with_field(good, "nominee.gender", ...), "nominee.gender"),
        (with_field(good, "nominee.gender", "f"), "nominee.gender"),
        (with_field(good, "nominated_by", ...), "nominated_by"),
        (with_field(good, "nominated_by.name", ...), "nominated_by.name"),
        (with_field(good, "nominated_by.email", "a@b"), "nominated_by.email"),
    ]
    for body, field in cases:
        nom.refused("hltf.nominate", body, "validation", field, role="public")
    # Open to the public, hence to every role (docs/protocol.md section 6).
    nom.ok("hltf.nominate", good, role="staff")
    # The same nominee again, whatever the letter case of the address.
    again = hltf(2, "government", email="NOMINEE1@Example.org")
    error = nom.refused("hltf.nominate", again, "duplicate", "nominee.email", role="public")
    assert "already nominated" in error["message"]
    assert nom.ok("hltf.list", {"call": HLTF})["count"] == 1


# ---------------------------------------------------------------- Gender Trendsetters

def test_ambassador_nomination_event_and_list(nom):
    nom.clock("2022-01-10T09:00:00Z")
    reply = nom.ok("ambassador.nominate", ambassador(1, objectives=[6, 1, 4]), role="public")
    assert reply == {"nomination_id": "amb-1"}
    nom.ok("ambassador.nominate", ambassador(2, objectives=[1, 2, 3, 4, 5, 6]), role="gateway")
    [first, second] = nom.events("ambassador.nominated")
    assert first["body"] == {
        "nomination_id": "amb-1", "call": TRENDSETTERS,
        "nominee": {"name": "Trendsetter 1", "organization": "The Gender Security Project",
                    "country": "IN", "email": "trend1@example.org", "gender": "female"},
        "objectives": [1, 4, 6],
        "motivation": "She founded a network of women engineers across the region."}
    assert second["body"]["objectives"] == [1, 2, 3, 4, 5, 6]
    listed = nom.ok("ambassador.list", {"call": TRENDSETTERS})
    assert listed["count"] == 2
    assert [i["nomination_id"] for i in listed["items"]] == ["amb-1", "amb-2"]
    assert listed["items"][0]["nominated_at"] == "2022-01-10T09:00:00Z"
    nom.refused("ambassador.list", {"call": TRENDSETTERS}, "forbidden", role="public")
    nom.refused("ambassador.list", {"call": HLTF}, "validation", "call")


def test_ambassador_phase_has_no_end(nom):
    nom.clock("2021-11-25T22:59:59Z")
    nom.refused("ambassador.nominate", ambassador(), "phase_not_open", role="public")
    nom.clock(TRENDSETTERS_OPEN)
    nom.ok("ambassador.nominate", ambassador(1), role="public")
    nom.clock("2030-01-01T00:00:00Z")
    nom.ok("ambassador.nominate", ambassador(2), role="public")


def test_ambassador_refusals(nom):
    nom.clock("2022-01-10T09:00:00Z")
    good = ambassador(1)
    cases = [
        (with_field(good, "call", HLTF), "call"),
        (with_field(good, "objectives", []), "objectives"),
        (with_field(good, "objectives", ...), "objectives"),
        (with_field(good, "objectives", [0]), "objectives"),
        (with_field(good, "objectives", [7]), "objectives"),
        (with_field(good, "objectives", [1, 2, 2]), "objectives"),
        (with_field(good, "objectives", ["1"]), "objectives"),
        (with_field(good, "objectives", [1, 2, 3, 4, 5, 6, 1]), "objectives"),
        (with_field(good, "objectives", 3), "objectives"),
        (with_field(good, "motivation", ...), "motivation"),
        (with_field(good, "motivation", " \n "), "motivation"),
        (with_field(good, "motivation", "x" * 5001), "motivation"),
        (with_field(good, "nominee.country", "XX"), "nominee.country"),
        (with_field(good, "nominee.country", "ch"), "nominee.country"),
        (with_field(good, "nominee.organization", ...), "nominee.organization"),
        (with_field(good, "nominee.email", "x@"), "nominee.email"),
        (with_field(good, "nominee.gender", "woman"), "nominee.gender"),
    ]
    for body, field in cases:
        nom.refused("ambassador.nominate", body, "validation", field, role="public")
    nom.ok("ambassador.nominate", good, role="public")
    nom.refused("ambassador.nominate", ambassador(2, email="Trend1@EXAMPLE.org"),
                "duplicate", "nominee.email", role="public")
