"""Give the new `team_review` permission to the groups that already work on reviews: each
review's team and lead groups and its network's coordinators (new reviews get it from
reviews/permissions.py and reviews/allocation/teams.py)."""

from django.db import migrations


def grant_team_review(apps, schema_editor):
    Review = apps.get_model("reviews", "Review")
    if not Review.objects.exists():
        return
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("reviews")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    Grant = apps.get_model("reviews", "ReviewGroupObjectPermission")
    permission = Permission.objects.get(codename="team_review", content_type__app_label="reviews")
    for review in Review.objects.select_related("service"):
        names = [
            f"review:{review.pk}:team",
            f"review:{review.pk}:lead",
            f"network:{review.service.network_id}:coordinators",
        ]
        for group in Group.objects.filter(name__in=names):
            Grant.objects.get_or_create(group=group, permission=permission, content_object=review)


def prepare_reflections(apps, schema_editor):
    """Reviews already past the start of the peer review get a reflection per standard, as
    reviews.workflow.prepare_reflections gives every review that starts it from now on."""
    Review = apps.get_model("reviews", "Review")
    Response = apps.get_model("reviews", "Response")
    Reflection = apps.get_model("reviews", "Reflection")
    started = ["peer_review", "drafting", "accuracy_check", "published", "closed"]
    for review in Review.objects.filter(status__in=started):
        Reflection.objects.bulk_create(
            [
                Reflection(review=review, standard_id=standard_id)
                for standard_id in Response.objects.filter(review=review).values_list(
                    "standard_id", flat=True
                )
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0003_peer_review"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.RunPython(grant_team_review, migrations.RunPython.noop),
        migrations.RunPython(prepare_reflections, migrations.RunPython.noop),
    ]
