//===- Philox.h - counter-based random numbers --------------------*- C -*-===//
//
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC 2011): a keyed bijection of a 128-bit counter, so the random bits
// for any (key, counter) pair are computed directly, without state shared
// between values. Only 32x32->64-bit multiplies and xors: bit-identical on
// every machine.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_RUNTIME_SUPPORT_PHILOX_H
#define CNNC_RUNTIME_SUPPORT_PHILOX_H

#include <stdint.h>

/// Replaces `block` (the counter) by the Philox4x32-10 output for the key
/// (key0, key1).
static inline void cnnc_philox4x32_10(uint32_t block[4], uint32_t key0,
                                      uint32_t key1) {
  for (int round = 0; round < 10; ++round) {
    uint64_t product0 = (uint64_t)0xD2511F53u * block[0];
    uint64_t product1 = (uint64_t)0xCD9E8D57u * block[2];
    uint32_t next0 = (uint32_t)(product1 >> 32) ^ block[1] ^ key0;
    uint32_t next2 = (uint32_t)(product0 >> 32) ^ block[3] ^ key1;
    block[1] = (uint32_t)product1;
    block[3] = (uint32_t)product0;
    block[0] = next0;
    block[2] = next2;
    key0 += 0x9E3779B9u; // the Weyl sequence of the key schedule
    key1 += 0xBB67AE85u;
  }
}

/// A double uniformly distributed in [0, 1) from 53 of the 64 bits (hi, lo).
static inline double cnnc_uniform53(uint32_t hi, uint32_t lo) {
  uint64_t bits = (((uint64_t)hi << 32) | lo) >> 11;
  return (double)bits * (1.0 / 9007199254740992.0); // 2^-53
}

#endif // CNNC_RUNTIME_SUPPORT_PHILOX_H
