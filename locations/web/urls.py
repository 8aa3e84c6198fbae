"""The public pages' URLs (each also under /es/, see naloxone_finder/urls.py)."""

from django.urls import path

from . import browse, confirmations, embed, flyers, pages, places, search, submissions

urlpatterns = [
    path("", pages.home, name="home"),
    path("search", search.search, name="search"),
    path("search/flyer", flyers.search_flyer, name="search_flyer"),
    path("locations/<slug:slug>/", places.location_detail, name="location_detail"),
    path("locations/<slug:slug>/flyer/", places.location_flyer, name="location_flyer"),
    path("locations/<slug:slug>/report/", submissions.report_problem, name="report_problem"),
    path("locations/<slug:slug>/report/thanks/", submissions.report_thanks, name="report_thanks"),
    path("suggest/", submissions.suggest, name="suggest"),
    path("suggest/thanks/", submissions.suggest_thanks, name="suggest_thanks"),
    # The link a listing's contact is emailed; "thanks" first, before the token.
    path("confirm/thanks/", confirmations.confirm_thanks, name="confirm_thanks"),
    path("confirm/<str:token>/", confirmations.confirm_listing, name="confirm_listing"),
    path("confirm/<str:token>/changes/", confirmations.propose_changes, name="confirm_changes"),
    path("embed/", embed.embed, name="embed"),
    path("embed/code/", embed.embed_code, name="embed_code"),
    path("naloxone/", pages.naloxone, name="naloxone"),
    path("states/", browse.browse_states, name="states"),
    path("states/<slug:state>/", browse.browse_state, name="state"),
    # Before the city pages, which would otherwise read "flyer" as a city.
    path("states/<slug:state>/flyer/", flyers.state_flyer, name="state_flyer"),
    path("states/<slug:state>/<slug:city>/", browse.browse_city, name="city"),
]
