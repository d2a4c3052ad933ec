"""GetMetricStatistics matches the dimensions exactly on the embedded emulator.

[API_GetMetricStatistics] https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html
"CloudWatch treats each unique combination of dimensions as a separate metric. If a specific
combination of dimensions was not published, you can't retrieve statistics for it. You must
specify the same dimensions that were used when the metrics were created."
[API_ListMetrics] https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html
"The dimensions to filter against. Only the dimensions that match exactly will be returned":
ListMetrics returns every metric that has the dimensions named, whatever else it has.
"""

import datetime
import uuid

import pytest

from harness.control_plane.backends import cloudwatch_dimensions

METRIC = "HTTPCode_Target_5XX_Count"


@pytest.fixture
def cloudwatch(endpoints):
    cloudwatch_dimensions.install()
    return endpoints.client("cloudwatch")


@pytest.fixture
def published(cloudwatch):
    """5xx counts as the ALB publishes them: 3 per LoadBalancer, the same 3 per LoadBalancer +
    TargetGroup, and 7 with no dimension at all under the same name; in a namespace of its own,
    so that each test sees only its own."""
    namespace = f"AnimeHub/test-{uuid.uuid4().hex[:8]}"
    lb = f"app/lb-{uuid.uuid4().hex[:8]}/0123456789abcdef"
    tg = f"targetgroup/tg-{uuid.uuid4().hex[:8]}/0123456789abcdef"
    at = datetime.datetime.now(datetime.UTC).replace(second=0, microsecond=0)
    by_lb = [{"Name": "LoadBalancer", "Value": lb}]
    by_lb_and_tg = by_lb + [{"Name": "TargetGroup", "Value": tg}]
    cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {"MetricName": METRIC, "Dimensions": by_lb, "Timestamp": at, "Value": 3},
            {"MetricName": METRIC, "Dimensions": by_lb_and_tg, "Timestamp": at, "Value": 3},
            {"MetricName": METRIC, "Timestamp": at, "Value": 7},
        ],
    )
    return {"namespace": namespace, "lb": lb, "tg": tg, "at": at}


def total(cloudwatch, published, dimensions) -> float:
    at = published["at"]
    answer = cloudwatch.get_metric_statistics(
        Namespace=published["namespace"],
        MetricName=METRIC,
        Dimensions=dimensions,
        StartTime=at - datetime.timedelta(minutes=1),
        EndTime=at + datetime.timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )
    return sum(point["Sum"] for point in answer["Datapoints"])


def test_the_load_balancer_dimension_alone_counts_each_5xx_once(cloudwatch, published):
    by_lb = [{"Name": "LoadBalancer", "Value": published["lb"]}]
    assert total(cloudwatch, published, by_lb) == 3


def test_both_dimensions_get_only_what_was_published_with_both(cloudwatch, published):
    both = [
        {"Name": "TargetGroup", "Value": published["tg"]},
        {"Name": "LoadBalancer", "Value": published["lb"]},
    ]
    assert total(cloudwatch, published, both) == 3


def test_a_combination_never_published_has_no_datapoints(cloudwatch, published):
    by_tg = [{"Name": "TargetGroup", "Value": published["tg"]}]
    assert total(cloudwatch, published, by_tg) == 0


def test_no_dimension_gets_only_what_was_published_without_one(cloudwatch, published):
    assert total(cloudwatch, published, []) == 7


def test_list_metrics_still_lists_every_metric_with_the_dimension(cloudwatch, published):
    listed = cloudwatch.list_metrics(
        Namespace=published["namespace"],
        MetricName=METRIC,
        Dimensions=[{"Name": "LoadBalancer", "Value": published["lb"]}],
    )["Metrics"]
    assert sorted(len(m["Dimensions"]) for m in listed) == [1, 2]
