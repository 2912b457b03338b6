#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""argo's SigV4 signatures against botocore's, the independent signer.

Usage: sigv4_botocore.py SIGV4_CASES_BINARY
Each request argo signed (with a fixed clock) is signed again by
botocore.auth.S3SigV4Auth with the same clock, body, headers and
credentials; the Authorization headers must be identical. Exits 77
(skipped) when botocore is not installed (Debian: python3-botocore).
"""
import datetime
import json
import subprocess
import sys

try:
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    print("SKIP: botocore is not installed (Debian package python3-botocore)")
    sys.exit(77)

out = subprocess.run([sys.argv[1]], capture_output=True, text=True, check=True).stdout
passed = failed = 0
for line in out.splitlines():
    case = json.loads(line)
    when = datetime.datetime.strptime(case["amz_date"], "%Y%m%dT%H%M%SZ")

    class Fixed(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return when

    botocore.auth.datetime.datetime = Fixed
    req = AWSRequest(method=case["method"], url=case["url"], data=case["body"].encode(),
                     headers=dict(case["headers"]))
    creds = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    botocore.auth.S3SigV4Auth(creds, "s3", case["region"]).add_auth(req)
    theirs = req.headers["Authorization"]
    if theirs == case["authorization"]:
        passed += 1
        print(f"ok   {case['name']}")
    else:
        failed += 1
        print(f"FAIL {case['name']}\n  argo:     {case['authorization']}\n  botocore: {theirs}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
