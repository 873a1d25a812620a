from django.contrib import admin
from django.urls import include, path

from aftersales.accounts.views import signin_page, signout_page
from aftersales.evidence.views import well_known_keys
from config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path(".well-known/aftersales-evidence-keys.json", well_known_keys, name="evidence-keys"),
    path("api/v1/", api.urls),
    path("desk/", include("aftersales.desk.urls")),
    path("channels/", include("aftersales.intake.channels.social.urls")),
    path("", include("aftersales.intake.urls")),
    path("signin/", signin_page, name="signin"),
    path("signout/", signout_page, name="signout"),
    path("", include("aftersales.evidence.urls")),
    path("", include("aftersales.complaints.urls")),
]
