"""DynamoDB on this machine: the stack's tables in moto's server, the same process that holds
the queues (moto's server answers for every service on one endpoint)."""

from ..assembly import Service, Table

# moto does not throttle: any provisioned capacity does.
LOCAL_CAPACITY = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}


def create_table_arguments(table: Table) -> dict:
    """CreateTable's arguments for a table of the stack: its key, and how it is billed. Only the
    key's attributes are defined (DynamoDB refuses definitions no key uses; secondary indexes
    are not created locally)."""
    arguments = {
        "TableName": table.name,
        "KeySchema": [
            {"AttributeName": name, "KeyType": key_type} for name, key_type in table.key_schema
        ],
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": table.attribute_types.get(name, "S")}
            for name, _ in table.key_schema
        ],
    }
    if table.billing_mode == "PAY_PER_REQUEST":
        arguments["BillingMode"] = "PAY_PER_REQUEST"
    else:
        arguments["ProvisionedThroughput"] = dict(LOCAL_CAPACITY)
    return arguments


def create_tables(dynamodb, service: Service) -> None:
    """Every table of the stack, with its time to live when it has one (moto records it, and
    does not expire items: DynamoDB itself deletes expired items within days, not at once)."""
    for table in service.tables:
        dynamodb.create_table(**create_table_arguments(table))
        if table.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=table.name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )
