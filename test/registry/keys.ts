import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A signing key and its certificate chain (leaf first), as PEM, made by the openssl CLI. */
export interface TestKeyPair {
  readonly keyPem: string;
  /** Leaf first. */
  readonly chainPem: string;
  /** The certificate a registry's `rootcertbundle` should hold. */
  readonly rootPem: string;
}

/** When a test certificate is valid, both ends inclusive. */
export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * Wide enough for every fixed test clock (2025, 2026) and for the real one in
 * the end-to-end test: tests that are not about validity never trip over it.
 */
export const ALWAYS: Validity = {
  notBefore: new Date('2000-01-01T00:00:00Z'),
  notAfter: new Date('2099-12-31T23:59:59Z'),
};

const openssl = (cwd: string, args: ReadonlyArray<string>): void => {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
};

const KEY_ARGS: Readonly<Record<'p256' | 'p384' | 'rsa2048' | 'rsa1024' | 'ed25519', ReadonlyArray<string>>> = {
  p256: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
  p384: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp384r1'],
  rsa2048: ['-newkey', 'rsa:2048'],
  rsa1024: ['-newkey', 'rsa:1024'],
  ed25519: ['-newkey', 'ed25519'],
};

/** Kinds of key {@link makeSelfSigned} can make. */
export type TestKeyKind = keyof typeof KEY_ARGS;

// `openssl ca` is the one openssl 3.0 command that takes arbitrary start and end dates.
const CA_CONFIG = `[ca]
default_ca = test_ca
[test_ca]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any_name
unique_subject = no
email_in_dn = no
[any_name]
commonName = supplied
[self_signed]
basicConstraints = critical,CA:TRUE
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf]
basicConstraints = critical,CA:FALSE
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;

const asn1Time = (date: Date): string => `${date.toISOString().replace(/[-:T]|\.\d{3}/g, '')}`;

function withCaDir<T>(run: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'oat-keys-'));
  try {
    writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '01\n');
    return run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Signs `name.csr` into `name.pem`: self-signed with `name.key`, or by `issuer.pem`/`issuer.key`. */
function sign(
  dir: string,
  name: string,
  validity: Validity,
  extensions: 'self_signed' | 'root' | 'leaf',
  issuer?: string,
): string {
  const by =
    issuer === undefined
      ? ['-selfsign', '-keyfile', `${name}.key`]
      : ['-cert', `${issuer}.pem`, '-keyfile', `${issuer}.key`];
  openssl(dir, [
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-notext',
    ...by,
    '-in',
    `${name}.csr`,
    '-out',
    `${name}.pem`,
    '-startdate',
    asn1Time(validity.notBefore),
    '-enddate',
    asn1Time(validity.notAfter),
    '-extensions',
    extensions,
  ]);
  return readFileSync(join(dir, `${name}.pem`), 'utf8');
}

/** A key and a self-signed certificate for it, valid over `validity` (default {@link ALWAYS}). */
export function makeSelfSigned(
  kind: TestKeyKind = 'p256',
  commonName = 'oat-token-issuer',
  validity: Validity = ALWAYS,
): TestKeyPair {
  return withCaDir((dir) => {
    openssl(dir, [
      'req',
      '-new',
      ...KEY_ARGS[kind],
      '-nodes',
      '-keyout',
      'token.key',
      '-out',
      'token.csr',
      '-subj',
      `/CN=${commonName}`,
    ]);
    const cert = sign(dir, 'token', validity, 'self_signed');
    return { keyPem: readFileSync(join(dir, 'token.key'), 'utf8'), chainPem: cert, rootPem: cert };
  });
}

/** Validity of each certificate {@link makeCaSigned} makes. */
export interface CaValidity {
  readonly leaf?: Validity;
  readonly root?: Validity;
}

/** A root CA and a P-256 leaf it signed: the chain is leaf then root. */
export function makeCaSigned(validity: CaValidity = {}): TestKeyPair {
  return withCaDir((dir) => {
    openssl(dir, [
      'req',
      '-new',
      ...KEY_ARGS.p256,
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.csr',
      '-subj',
      '/CN=oat-test-root',
    ]);
    const root = sign(dir, 'ca', validity.root ?? ALWAYS, 'root');
    openssl(dir, [
      'req',
      '-new',
      ...KEY_ARGS.p256,
      '-nodes',
      '-keyout',
      'leaf.key',
      '-out',
      'leaf.csr',
      '-subj',
      '/CN=oat-token-issuer',
    ]);
    const leaf = sign(dir, 'leaf', validity.leaf ?? ALWAYS, 'leaf', 'ca');
    return { keyPem: readFileSync(join(dir, 'leaf.key'), 'utf8'), chainPem: leaf + root, rootPem: root };
  });
}
