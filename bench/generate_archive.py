"""Generate a synthetic archive of N hours of interview transcripts.

    python -m bench.generate_archive --hours 100 --out var/bench/archive-100h [--seed 6]

Writes, in the output directory:
- transcripts/synth-NNNNNN.vtt  WebVTT, one voice tag per cue (<v Full Name>),
                                cues of about 4-8 s, about 9,000 words per hour;
- corpus.yaml                   the corpus description (pages: [], places, recordings);
- bench-manifest.json           what was written (hours, words, cues, speakers ...).

Everything is invented: the people (names drawn from first-name and surname
lists, with a few real public figures of the area explicitly excluded), their
organisations, what they say. Places are the real communes of the former mining
basin, used as a gazetteer.

The speech is produced by a small grammar (subjects, conjugated verbs, noun
phrases with agreement, elision and contraction, fillers of spoken French) over
a themed vocabulary, so word frequencies, phrases, accents, plurals and
hyphenated names look like real transcripts to an indexer - without being
meaningful. That vocabulary and its grammar are in bench/lexicon.py.

Deterministic: recording i only depends on (seed, i), so the archive of 100 h
is the prefix of the archive of 1,000 h (up to the last, truncated, recording).
Files are streamed to disk one recording at a time.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.lexicon import (ADJ_BEFORE_VOWEL, ADJS, ADJS_AFTER, ADJS_BEFORE, COLLOCATIONS, CONNECTORS, DECADES,
                           FILLERS, GENERAL, MODALS, NUMBER_WORDS, PLACES, PRONOUNS, TAIL, TAIL_LOG_SIZE,
                           THEME_NAMES, THEME_NOUNS, TIME_PHRASES, VERB, VERBS, Noun, fuse, starts_with_vowel)

GENERATOR_VERSION = 1
WORDS_PER_HOUR = 9000
# Words per second of speech. Slightly above 9000/3600 because of the short
# silences between speaker turns.
SPEECH_RATE = 2.54
MIN_RECORDING_S = 20 * 60
MAX_RECORDING_S = 60 * 60
MANIFEST = "bench-manifest.json"

# ---------------------------------------------------------------------------
# People (the words they say, and their grammar: bench/lexicon.py)
# ---------------------------------------------------------------------------

# First names (with gender) and surnames of the invented people.
FIRST_NAMES_M = """Marcel Gaston Lucien René Gérard Bernard Daniel Jacques Michel André Roger Henri
Stanislas Casimir Zygmunt Tadeusz Giuseppe Salvatore Ahmed Mohamed Rachid Karim Mustapha Joseph
Albert Fernand Maurice Émile Norbert Julien Thomas Nicolas Sébastien Mathieu Kévin Dylan Hugo
Théo Lucas Mehdi Yanis Antoine Baptiste Quentin Jérôme Frédéric Didier Patrice""".split()
FIRST_NAMES_F = """Odile Germaine Monique Jeanine Yvette Paulette Simone Marcelle Ginette Suzanne
Irène Stanisława Halina Maria Rosa Giovanna Fatima Malika Nadia Samira Sabrina Nathalie Sandrine
Valérie Isabelle Céline Aurélie Émilie Camille Chloé Léa Manon Inès Sarah Clémence Océane Pauline
Justine Élodie Coralie Mélanie Agnès Brigitte Martine Françoise Danielle""".split()
SURNAMES = """Verhaeghe Vandewalle Vanhoutte Delannoy Leclercq Deboudt Dhaussy Lemaire Deprez
Duhamel Flahaut Hochart Wallart Wattiez Wiart Descamps Delattre Dewaele Vermeersch Vandamme
Degrave Delobel Dufossez Lefranc Lecomte Mahieu Masclet Pruvost Quenehen Ruckebusch Sockeel
Tiberghien Vasseur Warembourg Wimez Cappelaere Delcroix Demarcq Dubrulle Facon Gheysens Hennebelle
Lagache Leroux Merlier Obert Plouvier Renard Saingier Taffin Vanacker Wacquier Kowalczyk
Nowakowski Wiśniewski Kaczmarek Szymański Dudek Zieliński Wróblewski Jankowiak Pawlak Grabowski
Bartkowiak Sobczak Michalak Rinaldi Bianchi Esposito Ferrante Marchetti Benali Haddad Bouzid
Mansouri Cherif Amrani Marchal Carlier Fontaine Boulanger Herbaux Lenglart Becquet Bocquet
Dujardin Caudron Lesage Foulon""".split()
# Real public figures of the area whose name a random draw could rebuild:
# never produce them.
EXCLUDED_NAMES = {"Jean-François Caron", "Sylvain Robert", "Laurent Duporge", "Daniel Percheron", "Marine Le Pen", "Steeve Briois"}

# (masculine role, feminine role, organisation template or None)
ROLES = [
    ("mineur retraité", "veuve de mineur", None),
    ("ancien galibot", "ancienne trieuse", None),
    ("fils de mineur", "fille de mineur", None),
    ("maire", "maire", "Commune de {place}"),
    ("adjoint à la culture", "adjointe à la culture", "Commune de {place}"),
    ("conseiller municipal", "conseillère municipale", "Commune de {place}"),
    ("président", "présidente", "Association {assoc} de {place}"),
    ("bénévole", "bénévole", "Association {assoc} de {place}"),
    ("directeur", "directrice", "{surname} Énergies"),
    ("chef d'entreprise", "cheffe d'entreprise", "Ateliers {surname}"),
    ("formateur", "formatrice", "Centre de formation {surname}"),
    ("historien", "historienne", "Cercle d'histoire de {place}"),
    ("guide", "guide", "Office de tourisme de {place}"),
    ("agriculteur", "agricultrice", None),
    ("commerçant", "commerçante", None),
    ("infirmier", "infirmière", "Centre de santé de {place}"),
    ("ingénieur", "ingénieure", "{surname} Géothermie"),
    ("étudiant", "étudiante", None),
    ("apprenti", "apprentie", "Lycée professionnel {surname}"),
    ("entraîneur", "entraîneuse", "Union sportive de {place}"),
]
ASSOCIATIONS = ["Mémoire vive", "Les Amis du Terril", "La Gaillette", "Cœur de Cité", "Racines et Chevalements", "Le Coron en fête", "Les Jardins de la Fosse", "Solidarité Gohelle"]
KINDS = [("interview", 55), ("entretien", 20), ("reportage", 15), ("table ronde", 10)]
INTERVIEWER_COUNT = 6
GUEST_POOL_SIZE = 2000


@dataclass
class Person:
    name: str
    first: str
    surname: str
    gender: str
    role: str
    organisation: str | None = None
    interviewer: bool = False

    def as_yaml(self) -> dict:
        entry = {"name": self.name, "role": self.role}
        if self.organisation:
            entry["organisation"] = self.organisation
        if self.interviewer:
            entry["interviewer"] = True
        return entry


def make_people(seed: int) -> tuple[list[Person], list[Person]]:
    """The interviewers and the pool of guests: depends on the seed only."""
    rng = random.Random(f"people:{seed}")
    used: set[str] = set(EXCLUDED_NAMES)

    def new_person(gender: str) -> Person:
        while True:
            first = rng.choice(FIRST_NAMES_M if gender == "m" else FIRST_NAMES_F)
            surname = rng.choice(SURNAMES)
            name = f"{first} {surname}"
            if name not in used:
                used.add(name)
                return Person(name, first, surname, gender, role="")

    interviewers = []
    for i in range(INTERVIEWER_COUNT):
        person = new_person("f" if i % 2 == 0 else "m")
        person.role = "journaliste"
        person.interviewer = True
        interviewers.append(person)
    guests = []
    for _ in range(GUEST_POOL_SIZE):
        person = new_person(rng.choice("mf"))
        masc, fem, org = rng.choice(ROLES)
        person.role = masc if person.gender == "m" else fem
        if org:
            person.organisation = org.format(place=rng.choice(PLACES), assoc=rng.choice(ASSOCIATIONS), surname=rng.choice(SURNAMES))
        guests.append(person)
    return interviewers, guests


# ---------------------------------------------------------------------------
# Speech
# ---------------------------------------------------------------------------

class Speech:
    """Sentences about one theme, in one recording."""

    def __init__(self, rng: random.Random, theme: str, home: str, people: list[Person], marker: str | None = None):
        self.rng = rng
        self.theme_nouns = THEME_NOUNS[theme]
        self.home = home
        self.people = people
        self.marker = marker

    # -- noun phrases -------------------------------------------------------
    def noun(self) -> Noun:
        rng = self.rng
        r = rng.random()
        if r < 0.5:
            return rng.choice(self.theme_nouns)
        if r < 0.75:
            return rng.choice(GENERAL)
        # log-uniform rank: P(rank) ~ 1/rank (Zipf)
        return TAIL[int(math.exp(rng.random() * TAIL_LOG_SIZE)) - 1]

    def place(self) -> str:
        return self.home if self.rng.random() < 0.4 else self.rng.choice(PLACES)

    def np(self, allow_complement: bool = True) -> list[str]:
        rng = self.rng
        r = rng.random()
        if r < 0.03:
            person = rng.choice(self.people)
            return [rng.choice(["monsieur" if person.gender == "m" else "madame", "la famille"]), person.surname]
        if r < 0.05:
            return [rng.choice(["mon oncle", "ma tante", "mon cousin", "le père", "la mère"]), rng.choice(FIRST_NAMES_M + FIRST_NAMES_F)]
        if r < 0.09:
            return [rng.choice(COLLOCATIONS)]
        noun = self.noun()
        number = "pl" if rng.random() < 0.35 else "sg"
        word = noun.pl if number == "pl" else noun.sg
        g = noun.gender
        tokens: list[str] = []
        d = rng.random()
        if d < 0.5:
            tokens.append("les" if number == "pl" else ("le" if g == "m" else "la"))
        elif d < 0.72:
            tokens.append("des" if number == "pl" else ("un" if g == "m" else "une"))
        elif d < 0.88:
            tokens.append(rng.choice(["mes", "nos", "leurs"]) if number == "pl" else rng.choice(["mon", "notre", "leur"] if g == "m" or starts_with_vowel(word) else ["ma", "notre", "leur"]))
        else:
            if number == "pl":
                tokens.append("ces")
            else:
                tokens.append(("cet" if starts_with_vowel(word) else "ce") if g == "m" else "cette")
        a = rng.random()
        if a < 0.12:
            adj = rng.choice(ADJS_BEFORE).forms[(g, number)]
            if number == "sg" and g == "m" and starts_with_vowel(word):
                adj = ADJ_BEFORE_VOWEL.get(adj, adj)
            tokens.append(adj)
        tokens.append(word)
        if a > 0.72:
            tokens.append(rng.choice(ADJS_AFTER).forms[(g, number)])
        if noun.sg in ("fosse", "puits") and number == "sg" and rng.random() < 0.6:
            tokens.append(rng.choice(["numéro", ""]) + " " + str(rng.randint(1, 24)) if rng.random() < 0.3 else str(rng.randint(1, 24)))
            tokens = [t.strip() for t in " ".join(tokens).split()]
        if allow_complement:
            c = rng.random()
            if c < 0.12:
                tokens += ["de"] + self.np(allow_complement=False)
            elif c < 0.22:
                tokens += ["de", self.place()]
        return tokens

    def pp(self) -> list[str]:
        rng = self.rng
        r = rng.random()
        if r < 0.2:
            return [rng.choice(["à", "à", "du côté de", "près de", "dans le secteur de", "vers"]), self.place()]
        if r < 0.3:
            return self.time()
        return [rng.choice(["à", "dans", "sur", "pour", "avec", "de", "depuis", "pendant", "sans", "autour de", "grâce à", "chez"])] + self.np()

    def time(self) -> list[str]:
        rng = self.rng
        r = rng.random()
        if r < 0.25:
            return ["en", str(rng.randint(1906, 2024))]
        if r < 0.45:
            return ["dans les années", rng.choice(DECADES)]
        if r < 0.55:
            return [rng.choice(["il y a", "depuis", "pendant"]), rng.choice(NUMBER_WORDS + [str(rng.randint(2, 60))]), "ans"]
        return [rng.choice(TIME_PHRASES)]

    # -- clauses ------------------------------------------------------------
    def subject(self) -> tuple[list[str], int]:
        rng = self.rng
        if rng.random() < 0.7:
            word, person = rng.choice(PRONOUNS)
            return [word], person
        tokens = self.np(allow_complement=False)
        return tokens, 4 if tokens[0] in ("les", "des", "mes", "nos", "leurs", "ces") else 1

    def verb_phrase(self, person: int) -> list[str]:
        rng = self.rng
        verb = rng.choice(VERBS)
        t = rng.random()
        negative = rng.random() < 0.08
        if t < 0.35:
            words = [verb["imparfait"][person]]
        elif t < 0.65:
            words = [verb["present"][person]]
        elif t < 0.85:
            aux = VERB[verb["aux"]]["present"][person]
            participle = verb["participle"]
            if verb["aux"] == "être" and person in (2, 4):
                participle += "s"
            words = [aux, participle]
        else:
            modal = VERB[rng.choice(MODALS)]
            words = [modal[rng.choice(["present", "imparfait"])][person], verb["inf"]]
        if negative:
            words = (["ne"] if rng.random() < 0.4 else []) + words[:1] + ["pas"] + words[1:]
        return words

    def clause(self, depth: int = 0) -> list[str]:
        rng = self.rng
        r = rng.random()
        if r < 0.42:
            subject, person = self.subject()
            tokens = subject + self.verb_phrase(person)
            tokens += self.np() if rng.random() < 0.6 else self.pp()
            if rng.random() < 0.35:
                tokens += self.pp()
        elif r < 0.52:
            tokens = [rng.choice(["c'était", "c'est", "ça reste", "ça a été"])] + (self.np() if rng.random() < 0.6 else [rng.choice(ADJS).forms[("m", "sg")]])
        elif r < 0.6:
            tokens = [rng.choice(["il y avait", "il y a", "il y aura", "on avait"])] + self.np() + (self.pp() if rng.random() < 0.5 else [])
        elif r < 0.67:
            tokens = [rng.choice(["je me souviens de", "je me rappelle de", "on parlait de", "on nous parlait de", "il faut parler de"])] + self.np()
        elif r < 0.75 and depth == 0:
            tokens = [rng.choice(["je pense que", "on disait que", "je crois que", "il faut savoir que", "je dirais que", "c'est vrai que"])] + self.clause(depth + 1)
        elif r < 0.85 and depth == 0:
            tokens = self.time() + [","] + self.clause(depth + 1)
        else:
            subject, person = self.subject()
            tokens = subject + self.verb_phrase(person) + self.pp()
        if self.marker and rng.random() < 0.05:
            tokens += ["avec", "la", self.marker]
        return tokens

    def sentence(self) -> list[str]:
        rng = self.rng
        tokens: list[str] = []
        if rng.random() < 0.3:
            tokens.append(rng.choice(FILLERS) + ",")
        tokens += self.clause()
        if rng.random() < 0.35:
            tokens.append(rng.choice(CONNECTORS))
            if rng.random() < 0.15:
                tokens.append(rng.choice(FILLERS))
            tokens += self.clause()
        if rng.random() < 0.05:
            tokens.append("quoi")
        return self.finish(tokens, rng.choice(".........…!"))

    def question(self, guest: Person) -> list[str]:
        rng = self.rng
        r = rng.random()
        if r < 0.25:
            tokens = ["est-ce que vous pouvez nous parler de"] + self.np()
        elif r < 0.4:
            tokens = ["comment ça se passait"] + self.time()
        elif r < 0.55:
            tokens = ["qu'est-ce qui a changé pour"] + self.np()
        elif r < 0.7:
            tokens = ["et"] + self.time() + [",", "quel regard portez-vous sur"] + self.np()
        elif r < 0.85:
            tokens = [guest.first + ",", "vous avez connu"] + self.np()
        else:
            tokens = ["pourquoi c'est si important pour vous", ","] + self.np()
        prefix = rng.choice(["D'accord.", "Oui.", "Justement.", "Très bien.", "Ah oui.", "Et alors"]).split() if rng.random() < 0.4 else []
        return prefix + self.finish(tokens, "?")

    def finish(self, tokens: list[str], punct: str) -> list[str]:
        words = fuse(" ".join(t for t in tokens if t).replace(" ,", ",").split())
        words[0] = words[0][0].upper() + words[0][1:]
        words[-1] = words[-1].rstrip(",") + (" " + punct if punct in ("?", "!") else punct)
        return words


# ---------------------------------------------------------------------------
# Recordings
# ---------------------------------------------------------------------------

def timestamp(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def weighted_guest(rng: random.Random, guests: list[Person]) -> Person:
    """Some people are interviewed often, most once: a Zipf-like draw."""
    index = int(len(guests) * rng.random() ** 2)
    return guests[min(index, len(guests) - 1)]


class RecordingWriter:
    """Writes one recording: its VTT file, and returns its corpus.yaml entry."""

    def __init__(self, rec_id: str, rng: random.Random, interviewers: list[Person], guests: list[Person], duration: float, marker: str | None = None):
        self.rec_id = rec_id
        self.rng = rng
        self.duration = duration
        kinds, weights = zip(*KINDS)
        self.kind = rng.choices(kinds, weights)[0]
        self.theme = rng.choice(THEME_NAMES)
        self.home = rng.choice(PLACES)
        self.interviewer = rng.choice(interviewers)
        n_guests = {"interview": rng.choice([1, 1, 1, 2]), "entretien": 1, "reportage": rng.choice([2, 3]), "table ronde": 3}[self.kind]
        self.guests: list[Person] = []
        while len(self.guests) < n_guests:
            guest = weighted_guest(rng, guests)
            if guest not in self.guests:
                self.guests.append(guest)
        self.speech = Speech(rng, self.theme, self.home, self.guests + [self.interviewer], marker)
        self.words = 0
        self.cues = 0

    def turn(self, out, start: float, speaker: Person, sentences: list[list[str]]) -> float:
        """Writes one speaker turn as cues of about 4-8 s; returns its end time."""
        rng = self.rng
        words = [w for s in sentences for w in s]
        n = len(words)
        per_word = rng.uniform(0.88, 1.12) / SPEECH_RATE
        k = max(1, round(n * per_word / 6.0))  # about 6 s per cue
        cuts = [0] + [min(n, max(0, round((i + rng.uniform(-0.15, 0.15)) * n / k))) for i in range(1, k)] + [n]
        t = start
        for a, b in zip(cuts, cuts[1:]):
            if b <= a:
                continue
            end = t + (b - a) * per_word
            self.cues += 1
            out.write(f"{self.cues}\n{timestamp(t)} --> {timestamp(end)}\n<v {speaker.name}>{' '.join(words[a:b])}\n\n")
            t = end
        self.words += n
        return t

    def speak(self, seconds: float) -> list[list[str]]:
        target = max(3, int(seconds * SPEECH_RATE))
        sentences, count = [], 0
        while count < target:
            sentence = self.speech.sentence()
            sentences.append(sentence)
            count += len(sentence)
        return sentences

    def write(self, path: Path) -> dict:
        rng = self.rng
        iv = self.interviewer
        names = ", ".join(g.name for g in self.guests)
        lead = self.guests[0]
        with open(path, "w", encoding="utf-8") as out:
            out.write("WEBVTT\n\n")
            intro = self.speech.finish(
                f"bonjour et bienvenue, aujourd'hui nous sommes à {self.home} avec {names}, on va parler de {self.theme}".split(), "."
            )
            t = self.turn(out, 0.0, iv, [intro] + self.speak(rng.uniform(5, 15)))
            outro_at = self.duration - 15
            while t < outro_at:
                t += rng.uniform(0.2, 0.8)
                lead = rng.choice(self.guests)
                t = self.turn(out, t, iv, [self.speech.question(lead)] + (self.speak(rng.uniform(2, 8)) if rng.random() < 0.3 else []))
                answer = min(rng.uniform(20, 120), max(5.0, outro_at - t))
                t = self.turn(out, t + rng.uniform(0.2, 0.8), lead, self.speak(answer))
            outro = self.speech.finish(f"merci beaucoup {names}, c'était {self.theme} à {self.home}".split(), ".")
            self.turn(out, t + 0.5, iv, [outro])

        title_np = " ".join(self.speech.finish(self.speech.np(), ""))
        if self.kind in ("interview", "entretien"):
            title = f"{lead.name}, {lead.role} : {title_np[0].lower() + title_np[1:]} à {self.home}"
        elif self.kind == "table ronde":
            title = f"Table ronde : {self.theme} à {self.home}"
        else:
            title = f"Reportage : {title_np} à {self.home}"
        year = rng.choices(range(2008, 2026), weights=range(1, 19))[0]
        precision = rng.random()
        if precision < 0.05:
            date = str(year)
        elif precision < 0.15:
            date = f"{year}-{rng.randint(1, 12):02d}"
        else:
            date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        return {
            "title": title,
            "date": date,
            "theme": self.theme,
            "kind": self.kind,
            "transcript": f"transcripts/{path.name}",
            "audio_url": f"https://example.org/audio/{self.rec_id}.mp3",
            "speakers": [iv.as_yaml()] + [g.as_yaml() for g in self.guests],
            "speaker_labels": {},
        }


def yaml_entry(rec_id: str, entry: dict) -> str:
    """One recording as lines to append under "recordings:"."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump({rec_id: entry}, Dumper=dumper, allow_unicode=True, sort_keys=False, width=1000)
    return "".join("  " + line + "\n" for line in text.splitlines())


def generate(hours: float, out_dir: Path, seed: int = 6, progress: bool = False) -> dict:
    """Writes the archive; returns the manifest (also saved as bench-manifest.json)."""
    started = time.perf_counter()
    out_dir = Path(out_dir)
    transcripts = out_dir / "transcripts"
    transcripts.mkdir(parents=True, exist_ok=True)
    for old in transcripts.glob("synth-*.vtt"):
        old.unlink()
    interviewers, guests = make_people(seed)
    remaining = hours * 3600.0
    words = cues = 0
    seconds = 0.0
    speakers: dict[str, int] = {}
    i = 0
    with open(out_dir / "corpus.yaml", "w", encoding="utf-8") as corpus:
        corpus.write(f"# Synthetic archive: {hours:g} hours, seed {seed}, generator v{GENERATOR_VERSION} (bench/generate_archive.py).\n")
        corpus.write("# Every person and every word here is invented.\n")
        corpus.write("pages: []\n")
        corpus.write("places: " + json.dumps(PLACES, ensure_ascii=False) + "\n")
        corpus.write("recordings:\n")
        while remaining > 1.0:
            i += 1
            rng = random.Random(f"{seed}:{i}")
            duration = min(rng.uniform(MIN_RECORDING_S, MAX_RECORDING_S), remaining)
            remaining -= duration
            rec_id = f"synth-{i:06d}"
            writer = RecordingWriter(rec_id, rng, interviewers, guests, max(duration, 60.0))
            entry = writer.write(transcripts / f"{rec_id}.vtt")
            corpus.write(yaml_entry(rec_id, entry))
            words += writer.words
            cues += writer.cues
            seconds += duration
            for person in [writer.interviewer] + writer.guests:
                speakers[person.name] = speakers.get(person.name, 0) + 1
            if progress and i % 100 == 0:
                print(f"  {i} recordings, {seconds / 3600:.0f} h, {words:,} words", file=sys.stderr)
    size = sum(f.stat().st_size for f in transcripts.glob("*.vtt")) + (out_dir / "corpus.yaml").stat().st_size
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "hours": hours,
        "seed": seed,
        "recordings": i,
        "words": words,
        "cues": cues,
        "seconds": round(seconds, 1),
        "words_per_hour": round(words / (seconds / 3600)) if seconds else 0,
        "distinct_speakers": len(speakers),
        "interviewers": [p.name for p in interviewers],
        "frequent_guests": [name for name, _ in sorted(speakers.items(), key=lambda kv: -kv[1]) if name not in {p.name for p in interviewers}][:10],
        "themes": THEME_NAMES,
        "bytes": size,
        "generation_seconds": round(time.perf_counter() - started, 2),
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest


def append_recording(out_dir: Path, rec_id: str, minutes: float = 60.0, seed: int = 6, marker: str | None = None) -> dict:
    """Adds one recording (VTT file + corpus.yaml entry) to an existing archive.

    ``marker``: an invented word spoken now and then in it, so a search can tell
    when the new recording has become visible.
    """
    out_dir = Path(out_dir)
    interviewers, guests = make_people(seed)
    rng = random.Random(f"{seed}:{rec_id}")
    writer = RecordingWriter(rec_id, rng, interviewers, guests, minutes * 60.0, marker=marker)
    entry = writer.write(out_dir / "transcripts" / f"{rec_id}.vtt")
    with open(out_dir / "corpus.yaml", "a", encoding="utf-8") as corpus:
        corpus.write(yaml_entry(rec_id, entry))
    return {"id": rec_id, "words": writer.words, "cues": writer.cues, "entry": entry}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, required=True, help="hours of recordings to generate")
    parser.add_argument("--out", type=Path, required=True, help="output directory (created)")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    manifest = generate(args.hours, args.out, args.seed, progress=True)
    print(
        f"{manifest['recordings']} recordings, {manifest['seconds'] / 3600:.2f} h, {manifest['words']:,} words "
        f"({manifest['words_per_hour']:,}/h), {manifest['cues']:,} cues, {manifest['distinct_speakers']} speakers, "
        f"{manifest['bytes'] / 1e6:.1f} MB in {manifest['generation_seconds']} s -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
