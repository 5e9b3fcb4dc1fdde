/**
 * Basic credentials for the `auth` option and credentials in a URL.
 *
 * @module
 */

const utf8 = new TextEncoder();

/**
 * `user:password` as Basic credentials: base64 of its UTF-8 bytes, as Node's `Buffer.from(auth)` does
 * (`btoa` alone would encode Latin-1 and throw above U+00FF). Lone surrogates become U+FFFD, as in Node.
 */
export function basicCredentials(auth: string): string {
  const bytes = utf8.encode(auth);
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}
