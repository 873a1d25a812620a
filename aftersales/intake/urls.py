from django.urls import path

from aftersales.intake import views

urlpatterns = [path("", views.submit_page, name="submit")]
