import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

function withTempDir<T>(run: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'oat-keys-'));
  try {
    return run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A key and a self-signed certificate for it, valid for a day. */
export function makeSelfSigned(kind: TestKeyKind = 'p256', commonName = 'oat-token-issuer'): TestKeyPair {
  return withTempDir((dir) => {
    openssl(dir, ['req', '-x509', ...KEY_ARGS[kind], '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', `/CN=${commonName}`]);
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    return { keyPem: readFileSync(join(dir, 'key.pem'), 'utf8'), chainPem: cert, rootPem: cert };
  });
}

/** A root CA and a P-256 leaf it signed: the chain is leaf then root. */
export function makeCaSigned(): TestKeyPair {
  return withTempDir((dir) => {
    openssl(dir, ['req', '-x509', ...KEY_ARGS.p256, '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=oat-test-root',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    openssl(dir, ['req', ...KEY_ARGS.p256, '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=oat-token-issuer']);
    openssl(dir, ['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '1']);
    const root = readFileSync(join(dir, 'ca.pem'), 'utf8');
    return { keyPem: readFileSync(join(dir, 'leaf.key'), 'utf8'), chainPem: readFileSync(join(dir, 'leaf.pem'), 'utf8') + root, rootPem: root };
  });
}
