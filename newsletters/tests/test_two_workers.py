"""Two workers share a mailing whose batches take longer than the lease: one message each.

Real `manage.py worker` processes on a database they share with this test (SQLite file,
or PostgreSQL when DATABASE_URL names one), sending to this test's real SMTP server,
which answers each message slowly: a batch outlasts MAIL_LEASE_SECONDS several times,
and every worker's sweep runs meanwhile. The second worker starts while the first is
halfway through its first batch, past that batch's first lease. A live worker keeps
its lease (it extends it as it goes); the sweep takes back only the work of a dead one.
"""

import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from .smtp import MailingSmtpServer
from .test_worker_killed import shared_database, shell, stored, wait_for, worker

RECIPIENTS = 20
BATCH = 10
LEASE_SECONDS = 1
SMTP_DELAY = 0.3  # a batch: 10 x 0.3 s = 3 s, three leases

SEED = f"""
import json
from articles.tests.factories import ArticleFactory
from newsletters import services
from newsletters.models import Delivery
from newsletters.tests.factories import MailingFactory, NewsletterFactory, subscribe
newsletter = NewsletterFactory(slug="hebdo")
for i in range({RECIPIENTS}):
    subscribe(newsletter, email=f"lecteur{{i:02d}}@example.org")
mailing = MailingFactory(newsletter=newsletter, articles=[ArticleFactory()])
services.mailing_schedule(mailing=mailing)
print(json.dumps(list(Delivery.objects.filter(mailing=mailing).values_list("email", flat=True))))
"""


def test_two_workers_whose_batches_outlast_the_lease_mail_each_reader_exactly_once():
    with MailingSmtpServer() as smtp, shared_database() as env:
        inbox = smtp.inbox
        inbox.delay = SMTP_DELAY
        env = {
            **env,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_TIMEOUT": "20",
            "MAILING_BATCH_SIZE": str(BATCH),
            "MAIL_LEASE_SECONDS": str(LEASE_SECONDS),
            "WORKER_SWEEP_SECONDS": "1",
        }
        log = Path(env["IMAGO_TMP"]) / "workers.log"
        readers = shell(env, SEED)
        assert len(readers) == RECIPIENTS

        started = time.monotonic()
        workers = [worker(env, log)]
        try:
            # The second worker joins once the first has been sending for longer than its
            # lease: the first one's batch is half sent, its lease first taken long ago.
            wait_for(lambda: inbox.messages, timeout=60, what="a first message", log=log)
            time.sleep(1.5 * LEASE_SECONDS)
            assert len(inbox.messages) < BATCH
            workers.append(worker(env, log))
            wait_for(
                lambda: stored(env)["mailing"] == "sent",
                timeout=90,
                what="the mailing marked sent",
                log=log,
            )
            elapsed = time.monotonic() - started
            time.sleep(2 * LEASE_SECONDS + 1)  # sweeps after the end: nothing sent again
        finally:
            for process in workers:
                process.send_signal(signal.SIGTERM)
            for process in workers:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()

        received = Counter(message.to for message in inbox.messages)
        assert received == Counter(readers), f"{sum(received.values())} messages: {received}"
        assert {status for status, _id in stored(env)["deliveries"].values()} == {"sent"}
        # The batches outlasted the lease.
        assert elapsed > BATCH * SMTP_DELAY > LEASE_SECONDS
