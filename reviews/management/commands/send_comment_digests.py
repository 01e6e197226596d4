"""Send the daily digest of new comments to the people who chose one (run once a day by cron).

What each digest holds, and who gets one, is reviews/peer_review/threads.py's `send_digests`.
"""

from django.core.management.base import BaseCommand

from reviews.peer_review.threads import send_digests


class Command(BaseCommand):
    help = "E-mail each person who chose a daily digest the new comments in their threads."

    def handle(self, *args, **options) -> None:
        sent = send_digests()
        self.stdout.write("Sent 1 digest e-mail." if sent == 1 else f"Sent {sent} digest e-mails.")
