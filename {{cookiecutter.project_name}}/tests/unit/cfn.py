"""Synthesizing for a test, and reading the template: resources, the IAM statements of a role."""

import aws_cdk as cdk
from aws_cdk.assertions import Template


def app_of(context: dict) -> cdk.App:
    """An app of this context for a test that reads its templates. Without aws-cdk-lib's
    built-in CloudFormation validation (2.5 s a synth): cfn-lint checks the same templates in
    every `cdk synth` of app.py."""
    return cdk.App(context=context, builtin_cloud_formation_validation=False)


def only(template: Template, resource_type: str, props: dict | None = None) -> tuple[str, dict]:
    """The one resource of a type (matching props, if given): its logical id and body."""
    found = template.find_resources(resource_type, {"Properties": props} if props else None)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.items()))


def statements_of_role(template: Template, role_id: str) -> list[dict]:
    """Every IAM statement that applies to a role: inline policies and attached AWS::IAM::Policy."""
    statements = []
    role = template.to_json()["Resources"][role_id]["Properties"]
    for policy in role.get("Policies", []):
        statements += policy["PolicyDocument"]["Statement"]
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"].get("Roles", []):
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def actions_of(statement: dict) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else actions


def queue(template, name):
    return only(template, "AWS::SQS::Queue", {"QueueName": name})

{%- if cookiecutter.enable_kms %}


def queue_key(template, settings):
    _, alias = only(template, "AWS::KMS::Alias", {"AliasName": settings.names.key_alias})
    key_id = alias["Properties"]["TargetKeyId"]["Fn::GetAtt"][0]
    return key_id, template.to_json()["Resources"][key_id]


def role_may_use_key(template, role_id, key_id, needed):
    granted = set()
    for statement in statements_of_role(template, role_id):
        if statement["Effect"] == "Allow" and statement["Resource"] == {
            "Fn::GetAtt": [key_id, "Arn"]
        }:
            granted |= set(actions_of(statement))
    return needed <= granted
{%- endif %}
