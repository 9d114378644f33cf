"""The operations tools, run against moto's emulated AWS and small cloud assemblies: real boto3
calls, no account needed."""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import boto3
import botocore.client
import pytest
from api_sqs_devkit.ops import common, peek_dlq, redrive_dlq, smoke_test
from assemblies import FixtureQueue, FixtureRoute, write_assembly
from moto import mock_aws

REGION = "eu-west-1"
STACK = "demo-dev-queue-stack"
QUEUE, DLQ = "demo-dev-orders", "demo-dev-orders-dlq"
LOG_GROUP = "/aws/lambda/demo-dev-orders-consumer"
TWO_QUEUES = {
    "queues": [FixtureQueue("orders"), FixtureQueue("refunds")],
    "routes": [FixtureRoute("/orders", "orders"), FixtureRoute("/refunds", "refunds")],
}


@pytest.fixture
def assembly(tmp_path, monkeypatch):
    """Writes the stage's cloud assembly where the tools look by default (./cdk.out): one queue
    with its DLQ and consumer behind an HTTP API unless told otherwise."""
    monkeypatch.chdir(tmp_path)

    def write(**options):
        return write_assembly(tmp_path / "cdk.out", **options)

    write()
    return write


@pytest.fixture(autouse=True)
def no_long_polling(monkeypatch):
    monkeypatch.setattr(peek_dlq, "WAIT_SECONDS", 0)


@pytest.fixture
def aws(monkeypatch, assembly):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


@pytest.fixture
def queues(aws):
    dlq = aws.create_queue(QueueName=DLQ)["QueueUrl"]
    queue = aws.create_queue(QueueName=QUEUE)["QueueUrl"]
    return queue, dlq


def run_tool(monkeypatch, tool, *arguments) -> str | int:
    """Run a tool's command line; its exit status, or the one error line it exits with."""
    monkeypatch.setattr(sys, "argv", [tool.__name__, *arguments])
    with pytest.raises(SystemExit) as stopped:
        common.run(tool.main)
    return stopped.value.code or 0


def refused_argument(capsys) -> str:
    """The error line of a command line argparse refused (after its usage lines)."""
    errors = capsys.readouterr().err
    assert "Traceback" not in errors
    return errors.splitlines()[-1].split(" error: ", 1)[1]


def depth(sqs, url) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def shown_orders(capsys) -> list[int]:
    lines = capsys.readouterr().out.splitlines()
    return sorted(json.loads(json.loads(line)["body"])["order"] for line in lines)


# -- peek_dlq ----------------------------------------------------------------------------------


def test_peek_shows_dlq_messages_and_leaves_them_there(monkeypatch, capsys, aws, queues):
    queue, dlq = queues
    for number in range(3):
        aws.send_message(QueueUrl=dlq, MessageBody=json.dumps({"order": number}))
    aws.send_message(QueueUrl=queue, MessageBody=json.dumps({"order": 99}))  # not in the DLQ
    assert run_tool(monkeypatch, peek_dlq) == 0
    assert shown_orders(capsys) == [0, 1, 2]
    assert depth(aws, dlq) == 3


def test_peek_pages_through_more_than_one_receive(monkeypatch, capsys, aws, queues):
    _, dlq = queues
    for number in range(25):
        aws.send_message(QueueUrl=dlq, MessageBody=json.dumps({"order": number}))
    assert run_tool(monkeypatch, peek_dlq, "--count", "20") == 0
    shown = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len({m["messageId"] for m in shown}) == 20
    assert depth(aws, dlq) == 25  # all visible again


def test_peek_says_when_the_dlq_is_empty(monkeypatch, capsys, queues):
    assert run_tool(monkeypatch, peek_dlq) == 0
    assert capsys.readouterr().out == f"The dead-letter queue {DLQ} is empty.\n"


def test_peek_stops_when_only_messages_already_seen_come_back(monkeypatch, capsys, aws, queues):
    _, dlq = queues
    for number in range(3):
        aws.send_message(QueueUrl=dlq, MessageBody=json.dumps({"order": number}))
    monkeypatch.setattr(peek_dlq, "HOLD_SECONDS", 0)  # every receive returns the same messages
    receives = []
    real_call = botocore.client.BaseClient._make_api_call

    def call(client, operation, params):
        receives.append(operation == "ReceiveMessage")
        assert sum(receives) < 10, "peek_dlq keeps receiving the same messages"
        return real_call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
    assert run_tool(monkeypatch, peek_dlq, "--count", "20") == 0
    assert len(capsys.readouterr().out.splitlines()) == 3


@pytest.mark.parametrize("count", ["0", "-1", "ten"])
def test_peek_refuses_a_count_below_one(monkeypatch, capsys, aws, queues, count):
    _, dlq = queues
    aws.send_message(QueueUrl=dlq, MessageBody="{}")
    assert run_tool(monkeypatch, peek_dlq, "--count", count) == 2
    assert refused_argument(capsys) == (
        f"argument --count: must be a whole number of at least 1, not '{count}'"
    )


def test_a_missing_queue_is_one_clear_line(monkeypatch, aws):
    assert run_tool(monkeypatch, peek_dlq) == (
        f"error: queue '{DLQ}' not found in {REGION}: is the stack deployed to this account and"
        " region?"
    )


def test_missing_credentials_are_one_clear_line(monkeypatch, tmp_path, assembly):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    message = run_tool(monkeypatch, redrive_dlq)
    assert message == "error: no AWS credentials found: set AWS_PROFILE or run `aws sso login`"


# -- the cloud assembly: which queue, which region ---------------------------------------------


def test_no_cloud_assembly_is_one_line(monkeypatch, tmp_path, aws):
    message = run_tool(monkeypatch, peek_dlq, "--cdk-out", str(tmp_path / "nowhere"))
    assert message.startswith(f"error: no cloud assembly in {tmp_path / 'nowhere'}")
    assert "\n" not in message


def test_the_assembly_is_read_from_cdk_out(monkeypatch, capsys, tmp_path, aws, assembly):
    write_assembly(tmp_path / "prod.out", queues=[FixtureQueue("payments")])
    aws.create_queue(QueueName="demo-dev-payments-dlq")
    assert run_tool(monkeypatch, peek_dlq, "--cdk-out", str(tmp_path / "prod.out")) == 0
    assert "demo-dev-payments-dlq is empty" in capsys.readouterr().out


def test_several_queues_need_queue_to_pick_one(monkeypatch, aws, assembly):
    assembly(**TWO_QUEUES)
    for tool in (peek_dlq, redrive_dlq):
        assert run_tool(monkeypatch, tool) == (
            f"error: stack {STACK} has 2 queues with a dead-letter queue (demo-dev-orders,"
            " demo-dev-refunds): pick one with --queue NAME"
        )
    assert run_tool(monkeypatch, peek_dlq, "--queue", "demo-dev-payments") == (
        f"error: --queue 'demo-dev-payments': no queue with a dead-letter queue in stack {STACK}"
        " has that name; choose one of: demo-dev-orders, demo-dev-refunds"
    )


def test_queue_picks_the_dlq_to_peek(monkeypatch, capsys, aws, assembly):
    assembly(**TWO_QUEUES)
    for name, order in (("orders", 1), ("refunds", 2)):
        url = aws.create_queue(QueueName=f"demo-dev-{name}-dlq")["QueueUrl"]
        aws.send_message(QueueUrl=url, MessageBody=json.dumps({"order": order}))
    assert run_tool(monkeypatch, peek_dlq, "--queue", "demo-dev-refunds") == 0
    assert shown_orders(capsys) == [2]


@pytest.mark.parametrize(
    ("region_option", "aws_region", "stack_region", "default_region"),
    [
        ([], None, REGION, "us-east-1"),  # the stack's environment over AWS_DEFAULT_REGION
        ([], REGION, "us-east-1", "us-east-1"),  # AWS_REGION over the stack's
        (["--region", REGION], "us-east-1", "us-east-1", "us-east-1"),  # --region over all
    ],
)
def test_the_region_is_the_options_then_aws_region_then_the_stacks(
    monkeypatch, capsys, aws, assembly, region_option, aws_region, stack_region, default_region
):
    assembly(region=stack_region)
    if aws_region:
        monkeypatch.setenv("AWS_REGION", aws_region)
    monkeypatch.setenv("AWS_DEFAULT_REGION", default_region)
    aws.create_queue(QueueName=DLQ)  # in REGION only
    assert run_tool(monkeypatch, peek_dlq, *region_option) == 0
    assert "is empty" in capsys.readouterr().out


def test_the_profile_region_is_used_without_region_variables(monkeypatch, tmp_path, capsys, aws):
    config = tmp_path / "config"
    config.write_text(f"[profile ops]\nregion = {REGION}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "ops")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    aws.create_queue(QueueName=DLQ)
    assert run_tool(monkeypatch, peek_dlq) == 0
    assert "is empty" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        (peek_dlq, []),
        (redrive_dlq, []),
        (smoke_test, ["--url", "http://127.0.0.1:9/messages", "--timeout", "1"]),
    ],
)
def test_no_region_is_one_line_naming_the_variable(monkeypatch, tmp_path, aws, tool, arguments):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert run_tool(monkeypatch, tool, *arguments) == (
        "error: no AWS region: pass --region or set AWS_REGION (or AWS_DEFAULT_REGION, or region"
        " in your AWS profile)"
    )


def test_ctrl_c_elsewhere_exits_130(monkeypatch, capsys, aws):
    def interrupt(cdk_out):
        raise KeyboardInterrupt

    monkeypatch.setattr(common, "read_service", interrupt)
    assert run_tool(monkeypatch, peek_dlq) == 130
    assert capsys.readouterr().err == "interrupted\n"


# -- redrive_dlq -------------------------------------------------------------------------------


def test_redrive_of_an_empty_dlq_does_nothing(monkeypatch, capsys, queues):
    assert run_tool(monkeypatch, redrive_dlq) == 0
    assert capsys.readouterr().out == f"The dead-letter queue {DLQ} is empty: nothing to redrive.\n"


def test_redrive_waits_for_messages_being_read(monkeypatch, aws, queues):
    _, dlq = queues
    aws.send_message(QueueUrl=dlq, MessageBody="{}")
    aws.receive_message(QueueUrl=dlq, VisibilityTimeout=60)
    message = run_tool(monkeypatch, redrive_dlq)
    assert message.startswith(f"error: 1 messages of {DLQ} are being read right now")


@pytest.fixture
def move_tasks(monkeypatch, aws):
    """SQS message move tasks, which moto does not emulate: moves the messages through moto
    when started, and reports RUNNING once, then the given final status."""
    final = {"Status": "COMPLETED"}
    calls = {"list": 0}
    real_call = botocore.client.BaseClient._make_api_call

    def call(client, operation, params):
        if operation == "StartMessageMoveTask":
            source = aws.get_queue_url(QueueName=params["SourceArn"].split(":")[-1])["QueueUrl"]
            target = aws.get_queue_url(QueueName=params["DestinationArn"].split(":")[-1])
            taken = []  # all of them first: moving to the queue they come from ends too
            while messages := aws.receive_message(QueueUrl=source, MaxNumberOfMessages=10).get(
                "Messages"
            ):
                taken += messages
            for message in taken:
                aws.send_message(QueueUrl=target["QueueUrl"], MessageBody=message["Body"])
                aws.delete_message(QueueUrl=source, ReceiptHandle=message["ReceiptHandle"])
            calls["moved"] = len(taken)
            return {"TaskHandle": "task-1"}
        if operation == "ListMessageMoveTasks":
            calls["list"] += 1
            status = {"Status": "RUNNING"} if calls["list"] == 1 else final
            progress = 0 if calls["list"] == 1 else calls["moved"]
            return {
                "Results": [
                    {
                        "TaskHandle": "task-1",
                        **status,
                        "ApproximateNumberOfMessagesMoved": progress,
                        "ApproximateNumberOfMessagesToMove": calls["moved"],
                    }
                ]
            }
        return real_call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
    return final


def test_redrive_moves_messages_back_and_reports_progress(
    monkeypatch, capsys, aws, queues, move_tasks
):
    queue, dlq = queues
    for number in range(3):
        aws.send_message(QueueUrl=dlq, MessageBody=json.dumps({"order": number}))
    assert run_tool(monkeypatch, redrive_dlq, "--poll-seconds", "0") == 0
    progress = capsys.readouterr().out.splitlines()
    assert progress == [
        f"Moving about 3 messages from {DLQ} to {QUEUE} (task task-1)",
        "running: 0 of 3 moved",
        "completed: 3 of 3 moved",
    ]
    assert (depth(aws, queue), depth(aws, dlq)) == (3, 0)


def test_redrive_moves_the_dlq_of_the_queue_picked_to_that_queue(
    monkeypatch, aws, assembly, move_tasks
):
    assembly(**TWO_QUEUES)
    urls = {
        name: aws.create_queue(QueueName=f"demo-dev-{name}")["QueueUrl"]
        for name in ("orders", "orders-dlq", "refunds", "refunds-dlq")
    }
    for name in ("orders-dlq", "refunds-dlq"):
        aws.send_message(QueueUrl=urls[name], MessageBody="{}")
    assert (
        run_tool(monkeypatch, redrive_dlq, "--queue", "demo-dev-refunds", "--poll-seconds", "0")
        == 0
    )
    depths = {name: depth(aws, url) for name, url in urls.items()}
    assert depths == {"orders": 0, "orders-dlq": 1, "refunds": 1, "refunds-dlq": 0}


def test_a_failed_redrive_says_why(monkeypatch, aws, queues, move_tasks):
    _, dlq = queues
    aws.send_message(QueueUrl=dlq, MessageBody="{}")
    move_tasks.update(Status="FAILED", FailureReason="AccessDenied")
    message = run_tool(monkeypatch, redrive_dlq, "--poll-seconds", "0")
    assert message == "error: the move ended FAILED: AccessDenied"


@pytest.mark.parametrize(
    ("option", "value", "rule"),
    [
        ("--poll-seconds", "-1", "a number of at least 0"),
        ("--poll-seconds", "soon", "a number of at least 0"),
        ("--poll-seconds", "nan", "a number of at least 0"),
        ("--max-per-second", "0", "a whole number of at least 1 and at most 500"),
        ("--max-per-second", "501", "a whole number of at least 1 and at most 500"),
    ],
)
def test_redrive_refuses_bad_numbers_before_starting_a_move(
    monkeypatch, capsys, aws, queues, move_tasks, option, value, rule
):
    queue, dlq = queues
    aws.send_message(QueueUrl=dlq, MessageBody="{}")
    assert run_tool(monkeypatch, redrive_dlq, option, value) == 2
    assert refused_argument(capsys) == f"argument {option}: must be {rule}, not '{value}'"
    assert (depth(aws, queue), depth(aws, dlq)) == (0, 1)  # no move task was started


def test_ctrl_c_during_a_redrive_says_how_to_cancel_the_move(
    monkeypatch, capsys, aws, queues, move_tasks
):
    _, dlq = queues
    aws.send_message(QueueUrl=dlq, MessageBody="{}")

    def interrupt(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(redrive_dlq.time, "sleep", interrupt)
    assert run_tool(monkeypatch, redrive_dlq) == 130
    shown = capsys.readouterr()
    assert shown.out.splitlines()[-1] == "running: 0 of 1 moved"
    assert shown.err == (
        "stopped: the move task task-1 keeps running in AWS; cancel it with:"
        f" aws sqs cancel-message-move-task --task-handle task-1 --region {REGION}\n"
    )


# -- smoke_test --------------------------------------------------------------------------------


class FakeApi(BaseHTTPRequestHandler):
    """A route as API Gateway's SQS integration answers it (an HTTP API with SQS's own JSON, a
    REST API with its integration response's), or with body when set."""

    kind = "http"
    status = 200
    body: bytes | None = None
    missing_bytes = 0  # promised by Content-Length, never sent: the connection breaks
    requests: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FakeApi.requests.append((self.path, dict(self.headers), json.loads(body)))
        if self.kind == "rest":
            answer = {"messageId": "msg-1"}
        else:
            answer = {"SendMessageResponse": {"SendMessageResult": {"MessageId": "msg-1"}}}
        sent = self.body or json.dumps(answer).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(sent) + self.missing_bytes))
        self.end_headers()
        self.wfile.write(sent)

    def log_message(self, *args):
        pass


@pytest.fixture
def api():
    """The fake API's base URL."""
    FakeApi.kind, FakeApi.status, FakeApi.body, FakeApi.missing_bytes = "http", 200, None, 0
    FakeApi.requests = []
    server = HTTPServer(("127.0.0.1", 0), FakeApi)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def consumer_logged(*lines, group=LOG_GROUP):
    logs = boto3.client("logs", region_name=REGION)
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="stream")
    now = int(time.time() * 1000)
    events = [{"timestamp": now + i, "message": m} for i, m in enumerate(lines)]
    logs.put_log_events(logGroupName=group, logStreamName="stream", logEvents=events)


def processed(message_id):
    return json.dumps({"message": "Processed message", "correlation_id": message_id})


@pytest.mark.parametrize(
    ("kind", "auth", "options", "authorization"),
    [
        ("http", "iam", [], "AWS4-HMAC-SHA256 Credential="),
        ("http", "jwt", ["--token", "a.jwt.token"], "Bearer a.jwt.token"),
        ("http", "none", [], None),
        ("rest", "iam", [], "AWS4-HMAC-SHA256 Credential="),
        ("rest", "jwt", ["--token", "a.jwt.token"], "a.jwt.token"),  # Cognito: the bare token
        ("rest", "none", [], None),
    ],
)
def test_smoke_test_confirms_the_message_was_processed(
    monkeypatch, capsys, aws, assembly, api, kind, auth, options, authorization
):
    assembly(api=kind, auth=auth)
    FakeApi.kind = kind
    consumer_logged(processed("msg-0"), processed("msg-1"))
    arguments = ["--url", f"{api}/messages", *options, "--timeout", "5"]
    assert run_tool(monkeypatch, smoke_test, *arguments) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Accepted as message msg-1; waiting for the consumer",
        f"Processed: msg-1 appears in {LOG_GROUP}",
    ]
    ((path, headers, body),) = FakeApi.requests
    assert path == "/messages"
    assert body["smokeTest"] is True
    if authorization is None:
        assert "Authorization" not in headers
    elif authorization.startswith("AWS4"):
        assert headers["Authorization"].startswith(authorization)
        assert f"/{REGION}/execute-api/aws4_request, SignedHeaders=" in headers["Authorization"]
    else:
        assert headers["Authorization"] == authorization
    assert "x-api-key" not in {name.lower() for name in headers}


def test_smoke_test_sends_the_api_key_a_route_requires(monkeypatch, aws, assembly, api):
    assembly(api="rest", routes=[FixtureRoute("/messages", "orders", api_key_required=True)])
    FakeApi.kind = "rest"
    consumer_logged(processed("msg-1"))
    arguments = ["--url", f"{api}/messages", "--timeout", "1"]
    assert run_tool(monkeypatch, smoke_test, *arguments) == (
        "error: POST /messages requires an API key: pass --api-key KEY"
    )
    assert FakeApi.requests == []
    assert run_tool(monkeypatch, smoke_test, *arguments, "--api-key", "key-1") == 0
    ((_, headers, _),) = FakeApi.requests
    assert {name.lower(): value for name, value in headers.items()}["x-api-key"] == "key-1"


@pytest.mark.parametrize(
    ("kind", "token"), [("http", "a JWT"), ("rest", "an ID token of the user pool")]
)
def test_smoke_test_of_a_route_that_takes_a_token_needs_one(
    monkeypatch, aws, assembly, api, kind, token
):
    assembly(api=kind, auth="jwt")
    message = run_tool(monkeypatch, smoke_test, "--url", f"{api}/messages", "--timeout", "1")
    assert message == f"error: POST /messages takes {token}: pass --token TOKEN"
    assert FakeApi.requests == []


def test_smoke_test_fails_when_nothing_processes_the_message(monkeypatch, aws, api):
    consumer_logged(processed("x"))
    message = run_tool(monkeypatch, smoke_test, "--url", f"{api}/messages", "--timeout", "1")
    assert message == (
        "error: message msg-1 was accepted but not processed within 1 s: look for it in"
        f" {LOG_GROUP} and in the dead-letter queue"
    )


def test_smoke_test_posts_to_the_queue_picked_and_reads_its_consumers_log(
    monkeypatch, capsys, aws, assembly, api
):
    assembly(**TWO_QUEUES)
    consumer_logged(processed("msg-1"), group="/aws/lambda/demo-dev-refunds-consumer")
    consumer_logged(processed("msg-1"))  # the orders consumer: not the one to look at
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName=STACK,
        TemplateBody=json.dumps(
            {
                "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
                "Outputs": {"ApiUrl": {"Value": f"{api}/"}},
            }
        ),
    )
    assert run_tool(monkeypatch, smoke_test, "--timeout", "1") == (
        f"error: stack {STACK} has 2 queues that a route sends to and a consumer reads"
        " (demo-dev-orders, demo-dev-refunds): pick one with --queue NAME"
    )
    arguments = ["--queue", "demo-dev-refunds", "--timeout", "5"]
    assert run_tool(monkeypatch, smoke_test, *arguments) == 0
    ((path, _, _),) = FakeApi.requests
    assert path == "/refunds"
    out = capsys.readouterr().out
    assert "Processed: msg-1 appears in /aws/lambda/demo-dev-refunds-consumer" in out


def test_smoke_test_reports_a_refused_request(monkeypatch, aws, api):
    FakeApi.status = 403
    message = run_tool(monkeypatch, smoke_test, "--url", f"{api}/messages", "--timeout", "1")
    assert message.startswith("error: the API answered 403 Forbidden: {")


def test_smoke_test_reports_an_answer_that_is_not_json(monkeypatch, aws, api):
    FakeApi.body = b"<html>a proxy</html>"
    message = run_tool(monkeypatch, smoke_test, "--url", f"{api}/messages", "--timeout", "1")
    assert message == "error: the API answered, but not with JSON: <html>a proxy</html>"


def test_smoke_test_reports_an_answer_without_a_message_id(monkeypatch, aws, api):
    FakeApi.body = b'{"ok": true}'
    message = run_tool(monkeypatch, smoke_test, "--url", f"{api}/messages", "--timeout", "1")
    assert message == (
        "error: the API answered without a message id: is the route wired to the queue?"
    )


def test_smoke_test_reports_an_answer_cut_short(monkeypatch, aws, api):
    FakeApi.missing_bytes = 10
    message = run_tool(monkeypatch, smoke_test, "--url", f"{api}/messages", "--timeout", "1")
    assert message.startswith(f"error: no complete answer from {api}/messages: IncompleteRead(")


@pytest.mark.parametrize(
    "url",
    [
        "orders.example.com/messages",
        "ftp://orders.example.com/messages",
        "https://",
        "http://127.0.0.1:http/messages",
        "https://orders.example.com/my messages",
    ],
)
def test_smoke_test_refuses_a_malformed_url(monkeypatch, capsys, aws, url):
    assert run_tool(monkeypatch, smoke_test, "--url", url, "--timeout", "1") == 2
    assert refused_argument(capsys) == (
        "argument --url: must be an http:// or https:// URL with a host, in ASCII without"
        f" spaces, not '{url}'"
    )


def test_smoke_test_refuses_a_timeout_below_one_second_before_posting(
    monkeypatch, capsys, aws, api
):
    assert run_tool(monkeypatch, smoke_test, "--url", f"{api}/messages", "--timeout", "0.5") == 2
    error = refused_argument(capsys)
    assert error == "argument --timeout: must be a number of at least 1, not '0.5'"
    assert FakeApi.requests == []


@pytest.mark.parametrize("option", ["--token", "--api-key"])
def test_smoke_test_refuses_a_secret_unfit_for_a_header(monkeypatch, capsys, aws, api, option):
    arguments = ["--url", f"{api}/messages", option, "secret\nvalue", "--timeout", "1"]
    assert run_tool(monkeypatch, smoke_test, *arguments) == 2
    error = refused_argument(capsys)
    assert error == f"argument {option}: must be printable ASCII without spaces"
    assert "secret" not in error
    assert FakeApi.requests == []


def create_stack(**template):
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName=STACK,
        TemplateBody=json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}, **template}),
    )


@pytest.mark.parametrize(
    ("kind", "outputs", "posted_to"),
    [
        # An output with the route's own URL comes before the API's base URL (no API there).
        ("http", {"ApiUrl": "http://127.0.0.1:9/", "MessagesUrl": "{api}/messages"}, "/messages"),
        ("http", {"ApiUrl": "{api}/"}, "/messages"),
        ("rest", {"Endpoint": "{api}/dev/"}, "/dev/messages"),
        # A base URL without the stage (a custom domain's) when there is none with it.
        ("rest", {"QueueUrl": "{api}/123/demo-dev-orders", "Domain": "{api}"}, "/messages"),
        # A REST API mapped at the root of a custom domain, its default endpoint off: the
        # route's URL on the domain has no stage path.
        ("rest", {"MessagesUrl": "{api}/messages", "DomainTarget": "d-1.example"}, "/messages"),
        # The default endpoint still on beside the domain: its URL, with the stage's path.
        (
            "rest",
            {"MessagesUrl": "http://127.0.0.1:9/messages", "Default": "{api}/dev/messages"},
            "/dev/messages",
        ),
    ],
)
def test_smoke_test_reads_the_url_from_the_stack_outputs(
    monkeypatch, capsys, aws, assembly, api, kind, outputs, posted_to
):
    assembly(api=kind)
    FakeApi.kind = kind
    create_stack(Outputs={key: {"Value": value.format(api=api)} for key, value in outputs.items()})
    consumer_logged(processed("msg-1"))
    assert run_tool(monkeypatch, smoke_test, "--timeout", "5") == 0
    assert "Processed: msg-1" in capsys.readouterr().out
    ((path, _, _),) = FakeApi.requests
    assert path == posted_to


def test_smoke_test_without_a_stack_is_one_line(monkeypatch, aws):
    assert run_tool(monkeypatch, smoke_test, "--timeout", "1") == (
        f"error: stack '{STACK}' not found: deploy it, or pass --url"
    )


def test_smoke_test_of_a_stack_without_a_url_output_is_one_line(monkeypatch, aws):
    create_stack(Outputs={"QueueName": {"Value": QUEUE}})
    assert run_tool(monkeypatch, smoke_test, "--timeout", "1") == (
        f"error: stack '{STACK}' has no output with the URL of POST /messages or of its API (it"
        " is CREATE_COMPLETE): deploy it, or pass --url"
    )
