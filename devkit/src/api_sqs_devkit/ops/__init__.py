"""Operations tools for a deployed stage: `python -m api_sqs_devkit.ops.<tool> --help`."""
