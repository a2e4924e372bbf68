"""Demo bilans: the Pas-de-Calais 2022 (Annexe 1 of the deliberation of 3 July 2023) and the
Aubervilliers 2012 figures (exposé of the conseil municipal of 21 November 2013).

Loaded as validated (they were published by the bodies). Idempotent: rows are updated only when
the source differs, so a second run changes nothing and adds no history.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from conventions.models import Post
from demo.load import delete_others, read_source, upsert
from reporting.models import Bilan, BilanPart, BilanStatus, PartKind
from reporting.rules import weighted_share

PARIS = ZoneInfo("Europe/Paris")

#: When the sources' bilans were transmitted, at the latest: the day the act that reports them
#: was voted (the Commission permanente of 3 July 2023, the conseil municipal of 21 November
#: 2013). A transmitted or validated bilan has that date (database constraint); the date of
#: validation the sources do not give stays empty ("date non enregistrée").
PDC_TRANSMITTED = datetime(2023, 7, 3, 12, tzinfo=PARIS)
AUBERVILLIERS_TRANSMITTED = datetime(2013, 11, 21, 12, tzinfo=PARIS)


def _validated_on(transmitted: datetime) -> dict:
    return {"status": BilanStatus.VALIDATED, "submitted_at": transmitted}


PDC_SOURCE = (
    "Chiffres de l'annexe 1 de la délibération du Département du Pas-de-Calais du 3 juillet 2023."
)


def load_bilans() -> None:
    load_pas_de_calais_2022()
    load_aubervilliers_2012()


def _interviews(row: dict) -> dict:
    data = row.get("entretiens") or {}
    in_person, phone = data.get("physiques"), data.get("telephoniques")
    return {
        "interviews_in_person": in_person,
        "interviews_phone": phone,
        "interviews_total": data.get("total"),
        "interviews_with_partners": data.get("aupres_partenaires"),
        "interviews_not_split": data.get("total") is not None and in_person is None,
    }


def _referrals(row: dict) -> dict:
    data = row.get("saisines") or {}
    return {
        "referrals_women": data.get("femmes"),
        "referrals_men": data.get("hommes"),
        "referrals_children": data.get("enfants"),
        "referrals_total": data.get("total"),
    }


def _vif(row: dict) -> Decimal | None:
    return Decimal(row["pct_vif"]).quantize(Decimal("0.01")) if row.get("pct_vif") else None


def load_pas_de_calais_2022() -> None:
    activity = read_source("pas_de_calais_2023.json")["activity_2022"]
    posts = {p.slug: p for p in Post.objects.filter(organisation__slug="pas-de-calais")}
    rows_by_post: dict[str, list[dict]] = {}
    for row in activity["rows"]:
        rows_by_post.setdefault(row["post"], []).append(row)
    for slug, rows in rows_by_post.items():
        post = posts[slug]
        values = {
            **_validated_on(PDC_TRANSMITTED),
            "no_report_reason": "",
            "comment": PDC_SOURCE,
            "epci_count": None,
            "communes_count": None,
            "vif_pct": None,
        }
        missing = rows[0].get("missing")
        if missing:
            values.update(no_report_reason=missing["reason_text"], epci_count=rows[0]["nb_epci"])
            values["communes_count"] = rows[0]["nb_communes"]
        elif len(rows) == 1:
            row = rows[0]
            values.update(_referrals(row), **_interviews(row), vif_pct=_vif(row))
            values.update(epci_count=row["nb_epci"], communes_count=row["nb_communes"])
            if row.get("label_note") and "should read" in row["label_note"]:
                values["comment"] += (
                    f" Ligne intitulée « {row['post_label']} » dans l'annexe (le territoire, "
                    f"{row['nb_communes']} communes, est celui de ce poste)."
                )
        else:
            # One post, several rows (Arras: commissariat and gendarmerie): the year is their sum.
            for field in ("referrals_women", "referrals_men", "referrals_children"):
                values[field] = sum(_referrals(r)[field] for r in rows)
            values["referrals_total"] = sum(_referrals(r)["referrals_total"] for r in rows)
            values["interviews_total"] = sum(_interviews(r)["interviews_total"] for r in rows)
            values["interviews_not_split"] = True
            values["vif_pct"] = weighted_share(
                (_vif(r), _referrals(r)["referrals_total"]) for r in rows
            )
            values["comment"] += (
                " L'annexe donne une ligne par unité (commissariat, gendarmerie) : "
                "l'année en est la somme, la part de VIF la moyenne pondérée par les saisines."
            )
        bilan = upsert(Bilan, {"post": post, "year": 2022}, values)
        parts = []
        if len(rows) > 1:
            for row in rows:
                parts.append(
                    upsert(
                        BilanPart,
                        {
                            "bilan": bilan,
                            "kind": PartKind.UNIT,
                            "number": None,
                            "label": row["sub_row"],
                        },
                        {
                            **_referrals(row),
                            "interviews_total": _interviews(row)["interviews_total"],
                            "vif_pct": _vif(row),
                            "epci_count": row["nb_epci"],
                            "communes_count": row["nb_communes"],
                        },
                    )
                )
        delete_others(bilan.parts.all(), parts)


def load_aubervilliers_2012() -> None:
    activity = read_source("aubervilliers_2013.json")["activity"]
    post = Post.objects.get(organisation__slug="aubervilliers", slug="isc_aubervilliers_1")
    by_category = {row["category"]: row["count"] for row in activity["by_category"]}
    upsert(
        Bilan,
        {"post": post, "year": activity["year"]},
        {
            **_validated_on(AUBERVILLIERS_TRANSMITTED),
            "referrals_total": activity["beneficiaries_total"],
            "public_victims": by_category["victimes"],
            "public_suspects": by_category["mis en cause"],
            "public_other": by_category["personnes en difficultés, isolées, SDF, hors champ pénal"],
            "communes_count": 1,
            "comment": (
                f"Situations rencontrées : {activity['situations']}. Chiffres de l'exposé du "
                "conseil municipal d'Aubervilliers du 21 novembre 2013 (323 personnes reçues, "
                "réparties par public ; pas de ventilation femmes / hommes / enfants)."
            ),
        },
    )
