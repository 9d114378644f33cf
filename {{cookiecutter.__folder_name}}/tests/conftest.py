import os

# Powertools reads these when the handler module is imported; Lambda sets them in the cloud.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "{{ cookiecutter.project_name }}")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "{{ cookiecutter.project_name }}")
{%- if cookiecutter.enable_tracing %}
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
{%- endif %}
