"""{{ cookiecutter.project_name }}: an HTTP API that queues each request in SQS for a Lambda consumer."""
