"""``manage.py financing compute PLAN.json``: compute a financing plan outside the app.
``manage.py financing table YEAR [--organisation CODE] --json``: the annual table as stored.

``compute`` reads the plan's JSON form, prints the yearly shares as JSON on stdout; an invalid
plan, an unreadable file or invalid JSON ends with the French message on stderr and a non-zero
status. The plan may use every field of the engine (part months such as ``9.55``, the funded
period ``start``/``end``, the post's ``service_start``, a ``residue`` party instead of a
remainder share); the output keeps its form (``docs/financing.md``, « Le moteur »). ``table`` prints what is due that year (each post once, from its effective plan: the
latest signed act) and, apart, the forecast (drafts and acts awaiting signature).
"""

import json
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from financing.engine import PlanError, compute_plan, parse_plan, result_to_dict
from financing.selectors import annual_table, table_as_dict
from iscg.models import Organisation


class Command(BaseCommand):
    help = "Calcule un plan de financement (JSON) : parts de chaque financeur, année par année."
    # ``compute`` is pure computation and ``table`` only reads: no system checks needed.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        compute = actions.add_parser(
            "compute",
            help="Calcule le plan et affiche les montants par année et par partie (JSON).",
        )
        compute.add_argument("plan", help="Fichier JSON du plan de financement.")
        table = actions.add_parser(
            "table",
            help="Tableau annuel : ce qui est dû (plans effectifs) et le prévisionnel (JSON).",
        )
        table.add_argument("year", type=int, help="Exercice, ex. 2023.")
        table.add_argument(
            "--organisation", help="Identifiant de l'organisation (par défaut : la seule)."
        )
        table.add_argument(
            "--json", action="store_true", help="Sortie JSON (le seul format proposé)."
        )

    def handle(self, *args: str, **options) -> None:
        if options["action"] == "compute":
            self.compute(Path(options["plan"]))
        elif options["action"] == "table":
            self.table(options["year"], options.get("organisation"))

    def table(self, year: int, code: str | None) -> None:
        organisations = Organisation.objects.order_by("slug")
        if code:
            organisation = organisations.filter(slug=code).first()
            if organisation is None:
                known = ", ".join(organisations.values_list("slug", flat=True)) or "aucune"
                raise CommandError(f"Organisation « {code} » inconnue (connues : {known}).")
        else:
            found = list(organisations[:2])
            if len(found) != 1:
                raise CommandError(
                    "Indiquez l'organisation avec --organisation CODE "
                    f"({len(organisations)} organisations dans la base)."
                )
            organisation = found[0]
        result = table_as_dict(annual_table(organisation, year))
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))

    def compute(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as error:
            raise CommandError(f"Fichier {path} introuvable.") from error
        except IsADirectoryError as error:
            raise CommandError(f"{path} est un dossier, pas un fichier JSON.") from error
        except PermissionError as error:
            raise CommandError(f"Lecture du fichier {path} refusée (droits).") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"Le fichier {path} n'est pas en UTF-8.") from error
        except OSError as error:
            raise CommandError(f"Impossible de lire le fichier {path} : {error}") from error
        try:
            # Decimal, not float: amounts must stay exactly as written.
            data = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as error:
            raise CommandError(
                f"JSON invalide dans {path} (ligne {error.lineno}, colonne {error.colno}) : "
                f"{error.msg}"
            ) from error
        try:
            result = compute_plan(parse_plan(data))
        except PlanError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(result_to_dict(result), indent=2, ensure_ascii=False))
