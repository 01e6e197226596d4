"""The review cycle's models, split by concern (DESIGN section 3)."""

from reviews.models.access import AccessLog
from reviews.models.actions import Action, ActionProgress
from reviews.models.allocation import (
    Assignment,
    Conflict,
    Proposal,
    ReviewerProfile,
    ReviewerRole,
)
from reviews.models.cycle import (
    Cycle,
    Review,
    ReviewEvent,
    ReviewGroupObjectPermission,
    ReviewUserObjectPermission,
)
from reviews.models.peer_review import (
    AgendaItem,
    Comment,
    Finding,
    Reflection,
    ReviewersSummary,
    SafeguardingNote,
    Thread,
    Visit,
)
from reviews.models.report import (
    AccuracyComment,
    RenderJob,
    Report,
    ReportGroupObjectPermission,
    ReportShare,
    ReportUserObjectPermission,
)
from reviews.models.self_assessment import Evidence, Perspective, Rating, Response

__all__ = [
    "AccessLog",
    "AccuracyComment",
    "Action",
    "ActionProgress",
    "AgendaItem",
    "Assignment",
    "Comment",
    "Conflict",
    "Cycle",
    "Evidence",
    "Finding",
    "Perspective",
    "Proposal",
    "Rating",
    "Reflection",
    "RenderJob",
    "Report",
    "ReportGroupObjectPermission",
    "ReportShare",
    "ReportUserObjectPermission",
    "Response",
    "Review",
    "ReviewEvent",
    "ReviewGroupObjectPermission",
    "ReviewUserObjectPermission",
    "ReviewerProfile",
    "ReviewerRole",
    "ReviewersSummary",
    "SafeguardingNote",
    "Thread",
    "Visit",
]
