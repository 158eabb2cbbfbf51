/** A request matched to one of the API's resources (`rotate`: this library's extension). */
export type HubRoute =
  | { readonly kind: 'collection'; readonly organization: string }
  | { readonly kind: 'token'; readonly organization: string; readonly tokenId: string }
  | { readonly kind: 'rotate'; readonly organization: string; readonly tokenId: string };

/** The methods each resource answers, in the order `Allow` lists them. */
export const ALLOWED_METHODS: Readonly<Record<HubRoute['kind'], ReadonlyArray<string>>> = Object.freeze({
  collection: Object.freeze(['GET', 'POST']),
  token: Object.freeze(['GET', 'PATCH', 'DELETE']),
  rotate: Object.freeze(['POST']),
});

/** Normalises a mount path: `''` or `/prefix` without a trailing slash. */
export function normaliseBasePath(basePath: string | undefined): string {
  const trimmed = (basePath ?? '').replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * Matches a URL path (still percent-encoded) against
 * `{base}/v2/orgs/{org}/access-tokens[/{id}[/rotate]]`, one optional trailing slash
 * allowed. Parameters are decoded but not validated. `null`: no such route.
 */
export function matchRoute(pathname: string, basePath: string): HubRoute | null {
  if (basePath !== '' && pathname !== basePath && !pathname.startsWith(`${basePath}/`)) return null;
  const rest = pathname.slice(basePath.length).replace(/\/$/, '');
  const parts = rest.split('/');
  if (
    parts.length < 5 ||
    parts.length > 7 ||
    (parts.length === 7 && parts[6] !== 'rotate') ||
    parts[0] !== '' ||
    parts[1] !== 'v2' ||
    parts[2] !== 'orgs' ||
    parts[4] !== 'access-tokens'
  )
    return null;
  const organization = decode(parts[3] as string);
  if (organization === null || organization === '') return null;
  if (parts.length === 5) return { kind: 'collection', organization };
  const tokenId = decode(parts[5] as string);
  if (tokenId === null || tokenId === '') return null;
  return { kind: parts.length === 7 ? 'rotate' : 'token', organization, tokenId };
}
