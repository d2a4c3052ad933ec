"""Release acceptance: `harness accept` runs every scenario as a gate and writes one report
(HTML for a person, JUnit XML for CI) with, per failed test, a timeline joined by request id."""
