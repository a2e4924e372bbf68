"""Personal data in a bilan's free text: the one check of every free-text field of a bilan.

A bilan d'activité is statistical (Béthune convention, art. 4): its texts (the intervenant's
comment, the reason for a year without bilan, the units of its breakdown, the coordinator's
validation or return comment) never name nor locate a person. ``findings`` reads a text and
lists what looks personal; ``personal_data_message`` turns them into the French message that
refuses the text, naming the field and what was found without echoing it in full (« Mme D… »).

What is refused (case-insensitive unless said otherwise):

- a civility or a title followed by a name: M., Mr, MM., Mme, Mmes, Mlle, Madame, Monsieur,
  Mademoiselle, Dr, Docteur, Pr, Professeur, Maître, Me, in any case, followed by a word in
  any case (« MME DURAND », « Madame durand », « Dr Martin »), or by an article, a function
  and a capitalised name (« M. le Maire Dupont »). Not refused: the title followed by an
  article and a function (« Madame la Préfète », « M. le Maire de Dijon »), a preposition, a
  conjunction or a common verb (« Madame a été reçue », « Monsieur souhaite porter plainte »);
  the common nouns « docteur », « maître », « professeur » written in lower case then need a
  capitalised name (« un maître nageur » passes, « le docteur Martin » does not); « M », « Me »
  and « Pr » without a dot only count in that exact case before a capitalised name;
- a first name (a list of common first names) with a name: « Sophie Durand », « Sophie
  DURAND », « SOPHIE DURAND », « DURAND Sophie », « Sophie D. », and an initial with a name in
  capitals (« S. DURAND »); not after a street or institution word (« collège Jean Moulin »,
  « rue Victor Hugo », « Saint-Pierre ») — an unlisted first name, or a name in lower case
  without a title, passes: that is the limit of a check without a dictionary of names;
- a date of birth: « née le 3 mars 1980 », « né(e) le 03/03/1980 », « date de naissance :
  03/03/1980 », « DDN 03/03/80 »; a date alone is not refused (« du 01/01/2023 au 31/12/2023 »);
- a street address: a number then rue, boulevard, bd, avenue, av., allée, impasse, quai,
  faubourg, ruelle… (« 12 rue des Lilas », « 12 bis, bd Gambetta »), or place, chemin, route,
  cours, square, cité, résidence… followed by a capitalised name (« 5 place du Marché »), since
  « 3 places d'hébergement » or « 1 place de stage » are ordinary words;
- a French social security number (NIR), 13 digits with or without its 2-digit key, with or
  without spaces, dots or dashes (« 1 80 03 62 041 123 45 », « 2800362041123 », Corsica 2A/2B);
- an e-mail address, with the usual disguises: « jean.dupont@x.fr », « jean.dupont at x.fr »,
  « jean [at] x [dot] fr », « jean arobase x point fr »;
- a French phone number: « 06 12 34 56 78 », « 06.12.34.56.78 », « 0612345678 »,
  « +33 6 12 34 56 78 », « +33 (0)6… », « 0033 6… » — any number, a service's included (write
  « le CCAS » rather than its number); short numbers (« le 3919 », « le 119 ») pass.

Pure: no database, no Django; tested alone (tests/reporting/test_privacy.py).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

# --------------------------------------------------------------------------- vocabulary


def words(text: str) -> frozenset[str]:
    """The words of a list written as lines of text."""
    return frozenset(text.split())


#: A word: starts with a letter, may hold apostrophes and hyphens (« O'Brien », « Le Goff »).
WORD = r"[^\W\d_](?:[\w'’-]*[^\W_])?"

#: Civility titles, matched in any case.
COURTESY_TITLES = (
    "monsieur",
    "messieurs",
    "madame",
    "mesdames",
    "mademoiselle",
    "mesdemoiselles",
    "mme",
    "mmes",
    "mlle",
    "mlles",
    "mrs",
    "mr",
    "dr",
    "m.",
    "mm.",
    "dr.",
    "pr.",
)
#: Titles that are also common nouns: lower case, they need a capitalised name after them.
NOUN_TITLES = ("docteur", "docteure", "maître", "maitre", "professeur", "professeure")
#: Short titles that are also ordinary words or letters: only in this exact case, before a
#: capitalised name (« M Durand », « Me Dupont », « Pr Martin »).
EXACT_TITLES = ("M", "Me", "Pr", "Ms")

TITLE = re.compile(
    r"(?<![\w.’'-])(?P<title>"
    + "|".join(
        re.escape(t)
        for t in sorted(COURTESY_TITLES + NOUN_TITLES + EXACT_TITLES, key=len, reverse=True)
    )
    + r")(?:(?<=\.)|(?![\w]))",
    re.IGNORECASE,
)
NEXT_WORD = re.compile(r"\s*(" + WORD + r"\.?)")

ARTICLES = frozenset({"le", "la", "les", "l", "l'", "l’"})
#: Words after a title that show it names no one (determiners, prepositions, conjunctions,
#: pronouns, auxiliaries and the verbs a social worker writes after « Madame » or « Monsieur »).
NOT_A_NAME = words(
    """
    le la les l un une des du de d au aux ce cet cette ces son sa ses leur leurs mon ma mes
    notre nos votre vos et ou ni mais donc or car à a en dans par pour avec sans chez sur sous
    vers entre contre dont qui que qu quoi où y se s ne n lui elle il ils elles on nous vous
    me te moi toi est était étaient sera serait a avait aura aurait ont ont été fait faisait
    peut pouvait pourra pourrait veut voulait voudrait doit devait devra devrait va allait
    ira souhaite souhaitait souhaiterait déclare déclarait indique indiquait explique
    expliquait dit disait précise précisait évoque évoquait rapporte rapportait relate
    signale signalait exprime exprimait confie confiait semble semblait paraît reste restait
    vit vivait habite habitait travaille travaillait présente présentait accepte acceptait
    refuse refusait demande demandait décide décidait dépose déposait porte portait
    reconnaît reconnaissait bénéficie bénéficiait dispose disposait vient venait revient
    arrive arrivait part partait sort sortait appelle appelait contacte contactait
    rencontre rencontrait reçoit recevait craint craignait subit subissait ignore ignorait
    sait savait pense pensait est-elle est-il ainsi aussi également alors encore toujours
    jamais déjà seul seule seuls seules même mêmes tout toute tous toutes très bien plus
    moins non oui x y z
    """
)
#: Functions that may follow « le » or « la » after a title (« M. le Maire », « Madame la
#: Préfète »): a capitalised word after them is a name (« M. le Maire Dupont »).
FUNCTIONS = words(
    """
    maire adjoint adjointe préfet préfète sous-préfet sous-préfète procureur procureure
    président présidente vice-président vice-présidente directeur directrice juge
    commissaire capitaine commandant commandante colonel lieutenant lieutenant-colonel
    général générale ministre député députée sénateur sénatrice conseiller conseillère
    délégué déléguée chef cheffe substitut secrétaire major adjudant brigadier docteur
    docteure professeur professeure maître maitre bâtonnier bâtonnière principal principale
    proviseur proviseure recteur rectrice gouverneur doyen doyenne
    """
)
#: Words after which a first name and a name are a place or a body, not a person
#: (« rue Jean Jaurès », « collège Jean Moulin », « centre hospitalier Pierre Mendès France »).
PLACE_WORDS = words(
    """
    rue avenue av ave bd boulevard place allée allee chemin impasse quai square cours route
    cité cite résidence residence quartier secteur lotissement hameau faubourg esplanade
    promenade parvis pont port gare collège college lycée lycee école ecole groupe scolaire
    université faculté hôpital hopital hospitalier clinique centre institut fondation
    association espace maison salle stade gymnase piscine médiathèque mediatheque
    bibliothèque parc jardin foyer pavillon caserne commissariat brigade ehpad chu ch cmp
    mjc théâtre musée prix fonds loi plan programme dispositif saint sainte st ste
    """
)
#: Common first names (France, INSEE's most given ones, with and without accents). Left out:
#: those that are mostly a common word or a place here (« France », « Ange »).
FIRST_NAMES = words(
    """
    aaron abdel abdelkader abdallah adam adèle adele adrien agathe agnès agnes ahmed aicha
    aïcha alain alban albert alexandra alexandre alexis alice aline alix amandine amélie
    amelie amina amine anaïs anais andré andre andrea anne annie anthony antoine antoinette
    arnaud arthur audrey aurélie aurelie aurélien aurelien axel baptiste barbara bastien
    béatrice beatrice benjamin benoît benoit bernadette bernard bertrand brigitte bruno
    camille capucine carine carole caroline cassandra catherine cécile cecile céline celine
    chantal charles charlotte chloé chloe christelle christian christiane christine
    christophe claire clara claude claudine clément clement clémence clemence coralie
    corinne cyril cyrille damien daniel danielle david delphine denis denise didier dominique
    dylan edith édouard edouard élise elise élodie elodie éloïse eloise emma emmanuel
    emmanuelle émilie emilie enzo éric eric estelle éthan ethan étienne etienne eva évelyne
    evelyne fabien fabienne fabrice fanny farid fatima fatiha fatoumata florence florent
    florian franck françois francois françoise francoise frédéric frederic frédérique
    gabriel gaël gael gaëlle gaelle georges gérard gerard géraldine geraldine germaine
    ghislaine gilbert gilles ginette guillaume guy hakim hélène helene henri hervé herve
    hugo hugues inès ines isabelle jacqueline jacques jade jean jean-claude jean-françois
    jean-luc jean-marc jean-marie jean-michel jean-paul jean-pierre jeanne jennifer jérémy
    jeremy jérôme jerome jessica joël joel joëlle joelle johan jonathan jordan joseph
    josiane josé jose judith julie julien juliette justine karim karima karine kévin kevin
    khadija laetitia lætitia laura laure laurence laurent léa lea léna lena léo leo léon
    leon lina line linda lionel lisa loïc loic louis louise luc lucas lucie lucien lucienne
    ludovic lydie madeleine mael maël malika manon marc marcel marcelle margaux margot
    marguerite maria marie marie-claire marie-christine marie-france marie-thérèse marine
    marion martine maryse mathieu matthieu mathilde maxime mélanie melanie mélissa melissa
    michaël michael michel micheline michèle michele mickaël mickael mohamed mohammed monique
    morgane muriel myriam nadia nadine nathalie nathan nicolas nicole noah noémie noemie
    norbert océane oceane odette odile olivier olivia pascal pascale patrice patricia
    patrick paul paulette pauline philippe pierre quentin rachel rachid raphaël raphael
    raymond rémi remi rémy remy renée renee rené rene richard robert roger romain sabine
    sabrina samia samir samuel sandra sandrine sarah sébastien sebastien serge sévérine
    severine simon simone solène solene sonia sophie stéphane stephane stéphanie stephanie
    suzanne sylvain sylvie sylviane théo theo thérèse therese thierry thomas timothée
    timothee tom valentin valérie valerie vanessa véronique veronique victor victoria
    vincent virginie xavier yannick yasmine yann yves yvette yvonne zoé zoe
    """
)
#: Capitals that are not a name: the acronyms of the field (« Sophie CCAS » is no person).
ACRONYMS = words(
    """
    ase ars caf ccas cias cd chu chrs cmp cmpp crip ddsp epci fipd isc iscg isg mds mdph msa
    pjj spip siao udaf vif vigie tgi tj umj bta cob csp cu ca cc ddets dreets cej rsa apl
    ame aah css cpam pmi ssd ehpad esat ime uemo ppsmj jaf jld jex jcp npp cnil rgpd
    """
)


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """What looks personal in a text: its kind, in French words (« une civilité suivie d'un
    nom »), and a shortened hint of it that does not repeat it in full (« Mme D… »)."""

    kind: str
    hint: str
    start: int


CIVILITY = "une civilité ou un titre suivi d'un nom"
FULL_NAME = "un prénom et un nom"
BIRTH = "une date de naissance"
ADDRESS = "une adresse postale"
NIR_KIND = "un numéro de sécurité sociale"
EMAIL_KIND = "une adresse e-mail"
PHONE_KIND = "un numéro de téléphone"


def _initial(word: str) -> str:
    return f"{word[0]}…"


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper()


def _is_lower(word: str) -> bool:
    return word == word.lower()


def _bare(word: str) -> str:
    return word.rstrip(".").casefold()


def _elided(word: str) -> bool:
    """« d'ouvrage », « l'enfant », « s'est »: an elided article or pronoun, never a name."""
    return len(word) > 2 and word[1] in "'’" and word[0].casefold() in "dlsnjmtcq"


def _civilities(text: str) -> Iterator[Finding]:
    for match in TITLE.finditer(text):
        title = match.group("title")
        if title in EXACT_TITLES:
            exact, noun = True, False
        elif title.casefold() in EXACT_TITLES_FOLDED and title not in EXACT_TITLES:
            continue  # « me », « ME », « pr »: an ordinary word
        else:
            exact, noun = False, title.casefold() in NOUN_TITLES
        position = match.end()
        first = NEXT_WORD.match(text, position)
        if first is None:
            continue
        word = first.group(1)
        if first.start(1) == position and not (
            title.endswith(".") and _is_capitalised(title) and _is_capitalised(word)
        ):
            continue  # « M.Durand » is a name, « m.party » is not
        bare = _bare(word)
        if bare in ARTICLES or (word[:2].casefold() in ("l'", "l’")):
            found = _after_function(text, first.end(), word)
            if found:
                yield Finding(CIVILITY, f"{title} {found}", match.start())
            continue
        if bare in NOT_A_NAME or bare in FUNCTIONS or _elided(word):
            continue
        if (exact or (noun and _is_lower(title))) and not _is_capitalised(word):
            continue
        if not exact and not noun and _is_lower(word) and _looks_like_a_verb(bare):
            continue
        yield Finding(CIVILITY, f"{title} {_initial(word)}", match.start())


EXACT_TITLES_FOLDED = frozenset(t.casefold() for t in EXACT_TITLES)


def _looks_like_a_verb(word: str) -> bool:
    """A lower-case word after « Madame » that reads as a conjugated verb (« Madame
    souhaitait », « Monsieur expliquera »), not as a name typed in lower case."""
    return word.endswith(("ait", "aient", "era", "erait", "eront", "issait", "ira"))


def _after_function(text: str, position: int, article: str) -> str | None:
    """After « M. le » (or « Madame la »): a function then a capitalised name is a person
    (« M. le Maire Dupont » → « le Maire D… »); the function alone, or followed by « de »,
    is not (« M. le Maire de Dijon »)."""
    if article[:2].casefold() in ("l'", "l’") and len(article) > 2:
        function, end = article[2:], position
    else:
        found = NEXT_WORD.match(text, position)
        if found is None:
            return None
        function, end = found.group(1), found.end()
    if _bare(function) not in FUNCTIONS:
        return None
    name = NEXT_WORD.match(text, end)
    if name is None or not _is_capitalised(name.group(1)):
        return None
    word = name.group(1)
    if _bare(word) in NOT_A_NAME or _elided(word) or _bare(word) in FUNCTIONS:
        return None
    return f"{article} {function} {_initial(word)}"


NAME_PAIR = re.compile(
    r"(?<![\w’'.-])(?P<first>" + WORD + r")[ \t\u00a0]+(?P<second>" + WORD + r"\.?)"
)
INITIAL_NAME = re.compile(
    r"(?<![\w’'.-])(?P<initial>[A-ZÀ-Ý]\.(?:\s?-?[A-ZÀ-Ý]\.)?)\s?(?P<name>[A-ZÀ-Ý][A-ZÀ-Ý'’-]{2,})"
    r"(?![\w])"
)


def _is_name(word: str) -> bool:
    """A surname as written after a first name: capitalised or in capitals, or an initial
    (« Durand », « DURAND », « D. »), not an article, a preposition nor an acronym."""
    if not _is_capitalised(word):
        return False
    if re.fullmatch(r"[^\W\d_]\.", word):
        return True  # an initial: « Sophie D. »
    bare = _bare(word)
    return not (bare in NOT_A_NAME or bare in ACRONYMS or _elided(word))


def _upper_name(word: str) -> bool:
    letters = word.replace("-", "").replace("'", "").replace("’", "")
    return (
        len(letters) >= 2
        and letters.isupper()
        and letters.casefold() not in ACRONYMS
        and any(c in "AEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜ" for c in letters)
    )


def _place_before(text: str, start: int) -> bool:
    """Whether the word just before ``start`` names a street, a body or a saint."""
    before = text[max(0, start - 40) : start]
    words = re.findall(WORD, before)
    return bool(words) and words[-1].casefold() in PLACE_WORDS


def _first_name(word: str) -> bool:
    return not _is_lower(word) and word.casefold() in FIRST_NAMES


def _full_names(text: str) -> Iterator[Finding]:
    position = 0
    while True:
        match = NAME_PAIR.search(text, position)
        if match is None:
            break
        first, second = match.group("first"), match.group("second")
        position = match.start("second")
        if _place_before(text, match.start()):
            continue
        # « Sophie Durand », « Sophie DURAND », « Sophie D. »; « DURAND Sophie »
        if (_first_name(first) and _is_name(second)) or (
            _upper_name(first) and _first_name(second.rstrip("."))
        ):
            yield Finding(FULL_NAME, f"{_initial(first)} {_initial(second)}", match.start())
            position = match.end()
    for match in INITIAL_NAME.finditer(text):
        if _upper_name(match.group("name")) and not _place_before(text, match.start()):
            hint = f"{match.group('initial')} {_initial(match.group('name'))}"
            yield Finding(FULL_NAME, hint, match.start())


MONTH_WORDS = (
    r"(?:janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre"
    r"|d[ée]cembre|janv\.?|f[ée]vr?\.?|avr\.?|juil\.?|sept\.?|oct\.?|nov\.?|d[ée]c\.?)"
)
A_DATE = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}"
    r"|(?:\d{1,2}|1er|premier)\s+" + MONTH_WORDS + r"(?:\s+\d{2,4})?"
    r"|\d{4})"
)
BIRTH_DATE = re.compile(
    r"(?<![\w])(?:"
    # « née le 3 », « né(e) le 03/03/1980 », « nés le 1er mars »
    r"(?P<born>n[ée](?:\s?\(e\)|e)?s?)\s+le\s+(?:\d|1er|premier)"
    # « date de naissance : 03/03/1980 », « naissance le 3 mars 1980 », « DDN 03/03/80 »
    r"|(?P<label>(?:date\s+de\s+)?naissance|d\.?\s?d\.?\s?n\.?)\s*(?:[:=–-]\s*)?"
    r"(?:(?:le|du|au)\s+)?" + A_DATE + r"(?![\w])"
    r")",
    re.IGNORECASE,
)

STREET_NUMBER = (
    r"(?<![\w,.])(?P<number>\d{1,4}(?:\s*[-–]\s*\d{1,4})?)"
    r"(?:\s*(?i:bis|ter|quater|[a-d])(?![\w]))?\s*,?\s*"
)
#: Street words that only ever name a street after a number.
STREETS = (
    r"rue|ruelle|venelle|boulevard|bd|bld|blvd|avenue|av\.?|ave|all[ée]e|impasse|imp\.|quai"
    r"|faubourg|fbg|rond-point|esplanade|parvis|lotissement|lot\."
)
#: Street words that are also ordinary nouns: a capitalised name must follow.
STREET_NOUNS = (
    r"place|chemin|route|cours|square|cit[ée]|r[ée]sidence|hameau|villa|sentier|passage"
    r"|promenade|chauss[ée]e|mail|voie|carrefour|domaine|cl[ôo]s|quartier"
)
ADDRESS_STREET = re.compile(
    STREET_NUMBER + r"(?P<street>(?i:" + STREETS + r"))(?![\w])\s*(?P<name>" + WORD + ")"
)
ADDRESS_NOUN = re.compile(
    STREET_NUMBER
    + r"(?P<street>(?i:"
    + STREET_NOUNS
    + r"))(?![\w])\s+(?:(?i:de\s+la|de\s+l['’]|du|des|de|d['’]|la|le|les|l['’]|aux?)\s*)?"
    + r"(?P<name>[A-ZÀ-Ý]"
    + WORD[len("[^\\W\\d_]") :]
    + ")"
)

SEP = r"[\s.\-\u00a0\u202f]?"
NIR = re.compile(
    r"(?<![\w+])[1-478]"
    + SEP
    + r"\d{2}"
    + SEP
    + r"(?:0[1-9]|1[0-2]|[2-9]\d)"
    + SEP
    + r"(?:\d{2}|2[abAB])"
    + SEP
    + r"\d{3}"
    + SEP
    + r"\d{3}(?:"
    + SEP
    + r"\d{2})?(?![\w])"
)

AT = (
    r"(?:\s*@\s*|\s*[\[({<]\s*(?:at|arobase|@)\s*[\])}>]\s*|\s+(?:at|arobase)\s+"
    r"|\s*\(?\s*arobase\s*\)?\s*)"
)
DOT = r"(?:\.|\s*[\[({<]\s*(?:dot|point)\s*[\])}>]\s*|\s+(?:dot|point)\s+)"
EMAIL = re.compile(
    r"(?<![\w.+-])(?P<local>[\w.+-]*\w)(?:@(?P<plain>[\w-]+(?:\.[\w-]+)*)|"
    + AT
    + r"[\w-]+(?:"
    + DOT
    + r"[\w-]+)*"
    + DOT
    + r"[a-z]{2,12}(?![\w]))",
    re.IGNORECASE,
)

PHONE_SEP = r"[ .\-\u00a0\u202f]?"
PHONE = re.compile(
    r"(?<![\w+])(?P<prefix>(?:\+|00)\s?33\s?(?:\(\s?0\s?\)\s?)?|0)"
    r"(?P<first>[1-9])(?:"
    # pairs with one separator all along: 06 12 34 56 78, 06.12.34.56.78, +33 6 12 34 56 78
    r"(?P<sep>" + PHONE_SEP + r")\d{2}(?:(?P=sep)\d{2}){3}"
    r")(?![\w])"
)


def _births(text: str) -> Iterator[Finding]:
    for match in BIRTH_DATE.finditer(text):
        said = match.group("born") or match.group("label") or "naissance"
        yield Finding(BIRTH, f"{said} …", match.start())


def _addresses(text: str) -> Iterator[Finding]:
    for pattern in (ADDRESS_STREET, ADDRESS_NOUN):
        for match in pattern.finditer(text):
            hint = f"{match.group('number')} {match.group('street')} …"
            yield Finding(ADDRESS, hint, match.start())


def _nirs(text: str) -> Iterator[Finding]:
    for match in NIR.finditer(text):
        yield Finding(NIR_KIND, f"{match.group(0)[0]} …", match.start())


def _emails(text: str) -> Iterator[Finding]:
    for match in EMAIL.finditer(text):
        yield Finding(EMAIL_KIND, f"{_initial(match.group('local'))}@…", match.start())


def _phones(text: str) -> Iterator[Finding]:
    for match in PHONE.finditer(text):
        prefix = match.group("prefix").strip()
        yield Finding(PHONE_KIND, f"{prefix}{match.group('first')} …", match.start())


def findings(text: str | None) -> list[Finding]:
    """What looks personal in ``text``, in the order it appears (empty list: nothing)."""
    if not text:
        return []
    found = [
        *_civilities(text),
        *_full_names(text),
        *_births(text),
        *_addresses(text),
        *_nirs(text),
        *_emails(text),
        *_phones(text),
    ]
    return sorted(found, key=lambda finding: finding.start)


def personal_data_message(text: str | None, label: str) -> str | None:
    """The French message refusing ``text`` in the field ``label`` (« Commentaire qualitatif »),
    or None when nothing in it looks personal. Each kind found is named once, with a shortened
    hint: « Commentaire qualitatif : le texte semble contenir une donnée nominative — une
    civilité ou un titre suivi d'un nom (« Mme D… »). … »"""
    found = findings(text)
    if not found:
        return None
    kinds: dict[str, str] = {}
    for finding in found:
        kinds.setdefault(finding.kind, finding.hint)
    listed = " ; ".join(f"{kind} (« {hint} »)" for kind, hint in kinds.items())
    return (
        f"{label} : le texte semble contenir une donnée nominative — {listed}. Un bilan ne "
        "contient que des chiffres et des constats anonymes : retirez ce qui permettrait de "
        "reconnaître une personne."
    )
