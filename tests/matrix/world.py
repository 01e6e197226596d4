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
from assurance.models import Membership
from reviews.allocation import add_to_team, request_proposal
from reviews.cycles import default_dates, enrol, open_cycle
from reviews.evidence import add_evidence
from reviews.models import Assignment, Conflict, Review, ReviewerProfile
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
    for key, profile_key, target, kind, declared_by in (
        ("X_reviewer", "P_reviewer", {"service": s}, "personal", world.people["reviewer"]),
        ("X_lead", "P_lead", {"organisation": os_}, "collaboration", world.people["lead_reviewer"]),
        ("X_M", "P_M", {"service": u}, "personal", world.objects["member_U"].user),
    ):
        world.objects[key] = Conflict.objects.create(
            reviewer=world.objects[profile_key], kind=kind, declared_by=declared_by, **target
        )
    return world
