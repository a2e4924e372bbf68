from django.apps import AppConfig


class IscgConfig(AppConfig):
    name = "iscg"
    verbose_name = "Organisations et comptes"
