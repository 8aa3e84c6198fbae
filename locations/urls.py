from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search", views.search, name="search"),
    path("locations/<slug:slug>/", views.location_detail, name="location_detail"),
]
