from django.urls import path

import catalogue.converters  # noqa: F401 - registers the "id" path converter
from catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.home, name="home"),
    path("documents/", views.document_list, name="documents"),
    path("documents.json", views.document_list_json, name="documents-json"),
    path("documents.csv", views.document_list_csv, name="documents-csv"),
    path(
        "documents.ris", views.document_list_citations, {"extension": "ris"}, name="documents-ris"
    ),
    path(
        "documents.bib", views.document_list_citations, {"extension": "bib"}, name="documents-bib"
    ),
    path(
        "documents.csl.json",
        views.document_list_citations,
        {"extension": "csl.json"},
        name="documents-csl",
    ),
    path("documents/facets/<slug:name>/", views.facet_values, name="facet"),
    path("documents/<id:pk>/<slug:slug>/", views.document_detail, name="document"),
    path("documents/<id:pk>/", views.document_detail, name="document-short"),
    path("documents/<id:pk>.json", views.document_json, name="document-json"),
    path("documents/<id:pk>.ris", views.document_ris, name="document-ris"),
    path("documents/<id:pk>.bib", views.document_bibtex, name="document-bibtex"),
    path("documents/<id:pk>.csl.json", views.document_csl, name="document-csl"),
    path("repositories/", views.repository_list, name="repositories"),
    path("repositories/<str:code>/", views.repository_detail, name="repository"),
]
