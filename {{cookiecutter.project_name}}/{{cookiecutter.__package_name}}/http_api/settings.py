"""Settings of the HTTP API: the name it is given. Standard library only (the render checks the
name's length with it)."""

NAME_LIMITS = {"http_api": 128}


def resource_names(prefix: str) -> dict[str, str]:
    return {"http_api": f"{prefix}-http-api"}
