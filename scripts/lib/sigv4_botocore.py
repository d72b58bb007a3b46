"""Signs requests with botocore's S3 SigV4 signer, for SigV4BotocoreTests.

Reads a JSON-lines file (argument 1); each line: method, host, path (decoded), query (decoded
name/value pairs), headers (name/value pairs, host included), body (UTF-8 text), timestamp
(YYYYMMDDTHHMMSSZ), region, access_key, secret_key and optionally token. Prints one JSON line per
request: botocore's canonical request, string to sign and signature. The path is encoded the way
botocore's S3 serializer encodes keys (quote, safe '/~'); the query is given to botocore as
parameters, which it encodes itself.
"""
import json
import sys
from urllib.parse import quote

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(case):
    credentials = Credentials(case["access_key"], case["secret_key"], case.get("token"))
    auth = S3SigV4Auth(credentials, "s3", case["region"])
    request = AWSRequest(method=case["method"], url=f"http://{case['host']}{quote(case['path'], safe='/~')}",
                         headers=dict(case["headers"]), data=case["body"].encode("utf-8"))
    request.params = [tuple(pair) for pair in case["query"]]
    # add_auth would take the current time; the same steps with the case's fixed time.
    request.context["timestamp"] = case["timestamp"]
    auth._modify_request_before_signing(request)
    canonical = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical)
    return {"canonical": canonical, "stringToSign": string_to_sign, "signature": auth.signature(string_to_sign, request)}


with open(sys.argv[1], encoding="utf-8") as cases:
    for line in cases:
        print(json.dumps(sign(json.loads(line))))
