// npm mdns 2.7.2 ships no types; src/mdns/addon.ts describes the part walnut uses (MdnsModule).
declare module 'mdns' {
  const mdns: unknown;
  export = mdns;
}
