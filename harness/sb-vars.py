#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write an OVMF variable store with Secure Boot keys enrolled.

    sb-vars.py TEMPLATE OUT PK.esl KEK.esl db.esl

TEMPLATE is Debian's empty store (/usr/share/OVMF/OVMF_VARS_4M.fd). OUT is
a copy of it whose authenticated variable store holds PK, KEK and db (each
an EFI_SIGNATURE_LIST, as cert-to-efi-sig-list writes it), SecureBootEnable
set and CustomMode clear: what the firmware's own enrollment leaves (compare
Debian's OVMF_VARS_4M.ms.fd), so that the firmware boots in user mode with
Secure Boot on. The firmware creates the rest (certdb, VendorKeysNv, ...)
itself. Nothing else is changed: the firmware volume header and the
fault-tolerant-write areas stay the template's.
"""

import struct
import sys
import uuid

NV_FV_GUID = uuid.UUID('fff12b8d-7696-4c8b-a985-2747075b4f50')
AUTH_STORE_GUID = uuid.UUID('aaf32c78-947b-439a-a180-2e144ec37792')
GLOBAL_GUID = uuid.UUID('8be4df61-93ca-11d2-aa0d-00e098032b8c')
IMAGE_SECURITY_GUID = uuid.UUID('d719b2cb-3d3a-4596-a3bc-dad00e67656f')
SB_ENABLE_GUID = uuid.UUID('f0a30bc7-af08-4556-99c4-001009c93a44')
CUSTOM_MODE_GUID = uuid.UUID('c076ec0c-7028-4399-a072-71ee5c448b9f')
ESL_X509_GUID = uuid.UUID('a5c059a1-94e4-4aa7-87b5-ab155c2bf072')

NV_BS = 0x3                     # NON_VOLATILE | BOOTSERVICE_ACCESS
NV_BS_RT_TIMEAUTH = 0x27        # ... | RUNTIME_ACCESS | TIME_BASED_AUTHENTICATED
VAR_ADDED = 0x3f
START_ID = 0x55aa
# EFI_TIME of the enrollment: 2026-01-01 00:00:00.
TIMESTAMP = struct.pack('<HBBBBBBIhBB', 2026, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0)


def die(msg):
    sys.exit('sb-vars.py: ' + msg)


def variable(name, guid, attrs, data, timestamp=bytes(16)):
    """One AUTHENTICATED_VARIABLE_HEADER, its name and data, 4-aligned."""
    name16 = (name + '\0').encode('utf-16-le')
    rec = struct.pack('<HBBIQ', START_ID, VAR_ADDED, 0, attrs, 0)
    rec += timestamp
    rec += struct.pack('<III', 0, len(name16), len(data))
    rec += guid.bytes_le + name16 + data
    return rec + b'\xff' * (-len(rec) % 4)


def esl(path):
    data = open(path, 'rb').read()
    if len(data) < 28 or uuid.UUID(bytes_le=data[:16]) != ESL_X509_GUID:
        die(f'{path}: not an EFI_SIGNATURE_LIST of X.509 certificates')
    return data


def main():
    if len(sys.argv) != 6:
        die('usage: sb-vars.py TEMPLATE OUT PK.esl KEK.esl db.esl')
    template, out, pk, kek, db = sys.argv[1:]
    fd = bytearray(open(template, 'rb').read())
    if uuid.UUID(bytes_le=bytes(fd[0x10:0x20])) != NV_FV_GUID:
        die(f'{template}: not an OVMF variable firmware volume')
    store = struct.unpack_from('<H', fd, 0x30)[0]
    if uuid.UUID(bytes_le=bytes(fd[store:store + 16])) != AUTH_STORE_GUID:
        die(f'{template}: no authenticated variable store')
    size = struct.unpack_from('<I', fd, store + 16)[0]
    first = store + 28
    if struct.unpack_from('<H', fd, first)[0] == START_ID:
        die(f'{template}: the store is not empty; start from OVMF_VARS_4M.fd')

    recs = b''.join([
        variable('db', IMAGE_SECURITY_GUID, NV_BS_RT_TIMEAUTH, esl(db), TIMESTAMP),
        variable('KEK', GLOBAL_GUID, NV_BS_RT_TIMEAUTH, esl(kek), TIMESTAMP),
        variable('PK', GLOBAL_GUID, NV_BS_RT_TIMEAUTH, esl(pk), TIMESTAMP),
        variable('SecureBootEnable', SB_ENABLE_GUID, NV_BS, b'\x01'),
        variable('CustomMode', CUSTOM_MODE_GUID, NV_BS, b'\x00'),
    ])
    if first + len(recs) > store + size:
        die('the keys do not fit in the variable store')
    fd[first:first + len(recs)] = recs
    with open(out, 'wb') as f:
        f.write(fd)


if __name__ == '__main__':
    main()
