from django.urls import path

from standards import views

app_name = "standards"
urlpatterns = [
    path("", views.framework_list, name="framework_list"),
    path("upload/", views.framework_upload, name="framework_upload"),
    path("format/", views.format_guide, name="format_guide"),
    path("<slug:slug>/<str:label>/", views.version_detail, name="version_detail"),
    path("<slug:slug>/<str:label>/export/", views.version_export, name="version_export"),
]
