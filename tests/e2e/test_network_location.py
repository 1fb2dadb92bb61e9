"""Location Verification v3 and Location Retrieval v0.5 through the gateway; every answer
validated against the spec's schema (the Area discriminator included)."""
import pytest

from network_support import Api, client_for, error_of

MADRID = {"latitude": 40.4168, "longitude": -3.7038}
PARIS = {"latitude": 48.8566, "longitude": 2.3522}


@pytest.fixture(scope="module")
def verify(tg):
    _, token = client_for(tg, ["location-verification:verify"])
    return Api(tg, "location-verification", "/location-verification/v3", token)


@pytest.fixture(scope="module")
def retrieve(tg):
    _, token = client_for(tg, ["location-retrieval:read"])
    return Api(tg, "location-retrieval", "/location-retrieval/v0.5", token)


def circle(center, radius):
    return {"areaType": "CIRCLE", "center": center, "radius": radius}


def v(api, msisdn, center, radius, **extra):
    return api.post("/verify", {"device": {"phoneNumber": msisdn}, "area": circle(center, radius), **extra})


def test_verify_true(verify):
    """+34600000001's 100 m accuracy circle lies inside 1 km around Madrid: TRUE, no matchRate."""
    r = v(verify, "+34600000001", MADRID, 1000)
    assert r.status_code == 200
    assert r.json_body["verificationResult"] == "TRUE"
    assert "matchRate" not in r.json_body
    assert r.json_body["device"] == {"phoneNumber": "+34600000001"}


def test_verify_false(verify):
    """+34600000002 is in Barcelona, not within 1 km of Madrid: FALSE."""
    assert v(verify, "+34600000002", MADRID, 1000).json_body["verificationResult"] == "FALSE"


def test_verify_partial_with_match_rate(verify):
    """A 100 m circle 100 m north of the device shares 39 % of its accuracy circle: PARTIAL, matchRate 39."""
    north = {"latitude": 40.4168 + 100 / 111195.08, "longitude": -3.7038}
    r = v(verify, "+34600000001", north, 100)
    assert (r.json_body["verificationResult"], r.json_body["matchRate"]) == ("PARTIAL", 39)


def test_verify_max_age(verify):
    """+34600000003 was last located 2 h ago: maxAge 3600 cannot be fulfilled, a day can."""
    assert error_of(v(verify, "+34600000003", PARIS, 5000, maxAge=3600)) == \
        (422, "LOCATION_VERIFICATION.UNABLE_TO_FULFILL_MAX_AGE")
    r = v(verify, "+34600000003", PARIS, 5000, maxAge=86400)
    assert r.json_body["verificationResult"] == "TRUE"


@pytest.mark.parametrize("center,radius,extra,expected", [
    (MADRID, 50, {}, (422, "LOCATION_VERIFICATION.INVALID_AREA")),
    ({"latitude": -33.8688, "longitude": 151.2093}, 5000, {}, (422, "LOCATION_VERIFICATION.AREA_NOT_COVERED")),
    (MADRID, 0.5, {}, (400, "OUT_OF_RANGE")),
    ({"latitude": 91, "longitude": 0}, 1000, {}, (400, "OUT_OF_RANGE")),
    (MADRID, 1000, {"maxAge": -1}, (400, "OUT_OF_RANGE")),
    (MADRID, "1000", {}, (400, "INVALID_ARGUMENT")),
])
def test_verify_errors(verify, center, radius, extra, expected):
    """Area policy (422) and schema ranges (400) have their documented codes."""
    assert error_of(v(verify, "+34600000001", center, radius, **extra)) == expected


@pytest.mark.parametrize("body,expected", [
    ({"area": circle(MADRID, 1000)}, (422, "MISSING_IDENTIFIER")),
    ({"device": {"phoneNumber": "+34600000999"}, "area": circle(MADRID, 1000)}, (404, "IDENTIFIER_NOT_FOUND")),
    ({"device": {"networkAccessIdentifier": "a@b.example"}, "area": circle(MADRID, 1000)},
     (422, "UNSUPPORTED_IDENTIFIER")),
    ({"device": {"phoneNumber": "+34600000001"}, "area": {"areaType": "POLYGON"}}, (400, "INVALID_ARGUMENT")),
    ({"device": {"phoneNumber": "+34600000001"}}, (400, "INVALID_ARGUMENT")),
])
def test_verify_identification_and_schema(verify, body, expected):
    """Identification codes and a missing or unsupported area."""
    assert error_of(verify.post("/verify", body)) == expected


def test_retrieve_circle(retrieve):
    """+34600000001's location is a CIRCLE: Madrid, radius 100 m, located now."""
    r = retrieve.post("/retrieve", {"device": {"phoneNumber": "+34600000001"}, "maxAge": 60}, expect=200)
    area = r.json_body["area"]
    assert area == {"areaType": "CIRCLE", "center": MADRID, "radius": 100}
    assert r.json_body["device"] == {"phoneNumber": "+34600000001"}


def test_retrieve_polygon(retrieve):
    """+34600000003's location is a POLYGON of 6 points around Paris."""
    r = retrieve.post("/retrieve", {"device": {"phoneNumber": "+34600000003"}}, expect=200)
    area = r.json_body["area"]
    assert area["areaType"] == "POLYGON"
    assert len(area["boundary"]) == 6
    for p in area["boundary"]:
        assert abs(p["latitude"] - PARIS["latitude"]) < 0.02 and abs(p["longitude"] - PARIS["longitude"]) < 0.03


@pytest.mark.parametrize("extra,expected", [
    ({"maxAge": 3600}, (422, "LOCATION_RETRIEVAL.UNABLE_TO_FULFILL_MAX_AGE")),
    ({"maxSurface": 1000000}, (422, "LOCATION_RETRIEVAL.UNABLE_TO_FULFILL_MAX_SURFACE")),
    ({"maxSurface": 0}, (400, "INVALID_ARGUMENT")),
    ({"maxAge": 1.5}, (400, "INVALID_ARGUMENT")),
])
def test_retrieve_limits(retrieve, extra, expected):
    """maxAge / maxSurface that cannot be fulfilled (422) or are malformed (400)."""
    body = {"device": {"phoneNumber": "+34600000003"}, **extra}
    assert error_of(retrieve.post("/retrieve", body)) == expected


def test_retrieve_identification(retrieve):
    """No device with a 2-legged token: 422 MISSING_IDENTIFIER; an unknown one: 404."""
    assert error_of(retrieve.post("/retrieve", {})) == (422, "MISSING_IDENTIFIER")
    assert error_of(retrieve.post("/retrieve", {"device": {"phoneNumber": "+34600000999"}})) == \
        (404, "IDENTIFIER_NOT_FOUND")
