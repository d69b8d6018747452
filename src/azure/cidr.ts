/** An IPv4 CIDR block. */
export interface Ipv4Block {
  /** The text, e.g. `10.224.0.0/16`. */
  readonly cidr: string;
  /** First address as an unsigned 32-bit number. */
  readonly start: number;
  /** Last address. */
  readonly end: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses an IPv4 address to an unsigned 32-bit number, or undefined. */
export function parseIpv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/** Parses `a.b.c.d/n` with the host bits zero, or undefined. */
export function parseCidr(cidr: string): Ipv4Block | undefined {
  const m = CIDR.exec(cidr);
  if (!m) return undefined;
  const start = parseIpv4(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`);
  const bits = Number(m[5]);
  if (start === undefined || bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  if (start % size !== 0) return undefined;
  return { cidr, start, end: start + size - 1 };
}

/** True when `inner` lies inside `outer`. */
export function contains(outer: Ipv4Block, inner: Ipv4Block): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

/** True when the two blocks share an address. */
export function overlaps(a: Ipv4Block, b: Ipv4Block): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/**
 * True when `ip` is a usable host address of an Azure subnet: inside it and not one of the five Azure
 * reserves (network, .1 gateway, .2/.3 DNS, broadcast).
 */
export function isUsableAzureAddress(block: Ipv4Block, ip: string): boolean {
  const n = parseIpv4(ip);
  return n !== undefined && n >= block.start + 4 && n <= block.end - 1;
}

/** True when `text` is an IPv4 address or a CIDR block with zero host bits (what Azure address rules accept). */
export function isIpv4AddressOrCidr(text: string): boolean {
  return parseCidr(text) !== undefined || parseCidr(`${text}/32`) !== undefined;
}
