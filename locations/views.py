from django.http import HttpResponse


def home(request):
    return HttpResponse("home")


def search(request):
    return HttpResponse("search")


def location_detail(request, slug):
    return HttpResponse(slug)


def healthz(request):
    return HttpResponse("ok")
