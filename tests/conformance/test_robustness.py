"""Any input gives a clean protocol answer: never a crash, a hang, stray output or a leak (the
sanitizer build runs this too). Mutations are seeded, so failures reproduce."""

import json
import random

import pytest

from plugin_helpers import AWS_OFFLINE_CONFIG, envelope_request, verify_request

SEEDS = range(60)


def check_clean(res):
    if res.rc == 0:
        assert res.err == b""
        json.loads(res.out)
    else:
        assert res.rc == 1, f"exit {res.rc}: {res.err[-2000:]!r}"
        assert res.out == b""
        body = json.loads(res.err)
        assert isinstance(body["errorCode"], str) and set(body) <= {"errorCode", "errorMessage"}


def mutate(data, rng):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        pos = rng.randrange(len(data) + 1)
        if op == 0 and data:                                   # flip a byte
            data[min(pos, len(data) - 1)] = rng.randrange(256)
        elif op == 1:                                          # insert JSON punctuation
            data[pos:pos] = rng.choice([b"{", b"}", b"[", b"]", b",", b":", b'"', b"\\", b"null",
                                        b"\\u0000", b"\\ud800", b"\xff", b"1e999", b"-0"])
        elif op == 2:                                          # truncate
            del data[pos:]
        elif op == 3 and data:                                 # delete a run
            del data[pos:pos + rng.randint(1, 16)]
        else:                                                  # duplicate a run
            data[pos:pos] = data[max(0, pos - 32):pos]
    return bytes(data)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("command, base", [
    ("generate-envelope", envelope_request(pluginConfig=AWS_OFFLINE_CONFIG)),
    ("verify-signature", verify_request(config=AWS_OFFLINE_CONFIG)),
    ("get-plugin-metadata", {"pluginConfig": {"a": "b"}}),
])
def test_mutated_requests(plugin, command, base, seed):
    rng = random.Random(f"{command}/{seed}")
    body = mutate(json.dumps(base).encode(), rng)  # base itself is never changed
    check_clean(plugin.run(command, stdin=body, timeout=120))


@pytest.mark.parametrize("seed", range(20))
def test_structurally_random_verify_requests(plugin, seed):
    """Valid JSON with random types in every field the plugin reads."""
    rng = random.Random(seed)
    values = [None, True, 0, -1, 1.5, "", "x", "*", [], [None], [""], ["*"], {}, {"k": None},
              "0001-01-01T00:00:00Z", "AA==", ["AA=="], ["SIGNATURE_VERIFIER.TRUSTED_IDENTITY"]]
    req = verify_request(config=AWS_OFFLINE_CONFIG)

    def scramble(obj):
        for k in list(obj):
            if isinstance(obj[k], dict) and rng.random() < 0.7:
                scramble(obj[k])
            elif rng.random() < 0.3:
                obj[k] = rng.choice(values)
    scramble(req)
    check_clean(plugin.run("verify-signature", stdin=req))
