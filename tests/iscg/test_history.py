"""The change history reads as people speak: labels, names, French dates, no dumps."""

import pytest

from iscg.history import history_rows
from tests.factories import ConventionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_history_shows_labels_and_cuts_long_values():
    convention = ConventionFactory(status="brouillon", title="Convention courte")
    convention.status = "a_signer"
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
