"""System checks of the project's own (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def development_secret_key(app_configs, **kwargs):
    """A deployment with the development or demo SECRET_KEY signs its sessions and links with a
    key everybody knows."""
    if settings.SECRET_KEY in settings.DEVELOPMENT_SECRET_KEYS:
        return [
            Error(
                "SECRET_KEY est la clé de développement ou de la démo.",
                hint="Donnez une clé secrète propre à l'installation (variable SECRET_KEY).",
                id="iscg.E001",
            )
        ]
    return []
