// The usages of a descriptor's top-level (application) collections, read without a full parse: enough to tell a
// UPS (Power Device page 0x84, Battery System page 0x85: docs/hid-mapping.md §1.4) from a keyboard before
// walnut opens anything. Item encoding as in §1.1; a cut-off item ends the scan.

/** 32-bit usages (page << 16 | id) of the collections opened at depth 0, in order. */
export function topLevelUsages(bytes: Buffer): number[] {
  const found: number[] = [];
  let page = 0;
  let usage: number | undefined;
  let depth = 0;
  let i = 0;
  while (i < bytes.length) {
    const prefix = bytes[i]!;
    if (prefix === 0xfe) {
      // long item: bDataSize, bLongItemTag, data
      const size = bytes[i + 1];
      if (size === undefined) break;
      i += 3 + size;
      continue;
    }
    const size = [0, 1, 2, 4][prefix & 0x03]!;
    if (i + 1 + size > bytes.length) break;
    let data = 0;
    for (let b = 0; b < size; b++) data += bytes[i + 1 + b]! * 2 ** (8 * b);
    switch (prefix & 0xfc) {
      case 0x04: // Usage Page
        page = data & 0xffff;
        break;
      case 0x08: // Usage: a 4-byte one carries its own page
        usage ??= size === 4 ? data >>> 0 : ((page << 16) | (data & 0xffff)) >>> 0;
        break;
      case 0xa0: // Collection
        if (depth === 0) found.push(usage ?? 0);
        depth++;
        usage = undefined;
        break;
      case 0xc0: // End Collection
        depth = Math.max(0, depth - 1);
        usage = undefined;
        break;
      case 0x80:
      case 0x90:
      case 0xb0: // Input, Output, Feature clear the local usages
        usage = undefined;
        break;
    }
    i += 1 + size;
  }
  return found;
}
