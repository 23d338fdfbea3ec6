from django.urls import path

from people import views

app_name = "people"

urlpatterns = [
    path("people/", views.person_list, name="people"),
    path("people/<int:pk>/<slug:slug>/", views.person_detail, name="person"),
    path("people/<int:pk>/", views.person_detail, name="person-short"),
    path("organizations/", views.organization_list, name="organizations"),
    path("organizations/<int:pk>/<slug:slug>/", views.organization_detail, name="organization"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization-short"),
]
