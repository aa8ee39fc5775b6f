#!/usr/bin/env python3
"""Verifies a `mentorship export` with Python's standard library alone.

    python3 tools/verify_export.py EXPORT_DIR [--public-key HEX]

Recomputes the hash chain from events.jsonl,

    hash(0) = 32 zero bytes
    hash(n) = SHA-256(hash(n-1) || canonical(n))

checks that positions run 1, 2, ... without a gap and that each canonical
record carries its own position, that every line's hash is the computed
one, that the manifest's count, head hash and file digest match, and that
the newest signed checkpoint's Ed25519 signature verifies (against
--public-key when given: the key you trust, kept apart from the export) and
its hash is the chain's at its position.

Prints "intact: N events, head HASH" and exits 0, or names the first damage
and exits 1.
"""

import hashlib
import json
import sys

# Ed25519 verification (RFC 8032, section 6: the reference algorithm).
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P)
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


def _add(a, b):
    e = (a[1] - a[0]) * (b[1] - b[0]) % P
    f = (a[1] + a[0]) * (b[1] + b[0]) % P
    g = 2 * a[3] * b[3] * D % P
    h = 2 * a[2] * b[2] % P
    e, f, g, h = f - e, h - g, h + g, f + e
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(s, point):
    result = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            result = _add(result, point)
        point = _add(point, point)
        s >>= 1
    return result


def _equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


def _decompress(data):
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


_GY = 4 * pow(5, P - 2, P) % P
_GX = _recover_x(_GY, 0)
BASE = (_GX, _GY, 1, _GX * _GY % P)


def ed25519_verify(public, message, signature):
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % L
    return _equal(_mul(s, BASE), _add(r, _mul(h, a)))


CHECKPOINT_DOMAIN = b"mentorship.checkpoint.v1"


class Damage(Exception):
    pass


def verify(directory, trusted_key=None):
    with open(f"{directory}/manifest.json", encoding="utf-8") as file:
        manifest = json.load(file)
    if manifest.get("format") != "mentorship-export/1":
        raise Damage(f"unknown export format {manifest.get('format')!r}")
    with open(f"{directory}/events.jsonl", "rb") as file:
        raw = file.read()
    if hashlib.sha256(raw).hexdigest() != manifest["events_sha256"]:
        problem = "events.jsonl is not the file the manifest names (its SHA-256 differs)"
    else:
        problem = None
    previous = bytes(32)
    hashes = {0: previous}
    count = 0
    for number, text in enumerate(raw.split(b"\n")[:-1], start=1):
        try:
            event = json.loads(text)
            position = event["position"]
            canonical = bytes.fromhex(event["canonical"])
            stored = bytes.fromhex(event["hash"])
        except (ValueError, KeyError, TypeError) as error:
            raise Damage(f"line {number} (position {count + 1}) does not read: {error}")
        if position != count + 1:
            raise Damage(f"position {count + 1} is missing (line {number} holds {position})")
        if canonical[1:9] != position.to_bytes(8, "big"):
            raise Damage(f"position {position}: its canonical bytes carry another position")
        computed = hashlib.sha256(previous + canonical).digest()
        if computed != stored:
            raise Damage(
                f"position {position}: hash {stored.hex()} is not "
                f"SHA-256(previous hash || canonical) = {computed.hex()}"
            )
        previous = computed
        count = position
        hashes[position] = computed
    if count != manifest["count"]:
        raise Damage(f"the manifest counts {manifest['count']} events, the file holds {count}")
    if previous.hex() != manifest["head_hash"]:
        raise Damage(f"the manifest's head hash is not the chain's: {previous.hex()}")
    if problem:
        raise Damage(problem)
    checkpoint = manifest.get("checkpoint")
    if checkpoint is not None:
        position = checkpoint["position"]
        head = bytes.fromhex(checkpoint["head_hash"])
        public = bytes.fromhex(checkpoint["public_key"])
        if trusted_key is not None and public != trusted_key:
            raise Damage(f"the checkpoint at {position} is signed by {public.hex()}, not the trusted key")
        message = (
            CHECKPOINT_DOMAIN
            + position.to_bytes(8, "big")
            + head
            + checkpoint["signed_at_millis"].to_bytes(8, "big", signed=True)
        )
        if not ed25519_verify(public, message, bytes.fromhex(checkpoint["signature"])):
            raise Damage(f"the signature of the checkpoint at {position} does not verify")
        if hashes.get(position) != head:
            raise Damage(f"the chain at {position} is not what the checkpoint signed")
    elif trusted_key is not None:
        raise Damage("the export has no signed checkpoint to check the trusted key against")
    return count, previous, checkpoint


def main(arguments):
    if not arguments or arguments[0].startswith("-"):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    trusted = None
    if "--public-key" in arguments:
        trusted = bytes.fromhex(arguments[arguments.index("--public-key") + 1])
    try:
        count, head, checkpoint = verify(arguments[0], trusted)
    except (Damage, OSError, KeyError, ValueError) as damage:
        print(f"damaged: {damage}")
        return 1
    signed = f", signed checkpoint at {checkpoint['position']}" if checkpoint else ""
    print(f"intact: {count} events, head {head.hex()}{signed}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
