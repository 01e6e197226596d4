"""Root URLs: pages, accounts, the admin site and the versioned API."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from assurance import api, views

urlpatterns = [
    path("", views.home, name="home"),
    path("account/api-token/", views.api_token, name="api_token"),
    path("accounts/", include("allauth.urls")),
    path("frameworks/", include("standards.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api.router.urls)),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]

handler400 = "assurance.views.bad_request"
handler403 = "assurance.views.permission_denied"
handler404 = "assurance.views.page_not_found"
handler500 = "assurance.views.server_error"
