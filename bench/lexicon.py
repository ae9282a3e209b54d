"""The French words of the synthetic archive (bench/generate_archive.py), and their grammar.

A themed vocabulary (the mining basin's communes as a gazetteer, general and themed nouns, a long
tail of derived and pseudo-words, adjectives, verbs, fillers of spoken French) and what makes
them agree: plurals, elision and contraction, conjugation. Every table is built at import, the
same way each time (the tail from its own fixed seed), so that an archive depends only on the
generator's seed.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass


# Real communes of the area (a gazetteer, not people).
PLACES = [
    "Lens", "Liévin", "Loos-en-Gohelle", "Avion", "Méricourt", "Sallaumines",
    "Noyelles-sous-Lens", "Harnes", "Courrières", "Fouquières-lès-Lens",
    "Montigny-en-Gohelle", "Hénin-Beaumont", "Billy-Montigny", "Rouvroy",
    "Drocourt", "Carvin", "Oignies", "Libercourt", "Courcelles-lès-Lens",
    "Noyelles-Godault", "Dourges", "Évin-Malmaison", "Leforest", "Wingles",
    "Vendin-le-Vieil", "Annay", "Estevelles", "Pont-à-Vendin", "Meurchin",
    "Bénifontaine", "Hulluch", "Haisnes", "Douvrin", "Billy-Berclau",
    "Grenay", "Bully-les-Mines", "Mazingarbe", "Vermelles", "Angres",
    "Souchez", "Ablain-Saint-Nazaire", "Givenchy-en-Gohelle", "Vimy",
    "Éleu-dit-Leauwette", "Aix-Noulette", "Sains-en-Gohelle", "Béthune",
    "Bruay-la-Buissière", "Douai", "Arras",
]
# Words starting with an aspirated h: no elision ("de Harnes", "le hangar").
H_ASPIRE = {"harnes", "hulluch", "haisnes", "hangar", "haut", "hauts", "hasard", "halle", "héros", "hêtre"}

# Nouns as "word:gender"; "_" stands for a space inside a compound.
GENERAL_NOUNS = """
temps:m époque:f année:f jour:m vie:f famille:f père:m mère:f grand-père:m grand-mère:f
enfant:m fils:m fille:f frère:m sœur:f oncle:m tante:f voisin:m voisine:f ami:m copain:m
maison:f rue:f quartier:m ville:f village:m commune:f région:f territoire:m pays:m place:f
travail:m métier:m salaire:m argent:m histoire:f souvenir:m moment:m fois:f semaine:f matin:m
soir:m dimanche:m école:f église:f café:m estaminet:m fête:f projet:m idée:f question:f
problème:m chose:f monde:m personne:f habitant:m habitante:f élu:m maire:m mairie:f
association:f bénévole:m jeunesse:f avenir:m changement:m image:f regard:m fierté:f
solidarité:f courage:m effort:m difficulté:f exemple:m raison:f manière:f façon:f endroit:m
génération:f patron:m syndicat:m grève:f lutte:f droit:m guerre:f reconstruction:f
"""

THEMES = {
    "mémoire de la mine": """
        fosse:f puits:m galerie:f taille:f charbon:m houille:f mineur:m galibot:m porion:m
        ingénieur:m lampe:f casque:m berline:f cheval:m chevalement:m terril:m grisou:m
        silicose:f accident:m catastrophe:f compagnie:f houillère:f salle_des_pendus:f
        lampisterie:f descente:f veine:f gaillette:f pic:m marteau-piqueur:m boisage:m
        poussière:f fond:m jour:m équipe:f poste:m abatteur:m trieuse:f criblage:m
    """,
    "cités minières et logement": """
        cité:f coron:m logement:m maison:f jardin:m potager:m rénovation:f bailleur:m
        locataire:m loyer:m façade:f toiture:f isolation:f chauffage:m brique:f chantier:m
        habitat:m cour:f cave:f grenier:m pavillon:m lotissement:m réhabilitation:f
    """,
    "reconversion économique": """
        entreprise:f usine:f emploi:m chômage:m zone_d'activité:f investissement:m
        industrie:f salarié:m salariée:f site:m reconversion:f gigafactory:f batterie:f
        logistique:f entrepôt:m commerce:m artisan:m filière:f innovation:f marché:m
        sous-traitant:m client:m production:f automobile:f
    """,
    "emploi et formation": """
        formation:f apprentissage:m apprenti:m lycée:m diplôme:m stage:m compétence:f
        jeune:m recrutement:m alternance:f université:f étudiant:m étudiante:f formateur:m
        formatrice:f orientation:f insertion:f chômeur:m candidat:m entretien:m qualification:f
    """,
    "transition énergétique": """
        énergie:f panneau:m chaleur:f réseau:m géothermie:f méthane:m gaz:m éolienne:f
        biomasse:f consommation:f facture:f transition:f carbone:m climat:m centrale:f
        toit:m électricité:f hydrogène:m sobriété:f chaudière:f
    """,
    "patrimoine et UNESCO": """
        patrimoine:m inscription:f paysage:m monument:m mémorial:m musée:m visite:f
        visiteur:m guide:m chevalement:m terril:m héritage:m classement:m site:m
        bâtiment:m architecture:f vestige:m label:m touriste:m parcours:m
    """,
    "culture et Louvre-Lens": """
        musée:m exposition:f œuvre:f artiste:m spectacle:m concert:m festival:m théâtre:m
        bibliothèque:f médiathèque:f public:m création:f atelier:m résidence:f harmonie:f
        fanfare:f chorale:f peinture:f sculpture:f collection:f galerie:f
    """,
    "sport et vie associative": """
        stade:m club:m match:m supporter:m football:m bénévole:m fête:f ducasse:f
        kermesse:f colombophilie:f pigeon:m boule:f tournoi:m entraîneur:m équipe:f
        maillot:m saison:f championnat:m tribune:f vestiaire:m
    """,
    "environnement et terrils": """
        terril:m biodiversité:f faune:f flore:f espèce:f sentier:m randonnée:f arbre:m
        forêt:f étang:m friche:f pollution:f dépollution:f eau:f oiseau:m nature:f
        affaissement:m inondation:f pompage:m sol:m
    """,
    "santé et vieillissement": """
        santé:f médecin:m hôpital:m maladie:f soin:m infirmière:f retraite:f retraité:m
        dispensaire:m pension:f poumon:m handicap:m aide:f maison_de_retraite:f
        prévention:f dépistage:m
    """,
    "immigration et mémoire ouvrière": """
        immigration:f immigré:m communauté:f accent:m langue:f église:f messe:f tradition:f
        cuisine:f racine:f intégration:f arrivée:f contrat:m convoi:m baraquement:m
        foyer:m mosquée:f consulat:m
    """,
    "mobilité et transports": """
        bus:m tramway:m gare:f train:m route:f autoroute:f vélo:m voiture:f trajet:m
        ligne:f parking:m covoiturage:m piste_cyclable:f navette:f
    """,
    "commerce et centre-ville": """
        commerce:m magasin:m boutique:f marché:m vitrine:f client:m cliente:f
        centre-ville:m commerçant:m commerçante:f braderie:f enseigne:f galerie:f
    """,
}

# The long tail of the vocabulary (rare words, local terms, names, transcription
# errors): real transcripts of 1,000 hours hold tens of thousands of distinct
# words, and an index's size and speed depend on it. Made of (1) derived words,
# prefix + base ("réaménagement", "post-industrialisation"), and (2) invented
# French-looking words built from syllables ("brouvelette", "tranchiard").
# Drawn with a Zipf-like law: a few are frequent, most are rare.
TAIL_BASES = """
industrialisation:f urbanisation:f électrification:f modernisation:f mécanisation:f
nationalisation:f privatisation:f automatisation:f numérisation:f revitalisation:f
densification:f végétalisation:f mutualisation:f valorisation:f structuration:f
labellisation:f certification:f planification:f concertation:f mobilisation:f
aménagement:m développement:m financement:m encadrement:m engagement:m hébergement:m
équipement:m peuplement:m classement:m lotissement:m assainissement:m déplacement:m
établissement:m accompagnement:m construction:f production:f organisation:f
fabrication:f exploitation:f extraction:f transformation:f restauration:f protection:f
occupation:f stockage:m recyclage:m compostage:m forage:m maillage:m jumelage:m
parrainage:m tutorat:m bénévolat:m syndicalisme:m paternalisme:m tourisme:m
régionalisme:m militantisme:m charbonnage:m cokerie:f briqueterie:f verrerie:f
sucrerie:f brasserie:f filature:f tannerie:f laiterie:f incubateur:m laboratoire:m
observatoire:m lavoir:m abattoir:m séchoir:m atelier:m comptoir:m dépôt:m
"""
TAIL_PREFIXES = ["ré", "dé", "pré", "co", "sur", "sous-", "anti", "néo-", "post-", "auto", "inter", "multi", "mini-",
                 "hyper", "semi-", "micro-", "contre-", "non-", "pseudo-", "ultra-", "trans", "extra-", "pluri", "proto-"]
TAIL_ONSETS = ["b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "ch", "br", "cr", "dr", "fr", "gr",
               "pl", "tr", "qu", "gu", "w", "bl", "cl", "fl", "j", "h"]
TAIL_VOWELS = ["a", "e", "i", "o", "u", "é", "è", "ou", "au", "ai", "eu", "oi", "an", "on", "in", "a", "e", "i", "o"]
TAIL_ENDINGS = ["e", "ette", "ière", "on", "ard", "eau", "ais", "ure", "age", "ier", "oux", "elle", "in", "ot",
                "aille", "eux", "ance", "ée", "et", "ois", "ache", "ude"]
TAIL_PSEUDO_WORDS = 25_000


def build_tail() -> list:
    """The tail, most frequent first (see TAIL_BASES)."""
    rng = random.Random("vocabulary-tail")
    bases = parse_nouns(TAIL_BASES)
    derived = []
    for prefix in TAIL_PREFIXES:
        for base in bases:
            word = prefix + base.sg
            derived.append(Noun(word, plural(word), base.gender))
    rng.shuffle(derived)
    pseudo, seen = [], set()
    while len(pseudo) < TAIL_PSEUDO_WORDS:
        word = "".join(rng.choice(TAIL_ONSETS) + rng.choice(TAIL_VOWELS) for _ in range(rng.choice([1, 2, 2, 3])))
        word += rng.choice(TAIL_ENDINGS)
        if word not in seen:
            seen.add(word)
            gender = "f" if word.endswith(("e", "ance", "ude")) and not word.endswith(("age", "eau")) else "m"
            pseudo.append(Noun(word, plural(word), gender))
    return bases + derived + pseudo


# Adjectives: "masculine/feminine" when the feminine is not just masculine + "e".
# A leading "^" marks adjectives placed before the noun.
ADJECTIVES = """
^grand ^petit ^nouveau/nouvelle ^vieux/vieille ^ancien/ancienne ^beau/belle ^jeune
^premier/première ^dernier/dernière ^gros/grosse ^vrai ^long/longue ^bon/bonne
dur difficile important fort minier/minière ouvrier/ouvrière social/sociale local/locale
régional/régionale culturel/culturelle économique industriel/industrielle énergétique
collectif/collective public/publique durable solidaire entier/entière propre noir rouge
fier/fière dangereux/dangereuse heureux/heureuse humain formidable incroyable
extraordinaire historique environnemental/environnementale européen/européenne
national/nationale municipal/municipale polonais/polonaise italien/italienne marocain
algérien/algérienne belge portugais/portugaise lourd sale simple pauvre riche vivant
"""
# Before a masculine singular noun starting with a vowel.
ADJ_BEFORE_VOWEL = {"nouveau": "nouvel", "vieux": "vieil", "beau": "bel"}

REGULAR_ER = """
travailler habiter raconter aimer changer trouver rester commencer arriver parler penser
porter monter garder donner créer accompagner développer rénover former embaucher fermer
transformer organiser installer lancer participer préserver valoriser animer expliquer
continuer imaginer partager chercher retrouver écouter visiter exploiter recruter
payer aider rencontrer chanter jouer marcher gagner sauver rappeler demander montrer
"""
REGULAR_IR = "réussir investir choisir finir grandir bâtir agir"
# person order: je, il/elle/on, nous, vous, ils/elles
IRREGULAR = {
    # infinitive: (present forms, imparfait stem, past participle, auxiliary)
    "avoir": ("ai a avons avez ont", "av", "eu", "avoir"),
    "être": ("suis est sommes êtes sont", "ét", "été", "avoir"),
    "faire": ("fais fait faisons faites font", "fais", "fait", "avoir"),
    "aller": ("vais va allons allez vont", "all", "allé", "être"),
    "venir": ("viens vient venons venez viennent", "ven", "venu", "être"),
    "pouvoir": ("peux peut pouvons pouvez peuvent", "pouv", "pu", "avoir"),
    "vouloir": ("veux veut voulons voulez veulent", "voul", "voulu", "avoir"),
    "devoir": ("dois doit devons devez doivent", "dev", "dû", "avoir"),
    "savoir": ("sais sait savons savez savent", "sav", "su", "avoir"),
    "prendre": ("prends prend prenons prenez prennent", "pren", "pris", "avoir"),
    "mettre": ("mets met mettons mettez mettent", "mett", "mis", "avoir"),
    "dire": ("dis dit disons dites disent", "dis", "dit", "avoir"),
    "voir": ("vois voit voyons voyez voient", "voy", "vu", "avoir"),
    "partir": ("pars part partons partez partent", "part", "parti", "être"),
    "descendre": ("descends descend descendons descendez descendent", "descend", "descendu", "être"),
    "construire": ("construis construit construisons construisez construisent", "construis", "construit", "avoir"),
    "connaître": ("connais connaît connaissons connaissez connaissent", "connaiss", "connu", "avoir"),
    "vivre": ("vis vit vivons vivez vivent", "viv", "vécu", "avoir"),
    "accueillir": ("accueille accueille accueillons accueillez accueillent", "accueill", "accueilli", "avoir"),
    "ouvrir": ("ouvre ouvre ouvrons ouvrez ouvrent", "ouvr", "ouvert", "avoir"),
}
ETRE_VERBS = {"arriver", "rester", "monter", "aller", "venir", "partir", "descendre"}
MODALS = ["pouvoir", "vouloir", "devoir", "aller"]

# Set phrases of the area, used as noun phrases (and good phrase queries).
COLLOCATIONS = [
    "le bassin minier", "le bassin minier", "l'ancien bassin minier", "la cité minière", "les cités minières",
    "la transition énergétique", "les Hauts-de-France", "le Pas-de-Calais", "la catastrophe de Courrières",
    "la salle des pendus", "les gueules noires", "le pays noir", "le Louvre-Lens", "le stade Bollaert",
    "la chaîne des terrils", "les Houillères du bassin", "la base 11/19", "le carreau de fosse",
    "la reconversion du territoire", "l'après-mine", "le patrimoine mondial", "la fosse 9-9 bis",
]
FILLERS = ["euh", "euh", "euh", "ben", "bon", "voilà", "alors", "en fait", "du coup", "bah", "enfin", "vous savez", "c'est-à-dire"]
CONNECTORS = ["et", "et", "mais", "parce que", "donc", "alors", "puis", "et puis", "du coup", "sauf que"]
NUMBER_WORDS = ["deux", "trois", "quatre", "cinq", "six", "dix", "quinze", "vingt", "trente", "quarante", "cinquante", "cent"]
DECADES = ["cinquante", "soixante", "soixante-dix", "quatre-vingt", "50", "60", "70", "80", "90", "2000"]
TIME_PHRASES = [
    "à l'époque", "aujourd'hui", "avant", "maintenant", "après la guerre", "à ce moment-là",
    "le lundi matin", "tous les jours", "le dimanche", "depuis toujours", "au début",
    "après la fermeture des puits", "pendant la grève", "à quatorze ans", "à la fin",
]

VOWELS = set("aeiouyàâäéèêëîïôöùûüœæAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŒÆ")
ELIDABLE = {"le": "l'", "la": "l'", "de": "d'", "que": "qu'", "je": "j'", "ne": "n'", "se": "s'", "me": "m'", "te": "t'", "jusque": "jusqu'", "lorsque": "lorsqu'", "puisque": "puisqu'"}
CONTRACTIONS = {("de", "le"): "du", ("de", "les"): "des", ("de", "des"): "des", ("à", "le"): "au", ("à", "les"): "aux"}


def starts_with_vowel(word: str) -> bool:
    """True when a preceding le/la/de/que... is elided before this word."""
    first = word[0]
    if first in VOWELS:
        return True
    if first in "hH":
        return word.split("-")[0].lower() not in H_ASPIRE
    return False


def plural(word: str) -> str:
    if " " in word:
        head, rest = word.split(" ", 1)
        if rest.startswith(("de ", "des ", "d'", "à ")):  # "salle des pendus" -> "salles des pendus"
            return plural(head) + " " + rest
        return " ".join(plural(w) for w in word.split())  # "piste cyclable" -> "pistes cyclables"
    if "-" in word:
        head, rest = word.split("-", 1)
        if head in ("grand", "marteau"):  # grands-pères, marteaux-piqueurs
            return plural(head) + "-" + plural(rest)
        if head in ("sous", "mini", "micro", "néo", "post", "semi", "contre", "non", "pseudo", "ultra", "extra", "proto"):
            return head + "-" + plural(rest)
        return word  # centre-ville: unchanged
    if word.endswith(("s", "x", "z")):
        return word
    if word == "travail":
        return "travaux"
    if word.endswith("al") and word not in ("festival", "carnaval"):
        return word[:-2] + "aux"
    if word.endswith(("eau", "eu")):
        return word + "x"
    return word + "s"


@dataclass
class Noun:
    sg: str
    pl: str
    gender: str  # "m" or "f"


@dataclass
class Adjective:
    forms: dict  # (gender, number) -> form
    before: bool


def parse_nouns(text: str) -> list[Noun]:
    nouns = []
    for item in text.split():
        word, gender = item.split(":")
        word = word.replace("_", " ")
        nouns.append(Noun(word, plural(word), gender))
    return nouns


def parse_adjectives(text: str) -> list[Adjective]:
    adjectives = []
    for item in text.split():
        before = item.startswith("^")
        item = item.lstrip("^")
        if "/" in item:
            masc, fem = item.split("/")
        else:
            masc = item
            fem = item if item.endswith("e") else item + "e"
        forms = {("m", "sg"): masc, ("f", "sg"): fem, ("m", "pl"): plural(masc), ("f", "pl"): plural(fem)}
        adjectives.append(Adjective(forms, before))
    return adjectives


def conjugate_regular(infinitive: str) -> dict:
    """present (5 persons), imparfait (5), participle and auxiliary of a regular verb."""
    if infinitive.endswith("er"):
        stem = infinitive[:-2]
        present_endings = ["e", "e", "ons", "ez", "ent"]
        imparfait_endings = ["ais", "ait", "ions", "iez", "aient"]
        participle = stem + "é"
    else:  # second group: finir
        stem = infinitive[:-2]
        present_endings = ["is", "it", "issons", "issez", "issent"]
        imparfait_endings = ["issais", "issait", "issions", "issiez", "issaient"]
        participle = stem + "i"

    def join(ending: str) -> str:
        # commencer -> commençait, changer -> changeait
        if ending[0] in "ao" and stem.endswith("c"):
            return stem[:-1] + "ç" + ending
        if ending[0] in "ao" and stem.endswith("g"):
            return stem + "e" + ending
        return stem + ending

    return {
        "inf": infinitive,
        "present": [join(e) for e in present_endings],
        "imparfait": [join(e) for e in imparfait_endings],
        "participle": participle,
        "aux": "être" if infinitive in ETRE_VERBS else "avoir",
    }


def conjugate_irregular(infinitive: str) -> dict:
    present, imparfait_stem, participle, aux = IRREGULAR[infinitive]
    return {
        "inf": infinitive,
        "present": present.split(),
        "imparfait": [imparfait_stem + e for e in ["ais", "ait", "ions", "iez", "aient"]],
        "participle": participle,
        "aux": aux,
    }


GENERAL = parse_nouns(GENERAL_NOUNS)
THEME_NOUNS = {theme: parse_nouns(text) for theme, text in THEMES.items()}
TAIL = build_tail()
TAIL_LOG_SIZE = math.log(len(TAIL))
ADJS = parse_adjectives(ADJECTIVES)
ADJS_BEFORE = [a for a in ADJS if a.before]
ADJS_AFTER = [a for a in ADJS if not a.before]
VERBS = (
    [conjugate_regular(v) for v in REGULAR_ER.split()]
    + [conjugate_regular(v) for v in REGULAR_IR.split()]
    + [conjugate_irregular(v) for v in IRREGULAR if v not in ("avoir", "être")]
)
VERB = {v["inf"]: v for v in VERBS}
VERB["avoir"] = conjugate_irregular("avoir")
VERB["être"] = conjugate_irregular("être")
# Subject pronouns: (words, person index)
PRONOUNS = [("je", 0), ("je", 0), ("on", 1), ("on", 1), ("il", 1), ("elle", 1), ("nous", 2), ("vous", 3), ("ils", 4), ("elles", 4)]
THEME_NAMES = list(THEMES)


def fuse(tokens: list[str]) -> list[str]:
    """Applies contractions (de le -> du) and elisions (le usine -> l'usine)."""
    out: list[str] = []
    i = 0
    n = len(tokens)
    while i < n:
        word = tokens[i]
        if i + 1 < n:
            nxt = tokens[i + 1]
            pair = CONTRACTIONS.get((word, nxt))
            if pair and not (nxt == "le" and i + 2 < n and starts_with_vowel(tokens[i + 2])):
                tokens[i + 1] = pair
                i += 1
                continue
            elided = ELIDABLE.get(word)
            if elided and starts_with_vowel(nxt):
                tokens[i + 1] = elided + nxt
                i += 1
                continue
            if word == "si" and nxt in ("il", "ils"):
                tokens[i + 1] = "s'" + nxt
                i += 1
                continue
        out.append(word)
        i += 1
    return out
