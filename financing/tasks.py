"""Outward work of financing run by the worker: the titres' ZIP, the collection returns."""

from django.tasks import task


@task()
def prepare_titres_zip(*, organisation_id: int, year: int, user_id: int) -> dict:
    """Store the ZIP of the exercice's titres and their conventions, as the user who asked sees
    them (``financing.titre_bundles.prepare``)."""
    from financing import titre_bundles
    from iscg.models import Organisation, User

    return titre_bundles.prepare(
        Organisation.objects.get(pk=organisation_id), year, User.objects.get(pk=user_id)
    )


@task()
def import_collection_returns(*, import_id: int, organisation_id: int) -> dict:
    """Read a deposited file of collection returns (``financing.collection_returns``)."""
    from financing import collection_returns
    from financing.models import CollectionImport

    deposited = CollectionImport.objects.get(pk=import_id, organisation_id=organisation_id)
    report = collection_returns.run_import(deposited)
    return {"applied": report.get("applied", 0), "errors": len(report.get("errors", []))}
