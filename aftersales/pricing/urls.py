from django.urls import path

from aftersales.pricing import views

urlpatterns = [path("prices/", views.prices_page, name="prices")]
