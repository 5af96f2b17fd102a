// HOST:PORT as every walnut option and config key writes it: a DNS name or IPv4 address, an IPv6 address in
// brackets (RFC 3986 §3.2.2, with an RFC 6874 zone), or `*` for every address where a listener is meant. One parser for the NUT and
// ticket listeners in the config and for the servers the CLI clients talk to.

export interface HostPort {
  host: string;
  port: number;
}

export interface HostPortRules {
  /** the port when the text has none; absent: a port is required */
  defaultPort?: number;
  /** `*` allowed (a listener): it becomes `::`, every IPv6 and IPv4 address */
  wildcard?: boolean;
  /** lowest port accepted: 0 for a listener (the kernel picks one), 1 for a server to connect to */
  minPort?: number;
}

const SHAPE = /^(?:\[([0-9A-Fa-f:.]+(?:%[A-Za-z0-9._-]{1,16})?)\]|(\*|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?))(?::(\d{1,5}))?$/;

/** Parses `text`; undefined when it is not a HOST:PORT by `rules` (the caller says so in its own error type). */
export function parseHostPort(text: string, rules: HostPortRules = {}): HostPort | undefined {
  const m = SHAPE.exec(text);
  if (!m) return undefined;
  const bracketed = m[1];
  const named = m[2];
  if (named === '*' && !rules.wildcard) return undefined;
  if (bracketed !== undefined && !bracketed.includes(':')) return undefined; // [1.2.3.4] is no IPv6 address
  if (m[3] === undefined && rules.defaultPort === undefined) return undefined;
  const port = m[3] === undefined ? rules.defaultPort! : Number(m[3]);
  if (port < (rules.minPort ?? 1) || port > 65_535) return undefined;
  const host = named === '*' ? '::' : (bracketed ?? named!);
  return { host, port };
}

/** `host:port` for messages, with IPv6 in brackets. */
export function formatHostPort(hp: HostPort): string {
  return hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}
