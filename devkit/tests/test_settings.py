"""The generic settings machinery: rules, many values at once, stages, unused settings, names,
package names and observability hooks."""

import re

import pytest
from api_sqs_devkit.settings import (
    MAX_EXTRA_ENVIRONMENT_BYTES,
    MAX_EXTRA_LAYERS,
    ObservabilityHooks,
    SettingError,
    boolean,
    burst,
    choice,
    integer,
    name_length_error,
    package_clash,
    parse_all,
    parse_each,
    refuse_unused,
    stage_values,
    text,
)

LOWERCASE = text(r"[a-z]+", "must be lowercase letters")
RULES = {"name": LOWERCASE, "size": integer(1, 10, " items"), "note": text(".*", "", optional=True)}


def test_an_error_is_one_line_naming_the_setting_the_value_and_the_rule():
    error = SettingError("size", 0, "must be a whole number from 1 to 10")
    assert str(error) == "size=0: must be a whole number from 1 to 10"
    assert error.name == "size"
    assert error.advice == "set it in cdk.json or with -c size=VALUE"
    assert str(SettingError("size", None, "must be...")) == "size is missing: must be..."


@pytest.mark.parametrize("value", ["Abc", "", 7, None, "abc "])
def test_text_refuses_what_does_not_match(value):
    with pytest.raises(SettingError, match="must be lowercase letters"):
        LOWERCASE("name", value)


def test_optional_text_may_be_empty_or_absent():
    rule = text(r"[a-z]+", "must be letters", optional=True)
    assert rule("x", None) == rule("x", "") == ""
    assert rule("x", "abc") == "abc"


@pytest.mark.parametrize(("value", "parsed"), [(1, 1), (10, 10), ("7", 7), ("10", 10)])
def test_integers_accept_their_range_and_digits_given_as_text(value, parsed):
    assert integer(1, 10)("size", value) == parsed


@pytest.mark.parametrize("value", [0, 11, True, 5.0, "1.5", "-5", " 5", "000000000001", "x"])
def test_integers_refuse_anything_else(value):
    with pytest.raises(SettingError, match=r"must be a whole number from 1 to 10 items$"):
        integer(1, 10, " items")("size", value)


@pytest.mark.parametrize("word", ["true", "Yes", "y", "1", "false", "no", "N", "0", True, False])
def test_booleans_accept_the_usual_words(word):
    assert boolean("enable_kms", word) in (True, False)


def test_booleans_refuse_anything_else():
    with pytest.raises(SettingError, match="enable_kms='maybe': must be true or false"):
        boolean("enable_kms", "maybe")


def test_a_choice_is_one_of_its_words():
    assert choice("http", "rest")("api_type", "rest") == "rest"
    with pytest.raises(SettingError, match="api_type='REST': must be one of http, rest"):
        choice("http", "rest")("api_type", "REST")


def test_parse_each_reports_every_bad_value_and_parses_the_others():
    parsed, errors = parse_each(RULES, {"name": "Bad", "size": "3"})
    assert parsed == {"size": 3, "note": ""}
    assert [str(e) for e in errors] == ["name='Bad': must be lowercase letters"]
    _, errors = parse_each(RULES, {"name": "", "size": 0})
    assert [str(e) for e in errors] == [
        "name is missing: must be lowercase letters",
        "size=0: must be a whole number from 1 to 10 items",
    ]


def test_parse_all_raises_the_first_error():
    with pytest.raises(SettingError, match="^name="):
        parse_all(RULES, {"name": "Bad", "size": 0})
    assert parse_all(RULES, {"name": "ok", "size": 2}) == {"name": "ok", "size": 2, "note": ""}


def test_a_stage_s_entry_overlays_the_shared_values():
    context = {"size": 1, "stages": {"dev": {}, "prod": {"size": 5}}}
    assert stage_values(context, "prod", ["size"])["size"] == 5
    assert stage_values(context, "dev", ["size"])["size"] == 1


def test_a_stage_not_listed_is_refused():
    with pytest.raises(SettingError) as refused:
        stage_values({"stages": {"dev": {}, "prod": {}}}, "prdo", ["size"])
    assert str(refused.value).startswith(
        "stage='prdo': is not one of the stages in cdk.json (dev, prod)"
    )


@pytest.mark.parametrize(
    ("stages", "expected"),
    [
        (None, "stages is missing: must be an object of stage names"),
        ({}, "stages={}: must be an object of stage names"),
        ({"prod": {"sise": 5}}, "stages.prod={'sise': 5}: must be an object of settings, among"),
        ({"prod": {}, "dev": []}, "stages.dev=[]: must be an object of settings"),
    ],
)
def test_a_bad_stages_object_is_refused_with_the_advice_to_fix_it(stages, expected):
    with pytest.raises(SettingError, match=re.escape(expected)) as refused:
        stage_values({"stages": stages}, "prod", ["size"])
    assert refused.value.advice == 'fix "stages" in cdk.json'


def test_without_a_list_of_allowed_settings_any_entry_object_is_taken():
    assert stage_values({"stages": {"prod": {"anything": 1}}}, "prod")["anything"] == 1


def test_a_setting_the_project_does_not_read_is_refused():
    with pytest.raises(SettingError) as refused:
        refuse_unused({"size": 1, "colour": "red"}, ["size", "name"])
    assert str(refused.value) == (
        "colour='red': is not a setting of this project; its settings are size, name"
    )
    assert refused.value.advice == "remove it from cdk.json and the -c options"


@pytest.mark.parametrize(
    "key",
    [
        "@aws-cdk/core:newStyleStackSynthesis",
        "aws:cdk:enable-path-metadata",
        "availability-zones:account=123456789012:region=eu-west-1",
        "acknowledged-issue-numbers",
    ],
)
def test_the_cdk_s_own_context_keys_are_not_settings(key):
    refuse_unused({key: True}, ["size"])


def test_a_setting_spelt_with_hyphens_is_refused():
    with pytest.raises(SettingError, match="^batch-size=5: is not a setting"):
        refuse_unused({"batch-size": 5}, ["batch_size"])


def test_a_name_too_long_blames_the_longer_part():
    parts = {"project_name": "orders", "stage": "s" * 20}
    error = name_length_error({"queue": "orders-" + "s" * 20}, {"queue": 10}, parts, " (note)")
    assert error.name == "stage"
    assert str(error) == (
        f"stage='{'s' * 20}': with project_name 'orders' it makes the queue name"
        f" 'orders-{'s' * 20}' 27 characters long; AWS allows 10 (note)"
    )
    assert name_length_error({"queue": "short"}, {"queue": 10}, parts) is None


@pytest.mark.parametrize(
    ("package", "clash"),
    [
        ("class", "a Python keyword"),
        ("json", "a standard-library module"),
        ("boto3", "a module the project depends on"),
        ("tests", "the project's tests folder"),
        ("orders_ingest", ""),
        ("match", ""),  # a soft keyword names modules fine
    ],
)
def test_a_package_name_that_would_clash_says_with_what(package, clash):
    found = package_clash(package, {"boto3"}, {"tests": "the project's tests folder"})
    assert found.startswith(clash) and (found == "") == (clash == "")


@pytest.mark.parametrize(("rate", "expected"), [(1, 2), (100, 200), (2500, 5000), (10000, 5000)])
def test_burst_is_two_seconds_of_the_rate_within_the_account_limit(rate, expected):
    assert burst(rate) == expected


def layer(name: str, version: int = 1) -> str:
    return f"arn:aws:lambda:eu-west-1:123456789012:layer:{name}:{version}"


def test_observability_hooks_are_read_from_their_object():
    hooks = ObservabilityHooks.from_values(
        {
            "layers": [layer("otel")],
            "environment": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel-instrument"},
            "log_destination_arn": "arn:aws:firehose:eu-west-1:123456789012:deliverystream/x",
            "log_destination_role_arn": "",
        }
    )
    assert hooks.layers == (layer("otel"),)
    assert hooks.environment == (("AWS_LAMBDA_EXEC_WRAPPER", "/opt/otel-instrument"),)
    assert ObservabilityHooks.from_values(None) == ObservabilityHooks()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([], "observability=[]: must be an object with layers, environment"),
        ({"layer": []}, "observability={'layer': []}: must be an object with"),
        ({"layers": "x"}, "observability.layers='x': must be a list of layer ARNs"),
        ({"layers": ["x"]}, "observability.layers='x': must be a Lambda layer version ARN"),
        (
            {"layers": [layer(f"l{i}") for i in range(MAX_EXTRA_LAYERS + 1)]},
            f"must list at most {MAX_EXTRA_LAYERS} layers",
        ),
        ({"layers": [layer("a", 1), layer("a", 2)]}, "twice; a function runs one version"),
        ({"environment": {"AWS_REGION": "x"}}, "'AWS_REGION': is reserved: Lambda sets it"),
        ({"environment": {"A": "x"}}, "observability.environment='A': must be two or more"),
        ({"environment": {"AB": 1}}, "observability.environment.AB=1: must be text"),
        (
            {"environment": {"AB": "x" * MAX_EXTRA_ENVIRONMENT_BYTES}},
            "fit beside the consumer's own in Lambda's 4 KB",
        ),
        ({"log_destination_arn": "x"}, "observability.log_destination_arn='x': must be the ARN"),
        ({"log_destination_role_arn": "x"}, "log_destination_role_arn='x': must be an IAM role"),
    ],
)
def test_bad_observability_hooks_are_refused_with_one_line(value, expected):
    with pytest.raises(SettingError, match=re.escape(expected)):
        ObservabilityHooks.from_values(value)
