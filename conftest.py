# Loads the harness's pytest plugin; a no-op once the package is installed, because its
# entry point carries this same name.
pytest_plugins = ["harness.testkit.pytest_plugin"]
