from django.urls import path, re_path

from aftersales.desk import reports, views
from aftersales.desk.outlet import views as outlet_views

app_name = "desk"

urlpatterns = [
    path("", views.queue_page, name="queue"),
    path("signin/", views.signin_page, name="signin"),
    path("signout/", views.signout, name="signout"),
    path("filters/", views.filter_save, name="filter_save"),
    path("filters/<int:filter_id>/delete/", views.filter_delete, name="filter_delete"),
    path("bulk/", views.bulk_move, name="bulk"),
    path("search/", views.search_page, name="search"),
    path("complaints/<str:number>/", views.complaint_page, name="complaint"),
    path("complaints/<str:number>/macro/", views.macro_fill, name="macro"),
    path("complaints/<str:number>/presence/", views.presence, name="presence"),
    re_path(
        r"^complaints/(?P<number>[^/]+)/(?P<step>reply|note|transition|category|transfer|dispatch|duplicate)/$",
        views.complaint_step,
        name="complaint_step",
    ),
    path("complaints/<str:number>/repair-order/", outlet_views.open_repair, name="open_repair"),
    path("outlet/", outlet_views.day_page, name="outlet_day"),
    path("outlet/parts/", outlet_views.stock_page, name="outlet_parts"),
    path("repairs/<str:number>/", outlet_views.repair_page, name="repair"),
    re_path(
        r"^repairs/(?P<number>[^/]+)/(?P<step>" + "|".join(outlet_views.STEPS) + r")/$",
        outlet_views.repair_step,
        name="repair_step",
    ),
    # The manager dashboard (desk/reports.py).
    path("reports/", reports.reports_page, name="reports"),
    re_path(
        r"^reports/(?P<table>[a-z-]+)\.(?P<file_format>csv|xlsx)$",
        reports.reports_export,
        name="reports_export",
    ),
]
