"""The versioned REST API at /api/v1/: every app's viewsets are registered on this router."""

from rest_framework import routers

from standards import api as standards_api

router = routers.DefaultRouter()
router.register("frameworks", standards_api.FrameworkViewSet, basename="framework")
router.register("framework-versions", standards_api.FrameworkVersionViewSet, basename="version")
router.register("standards", standards_api.StandardViewSet, basename="standard")
