from django.urls import path

from aftersales.evidence import views

urlpatterns = [
    path("verify/wipe/<str:certificate_id>", views.verify_wipe_page, name="verify_wipe"),
    path("verify/<str:number>", views.verify_record_page, name="verify_record"),
]
