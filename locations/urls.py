from django.urls import path

from . import submissions, views

urlpatterns = [
    path("", views.home, name="home"),
    path("search", views.search, name="search"),
    path("search/flyer", views.search_flyer, name="search_flyer"),
    path("locations/<slug:slug>/", views.location_detail, name="location_detail"),
    path("locations/<slug:slug>/flyer/", views.location_flyer, name="location_flyer"),
    path("locations/<slug:slug>/report/", submissions.report_problem, name="report_problem"),
    path("locations/<slug:slug>/report/thanks/", submissions.report_thanks, name="report_thanks"),
    path("suggest/", submissions.suggest, name="suggest"),
    path("suggest/thanks/", submissions.suggest_thanks, name="suggest_thanks"),
    path("embed/", views.embed, name="embed"),
    path("embed/code/", views.embed_code, name="embed_code"),
    path("naloxone/", views.naloxone, name="naloxone"),
    path("states/", views.browse_states, name="states"),
    path("states/<slug:state>/", views.browse_state, name="state"),
    # Before the city pages, which would otherwise read "flyer" as a city.
    path("states/<slug:state>/flyer/", views.state_flyer, name="state_flyer"),
    path("states/<slug:state>/<slug:city>/", views.browse_city, name="city"),
]
