#!/usr/bin/env python3
"""Re-checks tests/vectors/ed25519-libsodium-verdicts.json against the system libsodium.

Every case's public key, message and signature go through libsodium's
crypto_sign_verify_detached (called through ctypes, no Python bindings needed); the script
prints any case whose recorded verdict differs and exits 1 if there is one. The recorded
verdicts are libsodium 1.0.18's; another version is reported but still checked.

Needs the libsodium shared library (Debian/Ubuntu: `apt-get install libsodium23`).

Usage: python3 scripts/check-libsodium-verdicts.py [path/to/ed25519-libsodium-verdicts.json]
"""

import ctypes
import ctypes.util
import json
import pathlib
import sys

DEFAULT = pathlib.Path(__file__).resolve().parent.parent / "tests/vectors/ed25519-libsodium-verdicts.json"


def load_libsodium():
    for name in (ctypes.util.find_library("sodium"), "libsodium.so.23", "libsodium.so", "libsodium.dylib"):
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    sys.exit("libsodium not found (Debian/Ubuntu: apt-get install libsodium23)")


def main():
    path = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    doc = json.loads(path.read_text())
    lib = load_libsodium()
    if lib.sodium_init() < 0:
        sys.exit("sodium_init failed")
    lib.sodium_version_string.restype = ctypes.c_char_p
    version = lib.sodium_version_string().decode()
    print(f"libsodium {version}")
    if version != "1.0.18":
        print("note: the recorded verdicts are libsodium 1.0.18's")
    wrong = 0
    for case in doc["cases"]:
        pk, msg, sig = (bytes.fromhex(case[k]) for k in ("public_key", "message", "signature"))
        assert len(pk) == 32 and len(sig) == 64, case["id"]
        rc = lib.crypto_sign_verify_detached(sig, msg, ctypes.c_ulonglong(len(msg)), pk)
        got = "accept" if rc == 0 else "reject"
        if got != case["verdict"]:
            wrong += 1
            print(f"case {case['id']} ({case['description']}): recorded {case['verdict']}, libsodium {got}")
    print(f"{len(doc['cases']) - wrong} of {len(doc['cases'])} cases agree")
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
