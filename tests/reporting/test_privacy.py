"""Personal data in a bilan's free text (issue 18): the one check (``reporting/privacy.py``),
each variant the red team got through and more, the legitimate texts that must pass, and the
check applied to every free-text field of a bilan — the intervenant's form, the coordinator's
validation and return comments, the spreadsheet import, the units of a breakdown."""

import re

import pytest
from django.core.exceptions import ValidationError

from reporting import privacy, rules, services
from reporting.models import Bilan, BilanPart, BilanStatus
from tests.conflicts import post_loaded
from tests.factories import BilanFactory, OrganisationFactory, PostFactory, UserFactory

#: (text, the kind of personal data it holds). The red team's 12 variants first.
PERSONAL = [
    ("Suivi de MME DURAND, orientée vers le CCAS.", privacy.CIVILITY),
    ("Madame durand a été reçue deux fois.", privacy.CIVILITY),
    ("Victime : date de naissance : 03/03/1980.", privacy.BIRTH),
    ("Certificat établi par le Dr Martin.", privacy.CIVILITY),
    ("Elle habite 12 rue des Lilas à Arras.", privacy.ADDRESS),
    ("NIR 1 80 03 62 041 123 45", privacy.NIR_KIND),
    ("Mme Dupont, orientée vers le CCAS.", privacy.CIVILITY),
    ("M. Martin a été reçu trois fois.", privacy.CIVILITY),
    ("Monsieur MARTIN a déposé plainte.", privacy.CIVILITY),
    ("MADAME DURAND", privacy.CIVILITY),
    ("madame durand", privacy.CIVILITY),
    ("Mlle Lefebvre, 17 ans", privacy.CIVILITY),
    ("Mademoiselle Petit", privacy.CIVILITY),
    ("Mr Bernard", privacy.CIVILITY),
    ("Mmes Durand et Martin", privacy.CIVILITY),
    ("M.Durand", privacy.CIVILITY),
    ("Docteur Petit, médecin traitant", privacy.CIVILITY),
    ("vu par le docteur Martin", privacy.CIVILITY),
    ("DR LEROY", privacy.CIVILITY),
    ("Maître Bernard, avocate", privacy.CIVILITY),
    ("Me Dupont, avocat", privacy.CIVILITY),
    ("Pr Lambert", privacy.CIVILITY),
    ("M. le Maire Dupont", privacy.CIVILITY),
    ("Madame la Préfète Durand", privacy.CIVILITY),
    ("Sophie Durand a été reçue.", privacy.FULL_NAME),
    ("Sophie DURAND", privacy.FULL_NAME),
    ("SOPHIE DURAND", privacy.FULL_NAME),
    ("DURAND Sophie", privacy.FULL_NAME),
    ("Jean-Pierre MARTIN", privacy.FULL_NAME),
    ("Sophie D., 34 ans", privacy.FULL_NAME),
    ("S. DURAND", privacy.FULL_NAME),
    ("J.-P. MARTIN", privacy.FULL_NAME),
    ("Une femme née le 3 mars 1980", privacy.BIRTH),
    ("né(e) le 03/03/1980", privacy.BIRTH),
    ("NÉ LE 1er avril 1975", privacy.BIRTH),
    ("DDN : 03/03/80", privacy.BIRTH),
    ("ddn 3 mars 1980", privacy.BIRTH),
    ("D.D.N. 03.03.1980", privacy.BIRTH),
    ("naissance le 3 mars 1980", privacy.BIRTH),
    ("12 bis, bd Gambetta", privacy.ADDRESS),
    ("3 av. Foch", privacy.ADDRESS),
    ("45 avenue de la République", privacy.ADDRESS),
    ("4 allée des Roses", privacy.ADDRESS),
    ("7 chemin des Dames", privacy.ADDRESS),
    ("5 place du Marché", privacy.ADDRESS),
    ("12 BIS RUE DE LA PAIX", privacy.ADDRESS),
    ("8 impasse Victor Hugo", privacy.ADDRESS),
    ("180036204112345", privacy.NIR_KIND),
    ("1 80 03 62 041 123", privacy.NIR_KIND),
    ("2800362041123", privacy.NIR_KIND),
    ("2 80 03 2A 041 123 45", privacy.NIR_KIND),
    ("1.80.03.62.041.123.45", privacy.NIR_KIND),
    ("Contact : victime@example.fr", privacy.EMAIL_KIND),
    ("jean.dupont at gmail.com", privacy.EMAIL_KIND),
    ("jean.dupont [at] gmail [dot] com", privacy.EMAIL_KIND),
    ("jean.dupont(at)gmail.com", privacy.EMAIL_KIND),
    ("jean arobase gmail point com", privacy.EMAIL_KIND),
    ("jean @ gmail.com", privacy.EMAIL_KIND),
    ("Rappeler au 06 12 34 56 78", privacy.PHONE_KIND),
    ("06.12.34.56.78", privacy.PHONE_KIND),
    ("06-12-34-56-78", privacy.PHONE_KIND),
    ("0612345678", privacy.PHONE_KIND),
    ("+33 6 12 34 56 78", privacy.PHONE_KIND),
    ("+33612345678", privacy.PHONE_KIND),
    ("+33 (0)6 12 34 56 78", privacy.PHONE_KIND),
    ("0033 6 12 34 56 78", privacy.PHONE_KIND),
    ("tél. 03\u00a021\u00a012\u00a034\u00a056", privacy.PHONE_KIND),
]

#: Texts a bilan may hold: functions, institutions named after people, statistics, periods.
LEGITIMATE = [
    "Madame la Préfète",
    "M. le Maire",
    "Réunion avec M. le Procureur et Mme la Maire ; 52 communes couvertes.",
    "M. le Maire de Dijon et Mme la Vice-Présidente du Département.",
    "Monsieur le Procureur de la République a reçu le bilan.",
    "Mesdames et Messieurs les maires du territoire.",
    "Madame, Monsieur,",
    "12 victimes, 44 mis en cause, 195 hors champ pénal.",
    "Période du 01/01/2023 au 31/12/2023.",
    "Hausse de 12 % des saisines, 2022 marquée par l'absence de juin à décembre.",
    "2 731 saisines dont 1 804 femmes.",
    "Madame a été orientée vers le CCAS ; Monsieur souhaitait porter plainte.",
    "Mme X, victime de violences conjugales, a été orientée.",
    "Un maître nageur, un docteur en psychologie du CMP.",
    "Le docteur de garde de l'UMJ.",
    "3 places d'hébergement d'urgence, 1 place de stage.",
    "Permanences au collège Jean Moulin et au centre hospitalier Pierre Mendès France.",
    "Réunion rue Victor Hugo, à la maison Louise Michel.",
    "France Victimes 62 et le 3919 ; le 119 pour les mineurs.",
    "Saint-Pierre-lès-Calais, Saint Martin-Boulogne.",
    "SIRET 200 042 165 00015.",
    "14 personnes à la rue.",
    "Les dates de naissance ne sont pas recueillies.",
    "Permanences au commissariat de Lens et à la brigade de Saint-Pol-sur-Ternoise.",
    "Sophie a été recrutée en juin (intervenante) ; CCAS, MDS, CIAS, SIAO.",
    "Le commandant de groupement et le DDSP.",
    "Absence de l'intervenante depuis juin 2022.",
    "Poste vacant du 1er mars au 31 août 2023.",
    "",
]


@pytest.mark.parametrize(("text", "kind"), PERSONAL, ids=[t for t, _ in PERSONAL])
def test_personal_data_is_found(text, kind):
    assert kind in {finding.kind for finding in privacy.findings(text)}
    message = privacy.personal_data_message(text, "Commentaire qualitatif")
    assert message is not None
    assert message.startswith("Commentaire qualitatif : le texte semble contenir")
    assert kind in message


@pytest.mark.parametrize("text", LEGITIMATE, ids=[t or "vide" for t in LEGITIMATE])
def test_legitimate_texts_pass(text):
    assert privacy.findings(text) == []
    assert privacy.personal_data_message(text, "Commentaire qualitatif") is None


def test_the_message_names_the_field_and_what_without_repeating_it():
    text = (
        "Mme Durand, née le 03/03/1980, 12 rue des Lilas, 06 12 34 56 78, "
        "sophie.durand@example.fr, NIR 2 80 03 62 041 123 45."
    )
    message = rules.personal_data_issues(text, "review_comment")[0].message
    assert message == (
        "Commentaire du coordinateur : le texte semble contenir une donnée nominative — "
        "une civilité ou un titre suivi d'un nom (« Mme D… ») ; une date de naissance "
        "(« née … ») ; une adresse postale (« 12 rue … ») ; un numéro de téléphone (« 06 … ») ; "
        "une adresse e-mail (« s…@… ») ; un numéro de sécurité sociale (« 2 … »). Un bilan ne "
        "contient que des chiffres et des constats anonymes : retirez ce qui permettrait de "
        "reconnaître une personne."
    )
    for secret in ("Durand", "1980", "Lilas", "56 78", "example", "041 123"):
        assert secret not in message


def test_the_field_of_each_free_text():
    for field, label in rules.FREE_TEXT_LABELS.items():
        (issue,) = rules.personal_data_issues("Suivi de Mme Dupont.", field)
        assert issue.field == field and issue.message.startswith(f"{label} : ")
    values = {"comment": "Mme Dupont", "no_report_reason": "Arrêt de M. Petit"}
    fields = [issue.field for issue in rules.bilan_issues(values)]
    assert "comment" in fields and "no_report_reason" in fields


def test_a_unit_named_after_a_person_is_refused_in_the_parts():
    parts = [
        {"kind": "unite", "label": "Commissariat de Lens", "referrals_total": 5},
        {"kind": "unite", "label": "Bureau de Mme Durand", "referrals_total": 5},
    ]
    messages = [issue.message for issue in rules.parts_issues({}, parts)]
    assert any(m.startswith("Nom de l'unité : le texte semble") for m in messages)


def test_a_long_text_is_read_in_linear_time():
    """The check runs on every save: a 131 072-character comment is read in well under a
    second (no pattern backtracks over the whole text)."""
    import time

    text = ("Hausse des saisines de 12 % au commissariat de Lens, M. le Maire informé. " * 2000)[
        :131_072
    ]
    started = time.perf_counter()
    assert privacy.findings(text) == []
    assert time.perf_counter() - started < 2
    # One word of 131 073 letters: the e-mail pattern once read it in quadratic time.
    for hostile in ("é" * 131_073, ("x at " * 30_000)[:131_073], ("Mme " * 40_000)[:131_073]):
        started = time.perf_counter()
        privacy.findings(hostile)
        assert time.perf_counter() - started < 5


# --------------------------------------------------------------------------- every way in


@pytest.fixture
def organisation():
    """An organisation of this module's own slug; the shared ``coordinator``
    (tests/conftest.py) belongs to it."""
    return OrganisationFactory(slug="org-privacy")


@pytest.fixture
def post(organisation):
    return PostFactory(organisation=organisation, slug="isc_privacy")


def _form(**overrides):
    data = {
        "referrals_women": "60",
        "referrals_men": "25",
        "referrals_children": "15",
        "referrals_total": "100",
        "comment": "Hausse des saisines.",
        "parts-TOTAL_FORMS": "0",
        "parts-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("comment", "Madame durand reçue le 3 mai"),
        ("comment", "DDN 03/03/1980"),
        ("no_report_reason", "Arrêt maladie de Sophie DURAND"),
    ],
)
def test_the_intervenants_form_refuses_personal_data(client, organisation, post, field, value):
    intervenant = UserFactory(intervenant=True, post=post, organisation=organisation)
    client.force_login(intervenant)
    data = _form(**{field: value})
    if field == "no_report_reason":
        data.update(referrals_women="", referrals_men="", referrals_children="")
        data.update(referrals_total="", comment="")
    response = client.post(f"/bilans/poste/{post.pk}/2023/saisir/", data)
    assert response.status_code == 400
    page = response.content.decode()
    label = rules.FREE_TEXT_LABELS[field].replace("'", "&#x27;")
    assert f"{label} : le texte semble contenir une donnée nominative" in page
    assert not Bilan.objects.exists()


@pytest.mark.django_db
def test_editing_a_draft_refuses_personal_data_and_keeps_the_old_text(client, organisation, post):
    bilan = BilanFactory(post=post, year=2023, comment="Hausse des saisines.")
    client.force_login(UserFactory(gestionnaire=True, organisation=organisation))
    response = post_loaded(
        client, f"/bilans/bilan/{bilan.pk}/modifier/", _form(comment="Appeler au +33 6 12 34 56 78")
    )
    assert response.status_code == 400
    assert "un numéro de téléphone (« +336 … »)" in response.content.decode()
    bilan.refresh_from_db()
    assert bilan.comment == "Hausse des saisines."
    assert bilan.history.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["valider", "renvoyer"])
@pytest.mark.parametrize(
    "comment",
    [
        "Voir avec Mme Durand, née le 03/03/1980",
        "Joindre Sophie DURAND au 06 12 34 56 78",
        "Écrire à sophie.durand [at] example [dot] fr",
    ],
)
def test_the_coordinators_comment_is_checked_on_validation_and_return(
    client, post, coordinator, action, comment
):
    """The red team's finding: the validation comment was never checked."""
    bilan = BilanFactory(post=post, year=2023, submitted=True)
    client.force_login(coordinator)
    response = client.post(
        f"/bilans/bilan/{bilan.pk}/examiner/", {"action": action, "comment": comment}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Commentaire du coordinateur : le texte semble contenir une donnée nominative" in page
    (errors,) = re.findall(r'<ul class="errorlist".*?</ul>', page, re.S)
    assert "Commentaire du coordinateur" in errors
    assert "Durand" not in errors and "DURAND" not in errors and "example" not in errors
    bilan.refresh_from_db()
    assert (bilan.status, bilan.review_comment) == (BilanStatus.SUBMITTED, "")
    assert bilan.history.count() == 1


@pytest.mark.django_db
def test_the_services_check_the_review_comment_whoever_calls_them(post, coordinator):
    bilan = BilanFactory(post=post, year=2023, submitted=True)
    with pytest.raises(ValidationError) as refused:
        services.bilan_validate(user=coordinator, bilan=bilan, comment="Merci Dr Martin.")
    assert "review_comment" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.bilan_return(user=coordinator, bilan=bilan, comment="Voir 12 rue des Lilas")
    assert Bilan.objects.get(pk=bilan.pk).status == BilanStatus.SUBMITTED
    validated = services.bilan_validate(user=coordinator, bilan=bilan, comment="Merci.")
    assert validated.review_comment == "Merci."


@pytest.mark.django_db
def test_a_coordinators_old_comment_does_not_block_the_author(post, coordinator):
    """A comment stored before the check (or by hand) never stops the intervenant: only the
    comment being written is checked."""
    bilan = BilanFactory(post=post, year=2023, status=BilanStatus.RETURNED)
    Bilan.objects.filter(pk=bilan.pk).update(review_comment="Voir Mme Durand")
    intervenant = UserFactory(intervenant=True, post=post, organisation=post.organisation)
    services.bilan_update(user=intervenant, bilan=bilan, data={"comment": "Corrigé."})
    assert services.bilan_submit(user=intervenant, bilan=bilan).status == BilanStatus.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("commentaire", "Suivi de MME DURAND"),
        ("commentaire", "NIR 180036204112345"),
        ("motif_absence_bilan", "Congé de Sophie DURAND"),
    ],
)
def test_the_import_refuses_personal_data_and_writes_nothing(organisation, post, column, value):
    gestionnaire = UserFactory(gestionnaire=True, organisation=organisation)
    if column == "commentaire":
        lines = ["poste;annee;saisines_total;commentaire", f"isc_privacy;2023;10;{value}"]
    else:
        lines = ["poste;annee;motif_absence_bilan", f"isc_privacy;2023;{value}"]
    report = services.bilans_import(
        user=gestionnaire,
        organisation=organisation,
        content="\n".join(lines).encode(),
        filename="bilans.csv",
    )
    assert [(e.line, e.column) for e in report.errors] == [(2, column)]
    assert "le texte semble contenir une donnée nominative" in report.errors[0].message
    assert "DURAND" not in report.errors[0].message
    assert not Bilan.objects.exists()


@pytest.mark.django_db
def test_a_unit_of_the_breakdown_named_after_a_person_is_refused(client, organisation, post):
    bilan = BilanFactory(post=post, year=2023)
    client.force_login(UserFactory(gestionnaire=True, organisation=organisation))
    data = _form(interviews_total="150")
    data.update({"parts-TOTAL_FORMS": "2", "parts-INITIAL_FORMS": "0"})
    for index, label in enumerate(["Commissariat de Lens", "Permanence de Mme Durand"]):
        data[f"parts-{index}-kind"] = "unite"
        data[f"parts-{index}-label"] = label
        data[f"parts-{index}-referrals_total"] = "50"
    response = post_loaded(client, f"/bilans/bilan/{bilan.pk}/modifier/", data)
    assert response.status_code == 400
    assert "Nom de l&#x27;unité : le texte semble contenir" in response.content.decode()
    assert not BilanPart.objects.exists()
    with pytest.raises(ValidationError):
        BilanPart(bilan=bilan, kind="unite", label="Bureau de M. Petit").full_clean()
