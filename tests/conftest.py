"""The option matrix every synthesized-template test reads: tests/test_synth.py (what each
option produces) and tests/test_flows.py (who may do what)."""

import itertools
import json
from pathlib import Path

import pytest
from filelock import FileLock

from .bakery import bake_ok, read_synth, synth, synth_in_process

AUTH_CHOICES = ("iam", "jwt", "none")
QUEUE_TYPES = ("standard", "fifo")
# Every 41st combination is synthesized with the CDK CLI, as users run it (http and rest; iam,
# jwt and none; standard and FIFO; with and without KMS, tracing and idempotency); the others
# run app.py in the test process, which writes the same cloud assembly (tests/test_synth.py
# compares them) in far less time.
CLI_EVERY = 41
COGNITO_ISSUER = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Orders1"


def combinations():
    booleans = (True, False)
    options = itertools.product(
        ("http", "rest"), booleans, booleans, booleans, AUTH_CHOICES, QUEUE_TYPES, booleans
    )
    for index, (api_type, kms, vpc, tracing, auth, queue_type, idempotency) in enumerate(options):
        fifo = queue_type == "fifo"
        answers = {
            "project_name": "acme-orders",
            "stage": "prod" if index % 24 == 0 else f"qa{index}",
            # FIFO: at most 300 requests a second and 10 messages a batch.
            "api_throttling": 100 + index % 200 if fifo else 250 + index,
            "queue_retention": 7,
            "batch_size": (10 if fifo else 25) if index % 2 else 8,
            "dlq_retries": 9,
            "lambda_concurrency": 17 + index,
            "max_message_kib": 1024 if index % 3 == 0 else 64 + index,
            "enable_kms": kms,
            "enable_vpc": vpc,
            "enable_tracing": tracing,
            "enable_idempotency": idempotency,
            "api_type": api_type,
            "api_auth": auth,
            "queue_type": queue_type,
            "api_keys": api_type == "rest" and index % 2 == 1,
            "alarm_email": "oncall@example.com" if index % 2 else "",
        }
        if auth == "jwt" and api_type == "http":
            answers["jwt_issuer"] = "https://issuer.example.com/tenant-1"
            answers["jwt_audience"] = "orders-api,orders-admin"
        elif auth == "jwt":
            answers["jwt_issuer"] = COGNITO_ISSUER
        combo_id = "-".join(
            (
                api_type,
                "kms" if kms else "sqs-sse",
                "vpc" if vpc else "novpc",
                "traced" if tracing else "untraced",
                auth,
                queue_type,
                "idempotent" if idempotency else "at-least-once",
            )
            + (("keys",) if answers["api_keys"] else ())
        )
        yield pytest.param(answers, id=combo_id)


@pytest.fixture(scope="session", params=list(combinations()))
def baked(request, cookies_session, tmp_path_factory, worker_id):
    """(answers, synthesized) of one combination, synthesized once per test run: the first
    process to need it synthesizes it, and any other (an xdist worker), or the same one when
    pytest sets the fixture up again for another module, reads what it wrote."""
    answers = request.param
    run_root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        run_root = run_root.parent  # this run's folder, shared by every worker
    shared = run_root / "matrix"
    shared.mkdir(exist_ok=True)
    record = shared / f"{request.param_index}.json"
    with FileLock(f"{record}.lock"):
        if not record.exists():
            project = bake_ok(cookies_session, **answers)
            if request.param_index % CLI_EVERY == 0:
                synth(project)
            else:
                synth_in_process(project)
            record.write_text(json.dumps({"project": str(project)}))
    return answers, read_synth(Path(json.loads(record.read_text())["project"]))
