"""Path converters shared by the apps' URL confs.

``<year:year>``: a year of four digits within the years a plan may hold
(``financing.engine``'s 1900–2999). Any other value (``/financement/10000/``, a year of twenty
digits that no database column holds) matches no URL: the French « Page introuvable » (404),
never a crash deeper down (issue 18). Registered once, on import.
"""

from django.urls import register_converter

MIN_YEAR, MAX_YEAR = 1900, 2999


class YearConverter:
    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        year = int(value)
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"année hors de {MIN_YEAR} à {MAX_YEAR}")  # Django answers 404
        return year

    def to_url(self, value: int) -> str:
        # Never refuses: a link to the year after 2999 is drawn, and answers 404.
        return str(value)


register_converter(YearConverter, "year")
