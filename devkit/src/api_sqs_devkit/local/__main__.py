"""Run the service locally: its queues in moto's SQS, its API, its event source mappings.

    python -m api_sqs_devkit.local --cdk-out cdk.out --port 8080 [--visibility-timeout 2]

Everything it runs comes from the synthesized cloud assembly (run `cdk synth` first): every
route, queue and consumer, with their settings. Stop with Ctrl-C.
"""

import argparse
import json
import logging
import os
import shlex
import signal
import sys
import threading

import airspeed
import boto3

from ..assembly import LOCAL_ACCOUNT, LOCAL_REGION, AssemblyError, Service, queue_url, read_service
from ..ops.arguments import add_cdk_out
from . import mapping
from .gateway import API_KEY_HEADER, LOCAL_CREDENTIALS, Gateway, LocalRoute
from .poller import MOST_LOCAL_WORKERS, InvocationFailed, Poller
from .sqs import LocalQueue, SqsServerFailed, create_queues, start_sqs_server
from .stats import Stats
from .tables import create_tables

log = logging.getLogger("local")
API_TYPES = {"http": "HTTP API", "rest": "REST API"}
EXAMPLE_BODY = {"orderId": "1234"}


def example_of(schema: dict | None) -> object:
    """A small document that a JSON schema takes, for the printed curl commands."""
    if not schema:
        return dict(EXAMPLE_BODY)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type", "object")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object":
        properties = schema.get("properties", {})
        example = {
            name: example_of(properties.get(name, {"type": "string"}))
            for name in schema.get("required", [])
        }
        if "orderId" in properties or schema.get("additionalProperties", True) is not False:
            example.setdefault("orderId", example_of(properties.get("orderId", {"type": "string"})))
        return example
    defaults = {"string": "1234", "integer": 1, "number": 1, "boolean": True, "array": []}
    return defaults.get(kind)


def how_to_call(gateway: Gateway, route: LocalRoute) -> str:
    body = json.dumps(example_of(route.route.request_schema))
    options = f"--request {route.route.method} --header 'Content-Type: application/json'"
    options += f" --data {shlex.quote(body)}"
    if route.route.api_key_required and gateway.api_key:
        options += f" --header '{API_KEY_HEADER}: {gateway.api_key}'"
    url = gateway.url(route)
    if route.route.authorization == "AWS_IAM":
        return (
            f"curl {url} --aws-sigv4 'aws:amz:{gateway.region}:execute-api'"
            f" --user '{LOCAL_CREDENTIALS.access_key}:{LOCAL_CREDENTIALS.secret_key}' {options}"
        )
    if route.audience:
        header = route.route.identity_header
        return f"curl {url} --header '{header}: Bearer {gateway.token(route)}' {options}"
    return f"curl {url} {options}"


def template_problems(service: Service) -> list[str]:
    """Mapping templates that do not parse: the routes answer 500 until they are fixed."""
    problems = []
    for route in service.api.routes + service.api.mock_routes:
        templates = [(content_type, t) for content_type, t in route.request_templates.items()]
        templates += [
            (f"{response.status_code} response, {content_type}", template)
            for response in route.integration_responses
            for content_type, template in response.templates.items()
        ]
        for where, template in templates:
            try:
                mapping.compiled(template)
            except airspeed.TemplateSyntaxError as error:
                problems.append(f"{route.key} ({where}): {error}")
    return problems


def banner(service: Service, gateway: Gateway, pollers: list[Poller]) -> str:
    api = service.api
    lines = [
        f"Local {api.name} ({API_TYPES[api.kind]}, stage {api.stage_name}) of"
        f" {service.stack_name} on {gateway.base_url}"
    ]
    for route in gateway.routes:
        if route.route.queue is None:
            lines.append(f"  {route.route.method} {gateway.url(route)} -> MOCK (answered here)")
            continue
        lines += [
            f"  {route.route.method} {gateway.url(route)} -> {route.route.queue.name}"
            f" ({route.route.authorization})",
            f"    call it:  {how_to_call(gateway, route)}",
        ]
    if api.cors:
        lines.append(f"  cors:     {', '.join(api.cors.allow_origins)} (preflights answered here)")
    for issuer in gateway.issuers:
        route = next(route for route in gateway.routes if route.audience.issuer == issuer)
        audience = ", ".join(route.audience.audiences) or "a Cognito app client"
        lines.append(f"  token:    {gateway.token(route)}")
        another = json.dumps({"route": route.route.key})
        lines.append(
            f"            (RS256, issuer {issuer}, audience {audience}; another:"
            f" curl -X POST {gateway.base_url}/_local/token -d '{another}')"
        )
    if gateway.issuers:
        lines.append(
            f"  keys:     {gateway.base_url}/.well-known/jwks.json"
            f" (discovery {gateway.base_url}/.well-known/openid-configuration)"
        )
    if gateway.api_key:
        plan = api.usage_plan
        quota = f", {plan.quota_limit} a {plan.quota_period.lower()}" if plan.quota_limit else ""
        lines.append(
            f"  api key:  {gateway.api_key} ({plan.rate_limit:g} requests/s,"
            f" burst {plan.burst_limit}{quota})"
        )
    lines.append(f"  throttle: {api.rate_limit:g} requests/s, burst {api.burst_limit} (stage)")
    if any(route.schema for route in gateway.routes):
        lines.append("  bodies:   checked against the routes' models (400 if they do not match)")
    for problem in template_problems(service):
        lines.append(f"  WARNING:  a mapping template does not parse, {problem}")
    for poller in pollers:
        consumer = poller.consumer
        queue = consumer.queue
        redrive = (
            f"; to {queue.dead_letter.name} after {queue.max_receive_count} receives"
            if queue.dead_letter
            else ""
        )
        fifo = ", one batch per message group at a time" if queue.fifo else ""
        lines.append(
            f"  consumer: {consumer.function_name} <- {queue.name}: batches of"
            f" {consumer.batch_size}, {poller.workers} at once{fifo}{redrive}"
        )
    for table in service.tables:
        key = ", ".join(f"{name} ({key_type})" for name, key_type in table.key_schema)
        ttl = f", time to live in {table.ttl_attribute}" if table.ttl_attribute else ""
        lines.append(f"  table:    {table.name}: key {key}{ttl}")
    lines.append(f"  stats:    curl {gateway.base_url}/_local/stats")
    return "\n".join(lines)


def function_environment(
    service: Service, consumer, queues: dict[str, LocalQueue], endpoint: str
) -> dict[str, str]:
    """The function's variables, references to the stack's queues pointing at the local
    ones (a table's name is the same locally), and what Lambda sets; boto3 in the handler
    reaches SQS and DynamoDB in moto's server."""
    region = service.region or LOCAL_REGION
    local_values = {}
    for local in queues.values():
        name = local.queue.name
        local_values[queue_url(region, name)] = local.url
        local_values[f"arn:aws:sqs:{region}:{LOCAL_ACCOUNT}:{name}"] = local.arn
    environment = {
        name: local_values.get(value, value) for name, value in consumer.environment.items()
    }
    return {
        **environment,
        "AWS_LAMBDA_FUNCTION_NAME": consumer.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(consumer.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS.access_key,
        "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS.secret_key,
        "AWS_ENDPOINT_URL_SQS": endpoint,  # boto3 in the handler reaches the local queues
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,  # and the local tables
        "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here
        "POWERTOOLS_METRICS_DISABLED": "true",  # no CloudWatch to read the metrics
    }


def main(argv: list[str] | None = None) -> int:
    arguments = argparse.ArgumentParser(
        prog="python -m api_sqs_devkit.local", description=__doc__.splitlines()[0]
    )
    add_cdk_out(arguments)
    arguments.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (8080)")
    arguments.add_argument(
        "--visibility-timeout",
        type=int,
        help="seconds a failed message stays invisible before its retry (default: the stack's)",
    )
    arguments.add_argument("--stack", help="the stack to run, if the assembly has several APIs")
    arguments.add_argument(
        "--environments",
        type=int,
        default=MOST_LOCAL_WORKERS,
        help="most execution environments per consumer, each a process"
        f" (default {MOST_LOCAL_WORKERS}; fewer start faster)",
    )
    options = arguments.parse_args(argv)
    if options.visibility_timeout is not None and not 0 <= options.visibility_timeout <= 43200:
        arguments.error("--visibility-timeout must be 0 to 43200 seconds")
    if not 1 <= options.environments <= MOST_LOCAL_WORKERS:
        arguments.error(f"--environments must be 1 to {MOST_LOCAL_WORKERS}")
    if not 0 <= options.port <= 65535:
        arguments.error("--port must be 0 to 65535")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    try:
        service = read_service(options.cdk_out, options.stack)
    except AssemblyError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    region = service.region or LOCAL_REGION
    os.environ.update(
        AWS_ACCESS_KEY_ID=LOCAL_CREDENTIALS.access_key,
        AWS_SECRET_ACCESS_KEY=LOCAL_CREDENTIALS.secret_key,
        AWS_DEFAULT_REGION=region,
    )
    # Handlers first: a stop asked for during start-up still cleans up everything started.
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    try:
        sqs_server, endpoint = start_sqs_server()
    except SqsServerFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    gateway = serving = None
    pollers: list[Poller] = []
    try:
        sqs = boto3.client("sqs", region_name=region, endpoint_url=endpoint)
        queues = create_queues(sqs, service, options.visibility_timeout)
        # Before any consumer starts: a handler may read a table as it loads.
        create_tables(boto3.client("dynamodb", region_name=region, endpoint_url=endpoint), service)
        consumers = [consumer for consumer in service.consumers if consumer.enabled]
        stats = Stats(sqs, queues, [consumer.queue.logical_id for consumer in consumers])
        try:
            gateway = Gateway(options.port, service, sqs, queues, stats)
        except OSError as error:
            print(
                f"error: cannot listen on 127.0.0.1:{options.port}: {error.strerror}",
                file=sys.stderr,
            )
            return 1
        for consumer in consumers:
            environment = function_environment(service, consumer, queues, endpoint)
            poller = Poller(
                consumer,
                sqs,
                queues[consumer.queue.logical_id],
                stats,
                environment,
                most_environments=options.environments,
            )
            pollers.append(poller)
            try:
                poller.start_environments()
            except InvocationFailed as error:
                print(f"error: {error}", file=sys.stderr)
                return 1
            if stop.is_set():
                return 0
        for poller in pollers:
            poller.start()
        serving = threading.Thread(target=gateway.serve_forever, daemon=True)
        serving.start()
        print(banner(service, gateway, pollers), flush=True)
        stop.wait()
        log.info("stopping")
    finally:
        if serving:
            gateway.shutdown()
        if gateway:
            gateway.server_close()
        for poller in pollers:
            poller.stop()
        sqs_server.terminate()
        sqs_server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
