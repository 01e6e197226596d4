"""Root URLs: pages, accounts, the admin site and the versioned API."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from assurance import api
from assurance.views import invitations, shell

urlpatterns = [
    path("", shell.home, name="home"),
    path("account/api-token/", shell.api_token, name="api_token"),
    path("invitations/<str:token>/", invitations.accept, name="invitation_accept"),
    path("accounts/", include("allauth.urls")),
    path("frameworks/", include("standards.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api.router.urls)),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]

handler400 = "assurance.views.shell.bad_request"
handler403 = "assurance.views.shell.permission_denied"
handler404 = "assurance.views.shell.page_not_found"
handler500 = "assurance.views.shell.server_error"
