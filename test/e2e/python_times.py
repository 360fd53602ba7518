"""metav1.Time and MicroTime through Debian's python3-kubernetes. Exits non-zero on failure."""
import json
import sys
from datetime import datetime, timedelta, timezone
from kubernetes import client, config
from kubernetes.client.rest import ApiException

config.load_kube_config(config_file=sys.argv[1])
leases = client.CoordinationV1Api()
events = client.EventsV1Api()
plus2 = timezone(timedelta(hours=2))

# The client writes a datetime with isoformat(): an offset, and microseconds when it has any.
renew = datetime(2026, 1, 2, 5, 4, 5, 123456, tzinfo=plus2)
created = leases.create_namespaced_lease("default", client.V1Lease(
    metadata=client.V1ObjectMeta(name="py-times"),
    spec=client.V1LeaseSpec(holder_identity="py", renew_time=renew)))
assert created.spec.renew_time == renew, created.spec.renew_time
raw = leases.api_client.call_api(
    "/apis/coordination.k8s.io/v1/namespaces/default/leases/py-times", "GET",
    auth_settings=["BearerToken"], _preload_content=False, response_type="object")[0]
stored = json.loads(raw.data)["spec"]["renewTime"]
assert stored == "2026-01-02T03:04:05.123456Z", stored

# A MicroTime needs its six fraction digits: a datetime without microseconds is refused, as upstream refuses it.
try:
    leases.patch_namespaced_lease("py-times", "default", {"spec": {"acquireTime": datetime(2026, 1, 2, 5, 4, 5, tzinfo=plus2)}})
    raise AssertionError("a MicroTime without a fraction was accepted")
except ApiException as e:
    assert e.status == 422, (e.status, e.body)
    message = json.loads(e.body)["message"]
    want = 'parsing time "2026-01-02T05:04:05+02:00" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "+02:00" as ".000000"'
    assert message.endswith(want), message

# A naive datetime has no zone: 400 on create.
try:
    leases.create_namespaced_lease("default", client.V1Lease(
        metadata=client.V1ObjectMeta(name="py-naive"),
        spec=client.V1LeaseSpec(renew_time=datetime(2026, 1, 2, 5, 4, 5, 1))))
    raise AssertionError("a time without a zone was accepted")
except ApiException as e:
    assert e.status == 400, (e.status, e.body)
    body = json.loads(e.body)
    assert body["reason"] == "BadRequest", body
    want = ('Lease in version "v1" cannot be handled as a Lease: parsing time "2026-01-02T05:04:05.000001" '
            'as "2006-01-02T15:04:05.000000Z07:00": cannot parse "" as "Z07:00"')
    assert body["message"] == want, body["message"]

event = events.create_namespaced_event("default", client.EventsV1Event(
    metadata=client.V1ObjectMeta(name="py-event"),
    event_time=datetime(2026, 1, 2, 0, 30, 0, 500000, tzinfo=timezone(timedelta(hours=-1))),
    reporting_controller="example.com/py", reporting_instance="py", action="Test", reason="Testing",
    type="Normal", regarding=client.V1ObjectReference(kind="Pod", namespace="default", name="p")))
assert event.event_time == datetime(2026, 1, 2, 1, 30, 0, 500000, tzinfo=timezone.utc), event.event_time
legacy = client.CoreV1Api().read_namespaced_event("py-event", "default")
assert legacy.event_time == event.event_time, legacy.event_time

print("python times: all checks passed")
