import fc from 'fast-check';

// The model's own statement of network allow-lists: a few fixed ranges whose membership it decides by looking at
// the leading bits itself, never through the library's parser, so a wrong parse or match in the library shows.

/** An allow-list a model token holds: none, 10.0.0.0/8, 2001:db8::/32, or both. */
export type NetworkChoice = 'anywhere' | 'v4' | 'v6' | 'both';

/** What the store must hold for each choice: normal forms, in the order the request gave them. */
export const NETWORKS: Readonly<Record<NetworkChoice, ReadonlyArray<string>>> = {
  anywhere: [],
  v4: ['10.0.0.0/8'],
  v6: ['2001:db8::/32'],
  both: ['10.0.0.0/8', '2001:db8::/32'],
};

/** How requests spell each choice: host bits set, upper case, IPv4-mapped and repeated, so normalising is exercised. */
export const NETWORK_SPELLINGS: Readonly<Record<NetworkChoice, ReadonlyArray<string>>> = {
  anywhere: [],
  v4: ['10.20.30.40/8'],
  v6: ['2001:DB8:0::1/32'],
  both: ['::ffff:10.0.0.0/104', '2001:db8::/32', '10.0.0.0/8'],
};

/** A client address as the model sees it: its text (absent: the host knew none) and the ranges it lies in. */
export interface ModelAddress {
  readonly text: string | undefined;
  /** Inside 10.0.0.0/8, directly or as an IPv4-mapped IPv6 address. */
  readonly inV4Range: boolean;
  /** Inside 2001:db8::/32. */
  readonly inV6Range: boolean;
  /** The dotted quad a token records for an IPv4 client, plain or IPv4-mapped; absent for IPv6 and no address. */
  readonly recordedAs?: string;
}

const octet = fc.nat(255);
const hextet = fc.nat(0xffff);

/** Dotted-quad IPv4, written plain or IPv4-mapped (`::ffff:a.b.c.d`); 10/8 often enough to matter. */
const v4Address = fc
  .tuple(fc.oneof(fc.constant(10), octet), octet, octet, octet, fc.boolean())
  .map(([a, b, c, d, mapped]): ModelAddress => {
    const quad = `${a}.${b}.${c}.${d}`;
    return { text: mapped ? `::ffff:${quad}` : quad, inV4Range: a === 10, inV6Range: false, recordedAs: quad };
  });

/** Eight hextets in full, lower or upper case; 2001:db8::/32 often enough to matter. */
const v6Address = fc
  .tuple(
    fc.oneof(fc.constant([0x2001, 0xdb8] as const), fc.tuple(hextet, hextet)),
    fc.array(hextet, { minLength: 6, maxLength: 6 }),
    fc.boolean(),
  )
  .map(([head, tail, upper]): ModelAddress => {
    const words = [...head, ...tail];
    const text = words.map((w) => w.toString(16)).join(':');
    // ::ffff:0:0/96 is IPv4, whatever its spelling: the one way eight random hextets can name an IPv4 address.
    const mapped = words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff;
    const [hi, lo] = [words[6] as number, words[7] as number];
    return {
      text: upper ? text.toUpperCase() : text,
      inV4Range: mapped && hi >> 8 === 10,
      inV6Range: !mapped && words[0] === 0x2001 && words[1] === 0xdb8,
      ...(mapped ? { recordedAs: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}` } : {}),
    };
  });

/** No address: the host could not tell who connected. */
export const NO_ADDRESS: ModelAddress = { text: undefined, inV4Range: false, inV6Range: false };

/** Client addresses for model logins: IPv4 (plain or mapped), IPv6, and sometimes none. */
export function modelAddressArbitrary(): fc.Arbitrary<ModelAddress> {
  return fc.oneof(
    { weight: 3, arbitrary: v4Address },
    { weight: 2, arbitrary: v6Address },
    { weight: 1, arbitrary: fc.constant(NO_ADDRESS) },
  );
}

/** True when the model lets a login from `address` through `choice`: an empty list allows all, no address none. */
export function modelAllows(choice: NetworkChoice, address: ModelAddress): boolean {
  if (choice === 'anywhere') return true;
  if (address.text === undefined) return false;
  return (
    (address.inV4Range && (choice === 'v4' || choice === 'both')) ||
    (address.inV6Range && (choice === 'v6' || choice === 'both'))
  );
}
