"""Benchmark the matcher on a random national-scale cycle (DESIGN.md section 16, Matching).

Prints one JSON line (sizes, timings, the allocation's status and the number of broken hard
constraints; see `bench.matching.run`) and exits with an error if any hard constraint is broken.
`manage.py benchmark` runs the same function among its other measurements.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from bench.matching import run
from reviews.matching import Rules


class Command(BaseCommand):
    help = "Allocate reviewers for a random national-scale cycle and print timings as JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reviews", type=int, default=500)
        parser.add_argument("--reviewers", type=int, default=1500)
        parser.add_argument("--services", type=int, default=3000)
        parser.add_argument("--organisations", type=int, default=600)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--candidates-per-slot", type=int, default=Rules.candidates_per_slot)
        parser.add_argument("--time-limit", type=float, default=Rules.time_limit_seconds)
        parser.add_argument("--allow-reciprocal", action="store_true")

    def handle(self, *args, **options) -> None:
        result = run(
            reviews=options["reviews"],
            reviewers=options["reviewers"],
            services=options["services"],
            organisations=options["organisations"],
            seed=options["seed"],
            rules=Rules(
                candidates_per_slot=options["candidates_per_slot"],
                time_limit_seconds=options["time_limit"],
                forbid_reciprocal=not options["allow_reciprocal"],
            ),
        )
        problems = result.pop("problems")
        self.stdout.write(json.dumps(result))
        if problems:
            raise CommandError("Hard constraints broken: " + "; ".join(problems[:20]))
