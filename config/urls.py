from django.contrib import admin
from django.urls import include, path

from aftersales.accounts.views import signin_page
from config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("channels/", include("aftersales.intake.channels.social.urls")),
    path("", include("aftersales.intake.urls")),
    path("signin/", signin_page, name="signin"),
    path("", include("aftersales.complaints.urls")),
]
