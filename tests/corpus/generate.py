"""Generate the labelled text corpus: a 2,000-learner register, staff, and school posts.

Run ``python -m tests.corpus.generate`` to rewrite register.csv, staff.csv and
drafts.jsonl next to this file. The seed is fixed, so the output is the same
every time; a test checks that the committed files match this script.

Every draft is built from templates whose slots are filled with labelled
pieces (a learner's name in one of the ways people write it, another person, a
piece of personal data, a hurtful phrase), so the label offsets are exact.
Hard negatives (this summer, Mark your calendars, killed it at sports day...)
carry no label for the check they tempt.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261125
N_LEARNERS = 2000

CHILD_FIRST = """
Amelia Olivia Isla Ava Mia Ivy Lily Isabella Sophia Grace Freya Florence Willow Emily Ella
Poppy Evie Elsie Charlotte Rosie Daisy Sienna Harper Evelyn Aria Matilda Alice Maya Phoebe
Ruby Zara Layla Esme Hallie Eliza Nancy Maisie Bonnie Thea Luna Erin Holly Summer Hope
Aisha Fatima Maryam Amira Zainab Priya Anaya Saanvi Chloe Jessica Niamh Orla Aoife Seren
Cerys Zofia Wiktoria Zuzanna Lena Mila Aurora Hannah Imogen Molly Scarlett Harriet Lottie
Beatrice Joy Noah Oliver George Arthur Leo Muhammad Harry Oscar Archie Henry Theodore
Freddie Jack Charlie Theo Alfie Jacob Thomas Finley Arlo William Lucas Roman Tommy Isaac
Teddy Alexander Luca Edward James Joshua Albie Elijah Max Mohammed Reggie Hudson Louie
Ezra Rory Jude Sonny Hunter Ronnie Harrison Ethan Reuben Ralph Toby Jayden Kai Tyler Mason
Logan Dylan Riley Zachary Caleb Ibrahim Yusuf Ayaan Arjun Rohan Krishna Kacper Jakub
Szymon Filip Callum Cameron Finlay Rhys Dafydd Cillian Oisin Kofi Chidi Emeka Tobi Femi
Will Mark River Sky Ellis Otis Stanley Frankie Bobby""".split()
WORD_NAMES = ["Grace", "Summer", "Hope", "Joy", "Holly", "Ruby", "Daisy", "Poppy", "Ivy", "Will",
              "Mark", "Jack", "River", "Sky", "Willow"]
DIACRITIC = [("Zoë", "Zoe"), ("Siân", "Sian"), ("Chloë", "Chloe"), ("Renée", "Renee"),
             ("José", "Jose"), ("Élodie", "Elodie"), ("Niamh", "Niamh"), ("Seán", "Sean")]
HYPHENATED = ["Lily-May", "Ella-Rose", "Mary-Jane", "Billie-Jo", "Lacey-Mae", "Tommy-Lee"]
SURNAMES = """Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson
Evans Walker White Roberts Green Hall Thomas Clarke Jackson Wood Harris Edwards Turner
Martin Cooper Hill Ward Hughes Moore Clark King Harrison Lewis Baker Lee Allen Morris Khan
Scott Watson Davis Parker James Bennett Young Phillips Richardson Mitchell Bailey Carter
Cook Singh Shaw Bell Collins Morgan Kelly Begum Miller Cox Hussain Marshall Simpson Price
Anderson Adams Wilkinson Ali Ahmed Foster Ellis Murphy Chapman Mason Gray Richards Webb
Griffiths Hunt Palmer Campbell Holmes Mills Rogers Barnes Knight Matthews Barker Powell
Stevens Kaur Dixon Kennedy Lloyd Okafor Adeyemi Mensah Nowak Kowalski Wisniewski Murray
Reid Fraser Byrne Doyle Quinn Gallagher Sharma Chaudhry Rahman Islam Akhtar Nguyen Chen
Wong Lopez Costa Silva Rossi Novak Popescu Yilmaz Demir Osei Boateng Asante Achterberg
Fairbairn Pemberton Hargreaves Whitfield Ashworth Greenwood Blackwell""".split()
APOSTROPHE_SURNAMES = ["O'Brien", "O'Connor", "O'Neill", "D'Souza", "O'Sullivan"]
DOUBLE_SURNAMES = ["Smith-Jones", "Ahmed-Khan", "Lloyd-Webber", "Hart-Davis"]

# Adults and visitors: names unlikely on a primary register.
OTHER_FIRST = """
Gary Sharon Karen Colin Brian Linda Kevin Julie Steve Dave Tracey Derek Denise Keith
Pamela Graham Janet Nigel Wendy Trevor Carol Barry Sandra Malcolm Brenda Stuart Alison
Neil Donna""".split()
OTHER_UNLISTED = ["Chukwuemeka Obi", "Bartholomew Finch", "Oluwaseun Adebayo", "Ximena Castillo",
                  "Radoslaw Mazur", "Tomasina Pryce", "Ikechukwu Nwosu", "Anneliese Vogt"]
OTHER_SURNAMES = ["Okonkwo", "Fitzgerald", "Thornton", "Blake", "Harding", "Lawson", "Pearce",
                  "Fletcher", "Goodwin", "Holloway", "Sutherland", "Whitaker"]
TITLES = ["Mr", "Mrs", "Ms", "Miss", "Dr"]
STAFF = [("Mrs", "Sarah", "Patel"), ("Mr", "Tom", "Hughes"), ("Miss", "Laura", "Bennett"),
         ("Mrs", "Helen", "Achterberg"), ("Mr", "Daniel", "Osei"),
         ("Ms", "Rachel", "Pemberton"), ("Mrs", "Joanne", "Whitfield"),
         ("Mr", "Imran", "Sharma"), ("Miss", "Katie", "Fairbairn"),
         ("Mrs", "Angela", "Hargreaves"), ("Mr", "Paul", "Ashworth"),
         ("Mrs", "Nicola", "Greenwood")]
YEARS = ["Reception", "Year 1", "Year 2", "Year 3", "Year 4", "Year 5", "Year 6"]


@dataclass
class Learner:
    upn: str
    first: str
    last: str
    preferred: str = ""
    aliases: list[str] = field(default_factory=list)
    year: str = "Year 5"
    consent: str = "first"
    never: bool = False


def _upn(rng: random.Random, used: set[str]) -> str:
    while True:
        digits = "".join(rng.choice("0123456789") for _ in range(12))
        upn = rng.choice("ABCDEFGHJKLMNPQRTUVWXYZ") + digits
        if upn not in used:
            used.add(upn)
            return upn


def _first_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:
        return rng.choice(DIACRITIC)[0]
    if roll < 0.09:
        return rng.choice(HYPHENATED)
    if roll < 0.22:
        return rng.choice(WORD_NAMES)
    return rng.choice(CHILD_FIRST)


def _surname(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.04:
        return rng.choice(APOSTROPHE_SURNAMES)
    if roll < 0.07:
        return rng.choice(DOUBLE_SURNAMES)
    return rng.choice(SURNAMES)


def make_register(rng: random.Random) -> list[Learner]:
    used: set[str] = set()
    learners = []
    for _ in range(N_LEARNERS):
        first = _first_name(rng)
        rec = Learner(_upn(rng, used), first, _surname(rng), year=rng.choice(YEARS),
                      consent=rng.choices(["full", "first", "none"], [40, 45, 15])[0],
                      never=rng.random() < 0.01)
        if first in ("William", "Alexander", "Thomas") and rng.random() < 0.5:
            rec.preferred = {"William": "Billy", "Alexander": "Alex", "Thomas": "Tom"}[first]
        if first == "Amelia" and rng.random() < 0.3:
            rec.aliases = ["Millie"]
        learners.append(rec)
    return learners


def register_csv(learners: list[Learner]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["upn", "first_name", "last_name", "preferred_name", "aliases", "year_group",
                "photo_consent", "name_consent", "biometric_consent", "never_publish"])
    for r in learners:
        w.writerow([r.upn, r.first, r.last, r.preferred, ";".join(r.aliases), r.year, "all",
                    r.consent, "no", "yes" if r.never else ""])
    return out.getvalue()


def staff_csv() -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["title", "first_name", "last_name"])
    w.writerows(STAFF)
    return out.getvalue()


# ---------------------------------------------------------------- pieces
STREETS = ["Acacia", "Northdown", "Elm", "Victoria", "Westbrook", "Hawthorn", "Station", "Mill"]
STREET_KINDS = ["Road", "Avenue", "Close", "Lane", "Drive", "Street", "Gardens", "Crescent"]
MONTH_NAMES = ["January", "March", "April", "June", "July", "September", "October", "November"]
PLACES = ["Dane Park", "Howletts", "Canterbury Cathedral", "Wingham Wildlife Park",
          "Botany Bay", "the Turner Contemporary", "Quex Park", "the Marlowe Theatre"]
TOWNS = ["Canterbury", "Margate", "Ramsgate", "Whitstable", "Dover", "Folkestone", "London"]
COMPANIES = ["Acme Coaches", "Brightside Catering", "Coastline Cleaning", "Kent Minibus Hire"]
POSTCODE_AREAS = ["CT9", "CT10", "CT11", "ME7", "TN23", "SE1", "M1", "LS6", "BS3"]
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


class Pieces:
    """Random labelled pieces: (text, label check or None)."""

    def __init__(self, rng: random.Random, learners: list[Learner]) -> None:
        self.rng = rng
        self.learners = learners
        self.word_learners = [r for r in learners if r.first in WORD_NAMES]
        self.special = [r for r in learners
                        if r.first in {d for d, _ in DIACRITIC} | set(HYPHENATED)
                        or r.last in APOSTROPHE_SURNAMES + DOUBLE_SURNAMES]

    def learner(self, style: str = "") -> tuple[str, str]:
        rng = self.rng
        pool = rng.choice([self.learners, self.learners, self.word_learners, self.special])
        rec = rng.choice(pool)
        first = rec.preferred or rec.first
        style = style or rng.choices(
            ["first", "full", "hashtag", "hashtag_first", "initial", "newline",
             "plain", "evasion", "lower_hashtag", "alias"],
            [44, 20, 6, 5, 5, 3, 5, 7, 2, 3])[0]
        return _render(rng, rec, first, style), "learner_name"

    def other_person(self) -> tuple[str, str]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            return f"{rng.choice(TITLES)} {rng.choice(OTHER_SURNAMES)}", "person_name"
        if roll < 0.55:
            return rng.choice(OTHER_FIRST), "person_name"
        if roll < 0.85:
            return f"{rng.choice(OTHER_FIRST)} {rng.choice(OTHER_SURNAMES)}", "person_name"
        return rng.choice(OTHER_UNLISTED), "person_name"

    def staff(self) -> tuple[str, None]:
        title, first, last = self.rng.choice(STAFF)
        return self.rng.choice([f"{title} {last}", f"{first} {last}", f"{title} {last}"]), None

    def phone(self) -> str:
        rng = self.rng
        n = f"{rng.randrange(1000):03d}"
        return rng.choice([f"07700 900{n}", f"07700900{n}", f"+44 7700 900{n}",
                           f"+44 (0)1632 960{n}", f"01632 960{n}", f"(01632) 960 {n}",
                           f"020 7946 0{n}", f"0113 496 0{n}", f"07700-900-{n}"])

    def email(self) -> str:
        rng = self.rng
        a, b = rng.choice(CHILD_FIRST).lower(), rng.choice(SURNAMES).lower()
        return rng.choice([f"{a}.{b}@example.com", f"{a}{rng.randrange(99)}@example.co.uk",
                           f"{b}family@example.org", f"{a} (at) example (dot) com"])

    def postcode(self) -> str:
        rng = self.rng
        return (f"{rng.choice(POSTCODE_AREAS)} {rng.randrange(1, 10)}"
                f"{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}")

    def address(self) -> str:
        rng = self.rng
        return f"{rng.randrange(1, 180)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}"

    def dob(self) -> str:
        rng = self.rng
        d, m, y = rng.randrange(1, 29), rng.randrange(1, 13), rng.randrange(2014, 2021)
        month = rng.choice(MONTH_NAMES)
        return rng.choice([f"born on {d} {month} {y}", f"DOB: {d:02d}/{m:02d}/{y}",
                           f"born {d}/{m}/{y}", f"date of birth {d} {month} {y}",
                           f"birthday is on the {d}th of {month}"])

    def personal(self) -> tuple[str, str]:
        kind = self.rng.choice(["phone", "phone", "email", "postcode", "address", "dob", "upn"])
        if kind == "upn":
            return self.rng.choice(self.learners).upn, "personal_data"
        return getattr(self, kind)(), "personal_data"


def _evade(rng: random.Random, word: str) -> str:
    trick = rng.choice(["zw", "cyrillic", "fullwidth"])
    if trick == "zw" and len(word) > 2:
        i = rng.randrange(1, len(word) - 1)
        return word[:i] + rng.choice(["\u200b", "\u200d", "\u00ad"]) + word[i:]
    if trick == "cyrillic" and any(c in "aeoAEOc" for c in word):
        table = str.maketrans({"a": "\u0430", "e": "\u0435", "o": "\u043e", "A": "\u0410",
                               "E": "\u0415", "O": "\u041e", "c": "\u0441"})
        return word.translate(table)
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalpha() else c for c in word)


def _render(rng: random.Random, rec: Learner, first: str, style: str) -> str:
    def squash(s: str) -> str:
        return s.replace("-", "").replace("'", "")

    plain = dict(DIACRITIC).get(first, first)
    if style == "full":
        return f"{first} {rec.last}"
    if style == "possessive":
        return f"{first}'s"
    if style == "hashtag":
        return "#" + squash(first) + squash(rec.last)
    if style == "hashtag_first":
        return "#" + squash(first)
    if style == "initial":
        return f"{first} {rec.last[0]}."
    if style == "newline":
        return f"{first}\n{rec.last}"
    if style == "plain":
        return f"{plain} {rec.last}" if rng.random() < 0.5 else plain
    if style == "evasion":
        return f"{_evade(rng, first)} {rec.last}" if rng.random() < 0.5 else _evade(rng, first)
    if style == "lower_hashtag":
        return "#" + squash(first + rec.last).lower()
    if style == "alias" and rec.aliases:
        return rec.aliases[0]
    return first


# ---------------------------------------------------------------- tone and location
THREATS = ["watch your back", "we know where you live", "I will hurt him",
           "you'll pay for this", "you're dead meat", "I'm going to batter them",
           "someone should burn down the school", "we'll get you for this"]
PROFANITY = ["f*cking", "sh1t", "bollocks", "b!tch", "f.u.c.k", "fuuuck", "$hit", "wtf",
             "bullsh*t", "f**k", "sh!t", "bastard", "F U C K", "wanker"]
INSULTS = ["the parents who park on the zigzags are idiots", "what a useless referee",
           "stupid drivers blocking the gate again", "some of you are pathetic",
           "the council are a bunch of clowns", "that referee was an absolute moron"]
IDENTITY = ["go back to where you came from", "a complete r3tard", "that's so gay",
            "some pikey left rubbish at the gate"]
DEFAMATION = ["Councillor {O} lied to parents about the crossing.",
              "{CO} stole our deposit and are a fraud.",
              "Mr {O} is a liar and a thief.",
              "The manager at {CO} is corrupt.",
              "{FO} {O} cheated the PTA out of the raffle money."]
LIVE = ["We're at {PL} until 3pm, come and say hi!", "On the coach to {TOWN} now!",
        "{Y} have just arrived at {PL}!", "The choir is at {PL} right now",
        "Live from {PL}: the concert starts in five minutes",
        "We are at {PL} all day today, wave if you see us"]

# ---------------------------------------------------------------- templates
CELEBRATION = [
    "Well done {L} for a brilliant performance in the {Y} assembly today! 🌟",
    "Huge congratulations to {L} and {L}, our Stars of the Week in {Y}.",
    "{L} has earned a headteacher's award for amazing writing this half term. Keep it up!",
    "Star of the week:\n{L}\nfor kindness and resilience. #proud",
    "What a week for {Y}! {L} read to the whole class and {L} built a working volcano.",
    "Congratulations to {L}, who passed her grade 3 piano exam with distinction 🎹",
    "Our spelling bee champion is {L}! Well done to everyone who took part.",
    "Thank you {L} for organising the cake sale with {S}. You raised £214!",
    "{L} and {L} represented the school at the county cross country. So proud! {H}",
    "Lovely to see {LN}'s art on display in the library this week.",
    "A big shout out to {L} for helping the Reception children at lunchtime.",
    "Times tables rock star of the month: {L} in {Y} 🎸",
    "{L}, {L} and {L} have been chosen as our new school councillors. {H}",
    "Well done {L}! A fantastic 100% attendance this year.",
    "Our {Y} writers of the week are {L} and {L}. Their stories were fantastic.",
    "Celebrating {L} today, who swam her first 25 metres! 🏊",
    "Shout out to {L} in {Y} for real courage on the climbing wall today 🧗",
    "Our new reading ambassadors are {L} and {L}. Look out for them in the library!",
    "Congratulations {L} on your black belt! The whole of {Y} is proud of you.",
    "Brilliant effort from {L}, {L} and {L} at the maths challenge in {TOWN}.",
    "{L} spoke beautifully at the Remembrance assembly this morning.",
    "A special mention for {L}, who has read 100 books this year 📚",
    "Happy retirement to {S} after 25 years! From all the children, including {L}, thank you.",
    "Kindness award this week goes to {L} for looking after a new friend.",
]
SPORTS = [
    "{Y} smashed it at sports day! Congratulations to {L} for winning the sprint. {H}",
    "The football team killed it at the tournament: a 4-1 win, goals from {L} and {L}.",
    "Our netball squad is fighting fit for the knockout round next week. Good luck {L}!",
    "A shot at the title on Saturday: come and cheer on the team! {H}",
    "Dead proud of {L}, who crushed their targets in the swimming gala.",
    "Tag rugby festival today at {PL}. Thanks to {S} for coaching. {H}",
    "{L} scored the winner in the last minute! What a match.",
    "The relay team of {L}, {L}, {L} and {L} took gold 🥇",
    "Final score 3-2! Player of the match: {L}. {H}",
    "The girls' football team beat {TOWN} 4-0 with a hat-trick from {L}!",
    "Cross country results: 1st {L}, 2nd {L}, 3rd {L}.",
]
NOTICES = [
    "Reminder: {Y} trip to {PL} is on Thursday. Please bring a packed lunch.",
    "Term dates for 2026-27 are now on the website. Summer term ends on 22 July.",
    "Mark your calendars: the Christmas fair is on 5 December from 3pm.",
    "Parents' evening bookings open on Monday. Please see {S} with any questions.",
    "Flu vaccinations for Reception to Year 6 take place on 14 October.",
    "The school will be closed on Friday for staff training.",
    "We hope you all have a restful half term. See you on Monday 3 November!",
    "Our Poppy Appeal raised £180 for the Royal British Legion. Thank you all.",
    "Holly wreaths and daisy chains decorated the hall for the Winter concert.",
    "Book fair in the library all week: every book bought earns books for the school.",
    "Year 5 have been learning about the battle of Hastings this half term.",
    "This summer we will be planting a sensory garden by the grace of our wonderful PTA.",
    "May we remind families that the car park is for staff only.",
    "Will all parents please return the trip forms by Friday.",
    "Sunny skies for sports day! Hope to see lots of you there.",
    "Joy all round in Reception today as the chicks hatched 🐣",
    "Anti-bullying week: {Y} talked about how to report a bully and be a good friend.",
    "In our play Goldilocks stole the porridge and lied to the bears! Brilliant acting, {Y}.",
    "There are no stupid questions in maths club. Everyone welcome on Tuesdays.",
    "Robin Hood stole from the rich in {Y}'s fabulous production. Well done everyone!",
    "World Book Day: {Y} dressed as characters from Roald Dahl books 📚",
    "Thank you to {S} and {S} for running the after-school coding club.",
    "Our new library opens on 12 June. Thank you to {S} for all the hard work.",
    "Dates for your diary: Summer fair 27 June, sports day 2 July, leavers' assembly 21 July.",
    "The River Stour walk was cancelled because of the rain. We will rebook soon.",
    "Will you be joining us for the summer fair? Tickets on sale now.",
    "Autumn leaves, conker hunts and a very muddy forest school session for {Y}!",
    "Grace before lunch was led by {Y} today.",
    "Spring term clubs start on 12 January. Sign up at the office.",
    "Hope springs eternal: our sunflowers are finally growing!",
    "Quotes from Mark Twain now decorate the {Y} corridor.",
    "Jack and the Beanstalk was this year's panto. Oh yes it was!",
    "Amber weather warning: the school stays open unless we tell you otherwise.",
    "Our gardeners planted ivy, holly and rosemary along the fence.",
    "Please bring a coat: it will be chilly at {PL} on Friday.",
]
OTHERS = [
    "Thank you to {P} from the fire service for a brilliant talk to {Y}.",
    "A huge thank you to {P} for donating the new football kits.",
    "{Y} loved the author visit from {P} today 📖",
    "Congratulations to {L}, and thanks to {P} for coaching the team.",
    "We welcomed {P} to our assembly today to talk about road safety.",
    "Thanks to {P} and {P} for helping at the school disco!",
    "{P} from the local allotment society showed {Y} how to plant potatoes.",
    "Get well soon wishes to {P}, who has been our lollipop lady for 20 years.",
    "{LN}'s grandad {P} came in to talk about his time in the navy.",
    "Our new lollipop man {P} starts on Monday. Please say hello!",
    "{P} from the RSPB helped {Y} count birds in the garden.",
    "Thank you {P} and {P} for the donation of books to the library.",
]
PERSONAL = [
    "Lost property: a blue coat, name tag inside. Please call {DC}.",
    "If you can help with the PTA quiz, contact {DC} before Friday.",
    "Happy birthday {L}, {DB}! Have a wonderful day.",
    "Welcome to our new family at {DA}, we can't wait to meet you.",
    "The winning raffle ticket belongs to the family at {DA}.",
    "Certificates for {L} (ref {DU}) are ready to collect.",
    "Any questions about the trip? Email {DE} or ring {DP}.",
    "Cake sale donations can be dropped at {DS}, {DPC} after 4pm.",
    "Our lovely lollipop lady's {DB}, so happy birthday from all of us!",
    "Found: a purple water bottle. Text {DP} to collect it.",
    "Please send reply slips to the office or email {DE}.",
    "Pick-up change: {LN} will be collected from {DA} today.",
]
TONE = [
    "To whoever keeps parking across the gate: {TH}.",
    "What a {PR} morning. The minibus broke down again.",
    "Honestly, {IN}.",
    "Some comments on our last post said {ID}. We will not accept that.",
    "{DEF} We will not be using them again.",
    "Sports day was {PR} brilliant, well done {Y}!",
    "The referee today? {IN}, {TH}.",
    "Parents, please stop this: {IN}.",
    "{DEF}",
    "Sorry, {PR} happens. The trip is postponed.",
]
LOCATION = [
    "{LIVE}",
    "{LIVE} {H}",
    "Great day so far! {LIVE}",
]
HASHTAGS = ["#TeamSpirit", "#proud", "#sportsday", "#ProudToBeHere", "#Reading", "#SchoolLife",
            "#KindnessMatters"]


# ---------------------------------------------------------------- assembly
class Builder:
    def __init__(self, rng: random.Random, learners: list[Learner]) -> None:
        self.rng = rng
        self.pieces = Pieces(rng, learners)

    def slot(self, name: str) -> tuple[str, str | None]:
        rng, p = self.rng, self.pieces
        simple: dict[str, object] = {
            "Y": lambda: rng.choice(YEARS), "PL": lambda: rng.choice(PLACES),
            "TOWN": lambda: rng.choice(TOWNS), "CO": lambda: rng.choice(COMPANIES),
            "H": lambda: rng.choice(HASHTAGS),
        }
        if name in simple:
            return simple[name](), None  # type: ignore[operator]
        labelled: dict[str, object] = {
            "L": p.learner, "P": p.other_person, "LN": lambda: p.learner(self._no_possessive()),
            "O": lambda: (rng.choice(OTHER_SURNAMES), "person_name"),
            "FO": lambda: (rng.choice(OTHER_FIRST), "person_name"), "S": p.staff, "DC": lambda: (
                rng.choice([p.phone, p.email])(), "personal_data"),
            "DA": lambda: (rng.choice([p.address, p.postcode])(), "personal_data"),
            "DB": lambda: (p.dob(), "personal_data"),
            "DU": lambda: (rng.choice(p.learners).upn, "personal_data"),
            "DE": lambda: (p.email(), "personal_data"), "DP": lambda: (p.phone(), "personal_data"),
            "DS": lambda: (p.address(), "personal_data"),
            "DPC": lambda: (p.postcode(), "personal_data"),
            "TH": lambda: (rng.choice(THREATS), "tone"),
            "PR": lambda: (rng.choice(PROFANITY), "tone"),
            "IN": lambda: (rng.choice(INSULTS), "tone"),
            "ID": lambda: (rng.choice(IDENTITY), "tone"),
        }
        return labelled[name]()  # type: ignore[operator,no-any-return]

    def _no_possessive(self) -> str:
        return self.rng.choice(["first", "full", "first", "plain", "evasion"])

    def fill(self, template: str) -> tuple[str, list[dict[str, object]]]:
        out, labels, pos = [], [], 0
        for part in _split_template(template):
            if part.startswith("{") and part.endswith("}"):
                text, check = self.slot_or_nested(part[1:-1])
                if isinstance(check, list):  # a nested template carried its own labels
                    for lab in check:
                        labels.append({**lab, "start": lab["start"] + pos, "end": lab["end"] + pos})
                elif check:
                    labels.append({"check": check, "start": pos, "end": pos + len(text)})
            else:
                text = part
            out.append(text)
            pos += len(text)
        return "".join(out), labels

    def slot_or_nested(self, name: str) -> tuple[str, object]:
        if name in ("DEF", "LIVE"):
            pool, check = (DEFAMATION, "tone") if name == "DEF" else (LIVE, "personal_data")
            text, inner = self.fill(self.rng.choice(pool))
            return text, [*inner, {"check": check, "start": 0, "end": len(text)}]
        return self.slot(name)


def _split_template(template: str) -> list[str]:
    import re

    return [p for p in re.split(r"(\{[A-Z]+\})", template) if p]


CATEGORIES = [("celebration", CELEBRATION, 150), ("sports", SPORTS, 50),
              ("notice", NOTICES, 100), ("other_people", OTHERS, 60),
              ("personal_data", PERSONAL, 60), ("tone", TONE, 60), ("location", LOCATION, 20)]


def make_drafts(rng: random.Random, learners: list[Learner]) -> list[dict[str, object]]:
    builder = Builder(rng, learners)
    drafts = []
    for category, templates, count in CATEGORIES:
        for i in range(count):
            text, labels = builder.fill(templates[i % len(templates)])
            drafts.append({"id": f"{category}-{i:03d}", "category": category, "text": text,
                           "labels": labels})
    return drafts


def generate() -> dict[str, str]:
    rng = random.Random(SEED)
    learners = make_register(rng)
    drafts = make_drafts(rng, learners)
    lines = "".join(json.dumps(d, ensure_ascii=False, sort_keys=True) + "\n" for d in drafts)
    return {"register.csv": register_csv(learners), "staff.csv": staff_csv(),
            "drafts.jsonl": lines}


def main() -> None:
    for name, content in generate().items():
        (HERE / name).write_text(content, encoding="utf-8")
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
