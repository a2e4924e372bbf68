"""A realistic synthetic dataset at national size, for benchmarks and load tests.

Parties, posts and bilans come from ``demo.bench.generate``; this adds, per post, one
triennial convention per 3-year period with its parties, a financing plan computed by the real
engine (Quimper's shape: State degressive by rank, Département 30 % and the EPCIs 40 % of the
remainder split by population, the employer the rest), the stored share lines, and payments for the closed years. Bulk inserts throughout.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from django.db import transaction


def _plan(years: list[int], first_year: int, employer: str, epcis: list[str]) -> dict:
    return {
        "rounding": "down",
        "first_year": first_year,
        "years": [
            {"year": y, "annual_cost": str(42000 + 600 * (y - first_year)), "months": 12}
            for y in years
        ],
        "shares": [
            {
                "party": "etat",
                "rule": "percent_of_cost",
                "percent_by_rank": ["80", "50", "30", "33"],
            },
            {"party": "p0", "rule": "percent_of_remainder", "percent": "30"},
            {
                "rule": "percent_of_remainder",
                "percent": "40",
                "split": [
                    {"party": slug, "key": str(10000 + 1000 * i)} for i, slug in enumerate(epcis)
                ],
            },
            {"party": employer, "rule": "remainder"},
        ],
    }


@transaction.atomic
def generate_dataset(
    organisations: int, posts_per_org: int, years: int, last_year: int | None = None
) -> dict:
    from conventions.models import (
        Convention,
        ConventionKind,
        ConventionParty,
        Party,
        PartyKind,
        Post,
    )
    from demo.bench import generate
    from financing import engine
    from financing.models import FinancingPlan, Payment, PlanYear, ShareLine
    from iscg.models import Organisation

    last_year = last_year or date.today().year
    first_year = last_year - years + 1
    base = generate(organisations, posts_per_org, years, last_year)
    orgs = list(Organisation.objects.filter(slug__startswith="banc-").values_list("pk", flat=True))
    states = Party.objects.bulk_create(
        Party(organisation_id=org, slug="etat", kind=PartyKind.ETAT, name=f"État — {org}")
        for org in orgs
    )
    parties = {}
    for party in Party.objects.filter(organisation_id__in=orgs):
        parties[(party.organisation_id, party.slug)] = party
    posts = list(
        Post.objects.filter(organisation_id__in=orgs)
        .select_related("employer")
        .prefetch_related("epcis")
    )

    conventions, members, plans, plan_posts, results = [], [], [], [], []
    periods = [
        list(range(start, min(start + 3, last_year + 1)))
        for start in range(first_year, last_year + 1, 3)
    ]
    for post in posts:
        epcis = sorted(p.slug for p in post.epcis.all()) or ["p1"]
        for period in periods:
            status = "en_vigueur" if last_year in period else "expiree"
            # Signed acts: their text was frozen when sent to signature, before they started.
            frozen_at = datetime(period[0] - 1, 12, 1, 12, tzinfo=UTC)
            conventions.append(
                Convention(
                    organisation_id=post.organisation_id,
                    reference=f"{post.organisation.slug}-{post.slug}-{period[0]}",
                    title=f"Convention triennale {period[0]}–{period[-1]} — {post.name}",
                    kind=ConventionKind.PARTENARIAT_TRIENNAL,
                    start_date=date(period[0], 1, 1),
                    end_date=date(period[-1], 12, 31),
                    notice_months=3,
                    status=status,
                    text_frozen_at=frozen_at,
                    renewal_rule="Par période successive de 3 ans, après concertation.",
                )
            )
            data = _plan(period, post.first_year or first_year, post.employer.slug, epcis)
            results.append(engine.compute_plan(engine.parse_plan(data)))
            plans.append(data)
            plan_posts.append(post)
    Convention.objects.bulk_create(conventions, batch_size=2000)
    Convention.posts.through.objects.bulk_create(
        Convention.posts.through(convention_id=c.pk, post_id=p.pk)
        for c, p in zip(conventions, plan_posts, strict=True)
    )
    for convention, post in zip(conventions, plan_posts, strict=True):
        org = post.organisation_id
        slugs = ["etat", "p0", *sorted(p.slug for p in post.epcis.all()), post.employer.slug]
        for order, slug in enumerate(dict.fromkeys(slugs)):
            members.append(
                ConventionParty(
                    convention_id=convention.pk,
                    party=parties[(org, slug)],
                    order=order,
                    is_signatory=True,
                    is_funder=slug != post.employer.slug,
                    is_employer=slug == post.employer.slug,
                )
            )
    ConventionParty.objects.bulk_create(members, batch_size=5000)
    plan_rows = FinancingPlan.objects.bulk_create(
        [
            FinancingPlan(convention_id=c.pk, post=p, data=d, months_by_hand=True)
            for c, p, d in zip(conventions, plan_posts, plans, strict=True)
        ],
        batch_size=2000,
    )
    plan_years, lines = [], []
    for plan, convention, post, result in zip(
        plan_rows, conventions, plan_posts, results, strict=True
    ):
        remainder = post.employer.slug
        for year in result.years:
            plan_years.append(
                PlanYear(plan_id=plan.pk, year=year.year, months=year.months, cost=year.cost)
            )
            for slug, amount in year.shares.items():
                lines.append(
                    ShareLine(
                        plan_id=plan.pk,
                        convention_id=convention.pk,
                        post_id=post.pk,
                        organisation_id=post.organisation_id,
                        year=year.year,
                        party=parties[(post.organisation_id, slug)],
                        amount=amount,
                        is_remainder=slug == remainder,
                        is_employer=slug == remainder,
                    )
                )
    PlanYear.objects.bulk_create(plan_years, batch_size=5000)
    ShareLine.objects.bulk_create(lines, batch_size=5000)
    payments = [
        Payment(
            share_line=line,
            number=f"T{line.year}-{line.pk}",
            issued_on=date(line.year, 6, 30),
            amount_issued=line.amount,
            received_on=date(line.year, 9, 30),
            amount_received=line.amount if line.pk % 7 else line.amount * Decimal("0.5"),
        )
        for line in ShareLine.objects.filter(
            organisation_id__in=orgs, is_employer=False, year__lt=last_year
        )
    ]
    Payment.objects.bulk_create(payments, batch_size=5000)
    return {
        "organisations": len(orgs),
        "posts": len(posts),
        "conventions": len(conventions),
        "share_lines": len(lines),
        "payments": len(payments),
        "bilans": base["bilans"],
        "states": len(states),
    }
