from django.urls import path

from catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.home, name="home"),
    path("documents/<int:pk>/<slug:slug>/", views.document_detail, name="document"),
    path("documents/<int:pk>/", views.document_detail, name="document-short"),
    path("repositories/<str:code>/", views.repository_detail, name="repository"),
]
