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
# The options of one value among many take their values in turn across the combinations, so that
# each value meets every value of the options above (tests/test_synth.py checks it) without
# multiplying the combinations: CORS origins (none, one, several, any), a custom domain.
CORS_ORIGINS = ("", "https://app.example.com", "https://app.example.com,http://localhost:3000")
CERTIFICATE_ARN = (
    "arn:aws:acm:{region}:123456789012:certificate/0a1b2c3d-0000-4000-8000-00000000{index:04d}"
)


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
            # Provisioned pollers on 2 of every 5.
            "esm_mode": "provisioned" if index % 5 in (1, 3) else "standard",
            "cors_origins": "*" if index % 11 == 7 else CORS_ORIGINS[index % 7 % 3],
        }
        if index % 8 in (1, 6):  # a custom domain on 1 of every 4
            answers["domain_name"] = f"api-{index}.example.com"
            answers["certificate_arn"] = CERTIFICATE_ARN.format(region="eu-west-1", index=index)
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
            + (("provisioned",) if answers["esm_mode"] == "provisioned" else ())
            + (("cors",) if answers["cors_origins"] else ())
            + (("domain",) if "domain_name" in answers else ())
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
