# Enables the Rostra fixtures (rostra_fixture.py must be importable: beside this file, or
# on PYTHONPATH). Run: ROSTRA_BINARY=path/to/rostra pytest
pytest_plugins = ["rostra_fixture"]
