from django.urls import path

import catalogue.converters  # noqa: F401 - registers the "id" path converter
from people import views

app_name = "people"

urlpatterns = [
    path("people/", views.person_list, name="people"),
    path("people/<id:pk>/<slug:slug>/", views.person_detail, name="person"),
    path("people/<id:pk>/", views.person_detail, name="person-short"),
    path("organizations/", views.organization_list, name="organizations"),
    path("organizations/<id:pk>/<slug:slug>/", views.organization_detail, name="organization"),
    path("organizations/<id:pk>/", views.organization_detail, name="organization-short"),
]
