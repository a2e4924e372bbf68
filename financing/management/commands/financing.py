"""``manage.py financing compute PLAN.json``: compute a financing plan outside the app.
``manage.py financing table YEAR [--organisation CODE] --json``: the annual table as stored.

``compute`` reads the plan's JSON form, prints the yearly shares as JSON on stdout; an invalid
plan, an unreadable file or invalid JSON ends with the French message on stderr and a non-zero
status. The plan may use every field of the engine (part months such as ``9.55``, the funded
period ``start``/``end``, the post's ``service_start``, a ``residue`` party instead of a
remainder share); the output keeps its form (``docs/financing.md``, « Le moteur »). ``table`` prints what is due that year (each post once, from its effective plan: the
latest signed act) and, apart, the forecast (drafts and acts awaiting signature).
``manage.py financing opendata YEAR [--organisation CODE]``: the year's open data file (SCDL
Subventions 2.1.1) on stdout, the rows held back on stderr; ``manage.py financing
check-opendata FILE.csv``: any such file checked against the shipped schema (frictionless and
the SIRET-or-RNA rule). Both end with a non-zero status when the file does not validate.
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
        opendata = actions.add_parser(
            "opendata",
            help="Fichier des subventions de l'année pour data.gouv.fr (SCDL 2.1.1), vérifié.",
        )
        opendata.add_argument("year", type=int, help="Exercice, ex. 2023.")
        opendata.add_argument(
            "--organisation", help="Identifiant de l'organisation (par défaut : la seule)."
        )
        check = actions.add_parser(
            "check-opendata",
            help="Vérifie un fichier de subventions contre le modèle SCDL 2.1.1 livré.",
        )
        check.add_argument("file", help="Fichier CSV (UTF-8, séparateur virgule).")

    def handle(self, *args: str, **options) -> None:
        if options["action"] == "compute":
            self.compute(Path(options["plan"]))
        elif options["action"] == "table":
            self.table(options["year"], options.get("organisation"))
        elif options["action"] == "opendata":
            self.opendata(options["year"], options.get("organisation"))
        elif options["action"] == "check-opendata":
            self.check_opendata(Path(options["file"]))

    def opendata(self, year: int, code: str | None) -> None:
        from financing import opendata
        from financing.models import ShareLine

        organisation = self.organisation(code)
        lines = ShareLine.objects.filter(organisation=organisation)
        years = sorted(set(lines.values_list("year", flat=True)))
        export = opendata.year_export(organisation, year, lines, years)
        for blocked in export.blocked:
            self.stderr.write(f"Non publiée : {blocked.text}")
        for reason in export.empty_reasons:
            self.stderr.write(reason)
        if export.errors:
            raise CommandError("Fichier refusé par la vérification : " + " ; ".join(export.errors))
        self.stdout.write(export.content, ending="")

    def check_opendata(self, path: Path) -> None:
        from financing import opendata

        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Lecture du fichier {path} impossible.") from error
        if len(content) > 50 * 1024 * 1024:
            raise CommandError(f"{path} dépasse 50 Mo : ce n'est pas un fichier de subventions.")
        errors = opendata.validate_csv(content)
        if errors:
            raise CommandError(
                f"{path} n'est pas conforme au modèle « Subventions » "
                f"{opendata.SCHEMA_VERSION} :\n" + "\n".join(errors)
            )
        self.stdout.write(
            f"{path} est conforme au modèle « Subventions » {opendata.SCHEMA_VERSION}."
        )

    def organisation(self, code: str | None) -> Organisation:
        organisations = Organisation.objects.order_by("slug")
        if code:
            organisation = organisations.filter(slug=code).first()
            if organisation is None:
                known = ", ".join(organisations.values_list("slug", flat=True)) or "aucune"
                raise CommandError(f"Organisation « {code} » inconnue (connues : {known}).")
            return organisation
        found = list(organisations[:2])
        if len(found) != 1:
            raise CommandError(
                "Indiquez l'organisation avec --organisation CODE "
                f"({len(organisations)} organisations dans la base)."
            )
        return found[0]

    def table(self, year: int, code: str | None) -> None:
        organisation = self.organisation(code)
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
