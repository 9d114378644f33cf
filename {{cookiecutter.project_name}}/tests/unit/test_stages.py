"""One project, many stages: `-c stage=NAME` picks a stage listed in cdk.json, with its own
settings; production stages are hardened."""

import re

import pytest
from aws_cdk.assertions import Template

from {{ cookiecutter.__package_name }}.application import SETTINGS_MODULES, build
from {{ cookiecutter.__package_name }}.settings import SettingError, Settings, project_values, settings_of_stage

from .cfn import app_of, only


def stage_values(context: dict) -> dict:
    """The values of the context's stage, as the app reads them."""
    return project_values(context, SETTINGS_MODULES)


def queues(template: Template) -> dict:
    return template.find_resources("AWS::SQS::Queue")


def prod_batch_size(context) -> int:
    return 7 if context["batch_size"] != 7 else 6


@pytest.fixture(scope="module")
def prod(context):
    """The stack as `cdk synth -c stage=prod` builds it, with prod's own batch size."""
    stages = {**context["stages"], "prod": {"batch_size": prod_batch_size(context)}}
    values = {**context, "stage": "prod", "stages": stages}
    stack, _ = build(app_of(values))
    return stack, settings_of_stage(values, units=SETTINGS_MODULES), Template.from_stack(stack)


def test_cdk_json_lists_the_default_stage_and_prod(context):
    assert {context["stage"], "prod"} <= set(context["stages"])


def test_a_prod_synth_is_named_after_prod(prod, context):
    stack, settings, template = prod
    prefix = f"{context['project_name']}-prod"
    assert stack.stack_name == f"{prefix}-queue-stack"
    names = {q["Properties"]["QueueName"] for q in queues(template).values()}
{%- if cookiecutter.queue_type == "fifo" %}
    assert names == {f"{prefix}-queue.fifo", f"{prefix}-dlq.fifo"}
{%- else %}
    assert names == {f"{prefix}-queue", f"{prefix}-dlq"}
{%- endif %}
    only(template, "AWS::Lambda::Function", {"FunctionName": f"{prefix}-consumer"})


def test_a_prod_synth_is_hardened(prod):
    stack, _, template = prod
    assert stack.termination_protection is True
    for logical_id, queue in queues(template).items():
        assert queue["DeletionPolicy"] == "Retain", logical_id
    for logical_id, group in template.find_resources("AWS::Logs::LogGroup").items():
        assert group["Properties"]["RetentionInDays"] == 365, logical_id


def test_a_stage_s_own_settings_win_over_the_shared_ones(prod, context):
    _, settings, template = prod
    own = prod_batch_size(context)
    assert settings.batch_size == own != context["batch_size"]
    _, mapping = only(template, "AWS::Lambda::EventSourceMapping")
    assert mapping["Properties"]["BatchSize"] == own


def test_other_stages_are_not_hardened(context):
    stages = {**context["stages"], "qa": {}}
    stack, _ = build(app_of({**context, "stage": "qa", "stages": stages}))
    assert stack.termination_protection is False
    for logical_id, queue in queues(Template.from_stack(stack)).items():
        assert queue["DeletionPolicy"] == "Delete", logical_id


def test_a_stage_not_listed_is_refused_with_one_line(context):
    with pytest.raises(SettingError) as refused:
        stage_values({**context, "stage": "prdo"})
    assert str(refused.value).startswith(
        f"stage='prdo': is not one of the stages in cdk.json ({', '.join(context['stages'])})"
    )


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"batchsize": 5}, "stages.prod={'batchsize': 5}: must be an object of settings, among"),
        ({"project_name": "other"}, "stages.prod={'project_name': 'other'}: must be an object"),
        ([], "stages.prod=[]: must be an object of settings"),
    ],
)
def test_a_bad_stage_entry_is_refused(context, entry, expected):
    with pytest.raises(SettingError, match=re.escape(expected)):
        stage_values({**context, "stage": "prod", "stages": {"prod": entry}})


def test_a_stage_s_values_follow_the_same_rules(context):
    values = stage_values({**context, "stage": "prod", "stages": {"prod": {"api_throttling": 0}}})
    with pytest.raises(SettingError, match="api_throttling=0: must be a whole number"):
        Settings.from_values(values)
