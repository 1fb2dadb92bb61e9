"""KYC Match v0.4 through the gateway; answers validated against the spec."""
import pytest

from network_support import Api, client_for, error_of


@pytest.fixture(scope="module")
def kyc(tg):
    _, token = client_for(tg, ["kyc-match:match"])
    return Api(tg, "kyc-match", "/kyc-match/v0.4", token)


def test_match_true_false_not_available(kyc):
    """Matching attributes are "true", a different one "false" with a score, one not on file "not_available"."""
    r = kyc.post("/match", {"phoneNumber": "+34600000001", "idDocument": "66666666q", "givenName": "ana",
                            "familyName": "Garcia Lopez", "birthdate": "1978-08-22", "gender": "FEMALE"}, expect=200)
    assert r.json_body == {"idDocumentMatch": "true", "givenNameMatch": "true", "familyNameMatch": "false",
                           "familyNameMatchScore": 93, "birthdateMatch": "true", "genderMatch": "not_available"}


def test_no_score_when_true(kyc):
    """A "true" match never carries a score."""
    r = kyc.post("/match", {"phoneNumber": "+34600000002", "name": "Jordi Puig Serra"}, expect=200)
    assert r.json_body == {"nameMatch": "true"}


@pytest.mark.parametrize("body,expected", [
    ({"phoneNumber": "+34600000001", "givenName": "Ana"}, (403, "KNOW_YOUR_CUSTOMER.ID_DOCUMENT_REQUIRED")),
    ({"phoneNumber": "+34600000001", "idDocument": "1", "givenName": "Ana"}, (403, "KNOW_YOUR_CUSTOMER.ID_DOCUMENT_MISMATCH")),
    ({"phoneNumber": "+34600000001"}, (400, "KNOW_YOUR_CUSTOMER.INVALID_PARAM_COMBINATION")),
    ({"phoneNumber": "+34600000002", "gender": "male"}, (400, "INVALID_ARGUMENT")),
    ({"phoneNumber": "+34600000002", "birthdate": "1990-02-30"}, (400, "INVALID_ARGUMENT")),
    ({"givenName": "Jordi"}, (422, "MISSING_IDENTIFIER")),
    ({"phoneNumber": "+34600000999", "givenName": "Jordi"}, (404, "IDENTIFIER_NOT_FOUND")),
])
def test_errors(kyc, body, expected):
    """Each documented KYC Match error, with its status and code."""
    assert error_of(kyc.post("/match", body)) == expected
