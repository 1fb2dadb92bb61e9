"""Cases that need subscribers beyond the public demo set: a subscription not eligible
for any of the APIs (422 SERVICE_NOT_APPLICABLE), a device the network cannot locate,
and an IPv6 handset found by any address of its /64. A Tollgate with a subscribers file
(the demo set plus these records)."""
import pytest

from conftest import ROOT, Tollgate
from network_support import Api, client_for, error_of

EXTRA = """
  - msisdn: "+34600000100"          # eligible for nothing
    sim_activated: 100d ago
    location: { latitude: 40.4168, longitude: -3.7038, accuracy_m: 100 }
    reachable: [DATA, SMS]
    handset_ip: 10.10.0.100
    kyc: { givenName: Eva }
    not_applicable: [sim-swap, device-reachability-status, device-roaming-status, location-verification,
                     location-retrieval, kyc-match, quality-on-demand, qos-profiles, number-verification]
  - msisdn: "+34600000101"          # the network cannot locate it
    sim_activated: 100d ago
    reachable: [SMS]
    handset_ip: 10.10.0.101
  - msisdn: "+34600000102"          # an IPv6 handset
    sim_activated: 100d ago
    location: { latitude: 41.3874, longitude: 2.1686, accuracy_m: 500 }
    roaming: { mcc: 262, country_names: [DE] }
    reachable: [DATA]
    handset_ip: "2001:db8:0:102::1"
"""

SCOPES = ["sim-swap:check", "device-reachability-status:read", "device-roaming-status:read",
          "location-verification:verify", "location-retrieval:read", "kyc-match:match",
          "quality-on-demand:sessions:create", "qos-profiles:read"]


@pytest.fixture(scope="module")
def t(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("eligibility")
    subs = tmp / "subscribers.yaml"
    subs.write_text((ROOT / "examples" / "subscribers.yaml").read_text() + EXTRA)
    inst = Tollgate(tmp, extra_config=f"  subscribers_file: {subs}\n")
    yield inst
    assert inst.stop() == 0, inst.logs()[-3000:]


@pytest.fixture(scope="module")
def token(t):
    return client_for(t, SCOPES)[1]


def api(t, token, name, base):
    return Api(t, name, base, token)


def test_service_not_applicable_everywhere(t, token):
    """Every API answers 422 SERVICE_NOT_APPLICABLE for a subscription not eligible for it (QoS profiles: [])."""
    dev = {"device": {"phoneNumber": "+34600000100"}}
    circle = {"areaType": "CIRCLE", "center": {"latitude": 40.4168, "longitude": -3.7038}, "radius": 1000}
    cases = [
        (api(t, token, "device-reachability-status", "/device-reachability-status/v1"), "/retrieve", dev),
        (api(t, token, "device-roaming-status", "/device-roaming-status/v1"), "/retrieve", dev),
        (api(t, token, "location-verification", "/location-verification/v3"), "/verify", dev | {"area": circle}),
        (api(t, token, "location-retrieval", "/location-retrieval/v0.5"), "/retrieve", dev),
        (api(t, token, "kyc-match", "/kyc-match/v0.4"), "/match", {"phoneNumber": "+34600000100", "givenName": "Eva"}),
        (api(t, token, "quality-on-demand", "/quality-on-demand/v1"), "/sessions",
         dev | {"applicationServer": {"ipv4Address": "1.2.3.4"}, "qosProfile": "QOS_E", "duration": 60}),
        (api(t, token, "sim-swap", "/sim-swap/v2"), "/check", {"phoneNumber": "+34600000100"}),
    ]
    for a, path, body in cases:
        assert error_of(a.post(path, body)) == (422, "SERVICE_NOT_APPLICABLE"), a.name
    qp = api(t, token, "qos-profiles", "/qos-profiles/v1")
    assert qp.post("/retrieve-qos-profiles", dev, expect=200).json_body == []


def test_unable_to_locate(t, token):
    """A device without a known location: UNABLE_TO_LOCATE in both location APIs (maxAge turns verify's into UNABLE_TO_FULFILL_MAX_AGE)."""
    dev = {"device": {"phoneNumber": "+34600000101"}}
    circle = {"areaType": "CIRCLE", "center": {"latitude": 40.4168, "longitude": -3.7038}, "radius": 1000}
    lv = api(t, token, "location-verification", "/location-verification/v3")
    assert error_of(lv.post("/verify", dev | {"area": circle})) == (422, "LOCATION_VERIFICATION.UNABLE_TO_LOCATE")
    assert error_of(lv.post("/verify", dev | {"area": circle, "maxAge": 60})) == \
        (422, "LOCATION_VERIFICATION.UNABLE_TO_FULFILL_MAX_AGE")
    lr = api(t, token, "location-retrieval", "/location-retrieval/v0.5")
    assert error_of(lr.post("/retrieve", dev)) == (422, "LOCATION_RETRIEVAL.UNABLE_TO_LOCATE")


def test_ipv6_device(t, token):
    """An IPv6 handset is found by another address of its /64, and that identifier is echoed."""
    dev = {"device": {"ipv6Address": "2001:db8:0:102:abcd::7"}}
    r = api(t, token, "device-roaming-status", "/device-roaming-status/v1").post("/retrieve", dev, expect=200)
    assert r.json_body["device"] == dev["device"]
    assert (r.json_body["countryCode"], r.json_body["countryName"]) == (262, ["DE"])
    r = api(t, token, "device-reachability-status", "/device-reachability-status/v1").post("/retrieve", dev,
                                                                                        expect=200)
    assert r.json_body["connectivity"] == ["DATA"]
