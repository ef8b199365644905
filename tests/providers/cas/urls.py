from django.urls import include, path

urlpatterns = [path("", include("mama_cas.urls"))]
