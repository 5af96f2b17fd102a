// The page's files as the server holds them: each with its content type, a strong ETag and its gzip and brotli
// forms made at build time (build/page.mjs), so nothing is compressed on the box. Hashed names (`app-<hash>.js`)
// are immutable and cached for a year; index.html is revalidated every time, so a new binary shows at once.
export interface Asset {
  readonly path: string;
  readonly type: string;
  readonly etag: string;
  readonly immutable: boolean;
  readonly identity: Uint8Array;
  readonly gzip?: Uint8Array;
  readonly br?: Uint8Array;
}

export type AssetTable = ReadonlyMap<string, Asset>;

export interface AssetReply {
  status: 200 | 304;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
}

/** Which stored form to send for an Accept-Encoding header: brotli, then gzip, else the bytes as they are. */
export function pickEncoding(asset: Asset, acceptEncoding: string | undefined): 'br' | 'gzip' | 'identity' {
  const accepted = new Set((acceptEncoding ?? '').split(',').map((e) => e.split(';')[0]!.trim().toLowerCase()));
  if (asset.br && accepted.has('br')) return 'br';
  if (asset.gzip && accepted.has('gzip')) return 'gzip';
  return 'identity';
}

/** The reply for a GET of `asset`, a 304 when the browser's copy is current. */
export function assetReply(asset: Asset, acceptEncoding: string | undefined, ifNoneMatch: string | undefined): AssetReply {
  const encoding = pickEncoding(asset, acceptEncoding);
  const headers: Record<string, string> = {
    'Content-Type': asset.type,
    ETag: asset.etag,
    Vary: 'Accept-Encoding',
    'Cache-Control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((t) => t.trim() === asset.etag)) {
    return { status: 304, headers, body: undefined };
  }
  if (encoding !== 'identity') headers['Content-Encoding'] = encoding;
  const body = encoding === 'br' ? asset.br! : encoding === 'gzip' ? asset.gzip! : asset.identity;
  headers['Content-Length'] = String(body.length);
  return { status: 200, headers, body };
}
