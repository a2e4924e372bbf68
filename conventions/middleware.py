"""The page to choose among the conventions of several organisations that share a reference
(``conventions.selectors.convention_from_url``), for the users who see every organisation."""

from urllib.parse import urlencode

from django.shortcuts import render

from conventions.selectors import SeveralConventions


class ConventionChoiceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, SeveralConventions) or request.method != "GET":
            return None  # a write names its organisation or stays a 404
        query = request.GET.copy()
        choices = []
        for convention in sorted(exception.conventions, key=lambda c: c.organisation.name):
            query["organisation"] = convention.organisation.slug
            choices.append((convention, f"{request.path}?{urlencode(query, doseq=True)}"))
        return render(
            request,
            "conventions/several_conventions.html",
            {"choices": choices, "reference": exception.conventions[0].reference},
            status=300,
        )
