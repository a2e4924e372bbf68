"""The change history reads as people speak: labels, names, French dates, no dumps."""

import pytest
from django.utils import timezone

from iscg.history import history_rows
from tests.factories import ConventionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_history_shows_labels_and_cuts_long_values():
    convention = ConventionFactory(status="brouillon", title="Convention courte")
    convention.status = "a_signer"
    convention.text_frozen_at = timezone.now()  # as sending to signature does
    convention.title = "Très long intitulé " * 10
    convention.save()
    newest = history_rows(convention)[0]
    assert newest.operation == "Modifié"
    assert "statut : « Brouillon » → « À signer »" in newest.changes
    title_change = next(c for c in newest.changes if c.startswith("intitulé"))
    assert title_change.endswith("…»") or "…" in title_change
    assert len(title_change) < 200


def test_history_names_related_objects_and_who_changed():
    convention = ConventionFactory()
    parent = ConventionFactory(organisation=convention.organisation, reference="PARENT-1")
    convention.renews = parent
    convention._history_user = UserFactory(first_name="Gaëlle", last_name="Gestion")
    convention.save()
    newest = history_rows(convention)[0]
    assert any(
        change.startswith("renouvelle la convention : « — » → « PARENT-1")
        for change in newest.changes
    )
    assert newest.user.startswith("Gaëlle Gestion")


def test_a_changed_structure_is_named_not_dumped():
    convention = ConventionFactory(status="brouillon")
    convention.text = {"articles": [{"title": "Objet", "body": "Premier texte"}]}
    convention.save()
    convention.text = {"articles": [{"title": "Objet", "body": "Second texte"}]}
    convention.save()
    newest = history_rows(convention)[0]
    assert newest.changes == [f"{convention._meta.get_field('text').verbose_name} : modifié"]


def test_history_dates_take_1er_in_the_rows_and_on_the_page(client):
    import datetime

    from django.utils import timezone

    convention = ConventionFactory(start_date=datetime.date(2023, 1, 15))
    convention.start_date = datetime.date(2023, 3, 1)
    convention.text_frozen_at = datetime.datetime(2023, 9, 1, 8, 30, tzinfo=datetime.UTC)
    convention.save()
    convention.history.filter(history_type="+").update(
        history_date=datetime.datetime(2024, 1, 10, 9, 0, tzinfo=datetime.UTC)
    )
    convention.history.filter(history_type="~").update(
        history_date=datetime.datetime(2024, 2, 1, 9, 0, tzinfo=datetime.UTC)
    )
    newest = history_rows(convention)[0]
    assert "date de début : « 15 janvier 2023 » → « 1er mars 2023 »" in newest.changes
    assert any("« 1er septembre 2023 à 10:30 »" in change for change in newest.changes)
    manager = UserFactory(gestionnaire=True, organisation=convention.organisation)
    client.force_login(manager)
    page = client.get(convention.get_absolute_url()).content.decode()
    assert "Texte figé le 1er septembre 2023 à 10:30." in page
    assert "1er février 2024 à 10:00" in page  # the history row's own date, Paris time
    assert timezone.is_aware(newest.date)
