/**
 * Makes a throw-away certificate authority and a server certificate signed by
 * it, for local HTTPS stand-ins (moto with `--ssl-cert`, a JWKS server on
 * `Deno.serve`). Written with WebCrypto and a small DER encoder, so no
 * `openssl` process is needed.
 *
 * The server certificate is a proper leaf: `basicConstraints` CA:FALSE,
 * `extKeyUsage` serverAuth, and subject alternative names (IP 127.0.0.1 and
 * DNS localhost by default). rustls (Deno's TLS, also behind `node:https`)
 * rejects a CA certificate used as a server's own certificate, so the two
 * must differ.
 *
 * Trusting the CA:
 * - `fetch` in Deno: `Deno.createHttpClient({ caCerts: [tls.caPem] })`;
 * - code on Deno's Node compatibility layer (the AWS SDK, aws-jwt-verify):
 *   `NODE_EXTRA_CA_CERTS=<caFile>` in the child process's environment;
 * - Python (moto, the AWS CLI): `AWS_CA_BUNDLE=<caFile>`.
 *
 * @module
 */
import { concatBytes } from "../../lib/bytes.ts";

/**
 * A test CA and a server certificate, as PEM text and as files; the files
 * are removed when disposed (`await using`).
 */
export interface TestTls extends AsyncDisposable {
  /** Folder holding the files; removed by {@linkcode TestTls.remove}. */
  dir: string;
  /** The CA certificate (PEM). */
  caPem: string;
  /** Path of the CA certificate file. */
  caFile: string;
  /** The server certificate (PEM), signed by the CA. */
  certPem: string;
  /** Path of the server certificate file. */
  certFile: string;
  /** The server's private key (PKCS #8 PEM). */
  keyPem: string;
  /** Path of the server key file (mode 0600). */
  keyFile: string;
  /** Deletes the folder with the files. */
  remove(): Promise<void>;
}

/** Names the server certificate is valid for. */
export interface TestTlsOptions {
  /** IP addresses (IPv4) for the subject alternative name; default 127.0.0.1. */
  ipAddresses?: string[];
  /** DNS names for the subject alternative name; default localhost. */
  dnsNames?: string[];
}

/**
 * Creates a fresh CA and a server certificate signed by it, valid from one
 * hour ago for one day, and writes them to a temporary folder.
 *
 * @example
 * ```ts ignore
 * const tls = await makeTestTls();
 * const server = Deno.serve(
 *   { port: 0, cert: tls.certPem, key: tls.keyPem },
 *   () => new Response("ok"),
 * );
 * ```
 */
export async function makeTestTls(
  options: TestTlsOptions = {},
): Promise<TestTls> {
  const ipAddresses = options.ipAddresses ?? ["127.0.0.1"];
  const dnsNames = options.dnsNames ?? ["localhost"];
  const notBefore = new Date(Date.now() - 3600_000);
  const notAfter = new Date(Date.now() + 86400_000);

  const caKeys = await generateKeyPair();
  const caSpki = new Uint8Array(
    await crypto.subtle.exportKey("spki", caKeys.publicKey),
  );
  const caKeyId = await keyIdentifier(caSpki);
  const caName = name("cognito-auth test CA");
  const caCert = await signCertificate({
    issuer: caName,
    subject: caName,
    spki: caSpki,
    notBefore,
    notAfter,
    signingKey: caKeys.privateKey,
    extensions: [
      extension(OID.basicConstraints, true, seq(bool(true))),
      extension(OID.keyUsage, true, bitString(new Uint8Array([0x86]), 1)),
      extension(OID.subjectKeyIdentifier, false, octets(caKeyId)),
    ],
  });

  const serverKeys = await generateKeyPair();
  const serverSpki = new Uint8Array(
    await crypto.subtle.exportKey("spki", serverKeys.publicKey),
  );
  const altNames = [
    ...ipAddresses.map((ip) =>
      tlv(0x87, new Uint8Array(ip.split(".").map(Number)))
    ),
    ...dnsNames.map((dns) => tlv(0x82, new TextEncoder().encode(dns))),
  ];
  const serverCert = await signCertificate({
    issuer: caName,
    subject: name(dnsNames[0] ?? ipAddresses[0] ?? "test server"),
    spki: serverSpki,
    notBefore,
    notAfter,
    signingKey: caKeys.privateKey,
    extensions: [
      extension(OID.basicConstraints, true, seq()),
      extension(OID.keyUsage, true, bitString(new Uint8Array([0x80]), 7)),
      extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))),
      extension(OID.subjectAltName, false, seq(...altNames)),
      extension(
        OID.subjectKeyIdentifier,
        false,
        octets(await keyIdentifier(serverSpki)),
      ),
      extension(OID.authorityKeyIdentifier, false, seq(tlv(0x80, caKeyId))),
    ],
  });
  const serverPkcs8 = new Uint8Array(
    await crypto.subtle.exportKey("pkcs8", serverKeys.privateKey),
  );

  const dir = await Deno.makeTempDir({ prefix: "test-tls-" });
  // Removed when the test process ends, if no one did it before.
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* already removed */ }
  });
  const caPem = pem("CERTIFICATE", caCert);
  const certPem = pem("CERTIFICATE", serverCert);
  const keyPem = pem("PRIVATE KEY", serverPkcs8);
  const remove = () => Deno.remove(dir, { recursive: true }).catch(() => {});
  const caFile = `${dir}/ca.pem`;
  const certFile = `${dir}/server.pem`;
  const keyFile = `${dir}/server-key.pem`;
  await Deno.writeTextFile(caFile, caPem);
  await Deno.writeTextFile(certFile, certPem);
  await Deno.writeTextFile(keyFile, keyPem, { mode: 0o600 });
  return {
    dir,
    caPem,
    caFile,
    certPem,
    certFile,
    keyPem,
    keyFile,
    remove,
    [Symbol.asyncDispose]: remove,
  };
}

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  subjectKeyIdentifier: "2.5.29.14",
  authorityKeyIdentifier: "2.5.29.35",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const;

function generateKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(
    { name: "ECDSA", namedCurve: "P-256" },
    true,
    ["sign", "verify"],
  );
}

async function signCertificate(input: {
  issuer: Uint8Array;
  subject: Uint8Array;
  spki: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  signingKey: CryptoKey;
  extensions: Uint8Array[];
}): Promise<Uint8Array> {
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] &= 0x7f; // positive
  const algorithm = seq(oid(OID.ecdsaWithSha256));
  const tbs = seq(
    tlv(0xa0, integer(new Uint8Array([2]))), // version v3
    integer(serial),
    algorithm,
    input.issuer,
    seq(utcTime(input.notBefore), utcTime(input.notAfter)),
    input.subject,
    input.spki,
    tlv(0xa3, seq(...input.extensions)),
  );
  const raw = new Uint8Array(
    await crypto.subtle.sign(
      { name: "ECDSA", hash: "SHA-256" },
      input.signingKey,
      new Uint8Array(tbs),
    ),
  );
  // WebCrypto gives r || s; X.509 wants SEQUENCE { INTEGER r, INTEGER s }.
  const signature = seq(integer(raw.slice(0, 32)), integer(raw.slice(32)));
  return seq(tbs, algorithm, bitString(signature, 0));
}

async function keyIdentifier(spki: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.digest("SHA-1", new Uint8Array(spki)),
  );
}

function name(commonName: string): Uint8Array {
  return seq(
    tlv(
      0x31,
      seq(oid(OID.commonName), tlv(0x0c, new TextEncoder().encode(commonName))),
    ),
  );
}

function extension(id: string, critical: boolean, value: Uint8Array) {
  return critical
    ? seq(oid(id), bool(true), octets(value))
    : seq(oid(id), octets(value));
}

function tlv(tag: number, content: Uint8Array): Uint8Array {
  const length = content.length;
  let header: number[];
  if (length < 0x80) {
    header = [tag, length];
  } else {
    const bytes: number[] = [];
    for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
    header = [tag, 0x80 | bytes.length, ...bytes];
  }
  const out = new Uint8Array(header.length + length);
  out.set(header);
  out.set(content, header.length);
  return out;
}

function seq(...items: Uint8Array[]): Uint8Array {
  return tlv(0x30, concatBytes(...items));
}

function bool(value: boolean): Uint8Array {
  return tlv(0x01, new Uint8Array([value ? 0xff : 0x00]));
}

function octets(value: Uint8Array): Uint8Array {
  return tlv(0x04, value);
}

function bitString(value: Uint8Array, unusedBits: number): Uint8Array {
  return tlv(0x03, concatBytes(new Uint8Array([unusedBits]), value));
}

function integer(unsigned: Uint8Array): Uint8Array {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const trimmed = unsigned.slice(start);
  return tlv(
    0x02,
    trimmed[0] & 0x80 ? concatBytes(new Uint8Array([0]), trimmed) : trimmed,
  );
}

function oid(dotted: string): Uint8Array {
  const [first, second, ...rest] = dotted.split(".").map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let n = arc >> 7; n > 0; n >>= 7) chunk.unshift(0x80 | (n & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(0x06, new Uint8Array(bytes));
}

function utcTime(date: Date): Uint8Array {
  const iso = date.toISOString(); // 2025-01-02T03:04:05.678Z
  const text = iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) +
    iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + "Z";
  return tlv(0x17, new TextEncoder().encode(text));
}

function pem(label: string, der: Uint8Array): string {
  let binary = "";
  for (const byte of der) binary += String.fromCharCode(byte);
  const base64 = btoa(binary).replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${base64}\n-----END ${label}-----\n`;
}
