#ifndef CCHECKSUM_H
#define CCHECKSUM_H
#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has SSE4.2's CRC-32C instruction (x86-64), else 0.
int mixrec_crc32c_hardware_available(void);

/// Advances the running CRC-32C register `state` (already inverted, as the table-driven loop keeps it) over
/// `count` bytes with the CPU's CRC-32C instruction. Call only when mixrec_crc32c_hardware_available() is 1.
uint32_t mixrec_crc32c_hardware_update(uint32_t state, const uint8_t *bytes, size_t count);

#endif
