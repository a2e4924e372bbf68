"""``manage.py financing compute PLAN.json`` on valid and invalid plans (no database)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]

# The example: 42 000 €/yr funded 4 months, 14 000 € each for the State and the
# Département, the CC Osartis Marquion paying the rest.
EXAMPLE = {
    "rounding": "down",
    "first_year": 2023,
    "years": [{"year": 2023, "annual_cost": "42000", "months": 4}],
    "shares": [
        {"party": "etat", "rule": "fixed", "amount": "14000"},
        {"party": "departement", "rule": "fixed", "amount": "14000"},
        {"party": "cc-osartis-marquion", "rule": "remainder"},
    ],
}

EXPECTED_STDOUT = """{
  "years": [
    {
      "year": 2023,
      "cost": "14000.00",
      "shares": {
        "etat": "4666.00",
        "departement": "4666.00",
        "cc-osartis-marquion": "4668.00"
      }
    }
  ]
}
"""


def write(tmp_path: Path, content, name: str = "plan.json") -> Path:
    path = tmp_path / name
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def run_command(*args: str) -> subprocess.CompletedProcess:
    """Through manage.py, to see the exit status and stderr as a user does."""
    return subprocess.run(
        [sys.executable, "manage.py", "financing", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=120,
    )


def test_compute_prints_the_result(tmp_path, capsys):
    call_command("financing", "compute", str(write(tmp_path, EXAMPLE)))
    captured = capsys.readouterr()
    assert captured.out == EXPECTED_STDOUT
    assert captured.err == ""


def test_compute_keeps_accents_and_json_decimals(tmp_path, capsys):
    """Non-ASCII party names print as such; a JSON number with decimals is read exactly."""
    plan = (
        '{"years": [{"year": 2013, "annual_cost": 24000.10, "months": 3}], "shares": ['
        '{"party": "état", "rule": "fixed", "amount": 18000}, '
        '{"party": "commune d\'Aubervilliers", "rule": "remainder"}]}'
    )
    call_command("financing", "compute", str(write(tmp_path, plan)))
    result = json.loads(capsys.readouterr().out)
    # 24 000.10 x 3/12 = 6 000.025 -> 6 000.03 (a float would give 6 000.02).
    assert result == {
        "years": [
            {
                "year": 2013,
                "cost": "6000.03",
                "shares": {"état": "4500.00", "commune d'Aubervilliers": "1500.03"},
            }
        ]
    }


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (
            {**EXAMPLE, "shares": EXAMPLE["shares"][:2]},
            "Le plan n'a aucune part au reste à charge (règle « remainder »)",
        ),
        (
            {**EXAMPLE, "years": [{"year": 2023, "annual_cost": "42000", "months": 13}]},
            "Année 2023 : 13 mois financés, il en faut plus de 0 et au plus 12.",
        ),
        ("{not json", "JSON invalide"),
        ("[1, 2]", "Le plan doit être un objet JSON"),
    ],
)
def test_compute_rejects_invalid_plans(tmp_path, capsys, plan, message):
    with pytest.raises(CommandError) as error:
        call_command("financing", "compute", str(write(tmp_path, plan)))
    assert message in str(error.value)
    assert capsys.readouterr().out == ""


def test_compute_rejects_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        call_command("financing", "compute", str(tmp_path / "absent.json"))


def test_an_action_is_required():
    with pytest.raises(CommandError, match="ACTION"):
        call_command("financing")


def test_exit_status_and_streams(tmp_path):
    valid = run_command("compute", str(write(tmp_path, EXAMPLE)))
    assert valid.returncode == 0, valid.stderr
    assert valid.stdout == EXPECTED_STDOUT

    exceeding = {
        **EXAMPLE,
        "shares": [
            {"party": "etat", "rule": "fixed", "amount": "30000"},
            {"party": "departement", "rule": "fixed", "amount": "14000"},
            {"party": "cc-osartis-marquion", "rule": "remainder"},
        ],
    }
    invalid = run_command("compute", str(write(tmp_path, exceeding, "exceeding.json")))
    assert invalid.returncode != 0
    assert invalid.stdout == ""
    assert (
        "Année 2023 : les parts autres que le reste à charge totalisent 14 666,00 €, plus que "
        "le coût de l'année (14 000,00 €)" in invalid.stderr
    )
