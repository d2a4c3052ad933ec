"""What tests use: the pytest plugin and its fixtures, fans, the browser, staged breakage."""
