"""The page « Le document est en préparation » in the browser: it polls (htmx, every 2 s) and,
once the worker has stored the PDF, the browser gets the file from the same address."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, OrganisationFactory, UserFactory
from tests.queue import run_queue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_preparation_page_polls_then_hands_over_the_pdf(page, live_server, login, screenshot):
    user = UserFactory(gestionnaire=True, organisation=OrganisationFactory(slug="dept-e2e"))
    login(user.email, PASSWORD)
    url = f"{live_server.url}/financement/2023/tableau.pdf"

    def is_poll(request) -> bool:
        return request.url == url and request.headers.get("hx-request") == "true"

    # The polls wait in the browser while this thread runs the worker (SQLite's one connection).
    page.route(url, lambda route: route.continue_())
    page.goto(url)
    expect(page.get_by_text("Le document est en préparation.")).to_be_visible()
    screenshot("document-en-preparation")
    with page.expect_response(lambda response: is_poll(response.request)) as polled:
        pass
    assert polled.value.status == 200  # still in preparation: the fragment, polled again
    assert run_queue() == 1
    with page.expect_download(timeout=15_000) as downloaded:
        pass
    assert downloaded.value.suggested_filename == "financement-2023.pdf"
    assert Path(downloaded.value.path()).read_bytes().startswith(b"%PDF-")
