"""The world the permission matrix runs in: the fixed cast and the objects they own or not.

Network N holds services S (the cast's own) and T (another team's), and body B. Network M is
somewhere none of the cast belongs. The reviewers are, for now, the team of T: members of
another service in the same network (issue 5 gives them review assignments).
"""

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from assurance import invitations, roles
from assurance.models import Membership, Service
from reviews.allocation import add_to_team, request_proposal, respond
from reviews.cycles import default_dates, enrol, open_cycle
from reviews.evidence import add_evidence
from reviews.models import (
    Action,
    AgendaItem,
    Assignment,
    Comment,
    Conflict,
    Cycle,
    Finding,
    Review,
    ReviewerProfile,
    ReviewersSummary,
    SafeguardingNote,
    Thread,
    Visit,
)
from reviews.self_assessment import save_response
from reviews.workflow import transition
from standards.yaml_format import import_framework
from tests.factories import (
    CommissioningBodyFactory,
    NetworkFactory,
    OrganisationFactory,
    ServiceFactory,
    UserFactory,
)

CAST = (
    "service_lead",
    "staff",
    "lived_experience",
    "reviewer",
    "lead_reviewer",
    "coordinator",
    "commissioner",
    "outsider",
)
SERVICE_TEAM = ("service_lead", "staff", "lived_experience")
FIXTURE = (
    Path(__file__).resolve().parents[2] / "fixtures" / "developmental-relational-framework.yaml"
)


@dataclass
class World:
    people: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def own(self, role: str, kind: str):
        """The object of `kind` that `role` is associated with (or the nearest one)."""
        return self.objects[OWN[kind].get(role, OWN[kind]["default"])]

    def other(self, role: str, kind: str):
        """An object of `kind` that is somebody else's, from `role`'s point of view."""
        return self.objects[OTHER[kind].get(role, OTHER[kind]["default"])]


PEER_REVIEW_KINDS = (
    "visit",
    "agenda",
    "team_thread",
    "shared_thread",
    "team_comment",
    "shared_comment",
    "reflection",
    "finding",
    "safeguarding",
)

REPORT_KINDS = (
    "accuracy_review",
    "draft_report",
    "accuracy_comment",
    "published_review",
    "final_report",
    "action",
    "share",
)

# Which named object is "own" and which "other" for each role, per kind of object.
OWN = {
    "service": {"reviewer": "T", "lead_reviewer": "T", "default": "S"},
    "body": {"default": "B"},
    "organisation": {"reviewer": "OT", "lead_reviewer": "OT", "default": "OS"},
    "membership": {"reviewer": "member_T", "lead_reviewer": "member_T", "default": "member_S"},
    "invitation": {
        "reviewer": "invitation_T",
        "lead_reviewer": "invitation_T",
        "default": "invitation_S",
    },
    "network": {"default": "N"},
    "version": {"default": "V"},
    "commissioner_role": {"default": "reader_B"},
    "review": {"reviewer": "RT", "lead_reviewer": "RT", "default": "RS"},
    "cycle": {"default": "CN"},
    "evidence": {"reviewer": "E_T", "lead_reviewer": "E_T", "default": "E_S"},
    "waiting_review": {"default": "RW"},
    "proposal": {"default": "PROP_N"},
    "assignment": {"default": "A_N"},
    "my_assignment": {"lead_reviewer": "A_lead", "default": "A_reviewer"},
    "conflict": {"lead_reviewer": "X_lead", "default": "X_reviewer"},
    "reviewer_profile": {"lead_reviewer": "P_lead", "default": "P_reviewer"},
    # The peer review (build_peer_reviews): S's review in peer review, where `reviewer` and
    # `lead_reviewer` are the team. A kind per object, each named <KIND>_S.
    **{kind: {"default": f"{kind.upper()}_S"} for kind in PEER_REVIEW_KINDS},
    "peer_review": {"default": "PS"},
    # Reports (build_reports): each <KIND>_S, with the commissioner's own report the one shared
    # with their body.
    **{kind: {"default": f"{kind.upper()}_S"} for kind in REPORT_KINDS},
}
OTHER = {
    "service": {
        "coordinator": "U",
        "commissioner": "U",
        "outsider": "U",
        "reviewer": "S",
        "lead_reviewer": "S",
        "default": "T",
    },
    "body": {"default": "C"},
    "organisation": {"default": "OU"},
    "membership": {
        "coordinator": "member_U",
        "reviewer": "member_S",
        "lead_reviewer": "member_S",
        "default": "member_T",
    },
    "invitation": {
        "coordinator": "invitation_U",
        "reviewer": "invitation_S",
        "lead_reviewer": "invitation_S",
        "default": "invitation_T",
    },
    "network": {"default": "M"},
    "version": {"default": "V"},
    "commissioner_role": {"default": "reader_C"},
    "review": {
        "coordinator": "RU",
        "commissioner": "RU",
        "outsider": "RU",
        "reviewer": "RS",
        "lead_reviewer": "RS",
        "default": "RT",
    },
    "cycle": {"default": "CM"},
    "evidence": {
        "coordinator": "E_U",
        "commissioner": "E_U",
        "outsider": "E_U",
        "reviewer": "E_S",
        "lead_reviewer": "E_S",
        "default": "E_T",
    },
    "waiting_review": {"default": "RX"},
    "proposal": {"default": "PROP_M"},
    "assignment": {"default": "A_M"},
    "my_assignment": {"reviewer": "A_lead", "default": "A_reviewer"},
    "conflict": {"reviewer": "X_lead", "lead_reviewer": "X_reviewer", "default": "X_M"},
    "reviewer_profile": {"default": "P_M"},
    # The same objects of U's review in network M: nobody in the cast is on its team.
    **{kind: {"default": f"{kind.upper()}_U"} for kind in PEER_REVIEW_KINDS},
    "peer_review": {"default": "PU"},
    **{kind: {"default": f"{kind.upper()}_U"} for kind in REPORT_KINDS},
}


def build_world() -> World:
    world = World()
    n = NetworkFactory(name="Network N")
    m = NetworkFactory(name="Network M")
    os_, ot, ou = (OrganisationFactory(name=f"Organisation {x}") for x in "STU")
    s = ServiceFactory(network=n, organisation=os_, name="Service S")
    t = ServiceFactory(network=n, organisation=ot, name="Service T")
    u = ServiceFactory(network=m, organisation=ou, name="Service U")
    b = CommissioningBodyFactory(network=n, name="Body B")
    c = CommissioningBodyFactory(network=m, name="Body C")
    world.objects.update(N=n, M=m, S=s, T=t, U=u, B=b, C=c, OS=os_, OT=ot, OU=ou)

    def person(role: str):
        user = UserFactory(email=f"{role.replace('_', '.')}@example.org")
        world.people[role] = user
        return user

    roles.join_service(person("service_lead"), s, Membership.Role.SERVICE_LEAD)
    roles.join_service(person("staff"), s, Membership.Role.STAFF)
    roles.join_service(person("lived_experience"), s, Membership.Role.LIVED_EXPERIENCE)
    roles.join_service(person("reviewer"), t, Membership.Role.STAFF)
    roles.join_service(person("lead_reviewer"), t, Membership.Role.SERVICE_LEAD)
    roles.appoint_coordinator(person("coordinator"), n)
    roles.join_commissioning_body(person("commissioner"), b)
    person("outsider")
    for name, body in (("B", b), ("C", c)):
        reader = UserFactory(email=f"reader.{name.lower()}@example.org")
        world.objects[f"reader_{name}"] = roles.join_commissioning_body(reader, body)

    # A further member of each service, so "deactivate a member" has a target.
    for name, service in (("S", s), ("T", t), ("U", u)):
        member = UserFactory(email=f"member.{name.lower()}@example.org")
        world.objects[f"member_{name}"] = roles.join_service(member, service, Membership.Role.STAFF)

    coordinator_m = UserFactory(email="coordinator.m@example.org")
    roles.appoint_coordinator(coordinator_m, m)
    inviters = {
        "S": world.people["coordinator"],
        "T": world.people["coordinator"],
        "U": coordinator_m,
    }
    for name, service in (("S", s), ("T", t), ("U", u)):
        world.objects[f"invitation_{name}"] = invitations.invite(
            invited_by=inviters[name],
            email=f"invited.{name.lower()}@example.org",
            role="staff",
            network=service.network,
            service=service,
        )

    version = import_framework(FIXTURE.read_bytes(), source=FIXTURE.name).version
    world.objects["V"] = version

    # One cycle per network, and a review (in self-assessment) for each service.
    for cycle_name, network in (("CN", n), ("CM", m)):
        world.objects[cycle_name] = open_cycle(
            network=network,
            name=f"Cycle {cycle_name}",
            versions=[version],
            **default_dates(network, date(2027, 1, 4)),
        )
    enrolled_by = {
        "S": world.people["coordinator"],
        "T": world.people["coordinator"],
        "U": coordinator_m,
    }
    for name, service in (("S", s), ("T", t), ("U", u)):
        cycle = world.objects["CM" if name == "U" else "CN"]
        world.objects[f"R{name}"] = enrol(cycle, service, version, by=enrolled_by[name])

    # A piece of evidence on each review.
    authors = {
        "S": world.people["staff"],
        "T": world.people["reviewer"],
        "U": world.objects["member_U"].user,
    }
    for name in "STU":
        review = world.objects[f"R{name}"]
        world.objects[f"E_{name}"] = add_evidence(
            review,
            by=authors[name],
            kind="file",
            title=f"Minutes {name}",
            responses=[review.responses.first()],
            attested=True,
            upload=SimpleUploadedFile("minutes.txt", b"Community meeting minutes.\n"),
        )

    # Allocation: a submitted review waiting for a team in each network (services W and X),
    # a queued proposal, and an invitation onto each team.
    coordinators = {"W": world.people["coordinator"], "X": coordinator_m}
    for name, network, cycle_name in (("W", n, "CN"), ("X", m, "CM")):
        lead = UserFactory(email=f"lead.{name.lower()}@example.org")
        service = ServiceFactory(network=network, name=f"Service {name}")
        roles.join_service(lead, service, Membership.Role.SERVICE_LEAD)
        review = enrol(world.objects[cycle_name], service, version, by=coordinators[name])
        for response in review.responses.all():
            save_response(response, by=lead, expected_version=response.version, rating="met")
        transition(review, Review.Status.SUBMITTED, by=lead)
        world.objects[f"R{name}"] = review
        world.objects[f"PROP_{network.name[-1]}"] = request_proposal(
            world.objects[cycle_name], by=coordinators[name]
        )
    for key, person, home, review_key, by in (
        ("N", world.people["reviewer"], t, "RW", world.people["coordinator"]),
        ("M", world.objects["member_U"].user, u, "RX", coordinator_m),
    ):
        profile = ReviewerProfile.objects.create(
            user=person, home_service=home, roles=["peer"], trained_on=date(2026, 1, 1)
        )
        assignment, check = add_to_team(world.objects[review_key], profile, "peer", by=by)
        assert assignment is not None, check.refusals
        world.objects[f"A_{key}"] = assignment
        world.objects["P_reviewer" if key == "N" else "P_M"] = profile

    # The reviewers' own pages: a lead reviewer's profile, invitations onto S's review (made
    # directly: S's review is not submitted, which the allocation write path would require),
    # and conflicts each declared.
    world.objects["P_lead"] = ReviewerProfile.objects.create(
        user=world.people["lead_reviewer"],
        home_service=t,
        roles=["lead", "peer"],
        trained_on=date(2026, 1, 1),
    )
    for key, profile_key, role in (
        ("A_reviewer", "P_reviewer", "peer"),
        ("A_lead", "P_lead", "lead"),
    ):
        world.objects[key] = Assignment.objects.create(
            review=world.objects["RS"],
            reviewer=world.objects[profile_key],
            role=role,
            respond_by=date(2027, 2, 1),
        )
    build_peer_reviews(world, coordinator_m)
    build_reports(world, coordinator_m)

    for key, profile_key, target, kind, declared_by in (
        ("X_reviewer", "P_reviewer", {"service": s}, "personal", world.people["reviewer"]),
        ("X_lead", "P_lead", {"organisation": os_}, "collaboration", world.people["lead_reviewer"]),
        ("X_M", "P_M", {"service": u}, "personal", world.objects["member_U"].user),
    ):
        world.objects[key] = Conflict.objects.create(
            reviewer=world.objects[profile_key], kind=kind, declared_by=declared_by, **target
        )
    return world


def build_peer_reviews(world: World, coordinator_m) -> None:
    """A review of S in peer review (cycle CP of network N), with `lead_reviewer` leading its
    team, `reviewer` as peer and an expert by experience; and one of U in network M (cycle CQ),
    whose team none of the cast is on. Each has a visit with an agenda item, a team-only and a
    shared thread, a reflection per standard, a finding and a safeguarding note.

    Named objects: PS and PU (the reviews), then per review (suffix _S or _U): VISIT, AGENDA,
    TEAM_THREAD, SHARED_THREAD, TEAM_COMMENT (by the team's peer reviewer), SHARED_COMMENT (by
    the host's service lead), REFLECTION (the first standard's), FINDING, SAFEGUARDING (raised by
    the peer reviewer).
    """
    version = world.objects["V"]
    people = world.people
    expert_s = UserFactory(email="expert.s@example.org")
    lead_u, peer_u, expert_u = (
        UserFactory(email=f"{who}.u.reviewer@example.org") for who in ("lead", "peer", "expert")
    )
    service_x = Service.objects.get(name="Service X")
    setups = (
        # key, network, service, host lead, coordinator, [(user, home, role)]
        (
            "S",
            world.objects["N"],
            world.objects["S"],
            people["service_lead"],
            people["coordinator"],
            [
                (people["lead_reviewer"], "lead"),
                (people["reviewer"], "peer"),
                (expert_s, "expert"),
            ],
            world.objects["T"],
        ),
        (
            "U",
            world.objects["M"],
            world.objects["U"],
            world.objects["member_U"].user,
            coordinator_m,
            [(lead_u, "lead"), (peer_u, "peer"), (expert_u, "expert")],
            service_x,
        ),
    )
    for key, network, service, host_lead, coordinator, team, home in setups:
        if key == "U":
            roles.join_service(host_lead, service, Membership.Role.SERVICE_LEAD)
        cycle = open_cycle(
            network=network,
            name=f"Cycle C{'P' if key == 'S' else 'Q'}",
            versions=[version],
            **default_dates(network, date(2028, 1, 3)),
        )
        review = enrol(cycle, service, version, by=coordinator)
        for response in review.responses.all():
            save_response(
                response,
                by=host_lead,
                expected_version=response.version,
                rating="partly_met",
                narrative="We hold a community meeting every morning.",
            )
        transition(review, Review.Status.SUBMITTED, by=host_lead)
        peer = None
        for user, role in team:
            profile, _ = ReviewerProfile.objects.get_or_create(
                user=user,
                defaults={"home_service": home, "roles": [role], "trained_on": date(2026, 1, 1)},
            )
            if role not in profile.roles:
                profile.roles = [*profile.roles, role]
                profile.save(update_fields=["roles"])
            assignment, check = add_to_team(review, profile, role, by=coordinator)
            assert assignment is not None, check.refusals
            respond(assignment, by=user, accept=True)
            if role == "peer":
                peer = user
        transition(review, Review.Status.PEER_REVIEW, by=coordinator)
        review.refresh_from_db()
        world.objects[f"P{key}"] = review

        visit = Visit.objects.create(
            review=review,
            mode=Visit.Mode.IN_PERSON,
            starts_on=date(2028, 3, 7),
            ends_on=date(2028, 3, 7),
            location="The community room",
        )
        world.objects[f"VISIT_{key}"] = visit
        world.objects[f"AGENDA_{key}"] = AgendaItem.objects.create(
            visit=visit,
            day=date(2028, 3, 7),
            starts_at="10:00",
            title="Community meeting",
            meets=AgendaItem.Meets.COMMUNITY,
        )
        standard = review.responses.order_by("standard__order").first().standard
        team_thread = Thread.objects.create(
            review=review,
            standard=standard,
            visibility=Thread.Visibility.TEAM,
            title="What did we each notice at handover?",
            started_by=peer,
        )
        shared_thread = Thread.objects.create(
            review=review,
            standard=standard,
            visibility=Thread.Visibility.SHARED,
            title="How are new residents welcomed?",
            started_by=peer,
        )
        world.objects[f"TEAM_THREAD_{key}"] = team_thread
        world.objects[f"SHARED_THREAD_{key}"] = shared_thread
        world.objects[f"TEAM_COMMENT_{key}"] = Comment.objects.create(
            thread=team_thread, author=peer, body="Staff spoke warmly about the buddy system."
        )
        Comment.objects.create(
            thread=shared_thread, author=peer, body="Could you tell us about the first week?"
        )
        world.objects[f"SHARED_COMMENT_{key}"] = Comment.objects.create(
            thread=shared_thread, author=host_lead, body="Each new resident has a buddy."
        )
        world.objects[f"REFLECTION_{key}"] = review.reflections.get(standard=standard)
        finding = Finding.objects.create(
            review=review,
            kind=Finding.Kind.STRENGTH,
            title="A warm welcome",
            body="New residents are welcomed by a buddy.",
            created_by=team[0][0],
        )
        finding.standards.add(standard)
        world.objects[f"FINDING_{key}"] = finding
        world.objects[f"SAFEGUARDING_{key}"] = SafeguardingNote.objects.create(
            review=review,
            raised_by=peer,
            summary="A resident described a worrying contact outside the service.",
            raised_to="The service's safeguarding lead, in person",
        )


def build_reports(world: World, coordinator_m) -> None:
    """Reviews with reports, in both networks: one in the accuracy check and one published.

    The cast's host people (service_lead, staff, lived_experience) also belong to services S2
    (under accuracy check, cycle CR) and S3 (published, cycle CT), both reviewed by the same
    team as PS; in network M, U2 (cycle CS) and U3 (cycle CV) are reviewed by U's team. Named
    objects, suffix _S or _U: ACCURACY_REVIEW, DRAFT_REPORT (its draft, version 1, not
    rendered), ACCURACY_COMMENT (by the host's service lead), PUBLISHED_REVIEW, FINAL_REPORT
    (rendered, with its summary),
    ACTION (on the published review) and SHARE (the published review shared with body B, or C
    in network M).
    """
    from reviews.report import accuracy, issuing, sharing

    people = world.people
    version = world.objects["V"]
    sides = {
        "S": {
            "network": world.objects["N"],
            "coordinator": people["coordinator"],
            "hosts": [
                (people["service_lead"], Membership.Role.SERVICE_LEAD),
                (people["staff"], Membership.Role.STAFF),
                (people["lived_experience"], Membership.Role.LIVED_EXPERIENCE),
            ],
            "review": world.objects["PS"],
            "body": world.objects["B"],
            "cycles": ("Cycle CR", "Cycle CT"),
        },
        "U": {
            "network": world.objects["M"],
            "coordinator": coordinator_m,
            "hosts": [(world.objects["member_U"].user, Membership.Role.SERVICE_LEAD)],
            "review": world.objects["PU"],
            "body": world.objects["C"],
            "cycles": ("Cycle CS", "Cycle CV"),
        },
    }
    for key, side in sides.items():
        network, coordinator = side["network"], side["coordinator"]
        host_lead = side["hosts"][0][0]
        team = [
            (a.reviewer.user, a.role)
            for a in side["review"].assignments.filter(status=Assignment.Status.ACCEPTED)
        ]
        lead = next(user for user, role in team if role == "lead")
        for number, (stage, cycle_name) in enumerate(
            zip(("accuracy_check", "published"), side["cycles"], strict=True), start=2
        ):
            cycle = Cycle.objects.filter(network=network, name=cycle_name).first() or open_cycle(
                network=network,
                name=cycle_name,
                versions=[version],
                **default_dates(network, date(2029, 1, 1)),
            )
            service = ServiceFactory(network=network, name=f"Service {key}{number}")
            for person, role in side["hosts"]:
                roles.join_service(person, service, role)
            review = enrol(cycle, service, version, by=coordinator)
            for response in review.responses.all():
                save_response(
                    response, by=host_lead, expected_version=response.version, rating="met"
                )
            transition(review, Review.Status.SUBMITTED, by=host_lead)
            for user, role in team:
                assignment, check = add_to_team(review, user.reviewer_profile, role, by=coordinator)
                assert assignment is not None, check.refusals
                respond(assignment, by=user, accept=True)
            transition(review, Review.Status.PEER_REVIEW, by=coordinator)
            Visit.objects.create(
                review=review, mode=Visit.Mode.VIRTUAL, starts_on=cycle.visits_from
            )
            review.reflections.update(rating="met", agreement="agrees")
            transition(review, Review.Status.DRAFTING, by=lead)
            finding = Finding.objects.create(
                review=review, kind=Finding.Kind.STRENGTH, title="Residents lead", created_by=lead
            )
            ReviewersSummary.objects.create(review=review, text="A warm place.", updated_by=lead)
            action = Action.objects.create(
                review=review, title="Ask night staff what would help", owner_role="Service lead"
            )
            action.findings.add(finding)
            transition(review, Review.Status.ACCURACY_CHECK, by=lead)
            draft = issuing.latest_draft(review)
            comment = accuracy.add_accuracy_comment(
                draft, by=host_lead, anchor=f"finding:{finding.pk}", kind="factual", body="Daily."
            )
            if stage == "accuracy_check":
                world.objects.update(
                    {
                        f"ACCURACY_REVIEW_{key}": review,
                        f"DRAFT_REPORT_{key}": draft,
                        f"ACCURACY_COMMENT_{key}": comment,
                    }
                )
                continue
            accuracy.answer_accuracy_comment(comment, by=lead, answer="accepted")
            accuracy.agree_draft(draft, by=host_lead)
            transition(review, Review.Status.PUBLISHED, by=coordinator)
            final = issuing.current_final(review)
            # The render tasks would run after the commit; the world is never committed.
            for job in final.render_jobs.all():
                issuing.render_report.call(job.pk)
            final.refresh_from_db()
            share = sharing.share_report(review, side["body"], by=host_lead)
            world.objects.update(
                {
                    f"PUBLISHED_REVIEW_{key}": review,
                    f"FINAL_REPORT_{key}": final,
                    f"ACTION_{key}": action,
                    f"SHARE_{key}": share,
                }
            )
