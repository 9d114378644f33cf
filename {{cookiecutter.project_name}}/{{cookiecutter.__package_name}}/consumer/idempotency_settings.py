"""Settings of the idempotency table (enable_idempotency=true): its name. Standard library only
(the render checks the name's length with it)."""

NAME_LIMITS = {"idempotency_table": 255}


def resource_names(prefix: str) -> dict[str, str]:
    return {"idempotency_table": f"{prefix}-idempotency"}
