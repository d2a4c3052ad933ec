"""GetMetricStatistics on the harness's moto matches the dimensions exactly, as AWS does.

AWS treats each unique combination of dimensions as a separate metric: a GetMetricStatistics
call gets the datapoints published with exactly the dimensions it names, no more and no fewer
(none named: only the datapoints published without dimensions). moto 5.2 matches them as a
subset, so an alarm on an ALB count with the LoadBalancer dimension alone also summed the
datapoints published with LoadBalancer + TargetGroup and counted each 5xx twice. ListMetrics
keeps moto's subset match, which is what AWS does there.

Installed in the embedded emulator and in a moto process of the endpoint topology; the rule's
page is cited in tests/control_plane/test_cloudwatch_dimensions.py."""

from __future__ import annotations


class _ExactDimensions(list):
    """The dimensions of one GetMetricStatistics call: matched as a whole set. Truthy even when
    empty, so that moto filters by them instead of taking every datapoint of the name."""

    def __bool__(self) -> bool:
        return True


def _pairs(dimensions) -> set[tuple[str, str | None]]:
    return {
        (d["Name"], d.get("Value")) if isinstance(d, dict) else (d.name, d.value)
        for d in dimensions
    }


def install() -> None:
    """Idempotent; changes the moto of this process."""
    from moto.cloudwatch import models

    backend_class, datum_class = models.CloudWatchBackend, models.MetricDatumBase
    if getattr(backend_class, "_harness_exact_dimensions", False):
        return
    backend_class._harness_exact_dimensions = True
    get_metric_statistics, datum_filter = backend_class.get_metric_statistics, datum_class.filter

    def get_metric_statistics_exactly(self, *args, dimensions=None, **kwargs):
        exact = _ExactDimensions(dimensions or [])
        return get_metric_statistics(self, *args, dimensions=exact, **kwargs)

    def filter_exactly(self, namespace, name, dimensions, already_present_metrics=None):
        if isinstance(dimensions, _ExactDimensions):
            return datum_filter(self, namespace, name, [], already_present_metrics) and _pairs(
                self.dimensions
            ) == _pairs(dimensions)
        return datum_filter(self, namespace, name, dimensions, already_present_metrics)

    backend_class.get_metric_statistics = get_metric_statistics_exactly
    datum_class.filter = filter_exactly
