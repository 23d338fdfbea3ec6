from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Archival catalogue — curators"
admin.site.site_title = "Catalogue admin"
admin.site.index_title = "Catalogue and authority"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("people.urls")),
    path("", include("catalogue.urls")),
]
