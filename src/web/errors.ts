// The web API's one error type: it carries its wire reply, an HTTP status and a short machine-readable code
// (RFC 9457's spirit, without its media type: the page only needs the code and a sentence). Nothing in it echoes
// the input back, so no request can make the server reflect its bytes.
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
  }

  /** The JSON body sent for it. */
  body(): string {
    return JSON.stringify({ error: this.code, message: this.message });
  }
}

export const badRequest = (message: string): HttpError => new HttpError(400, 'bad-request', message);
export const unauthorized = (message = 'log in first'): HttpError => new HttpError(401, 'unauthorized', message);
export const forbidden = (message: string): HttpError => new HttpError(403, 'forbidden', message);
export const notFound = (): HttpError => new HttpError(404, 'not-found', 'no such page or API');
