from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        # Every save of a document or its texts keeps the full-text index in step.
        from catalogue.search import connect_signals

        connect_signals()
