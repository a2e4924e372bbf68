"""Navigation entries, filtered by the access helpers (``iscg.perms``) and the URLs that exist."""

from django.urls import NoReverseMatch, reverse

from iscg import perms

# (url name, label, who sees it: a check from iscg.perms; None = every signed-in user)
NAV = [
    ("conventions:list", "Conventions", None),
    ("conventions:post_list", "Postes", perms.sees_staff_menu),
    ("conventions:party_list", "Parties", perms.sees_staff_menu),
    ("conventions:deliberation_list", "Délibérations", perms.sees_staff_menu),
    ("financing:current_year", "Financement", perms.sees_staff_menu),
    ("financing:my_financing", "Mes financements", perms.sees_partner_menu),
    ("reporting:current_year", "Bilans", perms.sees_bilans_menu),
    ("conventions:template_list", "Modèles", perms.sees_staff_menu),
    ("deadlines", "Échéances", perms.sees_staff_menu),
    ("conventions:email_log", "E-mails", perms.sees_staff_menu),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_admin": False}
    items = []
    for name, label, allowed in NAV:
        if allowed is not None and not allowed(user):
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
    return {"nav_items": items, "nav_admin": perms.is_administrator(user)}
