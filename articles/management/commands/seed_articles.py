import time

from django.core.management.base import BaseCommand, CommandError

from imago.response_cache import content_changed
from seeds.bulk import SeedError, SeedReport, articles_seed, seed_plan


class Command(BaseCommand):
    help = (
        "Add N published articles, with bylines, notes, briefs of Le fil, comments and "
        "readers in every subscription status: demo data for a full-looking site and for "
        "benchmarks. Fast (bulk inserts) and safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="how many published articles to add")
        parser.add_argument("--seed", type=int, help="the same seed gives the same content")
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="articles or readers per transaction"
        )
        parser.add_argument("--bodies", type=int, help="distinct article bodies (default 100)")
        parser.add_argument(
            "--comments", type=int, help="comments on the newest articles (default N/4)"
        )
        parser.add_argument("--briefs", type=int, help="briefs of Le fil (default N/5)")
        parser.add_argument(
            "--readers",
            type=int,
            help="reader accounts, with subscriptions in every status (default N/20, at least 10)",
        )
        parser.add_argument(
            "--years", type=int, default=10, help="publication dates span this many years"
        )

    def handle(self, *args, count, seed, batch_size, verbosity, **options):
        try:
            plan = seed_plan(
                count=count,
                batch_size=batch_size,
                bodies=options["bodies"],
                comments=options["comments"],
                briefs=options["briefs"],
                readers=options["readers"],
                years=options["years"],
            )
        except SeedError as error:
            raise CommandError(str(error)) from error
        report = articles_seed(
            plan=plan,
            seed=seed,
            progress=self._progress(count) if verbosity >= 1 else None,
        )
        # Bulk inserts send no signal: stored anonymous reads must not hide the new rows.
        content_changed()
        if verbosity >= 1:
            self.print_report(report)

    def _progress(self, total: int):
        started, shown = time.perf_counter(), 0

        def progress(done: int) -> None:
            nonlocal shown
            tenth = done * 10 // total
            if tenth > shown and done < total:
                shown = tenth
                elapsed = time.perf_counter() - started
                self.stdout.write(f"  {done:,} / {total:,} articles ({elapsed:.0f} s)")

        return progress

    def print_report(self, report: SeedReport) -> None:
        articles = report.rows.get("articles", 0)
        per_second = articles / report.seconds if report.seconds else 0.0
        self.stdout.write(
            self.style.SUCCESS(f"Added {articles:,} articles in {report.seconds:.1f} s.")
        )
        self.stdout.write("  " + ", ".join(f"{name} {n:,}" for name, n in report.rows.items()))
        self.stdout.write(
            f"  {report.total_rows:,} rows, {report.rows_per_second:,.0f} rows/s "
            f"({per_second:,.0f} articles/s); --seed {report.seed} repeats the same content."
        )
