"""Tooling shared by every service of the api-sqs blueprint: the local emulator, operations
tools and capacity figures, all read from the synthesized cloud assembly (see assembly)."""
