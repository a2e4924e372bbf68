"""Notices of a convention's deadlines to the gestionnaires, each once: the last day to denounce
a convention that renews itself, the end of a convention that nothing renews (real local SMTP
server, through the daily reminders task)."""

from datetime import date

import pytest

from conventions.models import ConventionStatus
from conventions.reminders import END_LEAD_DAYS, PREAVIS_LEAD_DAYS, notices_due
from conventions.tasks import daily_reminders
from iscg.models import NoticeKind
from tests.factories import ConventionFactory, UserFactory

pytestmark = pytest.mark.django_db

END = date(2026, 12, 31)
PREAVIS = date(2026, 9, 30)  # three months' notice before the end


def notices(smtp_server):
    """(to, subject, text) of the notices received (not the daily digest)."""
    return [
        (m.envelope_to[0], m["Subject"], m.get_body(preferencelist=("plain",)).get_content())
        for m in smtp_server.messages
        if m["Subject"].startswith("Convention ")
    ]


def run_day(day: date, run_tasks) -> None:
    daily_reminders.enqueue(day=day.isoformat())
    run_tasks()


@pytest.fixture
def manager():
    return UserFactory(gestionnaire=True, email="gestion@exemple.fr")


def test_the_notices_are_due_from_their_lead_days_by_the_convention_s_own_dates(manager):
    renewing = ConventionFactory(
        organisation=manager.organisation,
        end_date=END,
        renewal_rule="Renouvelable par période successive de 3 ans, après concertation.",
    )
    ending = ConventionFactory(organisation=manager.organisation, end_date=END)
    assert PREAVIS_LEAD_DAYS == 30 and END_LEAD_DAYS == 60
    assert notices_due(renewing, today=date(2026, 8, 30), renewed=False) == []
    (due,) = notices_due(renewing, today=date(2026, 8, 31), renewed=False)
    assert (due.deadline.kind, due.deadline.date) == ("preavis", PREAVIS)
    assert notices_due(ending, today=date(2026, 11, 1), renewed=False)[0].deadline.kind == "fin"
    assert notices_due(ending, today=date(2026, 10, 31), renewed=False) == []
    # Renewed by a signed convention, or denounced: no end to announce.
    assert notices_due(ending, today=date(2026, 11, 1), renewed=True) == []


def test_the_last_day_to_denounce_a_self_renewing_convention_is_told_once(
    manager, run_tasks, smtp_server
):
    ConventionFactory(
        organisation=manager.organisation,
        reference="R-1",
        title="Convention triennale <ISG>",
        end_date=END,
        renewal_rule="Renouvelable par période successive de 3 ans.",
    )
    UserFactory(gestionnaire=True, email="ailleurs@exemple.fr")  # another organisation
    run_day(date(2026, 8, 31), run_tasks)
    (notice,) = notices(smtp_server)
    to, subject, text = notice
    assert to == "gestion@exemple.fr"
    assert subject == "Convention R-1 : dénonciation possible jusqu'au 30 septembre 2026"
    assert "la dénonciation doit partir au plus tard le 30 septembre 2026" in text
    assert "préavis de 3\xa0mois" in text and "Renouvelable par période successive" in text
    assert "http://127.0.0.1:8000/conventions/R-1/" in text
    html = [m for m in smtp_server.messages if m["Subject"].startswith("Convention ")][0]
    html = html.get_body(preferencelist=("html",)).get_content()
    assert "Convention R-1</h1>" in html and "Convention triennale &lt;ISG&gt;" in html
    for day in (date(2026, 9, 1), date(2026, 9, 15), PREAVIS):
        run_day(day, run_tasks)
    assert len(notices(smtp_server)) == 1


def test_the_end_of_a_convention_nothing_renews_is_told_once(manager, run_tasks, smtp_server):
    ConventionFactory(organisation=manager.organisation, reference="F-1", end_date=END)
    renewed = ConventionFactory(organisation=manager.organisation, reference="F-2", end_date=END)
    ConventionFactory(organisation=manager.organisation, renews=renewed, reference="F-3")
    ConventionFactory(
        organisation=manager.organisation, reference="F-4", end_date=END, status="brouillon"
    )
    run_day(date(2026, 11, 1), run_tasks)
    run_day(date(2026, 11, 2), run_tasks)
    (notice,) = notices(smtp_server)
    assert notice[1] == "Convention F-1 : fin le 31 décembre 2026, sans renouvellement"
    assert "aucune convention signée ne la renouvelle" in notice[2]


def test_a_gestionnaire_who_turned_the_deadlines_off_gets_neither_notice_nor_digest(
    manager, run_tasks, smtp_server
):
    manager.muted_notices = [NoticeKind.DEADLINES]
    manager.save()
    keen = UserFactory(gestionnaire=True, organisation=manager.organisation, email="k@exemple.fr")
    ConventionFactory(
        organisation=manager.organisation, end_date=END, status=ConventionStatus.IN_FORCE
    )
    run_day(date(2026, 11, 1), run_tasks)  # the end's notice
    run_day(date(2026, 12, 5), run_tasks)  # the digest: the end within 30 days
    assert [m.envelope_to[0] for m in smtp_server.messages] == [keen.email, keen.email]
    assert [m["Subject"].split(" ")[0] for m in smtp_server.messages] == ["Convention", "ISCG"]
