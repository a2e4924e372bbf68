"""Navigation entries, filtered by role and by the URLs that exist."""

from django.urls import NoReverseMatch, reverse

# (url name, label, roles that see it; None = every signed-in user)
NAV = [
    ("conventions:list", "Conventions", None),
    ("conventions:post_list", "Postes", ("gestionnaire", "coordinateur")),
    ("conventions:party_list", "Parties", ("gestionnaire", "coordinateur")),
    ("financing:current_year", "Financement", ("gestionnaire", "coordinateur")),
    ("financing:my_financing", "Mes financements", ("partenaire",)),
    ("reporting:current_year", "Bilans", ("gestionnaire", "coordinateur", "intervenant")),
    ("conventions:template_list", "Modèles", ("gestionnaire", "coordinateur")),
    ("deadlines", "Échéances", ("gestionnaire", "coordinateur")),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    # An administrator without a role gets a coordinator's entries (the pages let it choose the
    # organisation); its back-office link is in the template.
    role = user.role or ("coordinateur" if user.is_superuser else "")
    items = []
    for name, label, roles in NAV:
        if roles is not None and role not in roles:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "current": False})
    # Only the most specific entry is current: /conventions/parties/8/ is under « Parties »,
    # not also under « Conventions ».
    matching = [item for item in items if request.path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["current"] = True
    return {"nav_items": items}
