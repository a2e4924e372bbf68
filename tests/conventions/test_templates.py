"""Templates: the placeholder language, its refusals, versions, shipped templates, drafting."""

import pytest
from django.core.exceptions import ValidationError

from conventions import services, templating
from conventions.models import ConventionStatus, DocumentTemplate
from conventions.template_library import install_templates, shipped_templates
from conventions.templating import Block
from tests.factories import ConventionFactory, OrganisationFactory, UserFactory

# --------------------------------------------------------------------------- the language


def test_a_known_name_is_replaced_and_escaped():
    rendered = templating.render_text(
        "Article 1", "Entre {{ etat.nom }} et <b>vous</b>.", {"etat.nom": "l'État & co"}
    )
    assert rendered.html == "<p>Entre l'État &amp; co et &lt;b&gt;vous&lt;/b&gt;.</p>"
    assert rendered.missing == []


def test_an_unknown_name_is_refused_with_the_article_and_the_name():
    problems = templating.validate_text(
        {
            "title": "Convention",
            "articles": [
                {"title": "Objet", "body": "Rien."},
                {"title": "Financement", "body": "L'État verse {{ financement.etat.montant }}."},
            ],
        }
    )
    assert [str(p) for p in problems] == [
        "Article 2 « Financement » : la variable « financement.etat.montant » n'existe pas. "
        "Vouliez-vous dire « financement.etat » ?"
    ]
    assert problems[0].name == "financement.etat.montant"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Du {{ convention.date_debut au", "« {{ » ouvert sans « }} » qui le ferme (ligne 1)"),
        ("Fin }} ici", "« }} » sans « {{ » qui l'ouvre (ligne 1)"),
        ("{% for p in parties %}x{% endfor %}", "les balises « {% … %} » ne sont pas permises"),
        ("{{ }}", "variable vide"),
        ("{{ convention.reference|upper }}", "n'est pas un nom de variable"),
        ("{{ convention.__class__.__mro__ }}", "n'existe pas"),
        ("{{ convention.save() }}", "n'est pas un nom de variable"),
        ("Ligne 1\nLigne 2 {{ poste.{{ x }}", "ligne 2"),
    ],
)
def test_syntax_errors_and_code_are_refused(body, message):
    problems = templating.check_text("Article 3 « Durée »", body)
    assert problems, body
    assert message in str(problems[0])
    assert str(problems[0]).startswith("Article 3 « Durée » : ")


def test_a_block_must_stand_alone():
    problems = templating.check_text("Article 6", "Voici {{ bloc.financement }} ici.")
    assert "doit occuper un paragraphe à lui seul" in str(problems[0])
    assert templating.check_text("Article 6", "Voici :\n\n{{ bloc.financement }}\n\nFin.") == []


def test_year_names_are_known():
    assert templating.is_known("financement.2023.etat")
    assert templating.is_known("financement.2024.cout")
    assert not templating.is_known("financement.2023.inconnu")
    assert not templating.is_known("financement.23.etat")


def test_a_missing_value_shows_a_visible_blank_and_is_reported():
    rendered = templating.render_text(
        "Formule finale", "Fait à Arras, le {{ convention.date_signature }}.", {}
    )
    assert "…………" in rendered.html
    assert [p.name for p in rendered.missing] == ["convention.date_signature"]
    empty = templating.render_text(
        "X", "{{ convention.juridiction }}", {"convention.juridiction": " "}
    )
    assert "…………" in empty.html and empty.missing


def test_markup_lists_bold_italic_and_blocks():
    context = {"bloc.financement": Block("<table></table>"), "employeur.avec_article": "la CC"}
    rendered = templating.render_text(
        "A",
        "Les missions :\n- une\n- deux\n\n1. premier\n2. second\n\n**Gras** et *italique*"
        "\n\n{{ bloc.financement }}\n\n{{ employeur.avec_article }} paie.",
        context,
    )
    assert "<p>Les missions\u202f:</p><ul><li>une</li><li>deux</li></ul>" in rendered.html
    assert "<ol><li>premier</li><li>second</li></ol>" in rendered.html
    assert "<strong>Gras</strong> et <em>italique</em>" in rendered.html
    assert "<li></li>" not in rendered.html
    assert "<table></table>" in rendered.html
    assert "<p>La CC paie.</p>" in rendered.html  # capitalised at the start of a sentence


def test_french_typography():
    text = templating.french_typography(
        "Article 5: objet ; quoi ? oui ! « cité » n° 12 http://x.fr 10:30"
    )
    assert text == (
        "Article\u00a05\u202f: objet\u202f; quoi\u202f? oui\u202f! «\u202fcité\u202f» "
        "n°\u00a012 http://x.fr 10:30"
    )


def test_values_cannot_inject_markup_or_placeholders():
    rendered = templating.render_text(
        "A", "{{ etat.nom }}", {"etat.nom": "**gras** {{ convention.reference }} <script>"}
    )
    assert rendered.html == "<p>**gras** {{ convention.reference }} &lt;script&gt;</p>"


# --------------------------------------------------------------------------- shipped templates


def test_every_shipped_template_is_valid():
    templates = shipped_templates()
    assert {t.slug for t in templates} >= {
        "modele-national",
        "dijon-triennale",
        "pdc-mise-a-disposition",
        "pdc-financement-epci",
        "pdc-objectifs",
        "pdc-partenariat-association",
    }
    for template in templates:
        assert templating.validate_text(template.text) == [], template.slug
        assert template.text["articles"], template.slug


@pytest.mark.django_db
def test_installing_twice_adds_no_version():
    OrganisationFactory(slug="pas-de-calais")
    first = install_templates()
    again = install_templates()
    assert {slug: v.pk for slug, v in first.items()} == {slug: v.pk for slug, v in again.items()}
    assert "dijon-triennale" not in first  # its organisation does not exist here
    assert DocumentTemplate.objects.get(slug="modele-national").organisation is None


# --------------------------------------------------------------------------- versions


@pytest.fixture
def template(db):
    organisation = OrganisationFactory()
    OrganisationFactory(slug="pas-de-calais")
    version = install_templates()["pdc-financement-epci"]
    version.template.organisation = organisation
    version.template.save()
    return version.template


def test_saving_a_template_adds_a_version_and_keeps_the_old_one(template):
    user = UserFactory(gestionnaire=True, organisation=template.organisation)
    first = template.current_version
    text = first.as_text()
    text["articles"][0]["title"] = "Objet"
    second = services.template_save(template=template, text=text, by=user, note="titre")
    assert second.number == first.number + 1
    assert second.created_by == user
    first.refresh_from_db()
    assert first.articles[0]["title"] == "OBJET DE LA CONVENTION"
    # Saving the same text again adds nothing.
    assert services.template_save(template=template, text=text, by=user).pk == second.pk


def test_a_template_with_an_unknown_name_is_not_saved(template):
    text = template.current_version.as_text()
    text["articles"][5]["body"] += "\n\n{{ financement.etta }}"
    with pytest.raises(ValidationError) as error:
        services.template_save(template=template, text=text, by=None)
    assert "Article 6 « FINANCEMENT » : la variable « financement.etta » n'existe pas." in str(
        error.value
    )
    assert template.versions.count() == 1


def test_a_convention_keeps_the_version_it_was_drafted_from(template):
    convention = ConventionFactory(
        organisation=template.organisation, status=ConventionStatus.DRAFT
    )
    first = template.current_version
    services.convention_draft_from_template(convention=convention, version=first)
    text = first.as_text()
    text["closing"] = "Fait à {{ convention.lieu_signature }}."
    services.template_save(template=template, text=text, by=None)
    convention.refresh_from_db()
    assert convention.template_version == first
    assert convention.text == first.as_text()


def test_a_convention_may_carry_its_own_articles(template):
    convention = ConventionFactory(
        organisation=template.organisation, status=ConventionStatus.DRAFT
    )
    services.convention_draft_from_template(convention=convention, version=template.current_version)
    text = dict(convention.text)
    text["articles"] = [*text["articles"], {"title": "Clause locale", "body": "Texte propre."}]
    services.convention_text_save(convention=convention, text=text)
    convention.refresh_from_db()
    assert convention.text["articles"][-1] == {"title": "Clause locale", "body": "Texte propre."}
    assert template.current_version.articles[-1]["title"] != "Clause locale"


def test_the_text_of_a_convention_sent_to_signature_is_frozen(template):
    convention = ConventionFactory(
        organisation=template.organisation, status=ConventionStatus.TO_SIGN
    )
    with pytest.raises(ValidationError, match="figé"):
        services.convention_text_save(convention=convention, text={"title": "X"})
    with pytest.raises(ValidationError, match="figé"):
        services.convention_draft_from_template(
            convention=convention, version=template.current_version
        )


def test_a_template_of_another_organisation_cannot_be_used(template):
    convention = ConventionFactory(status=ConventionStatus.DRAFT)
    with pytest.raises(ValidationError, match="autre organisation"):
        services.convention_draft_from_template(
            convention=convention, version=template.current_version
        )


def test_a_bullet_left_empty_prints_no_empty_item():
    rendered = templating.render_text("A", "Les missions :\n- une\n- \n- deux\n\n- \n- ", {})
    assert "<p>Les missions\u202f:</p><ul><li>une</li><li>deux</li></ul>" in rendered.html
    assert "<li></li>" not in rendered.html and "<ul></ul>" not in rendered.html
