"""Fixtures of the financing tests."""

import pytest


@pytest.fixture
def a13_as_draft(demo_data):
    """PDC2023-A13 is « à signer » in the demo, its plan frozen with its text: the plan
    editor's tests edit its plan as a draft's (as after a withdrawal of the signature request)."""
    from conventions.models import Convention, ConventionStatus

    Convention.objects.filter(reference="PDC2023-A13").update(
        status=ConventionStatus.DRAFT, text_frozen_at=None
    )
