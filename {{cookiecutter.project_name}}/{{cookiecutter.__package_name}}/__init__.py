"""{{ cookiecutter.project_name }}: an {{ cookiecutter.api_type | upper }} API that queues each request in SQS for a Lambda consumer."""
