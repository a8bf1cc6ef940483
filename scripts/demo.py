#!/usr/bin/env python3
"""make demo: a whole WSIS year through the real services, then the
pictures and the publication the README shows.

Every service runs for real (the Cluster of tests/wsis_harness.py: a
temporary data dir, its own ports, a manual clock), and the year comes in
through the command endpoints the way people and staff bring it:
stakeholders of every region register; WSIS Prizes projects over the 18
Action Lines, Stocktaking entries, Photo Contest entries, Open
Consultation inputs and profiles of the Repository of Women in Tech are
submitted; HLTF and Gender Trendsetter nominations come in; staff review
and publish the nominated lists; stakeholders vote; the clock closes the
vote; the expert group scores the champions and staff select the winners;
then, during the Forum week, the Forum's registration system publishes its
speakers through the bus journal. The year is drawn, with a fixed random
seed, from the names, places, project themes and sessions of
demo_year.json beside this file, so a second run writes the same bytes.

Written (and committed): docs/images/sdg-matrix.svg (the WSIS-SDG matrix
of the prize projects and the Stocktaking entries together),
docs/images/gender.svg (the 50/50 chart) and docs/images/publication.md
(the "WSIS Stocktaking: Success Stories" Markdown of prizes-2022). The
summary of the year is printed.
"""
import json
import os
import re
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from random import Random
from types import SimpleNamespace

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from wsis_harness import SERVICES, Client, Cluster, pack  # noqa: E402
from contest_helpers import CRITERIA, IN_REVIEW, IN_VOTING, OPEN, caught_up, ok, set_clock  # noqa: E402
from nominations_helpers import (CATEGORIES, HLTF, IN_SELECTION, PHOTO, PRIZES,  # noqa: E402
                                 TRENDSETTERS, VOTING_CLOSE)
from submissions_helpers import (ocp_body, photo_body, prize_body, repository_body,  # noqa: E402
                                 stakeholder_body, stocktaking_body)

SEED = 2022
IMAGES = os.path.join(ROOT, "docs", "images")
STOCKTAKING = "stocktaking-2022"
OCP = "ocp-2022"
WOMEN_IN_TECH = "women-in-tech"
# The Forum's final week, when the speakers are registered.
FORUM_WEEK = "2022-05-31T08:00:00Z"

# How much of a year: enough for every report to have something to say,
# little enough for a 2-core machine to run in well under two minutes.
PUBLIC_VOTERS = 3000
PROJECTS_PER_CATEGORY = (20, 26)
STOCKTAKING_ENTRIES = 300
OCP_INPUTS = 40
HLTF_NOMINATIONS = 30
TRENDSETTER_NOMINATIONS = 24
PROFILES = 30
PHOTOS = 12
WITHDRAWN = 3

# The content of the year (people's names, places, organisations, the
# themes of projects per Action Line, the Forum's sessions) is data, in
# demo_year.json beside this file.
with open(os.path.join(ROOT, "scripts", "demo_year.json"), encoding="utf-8") as source:
    CONTENT = SimpleNamespace(**json.load(source))
GENDER_CODES = {"f": "female", "m": "male", "n": "non_binary", "u": "undisclosed"}


# ------------------------------------------------------------------ talking to the services

class Requests:
    """Batches of requests to a service, each pipelined on one DEALER: up
    to window in flight, so the service commits many of them with one
    fsync, as it would a busy gateway's traffic. Each request has an id of
    its own; the replies are matched to them and returned in order."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.serial = 0

    def send(self, service, requests, window=256):
        """requests: [(op, body, role, actor)]; returns every reply."""
        client = Client(self.cluster.endpoint(service), unbounded=True)
        replies = {}
        ids = []
        try:
            for op, body, role, actor in requests:
                self.serial += 1
                ids.append(f"demo-{self.serial}")
                who = {"role": role, **({"id": actor} if actor else {})}
                client.send_raw(pack({"v": 1, "id": ids[-1], "op": op, "actor": who, "body": body}))
                while len(ids) - len(replies) >= window:
                    self._receive(client, replies)
            while len(replies) < len(ids):
                self._receive(client, replies)
        finally:
            client.close()
        return [replies[i] for i in ids]

    @staticmethod
    def _receive(client, replies):
        reply = client.recv(timeout=60)
        assert reply is not None, f"no reply from {client.endpoint} within 60 s"
        replies[reply["id"]] = reply

    def ok(self, service, requests):
        """Every request must succeed: their reply bodies."""
        return [ok(reply) for reply in self.send(service, requests)]


def ascii_slug(text):
    """"Lucía Pérez" -> "lucia.perez", for e-mail addresses and URLs."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", ".", text.lower()).strip(".")


class Year:
    """The people, organisations and projects of one WSIS year, made from
    one seed, and what the services answered."""

    def __init__(self, cluster):
        self.c = cluster
        self.random = Random(SEED)
        self.requests = Requests(cluster)
        self.emails = 0
        self.entities = set()
        self.titles = set()
        self.stakeholders = []      # {id, region, ...}
        self.projects = []          # prize projects: {id, category, quality, popularity, ...}

    # ---------------------------------------------------------------- people
    def region(self):
        regions = list(CONTENT.region_weights)
        return self.random.choices(regions, [CONTENT.region_weights[r] for r in regions])[0]

    def country(self, region):
        return self.random.choice(CONTENT.countries[region])

    def gender(self, female=0.47):
        roll = self.random.random()
        if roll < female:
            return "female"
        if roll < 0.96:
            return "male"
        return "non_binary" if roll < 0.975 else "undisclosed"

    def person(self, region, gender=None):
        gender = gender or self.gender()
        women, men = CONTENT.first_names[region]
        first = self.random.choice(women if gender == "female" else men if gender == "male" else women + men)
        last = self.random.choice(CONTENT.last_names[region])
        if region == "cis" and gender == "female" and last.endswith(("ov", "ev")):
            last += "a"
        self.emails += 1
        return {"name": f"{first} {last}", "gender": gender,
                "email": f"{ascii_slug(first)}.{ascii_slug(last)}.{self.emails}@example.org"}

    def entity(self, type, region, country, category=None, unique=False):
        """An organisation's name. unique: one never used before in
        category (a prize project's entity: one project per entity per
        category), a company's name once a type's names run out."""
        _, name, city = country
        wide = CONTENT.region_names[region]
        for attempt in range(100):
            brand = self.random.choice(CONTENT.brands[region])
            ending, form = self.random.choice(CONTENT.brand_endings), self.random.choice(CONTENT.company_forms)
            company = f"{brand}{ending} {form}"
            candidates = {
                "government": [f"{CONTENT.ministries.get(category, 'Ministry of ICT and Digital Economy')}, {name}",
                               f"{city} City Council", f"National Statistics Office, {name}",
                               f"Ministry of ICT and Digital Economy, {name}"],
                "private_sector": [company],
                "civil_society": [f"{city} Digital Inclusion Network", f"{brand} Foundation for Digital Rights",
                                  f"Women in Tech {name}", f"Tech for Good {city}", f"{brand} Youth Initiative",
                                  f"{name} Community Networks Association"],
                "academia": [f"University of {city}", f"{city} Institute of Technology",
                             f"National Polytechnic School of {name}"]
                            + ([f"{city} School of Public Health"] if category == "e-hea" else []),
                "international_organization": [f"Regional Digital Cooperation Centre for {wide}",
                                               f"{brand} Development Fund for Digital Inclusion",
                                               f"Broadband Commission Secretariat for {wide}"],
            }[type if attempt < 20 else "private_sector"]
            entity = self.random.choice(candidates)
            if not unique or (entity, category) not in self.entities:
                self.entities.add((entity, category))
                return entity
        raise RuntimeError(f"no new entity name for {type} in {name}")

    def register(self, count, categories=None):
        """count new stakeholders, each registering with the public form;
        with categories, one organisation for a project of each."""
        people = []
        for n in range(count):
            category = categories[n] if categories else None
            region = self.region()
            country = self.country(region)
            type = self.random.choices(CONTENT.stakeholder_types, [14, 22, 38, 18, 8])[0]
            person = self.person(region)
            body = stakeholder_body(name=person["name"], email=person["email"], type=type, country=country[0],
                                    region=region, gender=person["gender"],
                                    organization=self.entity(type, region, country, category, bool(categories)))
            if self.random.random() < 0.03:
                del body["gender"]      # the form lets people not say
            people.append({"person": person, "region": region, "country": country, "type": type,
                           "organization": body["organization"], "body": body})
        replies = self.requests.ok("submissions", [("stakeholder.register", p["body"], "public", None)
                                                   for p in people])
        for stakeholder, reply in zip(people, replies):
            stakeholder["id"] = reply["stakeholder_id"]
        self.stakeholders += people
        return people

    # ---------------------------------------------------------------- texts
    def description(self, project):
        """A short description of 150-200 words, unique to the project."""
        problem, does, country = CONTENT.themes[project["category"]][0], project["theme"][1], project["country"][1]
        first = [
            f"{project['title']} is an initiative of {project['entity']} ({country}) that {does}.",
            f"It started in {project['year']} in response to {problem}.",
            "The team works with {} and {}, ".format(*self.random.sample(CONTENT.partnerships, 2)) +
            "so that the service keeps running when the first grant ends.",
            f"By the end of 2021 {self.reach(project)}.",
        ]
        if 5 in project["sdgs"]:
            first.append("Gender equality is built in: women lead most of its local teams, and its results are "
                         "counted separately for women and men.")
        rest = self.random.sample(CONTENT.sentences, len(CONTENT.sentences))
        text = first + [f"The next step is to bring the model to {self.random.randint(3, 40)} more districts "
                        f"and to neighbouring countries of {CONTENT.region_names[project['region']]}."]
        while len(" ".join(text).split()) < 150:
            text.insert(-1, rest.pop())
        while len(" ".join(text).split()) > 200:
            text.pop(-2)
        return " ".join(text)

    def reach_count(self, reaches):
        """A plausible count, more often small than large."""
        low, high, _ = CONTENT.reach.get(reaches, (300, 250000, "people"))
        return round(low * (high / low) ** (self.random.random() ** 1.5))

    @staticmethod
    def reach(project, since=False):
        """What a project reached, for its description ("it had reached
        4,200 farmers in 12 districts, 41% of them women and girls") or,
        since, for its impact."""
        reaches = project["theme"][2]
        kind = CONTENT.reach.get(reaches, (0, 0, "people"))[2]
        count, country = f"{project['reach']:,} {reaches}", project["country"][1]
        if kind == "things":
            return f"{count} in {country} since {project['year']}, and counting." if since else \
                f"the project counted {count}"
        share = f", {project['women']}% of them women and girls" if kind == "people" else ""
        if since:
            return f"{count} reached since {project['year']} in {project['districts']} districts of {country}{share}."
        return f"it had reached {count} in {project['districts']} districts{share}"

    def project_fields(self, category, submitter):
        """The facts of a new project of category by submitter's organisation."""
        theme = self.random.choice(CONTENT.themes[category][1])
        sdgs = list(theme[3])
        if 5 not in sdgs and self.random.random() < 0.15:
            sdgs.append(5)      # a project with a focus on women and girls
        if self.random.random() < 0.3:
            sdgs.append(17)     # and partnerships, as many say
        sdgs = sorted(set(sdgs), key=sdgs.index)
        brand = self.random.choice(CONTENT.brands[submitter["region"]])
        _, country, city = submitter["country"]
        # A company or an association names its project; a ministry, a
        # university or an international body says where it runs.
        if submitter["type"] in ("private_sector", "civil_society"):
            titles = [f"{brand} {theme[0]}", f"{brand} {theme[0]} ({city})", f"{theme[0]}: {brand} {country}"]
        else:
            titles = [f"{theme[0]} in {city}", f"{theme[0]}: {country}", f"{theme[0]} ({submitter['organization']})"]
        title = next((t for t in titles if t not in self.titles), titles[-1])
        self.titles.add(title)
        return {"category": category, "theme": theme, "sdgs": sdgs, "title": title,
                "entity": submitter["organization"], "country": submitter["country"],
                "region": submitter["region"], "type": submitter["type"],
                "year": self.random.randint(2015, 2021), "reach": self.reach_count(theme[2]),
                "districts": self.random.randint(2, 60), "women": self.random.randint(35, 78),
                "quality": self.random.random(), "popularity": self.random.lognormvariate(0, 0.7)}

    # ---------------------------------------------------------------- the calls
    def submit_prizes(self):
        """A few hundred WSIS Prizes projects over the 18 Action Lines,
        each submitted by its organisation's contact; a few withdrawn."""
        categories = [category for category in CATEGORIES
                      for _ in range(self.random.randint(*PROJECTS_PER_CATEGORY))]
        # The submitter's organisation is the project's entity (a
        # government's is the ministry or agency of its Action Line).
        submitters = self.register(len(categories), categories)
        requests = []
        for category, submitter in zip(categories, submitters):
            project = {**self.project_fields(category, submitter), "submitter": submitter}
            self.projects.append(project)
            contact = submitter["person"]
            body = prize_body(
                submitter["id"], entity=project["entity"], stakeholder_type=submitter["type"],
                country=submitter["country"][0], region=submitter["region"], category=project["category"],
                title=project["title"], short_description=self.description(project), sdgs=project["sdgs"],
                sdg_linkages="; ".join(f"SDG {n} ({CONTENT.sdg_names[str(n)]})" for n in project["sdgs"]) + ": "
                + f"the project {project['theme'][1]}.",
                impact=self.reach(project, since=True),
                partnerships="With {} and {}.".format(*self.random.sample(CONTENT.partnerships, 2)),
                challenges=self.random.choice(CONTENT.challenges),
                contact={"name": contact["name"], "email": contact["email"], "gender": contact["gender"]})
            requests.append(("submission.create", body, "stakeholder", submitter["id"]))
        for project, reply in zip(self.projects, self.requests.ok("submissions", requests)):
            project["id"] = reply["submission_id"]
        # Second thoughts before the deadline.
        for project in self.random.sample(self.projects, WITHDRAWN):
            ok(self.c.call("submissions", "submission.withdraw", {"submission_id": project["id"]},
                           role="stakeholder", actor=project["submitter"]["id"]))
            project["withdrawn"] = True

    def submit_stocktaking(self):
        """Stocktaking entries: organisations that report one or two of
        their projects, linked to one to three Action Lines."""
        organisations = self.register(STOCKTAKING_ENTRIES * 3 // 4)
        requests = []
        for n in range(STOCKTAKING_ENTRIES):
            submitter = organisations[n % len(organisations)]
            category = self.random.choice(CATEGORIES)
            facts = self.project_fields(category, submitter)
            lines = [category] + self.random.sample(CONTENT.neighbours[category], self.random.randint(0, 2))
            code, country, _ = submitter["country"]
            status = self.random.choice(["planned", "ongoing", "ongoing", "completed"])
            description = f"{facts['title']} {facts['theme'][1]} ({country}). By the end of 2021 " \
                          f"{self.reach(facts)}." if status != "planned" else \
                          f"{facts['title']}: a project that {facts['theme'][1]} ({country}), from 2022."
            body = stocktaking_body(
                submitter["id"], entity=submitter["organization"], stakeholder_type=submitter["type"],
                country=code, region=submitter["region"], action_lines=lines, sdgs=facts["sdgs"],
                title=facts["title"], status=status, description=description,
                url=f"https://{ascii_slug(facts['title']).replace('.', '-')}.example.org",
                contact={k: submitter["person"][k] for k in ("name", "email", "gender")})
            requests.append(("submission.create", body, "stakeholder", submitter["id"]))
        self.requests.ok("submissions", requests)

    def submit_ocp(self):
        """Open Consultation inputs: workshops, thematic and format inputs,
        with their speakers, women and men."""
        organisers = self.register(OCP_INPUTS)
        requests = []
        for n, organiser in enumerate(organisers):
            request, topic, lines, sdgs = CONTENT.ocp_topics[n % len(CONTENT.ocp_topics)]
            gendered = 5 in sdgs
            speakers = []
            for _ in range(self.random.randint(2, 5) if request in ("workshop", "speaker") else 0):
                region = self.region()
                person = self.person(region, self.gender(0.75 if gendered else 0.45))
                speakers.append({"name": person["name"], "gender": person["gender"],
                                 "organization": self.entity(self.random.choice(CONTENT.stakeholder_types), region,
                                                             self.country(region))})
            title = topic if n < len(CONTENT.ocp_topics) else f"{topic} ({organiser['country'][1]})"
            body = ocp_body(organiser["id"], request=request, title=title,
                            description=f"{organiser['organization']} proposes: {topic}.",
                            organizer={k: organiser["person"][k] for k in ("name", "email", "gender")},
                            speakers=speakers, action_lines=lines, sdgs=sdgs)
            if request not in ("workshop", "speaker"):
                del body["speakers"]
            requests.append(("submission.create", body, "stakeholder", organiser["id"]))
        self.requests.ok("submissions", requests)

    def submit_photos(self):
        photographers = self.register(PHOTOS)
        requests = []
        for photographer, (title, caption, country, sdgs) in zip(photographers, CONTENT.photos):
            body = photo_body(photographer["id"], title=title, caption=caption, country=country, sdgs=sdgs,
                              photographer={k: photographer["person"][k] for k in ("name", "email", "gender")})
            requests.append(("submission.create", body, "stakeholder", photographer["id"]))
        self.photos = [reply["submission_id"] for reply in self.requests.ok("submissions", requests)]

    def submit_profiles(self):
        """Profiles of the Repository of Women in Tech, submitted with the
        women's consent by the stakeholders who know them."""
        sponsors = self.register(PROFILES)
        requests = []
        for n, sponsor in enumerate(sponsors):
            region = sponsor["region"]
            woman = self.person(region, "female")
            sector = CONTENT.sectors[n % len(CONTENT.sectors)]
            body = repository_body(
                sponsor["id"], name=woman["name"], organization=sponsor["organization"], sector=sector,
                country=sponsor["country"][0], region=region,
                expertise=f"{CONTENT.expertise[sector].capitalize()}; speaker and mentor for women and girls in ICT.",
                links=[f"https://example.org/women-in-tech/{ascii_slug(woman['name']).replace('.', '-')}"])
            requests.append(("submission.create", body, "stakeholder", sponsor["id"]))
        self.requests.ok("submissions", requests)

    def nominate_people(self):
        """HLTF nominations by each stakeholder type's coordination
        mechanism, and Gender Trendsetter nominations."""
        requests = []
        for n in range(HLTF_NOMINATIONS):
            region = self.region()
            nominee = self.person(region, self.gender(0.6))
            nominator = self.person(self.region())
            type = CONTENT.stakeholder_types[n % len(CONTENT.stakeholder_types)]
            requests.append(("hltf.nominate", {
                "call": HLTF, "stakeholder_type": type,
                "nominee": {"name": nominee["name"], "title": self.random.choice(CONTENT.hltf_titles),
                            "organization": self.entity(type, region, self.country(region)),
                            "email": nominee["email"], "gender": nominee["gender"]},
                "nominated_by": {"name": nominator["name"], "email": nominator["email"]}}, "public", None))
        for n in range(TRENDSETTER_NOMINATIONS):
            region = self.region()
            country = self.country(region)
            nominee = self.person(region, self.gender(0.8))
            organization = self.entity(self.random.choice(CONTENT.stakeholder_types), region, country)
            objectives = sorted(self.random.sample(range(1, 7), self.random.randint(2, 6)))
            requests.append(("ambassador.nominate", {
                "call": TRENDSETTERS,
                "nominee": {"name": nominee["name"], "country": country[0], "email": nominee["email"],
                            "gender": nominee["gender"],
                            "organization": organization},
                "objectives": objectives,
                "motivation": f"{nominee['name']} has championed gender equality in ICTs in {country[1]} for "
                              f"years: mentoring girls in STEM, organising workshops and speaking for the "
                              f"50/50 gender balance challenge."}, "public", None))
        self.requests.ok("nominations", requests)

    def review(self):
        """Staff nominate the best 20 of each category and reject the
        rest, with the reason the submitter is told."""
        live = [p for p in self.projects if not p.get("withdrawn")]
        requests = []
        for category in CATEGORIES:
            ranked = sorted((p for p in live if p["category"] == category), key=lambda p: -p["quality"])
            for rank, project in enumerate(ranked):
                project["nominated"] = rank < 20
                body = {"submission_id": project["id"], "decision": "nominate" if rank < 20 else "reject"}
                if rank >= 20:
                    body["reason"] = self.random.choice([
                        "The description does not yet show measurable results.",
                        "The project fits another Action Line better.",
                        "The project has not started yet; please submit again next year."])
                requests.append(("review.decide", body, "staff", "staff-prizes"))
        self.requests.ok("nominations", requests)
        ok(self.c.call("nominations", "nominations.publish", {"call": PRIZES}, role="staff", actor="staff-prizes"))

    def vote(self):
        """Stakeholders vote: most in a category or two they care about,
        some in every category; projects from their own region draw more
        of their votes."""
        nominated = {c: [p for p in self.projects if p.get("nominated") and p["category"] == c]
                     for c in CATEGORIES}
        ballots = []
        for voter in self.stakeholders:
            if self.random.random() < 0.25:
                continue
            count = self.random.choices([1, 2, 3, 5, 8, 18], [30, 20, 15, 15, 10, 10])[0]
            for category in self.random.sample(CATEGORIES, count):
                candidates = nominated[category]
                weights = [p["popularity"] * (3 if p["region"] == voter["region"] else 1) for p in candidates]
                project = self.random.choices(candidates, weights)[0]
                ballots.append(("vote.cast", {"call": PRIZES, "voter_id": voter["id"], "category": category,
                                              "submission_id": project["id"]}, "stakeholder", voter["id"]))
        # The rush is near the deadline, not voter by voter.
        self.random.shuffle(ballots)
        for reply in self.requests.ok("voting", ballots):
            assert reply["duplicate"] is False, reply
        return len(ballots), len({voter for _, body, _, voter in ballots})

    def select(self):
        """The expert group scores every champion (not those of their own
        country: the rules refuse it), and staff select each winner."""
        experts = []
        for n, region in enumerate(["europe", "africa", "asia_pacific", "americas", "arab_states", "cis", "africa"]):
            country = self.country(region)
            expert = {"id": f"exp-{n + 1}", "country": country[0], **self.person(region)}
            ok(self.c.call("nominations", "expert.register", {
                "call": PRIZES, "expert_id": expert["id"], "name": expert["name"], "country": country[0],
                "entity": f"ITU Expert Group member, {country[1]}"}, role="staff", actor="staff-prizes"))
            experts.append(expert)
        by_id = {p["id"]: p for p in self.projects}
        requests = []
        for category in CATEGORIES:
            standings = ok(self.c.call("nominations", "selection.standings", {"call": PRIZES, "category": category},
                                       role="staff", actor="staff-prizes"))
            for champion in standings["champions"]:
                project = by_id[champion["submission_id"]]
                for expert in experts:
                    if expert["country"] == project["country"][0]:
                        continue
                    marks = {c: max(0, min(10, round(4 + 5 * project["quality"] + self.random.gauss(0, 1.2))))
                             for c in CRITERIA}
                    requests.append(("selection.score", {"call": PRIZES, "submission_id": project["id"],
                                                         "expert_id": expert["id"], "scores": marks},
                                     "expert", expert["id"]))
        self.requests.ok("nominations", requests)
        for category in CATEGORIES:
            reply = self.c.call("nominations", "selection.finalize", {"call": PRIZES, "category": category},
                                role="staff", actor="staff-prizes")
            if not reply["ok"] and reply["error"]["code"] == "conflict":
                # A tie: staff choose among the tied (the first listed).
                tied = re.match(r"tied: ([^;]+);", reply["error"]["message"]).group(1).split(",")
                reply = self.c.call("nominations", "selection.finalize",
                                    {"call": PRIZES, "category": category, "winner": tied[0]},
                                    role="staff", actor="staff-prizes")
            ok(reply)
        ok(self.c.call("nominations", "photo.winners.select", {"call": PHOTO, "winners": self.photos[:3]},
                       role="staff", actor="staff-photo"))

    def forum_speakers(self):
        """The Forum's registration system publishes its speakers through
        the bus journal, as any outside system does."""
        requests = []
        for track, sessions in CONTENT.sessions.items():
            for session_id, title, genders in sessions:
                for n, code in enumerate(genders):
                    region = self.region()
                    person = self.person(region, GENDER_CODES[code])
                    requests.append(("publish", {"topic": "forum.speaker.registered", "origin": "forum-registration",
                                                 "body": {"session_id": session_id, "session_title": title,
                                                          "track": track, "name": person["name"],
                                                          "gender": person["gender"],
                                                          "role": "moderator" if n == 0 else
                                                          self.random.choice(CONTENT.speaker_roles[1:]),
                                                          "organization": self.entity(
                                                              self.random.choice(CONTENT.stakeholder_types), region,
                                                              self.country(region))}},
                                     "publisher", "forum-registration"))
        self.requests.ok("bus", requests)
        return len(requests)


# ------------------------------------------------------------------ the year

def wait_caught_up(c, consumer, *sources):
    c.wait_until(lambda: all(caught_up(c, consumer, s) for s in sources), timeout=60,
                 what=f"{consumer} to apply every event of {', '.join(sources)}")


def step(started, text):
    print(f"[{time.monotonic() - started:5.1f} s] {text}", flush=True)


def run_year(c, started):
    year = Year(c)
    set_clock(c, OPEN)
    year.register(PUBLIC_VOTERS)
    step(started, f"{PUBLIC_VOTERS} stakeholders of the six regions registered")
    year.submit_prizes()
    live = sum(1 for p in year.projects if not p.get("withdrawn"))
    step(started, f"{len(year.projects)} WSIS Prizes projects submitted over the 18 Action Lines, "
                  f"{WITHDRAWN} withdrawn")
    year.submit_stocktaking()
    year.submit_ocp()
    year.submit_photos()
    year.submit_profiles()
    year.nominate_people()
    step(started, f"{STOCKTAKING_ENTRIES} Stocktaking entries, {OCP_INPUTS} OCP inputs, {PHOTOS} photos, "
                  f"{PROFILES} Women in Tech profiles, {HLTF_NOMINATIONS} HLTF and "
                  f"{TRENDSETTER_NOMINATIONS} Gender Trendsetter nominations")

    set_clock(c, IN_REVIEW)
    wait_caught_up(c, "nominations", "submissions")
    year.review()
    step(started, f"{live} projects reviewed, the nominated lists published")

    set_clock(c, IN_VOTING)
    wait_caught_up(c, "voting", "submissions", "nominations")
    votes, voters = year.vote()
    step(started, f"{votes} votes cast by {voters} of the {len(year.stakeholders)} registered stakeholders")

    set_clock(c, VOTING_CLOSE)
    c.wait_until(lambda: c.call("voting", "vote.tally", {"call": PRIZES}, role="staff")["body"]["closed"],
                 what="the vote to close by itself at the phase end")
    step(started, "the clock closed the vote: five champions per Action Line")

    set_clock(c, IN_SELECTION)
    wait_caught_up(c, "nominations", "voting", "submissions")
    year.select()
    step(started, "the expert group scored the champions, staff selected the 18 winners and the photo winners")

    set_clock(c, FORUM_WEEK)
    speakers = year.forum_speakers()
    step(started, f"{speakers} Forum speakers published through the bus journal")
    wait_caught_up(c, "reporting", "bus", "submissions", "nominations", "voting")


def report(c, op, body):
    return ok(c.call("reporting", op, body, role="public", timeout=30))


def write(name, text):
    path = os.path.join(IMAGES, name)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    print(f"  wrote {os.path.relpath(path, ROOT)} ({len(text.encode()):,} bytes)")


def print_summary(c):
    summary = report(c, "report.summary", {"call": PRIZES})
    print(f"\n{summary['title']} ({summary['call']}): {summary['headline']}")
    print(f"  received {summary['by_status']['received']}, withdrawn {summary['by_status']['withdrawn']}; "
          f"nominated {sum(summary['nominated'].values())} in {len(summary['nominated'])} Action Lines")
    print(f"  {summary['votes']:,} votes from {summary['voters']:,} voters, vote "
          f"{'closed' if summary['voting_closed'] else 'open'}; {summary['champions']} champions, "
          f"{summary['winners']} winners")
    for key in ("by_region", "by_stakeholder_type"):
        print(f"  {key[3:].replace('_', ' ')}: " + ", ".join(f"{k} {v}" for k, v in summary[key].items()))
    print("  Action Line: " + ", ".join(f"{category} {summary['by_category'].get(category, 0)}"
                                        for category in CATEGORIES))
    for call in (STOCKTAKING, OCP, PHOTO, WOMEN_IN_TECH):
        other = report(c, "report.summary", {"call": call})
        print(f"{other['title']} ({call}): {other['headline']}")
    hltf = report(c, "report.summary", {"call": HLTF})["hltf"]
    trendsetters = report(c, "report.summary", {"call": TRENDSETTERS})["trendsetters"]
    print(f"HLTF nominations: {hltf['total']} ({', '.join(f'{k} {v}' for k, v in hltf['by_gender'].items())})")
    print(f"Gender Trendsetter nominations: {trendsetters['total']} "
          f"({', '.join(f'{k} {v}' for k, v in trendsetters['by_gender'].items())})")
    gender = report(c, "report.gender", {})
    for group in gender["groups"]:
        print(f"  50/50: {group['group']}: {group['female']} women of {group['given']} "
              f"({100 * group['share']:.0f}%)")
    print("  sessions without a woman: " + "; ".join(s["session_title"] for s in gender["sessions_without_women"]))


def main():
    started = time.monotonic()
    os.makedirs(IMAGES, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wsis-demo-") as work:
        c = Cluster(Path(work))
        try:
            c.start(*SERVICES)
            step(started, f"every service started ({', '.join(SERVICES)}), data in {work}")
            run_year(c, started)
            step(started, "wsis-reporting has applied every event; the reports:")
            write("sdg-matrix.svg", report(c, "report.sdg_matrix", {"format": "svg"})["data"])
            write("gender.svg", report(c, "report.gender", {"format": "svg"})["data"])
            write("publication.md", report(c, "report.publication", {"call": PRIZES, "format": "md"})["data"])
            print_summary(c)
        finally:
            c.close()
    step(started, "done")


if __name__ == "__main__":
    main()
