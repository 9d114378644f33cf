"""The operations tools, run against moto's emulated AWS: real boto3 calls, no account needed."""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import boto3
import botocore.client
import pytest
from moto import mock_aws

from {{ cookiecutter.__package_name }}.ops import common, peek_dlq, redrive_dlq, smoke_test

REGION = "eu-west-1"


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


@pytest.fixture
def queues(aws, settings):
    dlq = aws.create_queue(QueueName=settings.names.dlq)["QueueUrl"]
    queue = aws.create_queue(QueueName=settings.names.queue)["QueueUrl"]
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


def test_peek_shows_dlq_messages_and_leaves_them_there(monkeypatch, capsys, aws, queues):
    _, dlq = queues
    for number in range(3):
        aws.send_message(QueueUrl=dlq, MessageBody=json.dumps({"order": number}))
    assert run_tool(monkeypatch, peek_dlq) == 0
    shown = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(json.loads(m["body"])["order"] for m in shown) == [0, 1, 2]
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
    assert "is empty" in capsys.readouterr().out


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


def test_a_missing_queue_is_one_clear_line(monkeypatch, aws, settings):
    assert run_tool(monkeypatch, peek_dlq) == (
        f"error: queue '{settings.names.dlq}' not found in {REGION}: is the stack deployed to"
        " this account and region?"
    )


def test_missing_credentials_are_one_clear_line(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    message = run_tool(monkeypatch, redrive_dlq)
    assert message == "error: no AWS credentials found: set AWS_PROFILE or run `aws sso login`"


def test_redrive_of_an_empty_dlq_does_nothing(monkeypatch, capsys, queues):
    assert run_tool(monkeypatch, redrive_dlq) == 0
    assert "empty: nothing to redrive" in capsys.readouterr().out


def test_redrive_waits_for_messages_being_read(monkeypatch, aws, queues, settings):
    _, dlq = queues
    aws.send_message(QueueUrl=dlq, MessageBody="{}")
    aws.receive_message(QueueUrl=dlq, VisibilityTimeout=60)
    message = run_tool(monkeypatch, redrive_dlq)
    assert message.startswith(f"error: 1 messages of {settings.names.dlq} are being read right now")


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
            moved = 0
            while messages := aws.receive_message(QueueUrl=source, MaxNumberOfMessages=10).get(
                "Messages"
            ):
                for message in messages:
                    aws.send_message(QueueUrl=target["QueueUrl"], MessageBody=message["Body"])
                    aws.delete_message(QueueUrl=source, ReceiptHandle=message["ReceiptHandle"])
                    moved += 1
            calls["moved"] = moved
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
    assert progress[1:] == ["running: 0 of 3 moved", "completed: 3 of 3 moved"]
    assert (depth(aws, queue), depth(aws, dlq)) == (3, 0)


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


def test_ctrl_c_elsewhere_exits_130(monkeypatch, capsys, aws):
    def interrupt(stage):
        raise KeyboardInterrupt

    monkeypatch.setattr(peek_dlq, "deployed_names", interrupt)
    assert run_tool(monkeypatch, peek_dlq) == 130
    assert capsys.readouterr().err == "interrupted\n"


class FakeApi(BaseHTTPRequestHandler):
    """POST /messages as API Gateway's SQS integration answers it, or with body when set."""

    status = 200
    body: bytes | None = None
    missing_bytes = 0  # promised by Content-Length, never sent: the connection breaks
    requests: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FakeApi.requests.append((dict(self.headers), json.loads(body)))
{%- if cookiecutter.api_type == "rest" %}
        answer = {"messageId": "msg-1"}  # what the REST API's integration response renders
{%- else %}
        answer = {"SendMessageResponse": {"SendMessageResult": {"MessageId": "msg-1"}}}
{%- endif %}
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
    FakeApi.status, FakeApi.body, FakeApi.missing_bytes, FakeApi.requests = 200, None, 0, []
    server = HTTPServer(("127.0.0.1", 0), FakeApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/messages"
    server.shutdown()


def consumer_logged(settings, *lines):
    logs = boto3.client("logs", region_name=REGION)
    group = f"/aws/lambda/{settings.names.consumer_function}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="stream")
    now = int(time.time() * 1000)
    events = [{"timestamp": now + i, "message": m} for i, m in enumerate(lines)]
    logs.put_log_events(logGroupName=group, logStreamName="stream", logEvents=events)


SMOKE = [
{%- if cookiecutter.api_auth == "jwt" %}
    "--token",
    "a.jwt.token",
{%- endif %}
{%- if cookiecutter.api_type == "rest" %}
    "--api-key",
    "key-1",
{%- endif %}
    "--timeout",
]


def test_smoke_test_confirms_the_message_was_processed(monkeypatch, capsys, aws, api, settings):
    consumer_logged(
        settings,
        json.dumps({"message": "Processed message", "correlation_id": "msg-0"}),
        json.dumps({"message": "Processed message", "correlation_id": "msg-1"}),
    )
    assert run_tool(monkeypatch, smoke_test, "--url", api, *SMOKE, "5") == 0
    assert "Processed: msg-1" in capsys.readouterr().out
    ((headers, body),) = FakeApi.requests
    assert body["smokeTest"] is True
{%- if cookiecutter.api_auth == "iam" %}
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=")
    assert f"/{REGION}/execute-api/aws4_request, SignedHeaders=" in headers["Authorization"]
{%- elif cookiecutter.api_auth == "jwt" and cookiecutter.api_type == "rest" %}
    assert headers["Authorization"] == "a.jwt.token"
{%- elif cookiecutter.api_auth == "jwt" %}
    assert headers["Authorization"] == "Bearer a.jwt.token"
{%- else %}
    assert "Authorization" not in headers
{%- endif %}
{%- if cookiecutter.api_type == "rest" %}
    assert {name.lower(): value for name, value in headers.items()}["x-api-key"] == "key-1"
{%- endif %}


def test_smoke_test_fails_when_nothing_processes_the_message(monkeypatch, aws, api, settings):
    consumer_logged(settings, json.dumps({"message": "Processed message", "correlation_id": "x"}))
    message = run_tool(monkeypatch, smoke_test, "--url", api, *SMOKE, "1")
    assert message.startswith("error: message msg-1 was accepted but not processed within 1 s")


def test_smoke_test_reports_a_refused_request(monkeypatch, aws, api):
    FakeApi.status = 403
    message = run_tool(monkeypatch, smoke_test, "--url", api, *SMOKE, "1")
    assert message.startswith("error: the API answered 403")


def test_smoke_test_reports_an_answer_that_is_not_json(monkeypatch, aws, api):
    FakeApi.body = b"<html>a proxy</html>"
    message = run_tool(monkeypatch, smoke_test, "--url", api, *SMOKE, "1")
    assert message == "error: the API answered, but not with JSON: <html>a proxy</html>"


def test_smoke_test_reports_an_answer_cut_short(monkeypatch, aws, api):
    FakeApi.missing_bytes = 10
    message = run_tool(monkeypatch, smoke_test, "--url", api, *SMOKE, "1")
    assert message.startswith(f"error: no complete answer from {api}: IncompleteRead(")


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
    assert run_tool(monkeypatch, smoke_test, "--url", url, *SMOKE, "1") == 2
    assert refused_argument(capsys) == (
        "argument --url: must be an http:// or https:// URL with a host, in ASCII without"
        f" spaces, not '{url}'"
    )


def test_smoke_test_refuses_a_timeout_below_one_second_before_posting(
    monkeypatch, capsys, aws, api
):
    assert run_tool(monkeypatch, smoke_test, "--url", api, *SMOKE, "0.5") == 2
    error = refused_argument(capsys)
    assert error == "argument --timeout: must be a number of at least 1, not '0.5'"
    assert FakeApi.requests == []
{%- if cookiecutter.api_auth == "jwt" or cookiecutter.api_type == "rest" %}


@pytest.mark.parametrize(
    "option",
    [
{%- if cookiecutter.api_auth == "jwt" %}
        "--token",
{%- endif %}
{%- if cookiecutter.api_type == "rest" %}
        "--api-key",
{%- endif %}
    ],
)
def test_smoke_test_refuses_a_secret_unfit_for_a_header(monkeypatch, capsys, aws, api, option):
    arguments = [*SMOKE, "1"]
    arguments[arguments.index(option) + 1] = "secret\nvalue"
    assert run_tool(monkeypatch, smoke_test, "--url", api, *arguments) == 2
    error = refused_argument(capsys)
    assert error == f"argument {option}: must be printable ASCII without spaces"
    assert FakeApi.requests == []
{%- endif %}


def create_stack(settings, **template):
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName=settings.names.stack,
        TemplateBody=json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}, **template}),
    )


def test_smoke_test_reads_the_url_from_the_stack(monkeypatch, capsys, aws, api, settings):
    create_stack(settings, Outputs={"MessagesUrl": {"Value": api}})
    consumer_logged(
        settings, json.dumps({"message": "Processed message", "correlation_id": "msg-1"})
    )
    assert run_tool(monkeypatch, smoke_test, *SMOKE, "5") == 0
    assert "Processed: msg-1" in capsys.readouterr().out


def test_smoke_test_without_a_stack_is_one_line(monkeypatch, aws, settings):
    assert run_tool(monkeypatch, smoke_test, *SMOKE, "1") == (
        f"error: stack '{settings.names.stack}' not found: deploy it, or pass --url"
    )


def test_smoke_test_of_a_stack_without_the_url_output_is_one_line(monkeypatch, aws, settings):
    create_stack(settings)
    assert run_tool(monkeypatch, smoke_test, *SMOKE, "1") == (
        f"error: stack '{settings.names.stack}' has no MessagesUrl output (it is"
        " CREATE_COMPLETE): deploy it, or pass --url"
    )


def test_an_unknown_stage_is_one_line(monkeypatch, aws):
    message = run_tool(monkeypatch, peek_dlq, "--stage", "nosuch")
    assert message.startswith("error: stage='nosuch': is not one of the stages in cdk.json")


def test_aws_region_comes_before_aws_default_region(monkeypatch, capsys, aws, api, settings):
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    aws.create_queue(QueueName=settings.names.dlq)  # in REGION only
    assert run_tool(monkeypatch, peek_dlq) == 0
    assert "is empty" in capsys.readouterr().out
    consumer_logged(
        settings, json.dumps({"message": "Processed message", "correlation_id": "msg-1"})
    )
    assert run_tool(monkeypatch, smoke_test, "--url", api, *SMOKE, "5") == 0
{%- if cookiecutter.api_auth == "iam" %}
    ((headers, _),) = FakeApi.requests
    assert f"/{REGION}/execute-api/aws4_request," in headers["Authorization"]
{%- endif %}


def test_the_profile_region_is_used_without_region_variables(
    monkeypatch, tmp_path, capsys, aws, settings
):
    config = tmp_path / "config"
    config.write_text(f"[profile ops]\nregion = {REGION}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "ops")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    aws.create_queue(QueueName=settings.names.dlq)
    assert run_tool(monkeypatch, peek_dlq) == 0
    assert "is empty" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        (peek_dlq, []),
        (redrive_dlq, []),
        (smoke_test, ["--url", "http://127.0.0.1:9/messages", *SMOKE, "1"]),
    ],
)
def test_no_region_is_one_line_naming_the_variable(monkeypatch, tmp_path, aws, tool, arguments):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert run_tool(monkeypatch, tool, *arguments) == (
        "error: no AWS region: pass --region or set AWS_REGION (or AWS_DEFAULT_REGION, or region"
        " in your AWS profile)"
    )
