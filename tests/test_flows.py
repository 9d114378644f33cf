"""Who may do what at run time: every flow of every combination, checked on every side it crosses.

A flow is one principal acting on one resource once the stack is deployed. AWS lets it through
only when every policy on its way allows it: the principal's identity policy (a role of the
stack), the target's resource policy (a service principal has no identity policy, so for it the
resource policy must allow), and the policy of the key the target is encrypted with.

`flows()` is the table. For each combination's synthesized templates the tests check that
- every flow that applies is allowed on each side it crosses, service principals with exactly
  the confused-deputy conditions the table names;
- nothing is allowed that no flow needs: every statement of every role and every statement that
  grants a service principal something, in any resource or key policy, belongs to a flow, and
  every role is the principal of one. A resource added without a flow fails here.
"""

import json
from dataclasses import dataclass, field

from .bakery import Synth

ANY = "*"
ACCOUNT_ROOT = "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"
THIS_ACCOUNT = {"StringEquals": {"aws:SourceAccount": "${AWS::AccountId}"}}
# A queue or topic policy denies every request without TLS; AWS services call over TLS.
TLS_ONLY = {"Bool": {"aws:SecureTransport": "false"}}
LOG_WRITES = ("logs:CreateLogStream", "logs:PutLogEvents")


def text(value) -> str | dict | list:
    """A CloudFormation value as text, intrinsic functions spelled out: {"Ref": "X"} -> "${X}",
    a join of parts -> the parts joined. Dicts and lists keep their shape."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return "${" + value["Ref"] + "}"
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(text(part) for part in parts)
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        return value["Fn::Sub"]
    if isinstance(value, dict):
        return {k: text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [text(v) for v in value]
    return value


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def arn_of(logical_id: str) -> str:
    return "${" + logical_id + ".Arn}"


def log_group_arn(name) -> str:
    return f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{name}"


@dataclass
class Statement:
    """One Allow or Deny of a policy, in text form, and where it was found."""

    where: str
    effect: str
    principal: dict | str | None
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: dict

    @classmethod
    def of(cls, where: str, raw: dict) -> "Statement":
        raw = text(raw)
        return cls(
            where=where,
            effect=raw["Effect"],
            principal=raw.get("Principal"),
            actions=tuple(as_list(raw["Action"])),
            resources=tuple(as_list(raw.get("Resource", ANY))),
            conditions=raw.get("Condition", {}),
        )

    @property
    def service(self) -> str | None:
        return self.principal.get("Service") if isinstance(self.principal, dict) else None


class Templates:
    """The synthesized templates of one combination, read for policies."""

    def __init__(self, synthesized: Synth) -> None:
        self.synthesized = synthesized
        self.resources = dict(synthesized.resources)
        for template in synthesized.other_templates.values():
            self.resources |= template["Resources"]

    def of_type(self, resource_type: str) -> dict:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}

    def one(self, resource_type: str, **props) -> tuple[str, dict]:
        found = [
            (k, v.get("Properties", {}))
            for k, v in self.of_type(resource_type).items()
            if all(text(v["Properties"].get(name)) == value for name, value in props.items())
        ]
        assert len(found) == 1, f"expected one {resource_type} with {props}, found {found}"
        return found[0]

    def identity(self, role_id: str) -> list[Statement]:
        """Every statement of a role: inline policies and the policies attached to it."""
        role = self.resources[role_id]["Properties"]
        statements = [
            Statement.of(f"{role_id}/{policy['PolicyName']}", raw)
            for policy in role.get("Policies", [])
            for raw in policy["PolicyDocument"]["Statement"]
        ]
        for policy_id, policy in self.of_type("AWS::IAM::Policy").items():
            if {"Ref": role_id} in policy["Properties"]["Roles"]:
                statements += [
                    Statement.of(policy_id, raw)
                    for raw in policy["Properties"]["PolicyDocument"]["Statement"]
                ]
        return statements

    def trust(self, role_id: str) -> list[Statement]:
        document = self.resources[role_id]["Properties"]["AssumeRolePolicyDocument"]
        return [Statement.of(f"{role_id}/trust", raw) for raw in document["Statement"]]

    def resource_policies(self) -> list[tuple[list, Statement]]:
        """(the queues or topics a policy names, one of its statements), of every queue and
        topic policy."""
        found = []
        for kind, key in (("AWS::SQS::QueuePolicy", "Queues"), ("AWS::SNS::TopicPolicy", "Topics")):
            for policy_id, policy in self.of_type(kind).items():
                document = policy["Properties"]["PolicyDocument"]
                found += [
                    (policy["Properties"][key], Statement.of(policy_id, raw))
                    for raw in document["Statement"]
                ]
        return found

    def resource_policy(self, target_id: str) -> list[Statement]:
        """The statements of the queue or topic policy that names the target."""
        return [s for targets, s in self.resource_policies() if {"Ref": target_id} in targets]

    def key_policy(self, key_id: str) -> list[Statement]:
        document = self.resources[key_id]["Properties"]["KeyPolicy"]
        return [Statement.of(key_id, raw) for raw in document["Statement"]]

    def key_of(self, properties: dict, key_property: str) -> str | None:
        """The logical id of the stack's key a resource is encrypted with, if any."""
        value = properties.get(key_property)
        return value["Fn::GetAtt"][0] if isinstance(value, dict) else None


@dataclass
class Flow:
    """A principal doing actions on a resource, and what each side must allow for it.

    principal_role: the logical id of the role the principal acts as; or service: the service
    principal, which only a resource policy and a key policy can allow.
    trusted_by: for a role, the service that assumes it and the conditions of its trust policy.
    key: the key the target is encrypted with; key_actions what the principal needs of it.
    conditions: of a service principal's statements, in the resource and the key policy.
    """

    name: str
    actions: tuple[str, ...]
    resource: str
    target: str | None = None  # logical id of a queue or topic whose policy must not stand in
    principal_role: str | None = None
    trusted_by: tuple[str, dict] | None = None
    service: str | None = None
    conditions: dict = field(default_factory=dict)
    key: str | None = None
    key_actions: tuple[str, ...] = ()
    key_conditions: dict | None = None  # of the service's statement in the key policy
    # of the role's statement that lets it use the key (a key used through one service only)
    key_identity_conditions: dict = field(default_factory=dict)


def queue_names(answers: dict) -> tuple[str, str]:
    """The queue's and the DLQ's."""
    prefix = f"{answers['project_name']}-{answers['stage']}"
    fifo = ".fifo" if answers["queue_type"] == "fifo" else ""
    return f"{prefix}-queue{fifo}", f"{prefix}-dlq{fifo}"


def flows(answers: dict, t: Templates) -> list[Flow]:
    """The table: every flow of this combination at run time."""
    prefix = f"{answers['project_name']}-{answers['stage']}"
    rest = answers["api_type"] == "rest"
    queue_id, queue = t.one("AWS::SQS::Queue", QueueName=queue_names(answers)[0])
    queue_key = t.key_of(queue, "KmsMasterKeyId")
    _, function = t.one("AWS::Lambda::Function", FunctionName=f"{prefix}-consumer")
    consumer_role = function["Role"]["Fn::GetAtt"][0]
    if rest:
        _, method = t.one("AWS::ApiGateway::Method", HttpMethod="POST")
        send_role = method["Integration"]["Credentials"]["Fn::GetAtt"][0]
    else:
        _, integration = t.one("AWS::ApiGatewayV2::Integration")
        send_role = integration["CredentialsArn"]["Fn::GetAtt"][0]

    def logs_into(name: str, writer: dict | None) -> list[Flow]:
        """A writer putting events into a log group (None: CloudWatch Logs delivers them itself),
        and CloudWatch Logs using the group's key."""
        group_id, group = t.one("AWS::Logs::LogGroup", LogGroupName=name)
        found = []
        if writer:
            writer = {"actions": LOG_WRITES, "resource": arn_of(group_id)} | writer
            found.append(Flow(f"{writer.pop('name')} -> {name}", **writer))
        key = t.key_of(group, "KmsKeyId")
        if key:
            found.append(
                Flow(
                    f"CloudWatch Logs encrypts {name}",
                    actions=(),
                    resource=arn_of(group_id),
                    service="logs.${AWS::Region}.amazonaws.com",
                    key=key,
                    key_actions=(
                        "kms:Encrypt*",
                        "kms:Decrypt*",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:Describe*",
                    ),
                    key_conditions={
                        "ArnEquals": {"kms:EncryptionContext:aws:logs:arn": log_group_arn(name)}
                    },
                )
            )
        return found

    table = [
        # API Gateway assumes the role for each request. AWS documents no confused-deputy
        # condition keys for it, and API Gateway does not send aws:SourceAccount: none here.
        Flow(
            "API -> queue (SendMessage)",
            actions=("sqs:SendMessage",),
            resource=arn_of(queue_id),
            target=queue_id,
            principal_role=send_role,
            trusted_by=("apigateway.amazonaws.com", {}),
            key=queue_key,
            key_actions=("kms:GenerateDataKey", "kms:Decrypt"),
        ),
        # Lambda polls the queue as the consumer's execution role (event source mapping).
        Flow(
            "queue -> consumer (event source mapping)",
            actions=(
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
            ),
            resource=arn_of(queue_id),
            target=queue_id,
            principal_role=consumer_role,
            trusted_by=("lambda.amazonaws.com", {}),
            key=queue_key,
            key_actions=("kms:Decrypt",),
        ),
        *logs_into(
            f"/aws/lambda/{prefix}-consumer",
            {"name": "consumer", "principal_role": consumer_role},
        ),
    ]
    if answers["enable_idempotency"]:
        # Powertools' records of processed messages; DynamoDB uses the table's key as the caller.
        table_id, idempotency = t.one("AWS::DynamoDB::Table", TableName=f"{prefix}-idempotency")
        table.append(
            Flow(
                "consumer -> idempotency records",
                actions=(
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                ),
                resource=arn_of(table_id),
                principal_role=consumer_role,
                key=t.key_of(idempotency.get("SSESpecification", {}), "KMSMasterKeyId"),
                key_actions=(
                    "kms:Decrypt",
                    "kms:Encrypt",
                    "kms:GenerateDataKey",
                    "kms:DescribeKey",
                ),
                key_identity_conditions={
                    "StringEquals": {"kms:ViaService": "dynamodb.${AWS::Region}.amazonaws.com"}
                },
            )
        )
    if answers["enable_tracing"]:
        table.append(
            Flow(
                "consumer -> X-Ray (traces)",
                actions=("xray:PutTraceSegments", "xray:PutTelemetryRecords"),
                resource=ANY,  # X-Ray authorizes these on any resource only
                principal_role=consumer_role,
            )
        )
    if answers["enable_vpc"]:
        table.append(
            Flow(
                "Lambda -> the consumer's network interfaces in the VPC",
                actions=(
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSubnets",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ),
                resource=ANY,  # EC2 authorizes these on any resource only
                principal_role=consumer_role,
            )
        )
        _, flow_log = t.one("AWS::EC2::FlowLog")
        flow_log_role = flow_log["DeliverLogsPermissionArn"]["Fn::GetAtt"][0]
        table += logs_into(
            f"/aws/vpc/{prefix}/flow-logs",
            {
                "name": "VPC flow logs",
                "actions": (*LOG_WRITES, "logs:DescribeLogStreams"),
                "principal_role": flow_log_role,
                "trusted_by": (
                    "vpc-flow-logs.amazonaws.com",
                    THIS_ACCOUNT
                    | {
                        "ArnLike": {
                            "aws:SourceArn": "arn:${AWS::Partition}:ec2:${AWS::Region}:"
                            "${AWS::AccountId}:vpc-flow-log/*"
                        }
                    },
                ),
            },
        )
        # aws-cdk-lib's custom resource that removes the default security group's rules.
        _, restrict = t.one("Custom::VpcRestrictDefaultSG")
        provider_role = t.resources[restrict["ServiceToken"]["Fn::GetAtt"][0]]["Properties"][
            "Role"
        ]["Fn::GetAtt"][0]
        vpc_id = restrict["DefaultSecurityGroupId"]["Fn::GetAtt"][0]
        table.append(
            Flow(
                "CloudFormation -> default security group rules (removed at deploy)",
                actions=(
                    "ec2:AuthorizeSecurityGroupIngress",
                    "ec2:AuthorizeSecurityGroupEgress",
                    "ec2:RevokeSecurityGroupIngress",
                    "ec2:RevokeSecurityGroupEgress",
                ),
                resource="arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}"
                ":security-group/${" + vpc_id + ".DefaultSecurityGroup}",
                principal_role=provider_role,
                trusted_by=("lambda.amazonaws.com", {}),
            )
        )

    # Alarms -> topic: CloudWatch publishes as a service principal, for this stack's alarms only.
    topic_id, topic = t.one("AWS::SNS::Topic", TopicName=f"{prefix}-alarms")
    alarms_of_this_stack = THIS_ACCOUNT | {
        "ArnLike": {
            "aws:SourceArn": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}"
            f":alarm:{prefix}-*"
        }
    }
    table.append(
        Flow(
            "alarms -> topic (Publish)",
            actions=("sns:Publish",),
            resource="${" + topic_id + "}",
            target=topic_id,
            service="cloudwatch.amazonaws.com",
            conditions=alarms_of_this_stack,
            key=t.key_of(topic, "KmsMasterKeyId"),
            key_actions=("kms:Decrypt", "kms:GenerateDataKey*"),
            key_conditions=alarms_of_this_stack,
        )
    )

    access_logs = f"/aws/apigateway/{prefix}/access"
    if rest:
        # API Gateway writes a REST API's access and execution logs as the account's logging
        # role, which the account stack of this app owns (see rest_api.py).
        _, account = t.one("AWS::ApiGateway::Account")
        logging_role = account["CloudWatchRoleArn"]["Fn::GetAtt"][0]
        api_id, _ = t.one("AWS::ApiGateway::RestApi")
        every_group = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"
        writer = {
            "actions": (
                "logs:CreateLogGroup",
                *LOG_WRITES,
                "logs:DescribeLogGroups",
                "logs:DescribeLogStreams",
            ),
            "resource": every_group,
            "principal_role": logging_role,
            "trusted_by": ("apigateway.amazonaws.com", {}),
        }
        table += logs_into(access_logs, {"name": "API access logs", **writer})
        table += logs_into(
            f"API-Gateway-Execution-Logs_${{{api_id}}}/{answers['stage']}",
            {"name": "REST execution logs", **writer},
        )
    else:
        # An HTTP API's access logs are delivered by CloudWatch Logs itself (vended logs): no
        # role of the stack takes part, only the group's key.
        table += logs_into(access_logs, None)
    return table


def baked_flows(baked):
    answers, synthesized = baked
    t = Templates(synthesized)
    return answers, t, flows(answers, t)


def allows(statement: Statement, action: str, resource: str) -> bool:
    return (
        statement.effect == "Allow"
        and names_action(statement, action)
        and resource in statement.resources
    )


def names_action(statement: Statement, action: str) -> bool:
    return any(matches(pattern, action) for pattern in statement.actions)


def matches(pattern: str, action: str) -> bool:
    """An IAM action pattern against an action, or against a pattern the table names."""
    if pattern == action:
        return True
    return pattern.endswith("*") and action.startswith(pattern[:-1])


def test_every_role_allows_what_its_flows_need_and_nothing_more(baked):
    _, t, table = baked_flows(baked)
    roles = set(t.of_type("AWS::IAM::Role"))
    by_role = {role: [f for f in table if f.principal_role == role] for role in roles}
    assert not [role for role, its in by_role.items() if not its], "roles that no flow uses"
    for role, its in by_role.items():
        needed = {(a, f.resource) for f in its for a in f.actions}
        needed |= {(a, arn_of(f.key)) for f in its if f.key for a in f.key_actions}
        statements = t.identity(role)
        for action, resource in needed:
            assert any(allows(s, action, resource) for s in statements), (role, action, resource)
        granted = {(a, r) for s in statements for a in s.actions for r in s.resources}
        assert granted <= needed, (role, sorted(granted - needed))
        # A condition only where a flow names it, on the statement of that flow's key.
        for s in statements:
            named = [
                f.key_identity_conditions for f in its if f.key and arn_of(f.key) in s.resources
            ]
            assert s.effect == "Allow" and (not s.conditions or s.conditions in named), s


def test_every_role_is_assumed_only_by_the_service_of_its_flows(baked):
    _, t, table = baked_flows(baked)
    for role in t.of_type("AWS::IAM::Role"):
        trusted_by = [f.trusted_by for f in table if f.principal_role == role and f.trusted_by]
        assert trusted_by and all(each == trusted_by[0] for each in trusted_by), (role, trusted_by)
        service, conditions = trusted_by[0]
        (trust,) = t.trust(role)
        assert trust.principal == {"Service": service}, (role, trust)
        assert trust.actions == ("sts:AssumeRole",), (role, trust)
        assert trust.conditions == conditions, (role, trust)


def test_only_the_cdk_provider_role_carries_a_managed_policy(baked):
    # aws-cdk-lib's provider of the default-security-group custom resource attaches
    # AWSLambdaBasicExecutionRole to its role, which writes its own logs; no role of ours has one.
    answers, t, table = baked_flows(baked)
    with_managed = {
        role_id
        for role_id, role in t.of_type("AWS::IAM::Role").items()
        if "ManagedPolicyArns" in role["Properties"]
    }
    provider_roles = {
        f.principal_role for f in table if f.name.startswith("CloudFormation -> default security")
    }
    assert with_managed == provider_roles
    assert bool(provider_roles) is answers["enable_vpc"]


def test_resource_policies_allow_each_flow_and_grant_services_nothing_else(baked):
    _, t, table = baked_flows(baked)
    claimed = []
    for flow in table:
        if not flow.target:
            continue
        policy = t.resource_policy(flow.target)
        for action in flow.actions:
            # Nothing denies the flow, but the refusal of requests without TLS.
            assert not [
                s
                for s in policy
                if s.effect == "Deny" and s.conditions != TLS_ONLY and names_action(s, action)
            ], flow.name
            if flow.service:
                # A service principal has no identity policy: the resource policy must allow.
                found = [
                    s
                    for s in policy
                    if s.service == flow.service and allows(s, action, flow.resource)
                ]
                assert found, (flow.name, "not allowed by the resource policy")
                assert all(s.conditions == flow.conditions for s in found), (flow.name, found)
                claimed += found
    granted = [s for _, s in t.resource_policies() if s.effect == "Allow"]
    assert [s for s in granted if s not in claimed] == []


def test_key_policies_allow_each_flow_and_grant_services_nothing_else(baked):
    _, t, table = baked_flows(baked)
    claimed = []
    for flow in table:
        if not flow.key:
            continue
        policy = t.key_policy(flow.key)
        if flow.service:
            found = [
                s
                for s in policy
                if s.effect == "Allow"
                and s.service == flow.service
                and s.conditions == flow.key_conditions
                and set(s.actions) == set(flow.key_actions)
            ]
            assert len(found) == 1, (flow.name, flow.key, policy)
            claimed += found
        else:
            # A role of the account: the key policy lets IAM policies decide (checked above).
            assert any(is_account_admin(s) for s in policy), (flow.name, flow.key)
    for key_id in t.of_type("AWS::KMS::Key"):
        for statement in t.key_policy(key_id):
            assert is_account_admin(statement) or statement in claimed, statement


def is_account_admin(statement: Statement) -> bool:
    """The key policy statement that lets the account's IAM policies grant use of the key."""
    return statement.principal == {"AWS": ACCOUNT_ROOT} and statement.effect == "Allow"


def test_log_groups_holding_request_data_are_encrypted_with_the_logs_key(baked):
    answers, t, table = baked_flows(baked)
    groups = t.of_type("AWS::Logs::LogGroup")
    encrypted = {k for k, g in groups.items() if "KmsKeyId" in g["Properties"]}
    if not answers["enable_kms"]:
        assert encrypted == set()
        return
    assert encrypted == set(groups), sorted(set(groups) - encrypted)
    prefix = f"{answers['project_name']}-{answers['stage']}"
    logs_key = t.one("AWS::KMS::Alias", AliasName=f"alias/{prefix}-logs-key")[1]["TargetKeyId"]
    assert {json.dumps(g["Properties"]["KmsKeyId"]) for g in groups.values()} == {
        json.dumps(logs_key)
    }
    # Every group has its flow of CloudWatch Logs using the key, and no other group does.
    assert len([f for f in table if f.name.startswith("CloudWatch Logs encrypts")]) == len(groups)


def test_the_flows_reach_their_targets(baked):
    """The wiring each flow assumes: the queue feeds the consumer and redrives to the DLQ
    (SQS moves messages itself, under the same key), alarms notify the topic, the topic mails
    whom alarm_email names, and the API's stage writes its access logs to its group."""
    answers, t, _ = baked_flows(baked)
    prefix = f"{answers['project_name']}-{answers['stage']}"
    queue_name, dlq_name = queue_names(answers)
    queue_id, queue = t.one("AWS::SQS::Queue", QueueName=queue_name)
    dlq_id, dlq = t.one("AWS::SQS::Queue", QueueName=dlq_name)
    function_id, _ = t.one("AWS::Lambda::Function", FunctionName=f"{prefix}-consumer")
    _, mapping = t.one("AWS::Lambda::EventSourceMapping")
    assert text(mapping["EventSourceArn"]) == arn_of(queue_id)
    assert text(mapping["FunctionName"]) == "${" + function_id + "}"
    assert text(queue["RedrivePolicy"]["deadLetterTargetArn"]) == arn_of(dlq_id)
    assert queue.get("KmsMasterKeyId") == dlq.get("KmsMasterKeyId")
    assert queue.get("SqsManagedSseEnabled") == dlq.get("SqsManagedSseEnabled")
    topic_id, _ = t.one("AWS::SNS::Topic", TopicName=f"{prefix}-alarms")
    for alarm in t.of_type("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
    emails = [s["Properties"] for s in t.of_type("AWS::SNS::Subscription").values()]
    expected = [answers["alarm_email"]] if answers["alarm_email"] else []
    assert [(s["Protocol"], s["Endpoint"]) for s in emails] == [("email", e) for e in expected]
    access_id, _ = t.one("AWS::Logs::LogGroup", LogGroupName=f"/aws/apigateway/{prefix}/access")
    if answers["api_type"] == "rest":
        (stage,) = t.of_type("AWS::ApiGateway::Stage").values()
        destination = stage["Properties"]["AccessLogSetting"]["DestinationArn"]
    else:
        (stage,) = t.of_type("AWS::ApiGatewayV2::Stage").values()
        destination = stage["Properties"]["AccessLogSettings"]["DestinationArn"]
    # Either the group's ARN, or one made from its name.
    assert text(destination) in (arn_of(access_id), log_group_arn("${" + access_id + "}"))


def test_the_api_authorizes_callers_as_chosen(baked):
    """Client -> API: the caller's side is outside the stack (an IAM policy allowing
    execute-api:Invoke on the InvokeArn output, a token, or nothing); the API's side is here."""
    answers, t, _ = baked_flows(baked)
    auth = answers["api_auth"]
    if answers["api_type"] == "rest":
        _, method = t.one("AWS::ApiGateway::Method", HttpMethod="POST")
        expected = {"iam": "AWS_IAM", "jwt": "COGNITO_USER_POOLS", "none": "NONE"}[auth]
        assert method["AuthorizationType"] == expected
    else:
        _, route = t.one("AWS::ApiGatewayV2::Route")
        expected = {"iam": "AWS_IAM", "jwt": "JWT", "none": "NONE"}[auth]
        assert route.get("AuthorizationType", "NONE") == expected
    outputs = t.synthesized.template["Outputs"]
    assert ("InvokeArn" in outputs) is (auth == "iam")
