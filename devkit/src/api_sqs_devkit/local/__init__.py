"""The service on this machine, from its synthesized cloud assembly: the API with its routes,
authorizers, throttles and mapping templates; the queues in moto's SQS; the event source
mappings running each consumer's handler. Start it with `python -m api_sqs_devkit.local`;
drive it from Python with `harness.LocalStack`."""
