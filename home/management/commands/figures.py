"""`python manage.py figures YEAR`: the key figures of an organisation's year as JSON
(annual financing table, budget check), to compare two databases (e.g. after a restore)."""

import json

from django.core.management.base import BaseCommand, CommandError

from financing.selectors import annual_table
from iscg.models import Organisation, Role, User
from reporting.selectors import Filters, dashboard


def figures(organisation: Organisation, year: int) -> dict:
    table = annual_table(organisation, year)
    result = {
        "organisation": organisation.slug,
        "year": year,
        "rows": [
            [
                row.post.slug,
                [[cell.party.slug, str(cell.amount)] for cell in row.cells],
                str(row.cost),
            ]
            for row in table.rows
        ],
        "total": str(table.total),
        "proposed": str(table.budget.proposed),
        "balance": str(table.budget.balance),
    }
    # The previous year's bilans, as a national coordinator's dashboard shows them.
    reader = User(role=Role.COORDINATEUR, is_national=True)
    totals = dashboard(reader, year - 1, Filters(organisation=organisation)).totals
    result["bilans"] = {
        "referrals": totals.referrals,
        "women": totals.women,
        "interviews": totals.interviews,
        "vif_share": str(totals.vif_share),
    }
    return result


class Command(BaseCommand):
    help = "Affiche en JSON les chiffres clés d'une année (financement, bilans) pour comparaison."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--organisation", default=None)

    def handle(self, *args, year, organisation, **options):
        organisations = Organisation.objects.order_by("slug")
        if organisation:
            organisations = organisations.filter(slug=organisation)
            if not organisations:
                raise CommandError(f"Organisation « {organisation} » inconnue.")
        data = [figures(org, year) for org in organisations]
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True))
