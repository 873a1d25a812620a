from django.urls import path, re_path

from aftersales.desk import views

app_name = "desk"

urlpatterns = [
    path("", views.queue_page, name="queue"),
    path("signin/", views.signin_page, name="signin"),
    path("signout/", views.signout, name="signout"),
    path("complaints/<str:number>/", views.complaint_page, name="complaint"),
    re_path(
        r"^complaints/(?P<number>[^/]+)/(?P<step>reply|note|transition|category|transfer)/$",
        views.complaint_step,
        name="complaint_step",
    ),
]
