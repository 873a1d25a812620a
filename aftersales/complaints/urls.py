from django.urls import path

from aftersales.complaints import views

urlpatterns = [
    path("track/<str:number>/", views.track_page, name="track"),
    path("my/", views.my_complaints_page, name="my_complaints"),
]
