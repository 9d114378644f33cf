"""A project rendered for one stage deploys another with `cdk synth -c stage=...`."""

from .bakery import bake_ok, synth


def test_a_dev_render_synthesizes_prod_named_and_hardened(cookies):
    project = bake_ok(cookies, stage="dev")
    prod = synth(project, "-c", "stage=prod")
    artifacts = prod.manifest["artifacts"]
    (stack_id,) = [k for k, a in artifacts.items() if a["type"] == "aws:cloudformation:stack"]
    assert stack_id == "orders-ingest-prod-queue-stack"
    assert artifacts[stack_id]["properties"]["terminationProtection"] is True
    queues = prod.of_type("AWS::SQS::Queue")
    names = {q["Properties"]["QueueName"] for q in queues.values()}
    assert names == {"orders-ingest-prod-queue", "orders-ingest-prod-dlq"}
    assert {q["DeletionPolicy"] for q in queues.values()} == {"Retain"}
    prod.one("AWS::Lambda::Function", FunctionName="orders-ingest-prod-consumer")
    retention = {
        g["Properties"]["RetentionInDays"] for g in prod.of_type("AWS::Logs::LogGroup").values()
    }
    assert retention == {365}
    # The same render's own stage stays as it was: not hardened.
    dev = synth(project)
    assert {q["DeletionPolicy"] for q in dev.of_type("AWS::SQS::Queue").values()} == {"Delete"}
