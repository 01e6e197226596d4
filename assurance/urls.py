"""Root URLs: every app's pages, accounts, the admin site and the versioned API."""

from allauth.socialaccount.providers.openid_connect import views as oidc
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from assurance import api
from assurance.views import invitations, network, shell, team
from reviews.views import dashboard

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("account/api-token/", shell.api_token, name="api_token"),
    path("invitations/<str:token>/", invitations.accept, name="invitation_accept"),
    # Coordinator pages (assurance/views/network.py)
    path("network/organisations/", network.organisation_list, name="organisation_list"),
    path("network/organisations/new/", network.organisation_create, name="organisation_create"),
    path(
        "network/organisations/<int:pk>/edit/", network.organisation_edit, name="organisation_edit"
    ),
    path("network/services/", network.service_list, name="service_list"),
    path("network/services/new/", network.service_create, name="service_create"),
    path("network/bodies/", network.body_list, name="body_list"),
    path("network/bodies/new/", network.body_create, name="body_create"),
    path("network/bodies/<int:pk>/", network.body_detail, name="body_detail"),
    path("network/bodies/<int:pk>/edit/", network.body_edit, name="body_edit"),
    path(
        "network/commissioners/<int:pk>/remove/",
        network.commissioner_remove,
        name="commissioner_remove",
    ),
    path("network/bodies/<int:pk>/invite/", network.body_invite, name="body_invite"),
    path("network/memberships/", network.membership_list, name="membership_list"),
    path("network/invitations/", network.invitation_list, name="invitation_list"),
    path(
        "network/invitations/<int:pk>/resend/",
        network.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "network/invitations/<int:pk>/revoke/",
        network.invitation_revoke,
        name="invitation_revoke",
    ),
    path("network/invite/", network.network_invite, name="network_invite"),
    # Service and team pages (assurance/views/team.py)
    path("services/<int:pk>/", team.service_detail, name="service_detail"),
    path("services/<int:pk>/edit/", team.service_edit, name="service_edit"),
    path("services/<int:pk>/invite/", team.service_invite, name="service_invite"),
    path(
        "memberships/<int:pk>/deactivate/",
        team.membership_deactivate,
        name="membership_deactivate",
    ),
    # allauth's pages, included part by part so that its deprecated unnamed redirects
    # (/accounts/social/...) are left out: sign-in, two-factor authentication, single sign-on.
    # The OpenID Connect addresses are spelled out so that the provider is a named argument of
    # each route, as allauth reverses them.
    path("accounts/", include("allauth.account.urls")),
    path("accounts/2fa/", include("allauth.mfa.urls")),
    path("accounts/3rdparty/", include("allauth.socialaccount.urls")),
    path("accounts/oidc/<str:provider_id>/login/", oidc.login, name="openid_connect_login"),
    path(
        "accounts/oidc/<str:provider_id>/login/callback/",
        oidc.callback,
        name="openid_connect_callback",
    ),
    path("frameworks/", include("standards.urls")),
    path("", include("reviews.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api.router.urls)),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path(
        "api/v1/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api_schema"),
        name="api_docs",
    ),
]

handler400 = "assurance.views.shell.bad_request"
handler403 = "assurance.views.shell.permission_denied"
handler404 = "assurance.views.shell.page_not_found"
handler500 = "assurance.views.shell.server_error"
