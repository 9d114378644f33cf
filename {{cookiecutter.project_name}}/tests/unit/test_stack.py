"""Assertions on the synthesized CloudFormation of the stack, with the values from cdk.json."""

from aws_cdk import aws_lambda as lambda_

from {{ cookiecutter.__package_name }}.settings import DLQ_RETENTION_DAYS

from .cfn import (
{%- if cookiecutter.enable_vpc %}
    actions_of,
{%- endif %}
    only,
    queue,
{%- if cookiecutter.enable_kms %}
    queue_key,
    role_may_use_key,
{%- endif %}
{%- if cookiecutter.enable_vpc %}
    statements_of_role,
{%- endif %}
)

DAY = 24 * 60 * 60


def consumer_function(template, settings):
    return only(
        template, "AWS::Lambda::Function", {"FunctionName": settings.names.consumer_function}
    )


def test_queue_keeps_messages_for_the_retention_and_redrives_to_the_dlq(template, settings):
    dlq_id, _ = queue(template, settings.names.dlq)
    _, main = queue(template, settings.names.queue)
    props = main["Properties"]
    assert props["MessageRetentionPeriod"] == settings.queue_retention * DAY
    assert props["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": settings.dlq_retries,
    }


def test_dlq_keeps_messages_longer_than_the_queue(template, settings):
    _, dlq = queue(template, settings.names.dlq)
    retention = dlq["Properties"]["MessageRetentionPeriod"]
    assert retention == DLQ_RETENTION_DAYS * DAY
    assert retention >= settings.queue_retention * DAY


def test_visibility_timeout_covers_six_consumer_timeouts_and_the_batching_window(
    template, settings
):
    _, function = consumer_function(template, settings)
    _, main = queue(template, settings.names.queue)
    timeout = function["Properties"]["Timeout"]
    assert timeout == settings.consumer_timeout_seconds
    assert main["Properties"]["VisibilityTimeout"] >= 6 * timeout + settings.batching_window_seconds


def test_both_queues_refuse_requests_without_tls(template):
    policies = template.find_resources("AWS::SQS::QueuePolicy")
    queues = template.find_resources("AWS::SQS::Queue")
    covered = set()
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        denies_plain_http = any(
            s["Effect"] == "Deny"
            and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            and s["Principal"] == {"AWS": "*"}
            for s in statements
        )
        if denies_plain_http:
            covered |= {ref["Ref"] for ref in policy["Properties"]["Queues"]}
    assert covered == set(queues)


{%- if cookiecutter.enable_kms %}


def test_both_queues_use_one_rotating_customer_managed_key(template, settings):
    key_id, key = queue_key(template, settings)
    assert key["Properties"]["EnableKeyRotation"] is True
    for name in (settings.names.queue, settings.names.dlq):
        _, body = queue(template, name)
        assert body["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_the_consumer_can_decrypt_with_the_key(template, settings):
    key_id, _ = queue_key(template, settings)
    _, function = consumer_function(template, settings)
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    assert role_may_use_key(template, role_id, key_id, {"kms:Decrypt"})
{%- else %}


def test_both_queues_use_sqs_managed_encryption(template, settings):
    for name in (settings.names.queue, settings.names.dlq):
        _, body = queue(template, name)
        assert body["Properties"]["SqsManagedSseEnabled"] is True
{%- endif %}


def test_queue_feeds_the_consumer_in_batches_with_partial_failures(template, settings):
    queue_id, _ = queue(template, settings.names.queue)
    function_id, _ = consumer_function(template, settings)
    _, mapping = only(template, "AWS::Lambda::EventSourceMapping")
    props = mapping["Properties"]
    assert props["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert props["FunctionName"] == {"Ref": function_id}
    assert props["BatchSize"] == settings.batch_size
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props.get("MaximumBatchingWindowInSeconds", 0) == settings.batching_window_seconds
    if settings.batch_size > 10:
        assert props["MaximumBatchingWindowInSeconds"] >= 1


def test_each_scaling_mode_configures_only_its_own_bound(synthesize):
    """AWS takes a maximum concurrency or provisioned pollers, never both (settings.esm_mode)."""
    standard = synthesize(
        esm_mode="standard", lambda_concurrency=7, minimum_pollers=None, maximum_pollers=None
    )
    (mapping,) = standard.find_resources("AWS::Lambda::EventSourceMapping").values()
    assert mapping["Properties"]["ScalingConfig"] == {"MaximumConcurrency": 7}
    assert "ProvisionedPollerConfig" not in mapping["Properties"]
    provisioned = synthesize(
        esm_mode="provisioned", lambda_concurrency=None, minimum_pollers=3, maximum_pollers=12
    )
    (mapping,) = provisioned.find_resources("AWS::Lambda::EventSourceMapping").values()
    assert mapping["Properties"]["ProvisionedPollerConfig"] == {
        "MinimumPollers": 3,
        "MaximumPollers": 12,
    }
    assert "ScalingConfig" not in mapping["Properties"]


def python_version(runtime_name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in runtime_name.removeprefix("python").split("."))


def test_consumer_runs_on_the_latest_python_runtime_cdk_knows(template, settings):
    python_runtimes = [
        getattr(lambda_.Runtime, name) for name in dir(lambda_.Runtime) if name.startswith("PYTHON")
    ]
    latest = max(python_runtimes, key=lambda runtime: python_version(runtime.name))
    _, function = consumer_function(template, settings)
    assert function["Properties"]["Runtime"] == latest.name
    assert function["Properties"]["Handler"] == "handler.handler"


def test_consumer_uses_the_pinned_powertools_layer(template, settings):
    _, function = consumer_function(template, settings)
    (layer,) = function["Properties"]["Layers"]
    parameter = template.to_json()["Parameters"][layer["Ref"]]
    assert parameter["Type"] == "AWS::SSM::Parameter::Value<String>"
    assert parameter["Default"] == (
        f"/aws/service/powertools/python/arm64/{function['Properties']['Runtime']}/3.37.0"
    )


def test_every_log_group_has_a_retention(template):
    groups = template.find_resources("AWS::Logs::LogGroup")
    assert groups
    for logical_id, group in groups.items():
        assert group["Properties"].get("RetentionInDays"), logical_id


def test_no_role_of_ours_has_a_managed_policy(template):
    for logical_id, role in template.find_resources("AWS::IAM::Role").items():
{%- if cookiecutter.enable_vpc %}
        # aws-cdk-lib's own provider of the custom resource that empties the VPC's default
        # security group is the exception: it attaches AWSLambdaBasicExecutionRole for its logs.
        if logical_id.startswith("CustomVpcRestrictDefaultSG"):
            continue
{%- endif %}
        assert "ManagedPolicyArns" not in role["Properties"], logical_id
{%- if cookiecutter.enable_kms %}


def test_every_log_group_is_encrypted_with_the_logs_key_which_logs_may_use_for_it(
    template, settings
):
    alias = only(template, "AWS::KMS::Alias", {"AliasName": settings.names.logs_key_alias})[1]
    key_id = alias["Properties"]["TargetKeyId"]["Fn::GetAtt"][0]
    statements = template.to_json()["Resources"][key_id]["Properties"]["KeyPolicy"]["Statement"]
    # CloudWatch Logs may use the key for exactly these log groups.
    allowed = sorted(
        joined(s["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"])
        for s in statements
        if "Service" in s["Principal"]
    )
    groups = template.find_resources("AWS::Logs::LogGroup").values()
    prefix = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
    assert allowed == sorted(prefix + joined(g["Properties"]["LogGroupName"]) for g in groups)
    for group in groups:
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def joined(value) -> str:
    """A name or ARN, references written ${Name}."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return "${" + value["Ref"] + "}"
    return "".join(joined(part) for part in value["Fn::Join"][1])
{%- endif %}


{%- if cookiecutter.enable_vpc %}


def test_consumer_runs_in_private_subnets_without_a_way_out(template, settings):
    _, function = consumer_function(template, settings)
    vpc_config = function["Properties"]["VpcConfig"]
    subnets = template.find_resources("AWS::EC2::Subnet")
    assert {ref["Ref"] for ref in vpc_config["SubnetIds"]} == set(subnets)
    for subnet in subnets.values():
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    template.resource_count_is("AWS::EC2::InternetGateway", 0)
    template.has_resource_properties("AWS::EC2::FlowLog", {"TrafficType": "ALL"})


def test_the_default_security_group_allows_nothing(template):
    (vpc_id,) = template.find_resources("AWS::EC2::VPC")
    template.has_resource_properties(
        "Custom::VpcRestrictDefaultSG",
        {"DefaultSecurityGroupId": {"Fn::GetAtt": [vpc_id, "DefaultSecurityGroup"]}},
    )


def test_consumer_role_can_attach_to_the_vpc(template, settings):
    _, function = consumer_function(template, settings)
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    actions = {a for s in statements_of_role(template, role_id) for a in actions_of(s)}
    assert {"ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"} <= actions
{%- endif %}
