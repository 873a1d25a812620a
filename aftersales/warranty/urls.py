from django.urls import path

from aftersales.warranty import views

urlpatterns = [path("warranty/", views.lookup_page, name="warranty_lookup")]
