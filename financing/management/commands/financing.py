"""``manage.py financing compute PLAN.json``: compute a financing plan outside the app.

Reads the plan's JSON form, prints the yearly shares as JSON on stdout; an invalid plan, an
unreadable file or invalid JSON ends with the French message on stderr and a non-zero status.
"""

import json
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from financing.engine import PlanError, compute_plan, parse_plan, result_to_dict


class Command(BaseCommand):
    help = "Calcule un plan de financement (JSON) : parts de chaque financeur, année par année."
    # Pure computation: no database, so no system checks needed.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        compute = actions.add_parser(
            "compute",
            help="Calcule le plan et affiche les montants par année et par partie (JSON).",
        )
        compute.add_argument("plan", help="Fichier JSON du plan de financement.")

    def handle(self, *args: str, **options: str) -> None:
        if options["action"] == "compute":
            self.compute(Path(options["plan"]))

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
