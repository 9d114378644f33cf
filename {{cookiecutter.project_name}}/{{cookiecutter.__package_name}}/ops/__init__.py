"""Operations tools for the deployed stack: `python -m {{ cookiecutter.__package_name }}.ops.<tool> --help`."""
