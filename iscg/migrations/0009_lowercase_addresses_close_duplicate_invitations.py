"""Addresses matched whatever their case; invitations withdrawn; the calendar link's key.

Before the constraints: every user's and invitation's address is lowercased. Two accounts whose
addresses differ only by case cannot both keep theirs: they are not merged (they may hold
different roles), the migration stops and names them, an administrator renames or removes one
and migrates again. Of several open invitations to one address and organisation, the newest
stays open, the older are marked withdrawn.
"""

import django.utils.timezone
from django.db import migrations
from django.db.models.functions import Lower


def lowercase_addresses(apps, schema_editor):
    User = apps.get_model("iscg", "User")
    Invitation = apps.get_model("iscg", "Invitation")
    by_address: dict[str, list] = {}
    for pk, email in User.objects.values_list("pk", "email"):
        by_address.setdefault((email or "").strip().lower(), []).append((pk, email))
    clashes = {address: rows for address, rows in by_address.items() if len(rows) > 1}
    if clashes:
        listed = "; ".join(
            f"{address}: " + ", ".join(f"#{pk} {email}" for pk, email in rows)
            for address, rows in sorted(clashes.items())
        )
        raise RuntimeError(
            "Accounts whose addresses differ only by case must be resolved by hand before "
            f"this migration (rename or delete one of each): {listed}"
        )
    for address, [(pk, email)] in by_address.items():
        if email != address:
            User.objects.filter(pk=pk).update(email=address)
    for pk, email in Invitation.objects.exclude(email=Lower("email")).values_list("pk", "email"):
        Invitation.objects.filter(pk=pk).update(email=email.strip().lower())
    seen = set()
    now = django.utils.timezone.now()
    open_ones = Invitation.objects.filter(used_at__isnull=True, revoked_at__isnull=True)
    for invitation in open_ones.order_by("-created_at", "-pk"):
        key = (invitation.organisation_id, invitation.email)
        if key in seen:
            Invitation.objects.filter(pk=invitation.pk).update(revoked_at=now)
        seen.add(key)


class Migration(migrations.Migration):
    dependencies = [
        ("iscg", "0008_user_email_lower_case_calendar_key_invitation_revocation"),
    ]

    operations = [migrations.RunPython(lowercase_addresses, migrations.RunPython.noop)]
