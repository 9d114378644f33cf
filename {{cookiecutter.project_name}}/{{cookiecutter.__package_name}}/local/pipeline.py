"""What the local stack reproduces, read from the synthesized template in cdk.out.

Nothing here repeats the settings: every value comes from the CloudFormation that would be
deployed, so the local run behaves as the stack does.
"""

import json
{%- if cookiecutter.api_type == "rest" and cookiecutter.api_auth == "jwt" %}
import re
{%- endif %}
from dataclasses import dataclass
from pathlib import Path


class NotSynthesized(Exception):
    """cdk.out is missing or holds something else; its text is the one line shown."""


{%- if cookiecutter.api_type == "rest" %}


@dataclass(frozen=True)
class UsagePlan:
    """The limits of each API key."""

    rate_limit: float
    burst_limit: int
    daily_quota: int
{%- endif %}


@dataclass(frozen=True)
class LocalPipeline:
    queue_name: str
    dlq_name: str
    queue_attributes: dict[str, str]
    dlq_attributes: dict[str, str]
    max_receive_count: int
    route_method: str
{%- if cookiecutter.api_type == "rest" %}
    route_path: str  # as in the deployed URL: it starts with the stage
    authorization: str  # AWS_IAM, COGNITO_USER_POOLS or NONE
    jwt_issuer: str
    jwt_audiences: tuple[str, ...]  # empty: a Cognito authorizer checks the pool, not audiences
{%- else %}
    route_path: str
    authorization: str  # AWS_IAM, JWT or NONE
    jwt_issuer: str
    jwt_audiences: tuple[str, ...]
{%- endif %}
    rate_limit: float
    burst_limit: int
{%- if cookiecutter.api_type == "rest" %}
    request_schema: dict | None  # the JSON schema every body must match
    usage_plan: UsagePlan | None  # when every request needs an API key
{%- endif %}
    batch_size: int
    batching_window_seconds: int
    max_concurrency: int
    handler_dir: Path
    handler: str
    timeout_seconds: int
    environment: dict[str, str]

    @classmethod
    def from_cloud_assembly(cls, cdk_out: Path) -> "LocalPipeline":
        manifest_file = cdk_out / "manifest.json"
        if not manifest_file.exists():
            raise NotSynthesized(f"no cloud assembly in {cdk_out}: run `cdk synth` first")
        manifest = json.loads(manifest_file.read_text())
        templates = [
            json.loads((cdk_out / artifact["properties"]["templateFile"]).read_text())
            for artifact in manifest["artifacts"].values()
            if artifact["type"] == "aws:cloudformation:stack"
        ]
        # The service's stack: a REST project's app also holds the account's logging stack.
        stacks = [
            template["Resources"]
            for template in templates
            if of_type(template["Resources"], "AWS::Lambda::EventSourceMapping")
        ]
        if len(stacks) != 1:
            raise NotSynthesized(f"expected one queue stack in {cdk_out}, found {len(stacks)}")
        return cls.from_resources(stacks[0], cdk_out)

    @classmethod
    def from_resources(cls, resources: dict, cdk_out: Path) -> "LocalPipeline":
        (queue_id,) = [
            k for k, r in resources.items() if "RedrivePolicy" in r.get("Properties", {})
        ]
        queue = resources[queue_id]["Properties"]
        redrive = queue["RedrivePolicy"]
        dlq = resources[redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]]["Properties"]
        (mapping,) = of_type(resources, "AWS::Lambda::EventSourceMapping")
        mapping = mapping["Properties"]
        function = resources[mapping["FunctionName"]["Ref"]]
        return cls(
            queue_name=queue["QueueName"],
            dlq_name=dlq["QueueName"],
            queue_attributes=sqs_attributes(queue),
            dlq_attributes=sqs_attributes(dlq),
            max_receive_count=int(redrive["maxReceiveCount"]),
            **api_settings(resources),
            batch_size=int(mapping["BatchSize"]),
            batching_window_seconds=int(mapping.get("MaximumBatchingWindowInSeconds", 0)),
            max_concurrency=int(mapping["ScalingConfig"]["MaximumConcurrency"]),
            handler_dir=cdk_out / function["Metadata"]["aws:asset:path"],
            handler=function["Properties"]["Handler"],
            timeout_seconds=int(function["Properties"].get("Timeout", 3)),
            environment=function["Properties"].get("Environment", {}).get("Variables", {}),
        )


def of_type(resources: dict, kind: str) -> list[dict]:
    return [r for r in resources.values() if r["Type"] == kind]
{%- if cookiecutter.api_type == "http" %}


def api_settings(resources: dict) -> dict:
    """The route, its authorization and the stage's throttle, from the HTTP API."""
    (route,) = of_type(resources, "AWS::ApiGatewayV2::Route")
    method, path = route["Properties"]["RouteKey"].split(" ", 1)
    (stage,) = of_type(resources, "AWS::ApiGatewayV2::Stage")
    throttle = stage["Properties"]["DefaultRouteSettings"]
    authorizers = of_type(resources, "AWS::ApiGatewayV2::Authorizer")
    jwt = authorizers[0]["Properties"]["JwtConfiguration"] if authorizers else {}
    return {
        "route_method": method,
        "route_path": path,
        "authorization": route["Properties"].get("AuthorizationType", "NONE"),
        "jwt_issuer": jwt.get("Issuer", ""),
        "jwt_audiences": tuple(jwt.get("Audience", [])),
        "rate_limit": float(throttle["ThrottlingRateLimit"]),
        "burst_limit": int(throttle["ThrottlingBurstLimit"]),
    }
{%- else %}


def api_settings(resources: dict) -> dict:
    """The method, its authorization, body schema and usage plan, and the stage's throttle,
    from the REST API."""
    (method,) = of_type(resources, "AWS::ApiGateway::Method")
    method = method["Properties"]
    path_part = resources[method["ResourceId"]["Ref"]]["Properties"]["PathPart"]
    (stage,) = of_type(resources, "AWS::ApiGateway::Stage")
    (throttle,) = stage["Properties"]["MethodSettings"]
    model = method.get("RequestModels", {}).get("application/json")
    plans = of_type(resources, "AWS::ApiGateway::UsagePlan")
    usage_plan = None
    if method.get("ApiKeyRequired") and plans:
        plan = plans[0]["Properties"]
        usage_plan = UsagePlan(
            rate_limit=float(plan["Throttle"]["RateLimit"]),
            burst_limit=int(plan["Throttle"]["BurstLimit"]),
            daily_quota=int(plan["Quota"]["Limit"]),
        )
    return {
        "route_method": method["HttpMethod"],
        "route_path": f"/{stage['Properties']['StageName']}/{path_part}",
        "authorization": method.get("AuthorizationType", "NONE"),
{%- if cookiecutter.api_auth == "jwt" %}
        "jwt_issuer": cognito_issuer(resources),
{%- else %}
        "jwt_issuer": "",
{%- endif %}
        "jwt_audiences": (),
        "rate_limit": float(throttle["ThrottlingRateLimit"]),
        "burst_limit": int(throttle["ThrottlingBurstLimit"]),
        "request_schema": resources[model["Ref"]]["Properties"]["Schema"] if model else None,
        "usage_plan": usage_plan,
    }
{%- if cookiecutter.api_auth == "jwt" %}


def cognito_issuer(resources: dict) -> str:
    """The issuer of the tokens of the Cognito user pool that the authorizer names."""
    (authorizer,) = of_type(resources, "AWS::ApiGateway::Authorizer")
    (provider,) = authorizer["Properties"]["ProviderARNs"]
    parts = provider["Fn::Join"][1] if isinstance(provider, dict) else [provider]
    arn = "".join(part for part in parts if isinstance(part, str))
    region, pool_id = re.search(r":cognito-idp:([a-z0-9-]+):.*:userpool/(.+)$", arn).groups()
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
{%- endif %}
{%- endif %}


def sqs_attributes(queue: dict) -> dict[str, str]:
    """The queue attributes moto's SQS can take from a template's queue."""
    names = ("MessageRetentionPeriod", "VisibilityTimeout")
    return {name: str(queue[name]) for name in names if name in queue}
