"""Real French speech for the speech-recognition tests and benchmark: espeak-ng sentences in two voices,
joined by sox with known silences, so every sentence's start time is known.

The sentences are invented (no real person's words); they use the territory's words
the model is primed with.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

VOICES = ("fr", "fr+f3")  # espeak-ng's French voice, and its female variant
RATE = 16000


@dataclass
class Sentence:
    text: str
    voice: str
    silence_before: float  # seconds of silence before it
    speed: int = 0  # words per minute; 0: the recording's
    speaker: str = ""  # who says it (the tests' truth for speaker attribution)
    noise: float = 0.0  # volume of a pink noise under this sentence only (0: none; 1: as loud as the voice)


@dataclass
class Speech:
    path: Path
    starts: list[float]  # each sentence's start, in seconds
    ends: list[float]
    texts: list[str]
    speakers: list[str] = None  # who says each sentence, where the sentences say


def tools_missing() -> list[str]:
    return [tool for tool in ("espeak-ng", "sox", "soxi") if shutil.which(tool) is None]


# sox's -R everywhere: sox dithers when it writes 16-bit samples, with a new random seed each run
# unless told to repeat itself; the same sentences must make the same audio, or the model's output
# (and the tests on it) would change from one run to the next.
def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def duration(path: Path) -> float:
    return float(_run("soxi", "-D", str(path)))


def synthesize(folder: Path, name: str, sentences: list[Sentence], speed: int = 150, bed: str = "") -> Speech:
    """One 16 kHz mono WAV: silence, sentence, silence, sentence … and a second of silence at the end.

    espeak-ng's own leading and trailing silences are trimmed, so a sentence starts
    exactly where the silences before it end. ``bed``: "noise" (pink noise) or "music" (a
    chord) under the whole recording, as a radio programme may have.
    """
    work = folder / f".{name}-parts"
    work.mkdir(parents=True, exist_ok=True)
    pieces, starts, ends, clock = [], [], [], 0.0
    for n, sentence in enumerate(sentences):
        raw, speech = work / f"{n}-raw.wav", work / f"{n}.wav"
        _run("espeak-ng", "-v", sentence.voice, "-s", str(sentence.speed or speed), "-w", str(raw), sentence.text)
        # silence 1 …: trim the start; reverse, trim, reverse: trim the end.
        _run("sox", "-R", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(speech),
             "silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse")
        if sentence.noise:
            clean, noise = work / f"{n}-clean.wav", work / f"{n}-noise.wav"
            speech.rename(clean)
            _run("sox", "-R", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(noise), "synth", str(duration(clean)),
                 "pinknoise", "vol", str(sentence.noise))
            _run("sox", "-R", "-m", "-v", "1", str(clean), "-v", "1", str(noise), str(speech))
        gap = work / f"{n}-gap.wav"
        _run("sox", "-R", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(gap), "trim", "0", f"{sentence.silence_before}")
        pieces += [gap, speech]
        clock += sentence.silence_before
        starts.append(round(clock, 3))
        clock += duration(speech)
        ends.append(round(clock, 3))
    tail = work / "tail.wav"
    _run("sox", "-R", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(tail), "trim", "0", "1")
    out = folder / f"{name}.wav"
    if bed:
        dry = work / "dry.wav"
        _run("sox", "-R", *map(str, pieces + [tail]), str(dry))
        under = work / "bed.wav"
        sound = ["pinknoise"] if bed == "noise" else ["sine", "196", "sine", "247", "sine", "294"]
        _run("sox", "-R", "-n", "-r", str(RATE), "-c", str(len(sound) // (1 if bed == "noise" else 2)), str(under),
             "synth", str(duration(dry)), *sound, "remix", "-", "vol", "0.04" if bed == "noise" else "0.05")
        _run("sox", "-R", "-m", "-v", "1", str(dry), "-v", "1", str(under), str(out))
    else:
        _run("sox", "-R", *map(str, pieces + [tail]), str(out))
    shutil.rmtree(work)
    return Speech(out, starts, ends, [s.text for s in sentences], [s.speaker for s in sentences])


def silence(path: Path, seconds: float = 4.0) -> Path:
    _run("sox", "-R", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(path), "trim", "0", str(seconds))
    return path


# The test corpus's two recordings (invented words; the places and organisation are the
# corpus.yaml's). Silences of 1.5 to 3 s between sentences, as between answers.
INTERVIEW = [
    Sentence("Bonjour et bienvenue dans cette émission consacrée au bassin minier.", VOICES[0], 1.5),
    Sentence("Le gaz de mine est récupéré pour chauffer les maisons de la cité.", VOICES[1], 2.0),
    Sentence("La coopérative des terrils plante des arbres sur les anciens sites.", VOICES[1], 2.5),
    Sentence("Merci beaucoup, nous reviendrons la semaine prochaine.", VOICES[0], 3.0),
]
REPORT = [
    Sentence("Les habitants de Liévin racontent la fermeture des puits.", VOICES[0], 1.0),
    Sentence("Aujourd'hui, les jeunes apprennent de nouveaux métiers.", VOICES[1], 2.0),
]


# The benchmark's set: longer (several 30-second windows), with the territory's names
# the priming is meant to help (places, organisations and acronyms of corpus/corpus.yaml,
# and the invented guest on the recording's page). Each sentence lists the names it holds.
BENCH = [
    (Sentence("Bonjour, nous sommes à Loos-en-Gohelle, au pied des terrils jumeaux.", VOICES[0], 1.0),
     ["Loos-en-Gohelle"]),
    (Sentence("Odile Warembourg, vous travaillez depuis dix ans dans le bassin minier.", VOICES[0], 1.5),
     ["Odile Warembourg", "bassin minier"]),
    (Sentence("Oui, je suis arrivée à Liévin pour parler de la rénovation des cités.", VOICES[1], 2.0),
     ["Liévin"]),
    (Sentence("Le Pôle Métropolitain de l'Artois finance une partie des travaux.", VOICES[1], 1.5),
     ["Pôle Métropolitain de l'Artois"]),
    (Sentence("Et Euralens accompagne les projets autour de Lens et d'Avion.", VOICES[0], 2.0),
     ["Euralens", "Lens", "Avion"]),
    (Sentence("Le gaz de mine, le grisou, sert maintenant à chauffer des logements.", VOICES[1], 1.5),
     ["gaz de mine", "grisou"]),
    (Sentence("Les élèves de l'EPAL apprennent à réparer les voitures électriques.", VOICES[1], 2.5),
     ["EPAL"]),
    (Sentence("Que pensez-vous de la Gigafactory de Douvrin et de Billy-Berclau ?", VOICES[0], 2.0),
     ["Gigafactory", "Douvrin", "Billy-Berclau"]),
    (Sentence("Elle apporte des emplois, mais il faut former les jeunes de Béthune à Arras.", VOICES[1], 1.5),
     ["Béthune", "Arras"]),
    (Sentence("La Communauté d'Agglomération de Lens-Liévin prépare aussi des pompes à chaleur.", VOICES[1], 2.0),
     ["Communauté d'Agglomération de Lens-Liévin", "pompes à chaleur"]),
    (Sentence("Merci Odile Warembourg, à la semaine prochaine.", VOICES[0], 3.0),
     ["Odile Warembourg"]),
]


# Three interviews by one interviewer (invented people and words): his voice recurs, each guest's
# differs in pitch and speed, and two have a bed under the speech. The tests of speaker attribution
# and the benchmark use them; corpus.yaml names the interviewer and each page its guest.
INTERVIEWER = "Gaspard Lenoir"


def _interview(guest: str, voice: str, speed: int, lines: list[tuple[str, str]]) -> list[Sentence]:
    """lines: (who, text) with who "I" (the interviewer) or "G" (the guest)."""
    return [Sentence(text, "fr" if who == "I" else voice, 1.0 if who == "I" else 0.8,
                     speed=150 if who == "I" else speed, speaker=INTERVIEWER if who == "I" else guest)
            for who, text in lines]


INTERVIEWS = {
    "entretien-vergers": ("Odile Warembourg", "", _interview("Odile Warembourg", "fr+f3", 140, [
        ("I", "Bonjour, vous plantez des vergers sur les anciens carreaux de fosse."),
        ("G", "Oui, nous avons commencé il y a six ans avec une vingtaine de pommiers."),
        ("G", "Les habitants viennent cueillir les fruits chaque automne."),
        ("I", "Qui s'occupe des arbres pendant l'hiver ?"),
        ("G", "Des bénévoles de la cité taillent les branches tous les samedis."),
        ("I", "Merci beaucoup pour ces explications."),
    ])),
    "entretien-atelier": ("Bastien Carlier", "noise", _interview("Bastien Carlier", "fr+m7", 170, [
        ("I", "Bonjour, votre atelier répare des vélos pour les étudiants."),
        ("G", "Exactement, nous récupérons des cadres abandonnés et nous les remettons en état."),
        ("I", "Combien de vélos sortent de l'atelier chaque mois ?"),
        ("G", "Une quarantaine environ, et nous formons deux apprentis cette année."),
        ("G", "Le local nous est prêté par la commune jusqu'en décembre."),
        ("I", "Bonne continuation à toute l'équipe."),
    ])),
    "entretien-chorale": ("Léa Fromont", "music", _interview("Léa Fromont", "fr+f1", 160, [
        ("I", "Bonjour, votre chorale chante en patois depuis longtemps."),
        ("G", "Depuis quinze ans, et nous avons enregistré un disque au printemps."),
        ("I", "Où peut-on vous entendre cet été ?"),
        ("G", "Nous chantons sur la place du marché le premier dimanche de juillet."),
        ("G", "Tout le monde peut venir répéter avec nous le jeudi soir."),
        ("I", "Merci et à bientôt sur les ondes."),
    ])),
}
