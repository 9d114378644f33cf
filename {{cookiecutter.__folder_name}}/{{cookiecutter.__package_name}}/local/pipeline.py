"""What the local stack reproduces, read from the synthesized template in cdk.out.

Nothing here repeats the settings: every value comes from the CloudFormation that would be
deployed, so the local run behaves as the stack does.
"""

import json
from dataclasses import dataclass
from pathlib import Path


class NotSynthesized(Exception):
    """cdk.out is missing or holds something else; its text is the one line shown."""


@dataclass(frozen=True)
class LocalPipeline:
    queue_name: str
    dlq_name: str
    queue_attributes: dict[str, str]
    dlq_attributes: dict[str, str]
    max_receive_count: int
    route_method: str
    route_path: str
    authorization: str  # AWS_IAM, JWT or NONE
    jwt_issuer: str
    jwt_audiences: tuple[str, ...]
    rate_limit: float
    burst_limit: int
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
        stacks = [
            artifact["properties"]["templateFile"]
            for artifact in manifest["artifacts"].values()
            if artifact["type"] == "aws:cloudformation:stack"
        ]
        if len(stacks) != 1:
            raise NotSynthesized(f"expected one stack in {cdk_out}, found {len(stacks)}")
        resources = json.loads((cdk_out / stacks[0]).read_text())["Resources"]
        return cls.from_resources(resources, cdk_out)

    @classmethod
    def from_resources(cls, resources: dict, cdk_out: Path) -> "LocalPipeline":
        def of_type(kind: str) -> list[dict]:
            return [r for r in resources.values() if r["Type"] == kind]

        (queue_id,) = [
            k for k, r in resources.items() if "RedrivePolicy" in r.get("Properties", {})
        ]
        queue = resources[queue_id]["Properties"]
        redrive = queue["RedrivePolicy"]
        dlq = resources[redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]]["Properties"]
        (route,) = of_type("AWS::ApiGatewayV2::Route")
        method, path = route["Properties"]["RouteKey"].split(" ", 1)
        (stage,) = of_type("AWS::ApiGatewayV2::Stage")
        throttle = stage["Properties"]["DefaultRouteSettings"]
        authorizers = of_type("AWS::ApiGatewayV2::Authorizer")
        jwt = authorizers[0]["Properties"]["JwtConfiguration"] if authorizers else {}
        (mapping,) = of_type("AWS::Lambda::EventSourceMapping")
        mapping = mapping["Properties"]
        function = resources[mapping["FunctionName"]["Ref"]]
        return cls(
            queue_name=queue["QueueName"],
            dlq_name=dlq["QueueName"],
            queue_attributes=sqs_attributes(queue),
            dlq_attributes=sqs_attributes(dlq),
            max_receive_count=int(redrive["maxReceiveCount"]),
            route_method=method,
            route_path=path,
            authorization=route["Properties"].get("AuthorizationType", "NONE"),
            jwt_issuer=jwt.get("Issuer", ""),
            jwt_audiences=tuple(jwt.get("Audience", [])),
            rate_limit=float(throttle["ThrottlingRateLimit"]),
            burst_limit=int(throttle["ThrottlingBurstLimit"]),
            batch_size=int(mapping["BatchSize"]),
            batching_window_seconds=int(mapping.get("MaximumBatchingWindowInSeconds", 0)),
            max_concurrency=int(mapping["ScalingConfig"]["MaximumConcurrency"]),
            handler_dir=cdk_out / function["Metadata"]["aws:asset:path"],
            handler=function["Properties"]["Handler"],
            timeout_seconds=int(function["Properties"].get("Timeout", 3)),
            environment=function["Properties"].get("Environment", {}).get("Variables", {}),
        )


def sqs_attributes(queue: dict) -> dict[str, str]:
    """The queue attributes moto's SQS can take from a template's queue."""
    names = ("MessageRetentionPeriod", "VisibilityTimeout")
    return {name: str(queue[name]) for name in names if name in queue}
