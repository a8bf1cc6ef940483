"""Phase 4 of the WSIS Prizes (experts, scores, winners) and the Photo Contest winners."""
from nominations_helpers import (  # noqa: F401  (nom is a fixture)
    CATEGORIES, IN_REVIEW, IN_SELECTION, PHOTO, PHOTO_CLOSE, PRIZES, SELECTION_CLOSE,
    SELECTION_OPEN, nom, photo, project, withdrawn)

CRITERIA = ["results", "empowerment", "sdg_relevance", "replicability", "sustainability",
            "partnerships", "wsis_values"]


def scores(total):
    """Seven criteria 0-10 adding up to total."""
    base, extra = divmod(total, 7)
    return {c: base + (1 if i < extra else 0) for i, c in enumerate(CRITERIA)}


def register(nom, expert_id, country, entity, call=PRIZES):
    return nom.ok("expert.register", {"call": call, "expert_id": expert_id, "name": f"Dr {expert_id}",
                                      "country": country, "entity": entity})


def score(nom, expert_id, n, total, call=PRIZES):
    return nom.ok("selection.score", {"call": call, "submission_id": f"sub-{n}", "expert_id": expert_id,
                                      "scores": scores(total)}, role="expert", actor=expert_id)


def score_body(expert_id, n, total=35):
    return {"call": PRIZES, "submission_id": f"sub-{n}", "expert_id": expert_id, "scores": scores(total)}


def c1_champions(nom):
    """Five C1 champions from several countries and entities, two experts."""
    nom.submit(project(1, "C1", country="CH", entity="Geneva Digital Lab"),
               project(2, "C1", country="KE", entity="Nairobi Connect"),
               project(3, "C1", country="FR", entity="Lyon Numerique"),
               project(4, "C1", country="IN", entity="Expert Org, A."),
               project(5, "C1", country="BR", entity="Rede Rio"),
               project(6, "C1", country="BR", entity="Not a champion"))
    nom.close_voting({"C1": [f"sub-{n}" for n in range(1, 6)]})
    nom.clock(IN_REVIEW)
    register(nom, "exp-fr", "FR", "Expert Org A")
    register(nom, "exp-de", "DE", "Berlin Institute")


# ---------------------------------------------------------------- expert.register

def test_expert_register_event_and_refusals(nom):
    nom.clock(IN_REVIEW)
    reply = register(nom, "exp-1", "CH", "University of Geneva")
    assert reply == {"call": PRIZES, "expert_id": "exp-1"}
    [event] = nom.events("expert.registered")
    assert event["body"] == {"call": PRIZES, "expert_id": "exp-1", "name": "Dr exp-1",
                             "country": "CH", "entity": "University of Geneva"}
    good = {"call": PRIZES, "expert_id": "exp-2", "name": "Dr Two", "country": "GH", "entity": "KNUST"}
    nom.refused("expert.register", {**good, "expert_id": "exp-1"}, "duplicate", "expert_id")
    nom.refused("expert.register", {**good, "country": "XX"}, "validation", "country")
    nom.refused("expert.register", {**good, "country": "Ghana"}, "validation", "country")
    nom.refused("expert.register", {**good, "entity": ""}, "validation", "entity")
    nom.refused("expert.register", {**good, "name": None}, "validation", "name")
    nom.refused("expert.register", {**good, "expert_id": "e" * 65}, "validation", "expert_id")
    nom.refused("expert.register", {**good, "call": PHOTO}, "validation", "call")
    for role in ("operator", "expert", "public", "stakeholder"):
        nom.refused("expert.register", good, "forbidden", role=role)
    nom.clock(SELECTION_CLOSE)
    nom.refused("expert.register", good, "deadline_passed")
    nom.clock("2022-04-15T20:59:59Z")
    register(nom, "exp-2", "GH", "KNUST")


# ---------------------------------------------------------------- selection.score

def test_score_phase(nom):
    c1_champions(nom)
    nom.clock("2022-03-31T21:59:59Z")           # 23:59:59 CEST on 31 March
    error = nom.refused("selection.score", score_body("exp-de", 1), "phase_not_open",
                        role="expert", actor="exp-de")
    assert "2022-04-01 00:00" in error["message"]
    nom.clock(SELECTION_OPEN)
    assert score(nom, "exp-de", 1, 40)["total"] == 40
    nom.clock("2022-04-15T20:59:59Z")
    score(nom, "exp-de", 2, 41)
    nom.clock(SELECTION_CLOSE)
    nom.refused("selection.score", score_body("exp-de", 3), "deadline_passed",
                role="expert", actor="exp-de")


def test_score_refusals(nom):
    c1_champions(nom)
    nom.submit(project(77, "C2", country="US"))
    nom.clock(IN_SELECTION)
    as_de = {"role": "expert", "actor": "exp-de"}
    for role in ("staff", "operator", "public", "stakeholder", "gateway"):
        nom.refused("selection.score", score_body("exp-de", 1), "forbidden", role=role, actor="exp-de")
    # An expert scores only as itself.
    nom.refused("selection.score", score_body("exp-fr", 1), "forbidden", "expert_id", **as_de)
    # Not in the expert group of the call.
    nom.refused("selection.score", score_body("exp-xx", 1), "forbidden", "expert_id",
                role="expert", actor="exp-xx")
    # Only champions are scored: a nominated project that did not make the top five is not.
    nom.refused("selection.score", score_body("exp-de", 6), "validation", "submission_id", **as_de)
    nom.refused("selection.score", score_body("exp-de", 77), "validation", "submission_id", **as_de)
    # Conflicts of interest: the expert's own country, the expert's own entity.
    error = nom.refused("selection.score", score_body("exp-fr", 3), "conflict", "submission_id",
                        role="expert", actor="exp-fr")
    assert "FR" in error["message"]
    error = nom.refused("selection.score", score_body("exp-fr", 4), "conflict", "submission_id",
                        role="expert", actor="exp-fr")
    assert "entity" in error["message"]
    # The seven criteria, each an integer 0-10.
    body = score_body("exp-de", 1)
    for criterion in CRITERIA:
        missing = {**body, "scores": {k: v for k, v in body["scores"].items() if k != criterion}}
        nom.refused("selection.score", missing, "validation", f"scores.{criterion}", **as_de)
    for value in (11, -1, 5.5, "7", None, True):
        bad = {**body, "scores": {**body["scores"], "wsis_values": value}}
        nom.refused("selection.score", bad, "validation", "scores.wsis_values", **as_de)
    nom.refused("selection.score", {**body, "scores": {**body["scores"], "beauty": 3}},
                "validation", "scores.beauty", **as_de)
    nom.refused("selection.score", {**body, "scores": [1, 2, 3]}, "validation", "scores", **as_de)
    nom.refused("selection.score", {**body, "call": "photo-2022"}, "validation", "call", **as_de)
    nom.refused("selection.score", {**body, "submission_id": ""}, "validation", "submission_id", **as_de)
    # Nothing of the refused scores was stored.
    standings = nom.ok("selection.standings", {"call": PRIZES, "category": "C1"})
    assert [c["experts"] for c in standings["champions"]] == [0, 0, 0, 0, 0]
    # The other expert may score what exp-fr may not.
    score(nom, "exp-de", 3, 50)
    score(nom, "exp-de", 4, 50)


def test_champion_whose_details_have_not_arrived(nom):
    nom.close_voting({"C2": ["sub-50"]})
    nom.clock(IN_SELECTION)
    register(nom, "exp-de", "DE", "Berlin Institute")
    nom.refused("selection.score", score_body("exp-de", 50), "unavailable", "submission_id",
                role="expert", actor="exp-de")
    nom.submit(project(50, "C2", country="DE"))
    nom.refused("selection.score", score_body("exp-de", 50), "conflict", "submission_id",
                role="expert", actor="exp-de")


def test_scoring_again_replaces(nom):
    c1_champions(nom)
    nom.clock(IN_SELECTION)
    assert score(nom, "exp-de", 1, 30)["replaced"] is False
    assert score(nom, "exp-fr", 1, 40)["replaced"] is False
    reply = score(nom, "exp-de", 1, 60)
    assert reply == {"call": PRIZES, "submission_id": "sub-1", "category": "C1",
                     "expert_id": "exp-de", "total": 60, "replaced": True}
    standings = nom.ok("selection.standings", {"call": PRIZES, "category": "C1"})
    first = standings["champions"][0]
    assert first["submission_id"] == "sub-1" and first["experts"] == 2 and first["mean"] == 50.0
    assert standings["champions"][1]["mean"] is None
    assert [c["rank"] for c in standings["champions"]] == [1, 2, 3, 4, 5]
    assert "winner" not in standings
    assert nom.events() == [e for e in nom.events() if e["type"] == "expert.registered"]


# ---------------------------------------------------------------- selection.finalize

def test_tie_for_the_winner_is_settled_by_staff(nom):
    c1_champions(nom)
    nom.clock(IN_SELECTION)
    score(nom, "exp-fr", 1, 50)
    score(nom, "exp-de", 1, 70)         # sub-1: mean 60
    score(nom, "exp-fr", 2, 60)
    score(nom, "exp-de", 2, 60)         # sub-2: mean 60
    score(nom, "exp-de", 5, 59)         # sub-5: mean 59
    score(nom, "exp-de", 3, 61)         # sub-3: 61, but ...
    score(nom, "exp-de", 3, 20)         # ... re-scored: 20
    body = {"call": PRIZES, "category": "C1"}
    error = nom.refused("selection.finalize", body, "conflict", "winner")
    # Error replies have no body: the tied ids lead the message.
    assert error["message"].startswith("tied: sub-1,sub-2;"), error
    assert "60.00" in error["message"]
    tied = error["message"][len("tied: "):].split(";")[0].split(",")
    assert tied == ["sub-1", "sub-2"]
    nom.refused("selection.finalize", {**body, "winner": "sub-5"}, "validation", "winner")
    nom.refused("selection.finalize", {**body, "winner": "sub-6"}, "validation", "winner")
    nom.refused("selection.finalize", {**body, "winner": "sub-99"}, "validation", "winner")
    reply = nom.ok("selection.finalize", {**body, "winner": "sub-2"})
    expected = {"call": PRIZES, "category": "C1", "winner": "sub-2",
                "champions": ["sub-1", "sub-2", "sub-3", "sub-4", "sub-5"],
                "scores": {"sub-1": 60.0, "sub-2": 60.0, "sub-3": 20.0, "sub-5": 59.0},
                "tie": True}
    assert reply == expected
    [event] = nom.events("winners.selected")
    assert event["body"] == expected
    # Once per category; scores are frozen with it.
    nom.refused("selection.finalize", {**body, "winner": "sub-1"}, "conflict", "category")
    nom.refused("selection.score", score_body("exp-de", 4), "conflict", "submission_id",
                role="expert", actor="exp-de")
    assert nom.ok("selection.standings", body)["winner"] == "sub-2"


def test_highest_mean_wins_over_the_experts_who_scored(nom):
    c1_champions(nom)
    nom.clock(IN_SELECTION)
    score(nom, "exp-de", 1, 64)
    score(nom, "exp-fr", 1, 62)         # sub-1: 63 from two experts
    score(nom, "exp-de", 2, 63)         # sub-2: 63.5 from two experts
    score(nom, "exp-fr", 2, 64)
    score(nom, "exp-de", 5, 64)         # sub-5: 64 from one expert: the highest mean
    body = {"call": PRIZES, "category": "C1"}
    # Naming a winner that is not the highest is refused, naming the highest is fine.
    nom.refused("selection.finalize", {**body, "winner": "sub-2"}, "validation", "winner")
    reply = nom.ok("selection.finalize", body)
    assert reply["winner"] == "sub-5" and reply["tie"] is False
    assert reply["scores"] == {"sub-1": 63.0, "sub-2": 63.5, "sub-5": 64.0}


def test_finalize_refusals(nom):
    c1_champions(nom)
    body = {"call": PRIZES, "category": "C1"}
    nom.clock("2022-03-31T21:59:59Z")
    nom.refused("selection.finalize", body, "phase_not_open")
    nom.clock(IN_SELECTION)
    for role in ("operator", "expert", "public"):
        nom.refused("selection.finalize", body, "forbidden", role=role)
    nom.refused("selection.finalize", {"call": PRIZES}, "validation", "category")
    nom.refused("selection.finalize", {"call": PRIZES, "category": "C12"}, "validation", "category")
    nom.refused("selection.finalize", {"call": PHOTO, "category": "C1"}, "validation", "call")
    nom.refused("selection.finalize", {**body, "winner": 5}, "validation", "winner")
    error = nom.refused("selection.finalize", body, "conflict", "category")
    assert "scored" in error["message"]
    error = nom.refused("selection.finalize", {"call": PRIZES, "category": "C2"}, "conflict", "category")
    assert "no champions" in error["message"]
    # A withdrawn champion cannot win, whatever its scores.
    score(nom, "exp-de", 1, 70)
    score(nom, "exp-de", 2, 10)
    nom.withdraw(withdrawn(1, category="C1"))
    assert nom.ok("selection.finalize", body)["winner"] == "sub-2"


def test_winners_selected_for_all_18_categories(nom):
    records, champions = [], {}
    for c, category in enumerate(CATEGORIES):
        ids = [c * 10 + i for i in range(1, 6)]
        champions[category] = [f"sub-{n}" for n in ids]
        records += [project(n, category, country="KE") for n in ids]
    nom.submit(*records)
    nom.close_voting(champions)
    nom.clock(IN_REVIEW)
    register(nom, "exp-1", "CH", "ITU")
    register(nom, "exp-2", "DE", "UNESCO")
    nom.clock(IN_SELECTION)
    for c, category in enumerate(CATEGORIES):
        # The project ranked (c % 5) + 1 by the vote scores best with the experts.
        for i in range(1, 6):
            n = c * 10 + i
            best = i == c % 5 + 1
            score(nom, "exp-1", n, 65 if best else 40 + i)
            score(nom, "exp-2", n, 67 if best else 30 + i)
    # A decision after the selection phase is still a decision.
    nom.clock(SELECTION_CLOSE)
    for category in CATEGORIES:
        nom.ok("selection.finalize", {"call": PRIZES, "category": category})
    events = nom.events("winners.selected")
    assert [e["body"]["category"] for e in events] == CATEGORIES
    for c, event in enumerate(events):
        assert event["body"]["winner"] == f"sub-{c * 10 + c % 5 + 1}"
        assert event["body"]["champions"] == champions[CATEGORIES[c]]
        assert event["body"]["scores"][event["body"]["winner"]] == 66.0
        assert event["body"]["tie"] is False


# ---------------------------------------------------------------- photo.winners.select

def test_photo_winners(nom):
    nom.submit(*[photo(n) for n in range(1, 6)], photo(9, call="photo-2021"), project(10))
    nom.withdraw(withdrawn(5, kind="photo", call=PHOTO))
    body = {"call": PHOTO, "winners": ["sub-3", "sub-1", "sub-4"]}
    nom.clock("2022-03-07T22:58:59Z")
    nom.refused("photo.winners.select", body, "phase_not_open")
    nom.clock(PHOTO_CLOSE)
    for role in ("operator", "public", "expert"):
        nom.refused("photo.winners.select", body, "forbidden", role=role)
    nom.refused("photo.winners.select", {**body, "call": PRIZES}, "validation", "call")
    nom.refused("photo.winners.select", {**body, "winners": ["sub-1", "sub-2"]}, "validation", "winners")
    nom.refused("photo.winners.select", {**body, "winners": ["sub-1", "sub-2", "sub-3", "sub-4"]},
                "validation", "winners")
    nom.refused("photo.winners.select", {**body, "winners": ["sub-1", "sub-2", "sub-1"]},
                "validation", "winners")
    nom.refused("photo.winners.select", {**body, "winners": ["sub-1", "sub-2", 3]},
                "validation", "winners")
    nom.refused("photo.winners.select", {**body, "winners": ["sub-1", "sub-2", "sub-77"]},
                "not_found", "winners")
    # A prize project, an entry of another photo call: not entries of this one.
    nom.refused("photo.winners.select", {**body, "winners": ["sub-1", "sub-2", "sub-10"]},
                "not_found", "winners")
    nom.refused("photo.winners.select", {**body, "winners": ["sub-1", "sub-2", "sub-9"]},
                "not_found", "winners")
    nom.refused("photo.winners.select", {**body, "winners": ["sub-1", "sub-2", "sub-5"]},
                "conflict", "winners")
    reply = nom.ok("photo.winners.select", body)
    assert reply == {"call": PHOTO, "winners": ["sub-3", "sub-1", "sub-4"]}
    [event] = nom.events("photo.winners.selected")
    assert event["body"] == {"call": PHOTO, "winners": ["sub-3", "sub-1", "sub-4"]}
    nom.refused("photo.winners.select", {**body, "winners": ["sub-1", "sub-2", "sub-4"]},
                "conflict", "call")
