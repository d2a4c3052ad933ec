# The harness's pytest plugin; a no-op once the package is installed (its entry point has this name).
pytest_plugins = ["harness.pytest_plugin"]
