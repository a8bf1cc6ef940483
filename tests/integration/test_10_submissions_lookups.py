"""wsis-submissions: staff look stakeholders up (stakeholder.get,
stakeholder.list: roles, paging, q, emails only to staff and operator), and
the shipped calendar's 2027 edition takes prize projects today."""
from wsis_harness import Cluster
from submissions_helpers import Submissions, prize_body

# The day this edition was shipped: the 2027 prize submission phase is open.
TODAY = "2026-11-29T10:00:00Z"


def _register(subs, name, email, organization=None):
    body = {"name": name, "email": email, "type": "academia", "country": "CH", "region": "europe",
            "gender": "female"}
    if organization:
        body["organization"] = organization
    return subs.ok("stakeholder.register", body, role="public", actor=None)["stakeholder_id"]


def _list(subs, role="staff", **body):
    return subs.ok("stakeholder.list", body, role=role)


def _fresh(tmp_path, now="2022-01-10T12:00:00Z"):
    """A bus and wsis-submissions with no stakeholder yet."""
    cluster = Cluster(tmp_path)
    cluster.start("bus", "submissions")
    subs = Submissions(cluster)
    subs.set_clock(now)
    return subs


def test_stakeholder_get_roles_and_emails(tmp_path):
    subs = _fresh(tmp_path)
    try:
        ada = _register(subs, "Ada Lovelace", "Ada@Example.org", "Analytical Engines")
        grace = _register(subs, "Grace Hopper", "grace@example.org")

        for role in ("staff", "operator"):
            record = subs.ok("stakeholder.get", {"stakeholder_id": ada}, role=role)
            assert record == {"stakeholder_id": ada, "name": "Ada Lovelace", "email": "Ada@Example.org",
                              "type": "academia", "country": "CH", "region": "europe", "gender": "female",
                              "organization": "Analytical Engines", "created_at": "2022-01-10T12:00:00Z"}
        # No organization given: none in the record
        assert "organization" not in subs.ok("stakeholder.get", {"stakeholder_id": grace}, role="staff")

        # A gateway gets the stakeholder it acts for, without the email; no other
        own = subs.ok("stakeholder.get", {"stakeholder_id": ada}, role="gateway", actor=ada)
        assert own["name"] == "Ada Lovelace" and "email" not in own
        other = subs.call("stakeholder.get", {"stakeholder_id": grace}, role="gateway", actor=ada)
        assert other["error"]["code"] == "forbidden" and other["error"]["field"] == "stakeholder_id"

        # Anyone else may not look people up
        for role in ("public", "stakeholder", "expert"):
            reply = subs.call("stakeholder.get", {"stakeholder_id": ada}, role=role, actor=ada)
            assert reply["error"]["code"] == "forbidden", (role, reply)

        missing = subs.call("stakeholder.get", {"stakeholder_id": "stk-999999"}, role="staff")
        assert missing["error"]["code"] == "not_found" and missing["error"]["field"] == "stakeholder_id"
        for bad in ("sub-1", "stk-0", "stk-01", "", 7):
            reply = subs.call("stakeholder.get", {"stakeholder_id": bad}, role="staff")
            assert reply["error"]["code"] == "validation" and reply["error"]["field"] == "stakeholder_id", bad
        absent = subs.call("stakeholder.get", {}, role="staff")
        assert absent["error"]["field"] == "stakeholder_id"
    finally:
        subs.close()
        subs.cluster.close()


def test_stakeholder_list_paging_and_q(tmp_path):
    subs = _fresh(tmp_path)
    try:
        ids = [_register(subs, f"Person {i}", f"person{i}@example.org", f"Org {i % 3}") for i in range(7)]
        ada = _register(subs, "Ada Lovelace", "countess@Engines.example", "Analytical Society")
        ids.append(ada)

        # Pages of 3 in id order, `next` chaining them, nil at the end
        seen, after, pages = [], None, 0
        while True:
            body = {"limit": 3, **({"after": after} if after else {})}
            page = _list(subs, **body)
            pages += 1
            seen += [item["stakeholder_id"] for item in page["items"]]
            assert len(page["items"]) <= 3
            after = page["next"]
            if after is None:
                break
            assert after == seen[-1]
        assert seen == ids and pages == 3
        assert _list(subs)["next"] is None and len(_list(subs)["items"]) == 8
        assert _list(subs, after=ada)["items"] == []

        # q: part of the name, the organization or the email, case ignored
        def found(q, **body):
            return [item["stakeholder_id"] for item in _list(subs, q=q, **body)["items"]]
        assert found("lovelace") == [ada]                  # name
        assert found("ANALYTICAL") == [ada]                # organization
        assert found("engines.EXAMPLE") == [ada]           # email
        assert found("org 1") == [ids[1], ids[4]]
        assert found("org 1", limit=1) == [ids[1]]
        assert found("org 1", after=ids[1]) == [ids[4]]
        assert found("person") == ids[:7]                  # the email says person too
        assert found("nobody at all") == []
        assert found("%") == [] and found("_") == []       # no wildcards

        # Emails to staff and operator; the list is theirs only
        for role in ("staff", "operator"):
            assert all("email" in item for item in _list(subs, role=role)["items"])
        for role in ("public", "gateway", "stakeholder", "expert"):
            reply = subs.call("stakeholder.list", {}, role=role, actor=ada)
            assert reply["error"]["code"] == "forbidden", (role, reply)

        for field, value in (("limit", 0), ("limit", 501), ("after", "sub-3"), ("q", ""), ("q", "x" * 201),
                             ("q", 5)):
            reply = subs.call("stakeholder.list", {field: value}, role="staff")
            assert reply["error"]["code"] == "validation" and reply["error"]["field"] == field, (field, reply)
    finally:
        subs.close()
        subs.cluster.close()


def test_the_2027_edition_takes_prize_projects_today(tmp_path):
    subs = _fresh(tmp_path, TODAY)
    try:
        stk = subs.register()
        created = subs.created(prize_body(stk, call="prizes-2027"))
        record = subs.get(created)
        assert record["call"] == "prizes-2027" and record["contest_status"] == "submitted"
        # 2022's deadline passed long ago; 2027's voting is still to come
        late = subs.create(prize_body(stk, call="prizes-2022"))
        assert late["error"]["code"] == "deadline_passed"
        calls = [item["call"] for item in
                 subs.ok("submission.list", {"call": "prizes-2027"}, role="public")["items"]]
        assert calls == ["prizes-2027"]
    finally:
        subs.cluster.close()
