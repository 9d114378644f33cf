"""Command-line argument types every tool shares (standard library only)."""

import argparse
import math
from collections.abc import Callable
from pathlib import Path


def add_cdk_out(arguments: argparse.ArgumentParser) -> None:
    """--cdk-out DIR: the cloud assembly every tool reads."""
    arguments.add_argument(
        "--cdk-out",
        type=Path,
        default=Path("cdk.out"),
        metavar="DIR",
        help="the stage's synthesized cloud assembly (default: cdk.out)",
    )


def number(kind: type, low: float, high: float = math.inf) -> Callable[[str], float]:
    """An argparse type: a finite number of kind (int or float) from low to high."""
    rule = f"must be {'a whole number' if kind is int else 'a number'} of at least {low:g}"
    if high < math.inf:
        rule += f" and at most {high:g}"

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"{rule}, not {text!r}")
        return value

    return parse
