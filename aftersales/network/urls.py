from django.urls import path

from aftersales.network import views

urlpatterns = [
    path("outlets/", views.finder_page, name="outlet_finder"),
    path("outlets/verify/", views.verify_page, name="outlet_verify"),
]
