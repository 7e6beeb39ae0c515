// Providers put API keys in the path (`/v3/KEY`), the query (`?apikey=`) or the userinfo, so
// only the scheme and host are safe to show.
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}]+$/;

/**
 * An RPC URL fit for messages, logs and stats: scheme and host only, `/…` standing for any path,
 * query or fragment, and userinfo dropped. A string that does not parse as a URL is not echoed.
 */
export function redactRpcUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<invalid url>';
  }
  const base = `${parsed.protocol}//${parsed.host}`;
  const hasMore =
    (parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search || parsed.hash;
  return hasMore ? `${base}/…` : base;
}

/** `text` with every URL in it redacted, for wrapping messages (viem's name the full URL). */
export function redactUrlsInText(text: string): string {
  return text.replace(URL_IN_TEXT, (match) => {
    const trailing = TRAILING_PUNCTUATION.exec(match)?.[0] ?? '';
    return redactRpcUrl(match.slice(0, match.length - trailing.length)) + trailing;
  });
}
