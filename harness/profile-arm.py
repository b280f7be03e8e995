# SPDX-License-Identifier: GPL-2.0
"""Sample a booting guest's RIP through the QEMU monitor; see profile-arm.sh.

usage: profile-arm.py SECONDS DIR BZIMAGE INITRD SYSTEM.MAP
"""
import bisect
import collections
import re
import socket
import subprocess
import sys
import time

# Functions of the early load; the window runs from the first to the last
# sample in one of them.
LOAD_PATH = re.compile(r'^(sha256|BLEND_OP|LOAD_OP|kimage_|kexec_|crash_early_)')

# What each sampled function does for the load: the digest, copying the data
# into the reservation, clearing memory; anything else is "rest".
KINDS = (('hash', re.compile(r'^(sha256|BLEND_OP|LOAD_OP|kexec_calculate_store_digests)')),
         ('copy', re.compile(r'^(__)?(memcpy|memmove|copy_|kimage_load)')),
         ('zero', re.compile(r'^(__)?(memset|clear_page)')))


def kind(name):
    for k, pattern in KINDS:
        if pattern.match(name):
            return k
    return 'rest'


def symbols(system_map):
    syms = []
    with open(system_map) as f:
        for line in f:
            addr, kind, name = line.split()[:3]
            if kind in 'tTwW':
                syms.append((int(addr, 16), name))
    syms.sort()
    return syms


def sample(seconds, out, bzimage, initrd):
    monitor = out + '/monitor'
    qemu = subprocess.Popen([
        'qemu-system-x86_64', '-machine', 'pc', '-accel', 'tcg', '-m', '1G',
        '-smp', '2', '-display', 'none', '-no-reboot',
        '-serial', 'file:' + out + '/serial.log',
        '-monitor', 'unix:%s,server,nowait' % monitor,
        '-kernel', bzimage, '-initrd', initrd, '-append',
        'console=ttyS0 panic=1 printk.time=1 nokaslr crashkernel=256M'])
    for _ in range(50):
        try:
            mon = socket.socket(socket.AF_UNIX)
            mon.connect(monitor)
            break
        except OSError:
            time.sleep(0.1)
    else:
        sys.exit('profile-arm: no QEMU monitor')

    def command(text):
        mon.sendall(text.encode() + b'\n')
        buf = b''
        while not buf.rstrip().endswith(b'(qemu)'):
            chunk = mon.recv(65536)
            if not chunk:
                raise EOFError
            buf += chunk
        return buf.decode(errors='replace')

    rips = []
    end = time.monotonic() + seconds
    try:
        command('')
        while time.monotonic() < end:
            found = re.search(r'RIP=([0-9a-f]+)', command('info registers'))
            if found:
                rips.append(int(found.group(1), 16))
    except (EOFError, OSError):
        pass                    # the guest ended
    qemu.kill()
    qemu.wait()
    return rips


def main():
    seconds, out, bzimage, initrd, system_map = sys.argv[1:6]
    syms = symbols(system_map)
    addrs = [a for a, _ in syms]
    names = []
    for rip in sample(float(seconds), out, bzimage, initrd):
        i = bisect.bisect_right(addrs, rip) - 1
        names.append(syms[i][1] if i >= 0 and rip >= 0xffffffff80000000 else '(user)')
    hits = [i for i, n in enumerate(names) if LOAD_PATH.match(n)]
    if not hits:
        sys.exit('profile-arm: no sample in the load path')
    window = names[hits[0]:hits[-1] + 1]
    print('%d samples in the load, %d in all' % (len(window), len(names)))
    for name, count in collections.Counter(window).most_common(12):
        print('%5.1f %%  %s' % (100.0 * count / len(window), name))
    kinds = collections.Counter(kind(n) for n in window)
    print('breakdown: ' + ' '.join('%s %.1f' % (k, 100.0 * kinds[k] / len(window))
                                   for k in ('hash', 'copy', 'zero', 'rest')))


if __name__ == '__main__':
    main()
