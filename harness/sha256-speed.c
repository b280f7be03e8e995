// SPDX-License-Identifier: GPL-2.0
/*
 * SHA-256 throughput of a plain C implementation on this host, for
 * `make bench` (harness/bench.sh, group sha): the kernel's generic
 * library code, which kexec_file uses since the SHA-256 library patch,
 * is plain C of the same shape (one 64-round compression per block, no
 * vector instructions). bench.sh sets it beside OpenSSL's SHA-NI code
 * on the same host, which is what the crypto API's sha256-ni gave
 * kexec_file_load(2) before.
 *
 *   sha256-speed MIB     hash MIB MiB, print "MiB/s DIGEST-PREFIX"
 *   sha256-speed -t      hash "abc", print the digest (a self-check)
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const uint32_t k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void compress(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 64; i++)
		w[i] = w[i - 16] + (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
		       w[i - 7] + (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10));
	a = h[0]; b = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; hh = h[7];
	for (i = 0; i < 64; i++) {
		t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

/* @len bytes of @p, @len a multiple of 64 or the final, padded call. */
static void sha256(const uint8_t *p, size_t len, uint8_t out[32])
{
	uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	uint8_t tail[128] = { 0 };
	size_t n = len & ~(size_t)63, rest = len - n, tlen;
	uint64_t bits = (uint64_t)len * 8;
	int i;

	for (size_t off = 0; off < n; off += 64)
		compress(h, p + off);
	memcpy(tail, p + n, rest);
	tail[rest] = 0x80;
	tlen = rest + 9 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[tlen - 1 - i] = (uint8_t)(bits >> (8 * i));
	for (size_t off = 0; off < tlen; off += 64)
		compress(h, tail + off);
	for (i = 0; i < 32; i++)
		out[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	uint8_t digest[32];
	size_t len;
	uint8_t *buf;
	double s;
	int i;

	if (argc == 2 && !strcmp(argv[1], "-t")) {
		sha256((const uint8_t *)"abc", 3, digest);
		for (i = 0; i < 32; i++)
			printf("%02x", digest[i]);
		printf("\n");
		return 0;
	}
	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: sha256-speed MIB | -t\n");
		return 2;
	}
	len = (size_t)atoi(argv[1]) << 20;
	buf = malloc(len);
	if (!buf)
		return 1;
	for (size_t j = 0; j < len; j++)
		buf[j] = (uint8_t)(j * 131 + 7);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sha256(buf, len, digest);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%.1f %02x%02x%02x%02x\n", (double)len / 1048576 / s,
	       digest[0], digest[1], digest[2], digest[3]);
	free(buf);
	return 0;
}
