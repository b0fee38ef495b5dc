import { createHash, createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFake, testContext, type FakeRequest } from "@/lib/providers/_shared/testing";
import { s3, s3BucketUrl, s3ConfigSchema } from ".";

const ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const BUCKET_REGION = "eu-central-1";
const EMPTY_SHA256 = createHash("sha256").update("").digest("hex");

const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** An independent SigV4 check (AWS docs, "Create a signed AWS API request"), not aws4's own code. */
function verifySigV4(req: FakeRequest): { ok: true; region: string } | { ok: false; code: string } {
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(req.headers.authorization ?? "");
  if (!m) return { ok: false, code: "AuthorizationHeaderMalformed" };
  const [, keyId, date, region, signedHeaders, signature] = m as unknown as [string, string, string, string, string, string];
  if (keyId !== ACCESS_KEY) return { ok: false, code: "InvalidAccessKeyId" };
  const amzDate = String(req.headers["x-amz-date"]);
  if (!amzDate.startsWith(date)) return { ok: false, code: "AuthorizationHeaderMalformed" };
  for (const h of ["host", "x-amz-content-sha256", "x-amz-date"]) if (!signedHeaders.split(";").includes(h)) return { ok: false, code: "AuthorizationHeaderMalformed" };
  if (req.headers["x-amz-content-sha256"] !== EMPTY_SHA256) return { ok: false, code: "XAmzContentSHA256Mismatch" };
  const query = [...req.url.searchParams.entries()].map(([k, v]) => [enc(k), enc(v)] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = [
    req.method,
    req.url.pathname,
    query.map(([k, v]) => `${k}=${v}`).join("&"),
    signedHeaders
      .split(";")
      .map((h) => `${h}:${String(req.headers[h]).trim()}\n`)
      .join(""),
    signedHeaders,
    String(req.headers["x-amz-content-sha256"]),
  ].join("\n");
  const scope = `${date}/${region}/s3/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, createHash("sha256").update(canonical).digest("hex")].join("\n");
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${SECRET}`, date), region), "s3"), "aws4_request");
  if (createHmac("sha256", kSigning).update(toSign).digest("hex") !== signature) return { ok: false, code: "SignatureDoesNotMatch" };
  return { ok: true, region };
}

const xmlError = (status: number, code: string, message: string, extra = "") => ({
  status,
  headers: { "content-type": "application/xml" },
  body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>4442587FB7D0A2F9</RequestId><HostId>host-id</HostId></Error>`,
});

let fake: Awaited<ReturnType<typeof startFake>>;

beforeAll(async () => {
  fake = await startFake((req) => {
    const sig = verifySigV4(req);
    if (!sig.ok) {
      if (sig.code === "InvalidAccessKeyId") return xmlError(403, sig.code, "The AWS Access Key Id you provided does not exist in our records.");
      if (sig.code === "SignatureDoesNotMatch") return xmlError(403, sig.code, "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
      return xmlError(400, sig.code, "The authorization header is malformed.");
    }
    if (sig.region !== BUCKET_REGION)
      return xmlError(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; the region '${sig.region}' is wrong; expecting '${BUCKET_REGION}'`, `<Region>${BUCKET_REGION}</Region>`);
    const bucket = req.url.pathname.split("/")[1];
    if (req.url.searchParams.get("list-type") !== "2") return xmlError(400, "InvalidArgument", "list-type");
    if (bucket === "missing") return xmlError(404, "NoSuchBucket", "The specified bucket does not exist", `<BucketName>${bucket}</BucketName>`);
    if (bucket === "private") return xmlError(403, "AccessDenied", "Access Denied");
    return {
      headers: { "content-type": "application/xml", "x-amz-bucket-region": BUCKET_REGION },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix></Prefix><KeyCount>1</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>true</IsTruncated><Contents><Key>a.txt</Key><Size>3</Size></Contents></ListBucketResult>`,
    };
  });
});
afterAll(() => fake.close());

const settings = (over: Record<string, unknown> = {}, secret = SECRET) => ({
  ...s3ConfigSchema.parse({ endpoint: fake.url, region: BUCKET_REGION, bucket: "photos", accessKeyId: ACCESS_KEY, ...over }),
  secretAccessKey: secret,
});

describe("s3 schema", () => {
  it("defaults and validation", () => {
    const c = s3ConfigSchema.parse({ bucket: "acme-uploads", accessKeyId: ACCESS_KEY });
    expect(c).toMatchObject({ endpoint: "https://s3.amazonaws.com", region: "us-east-1", forcePathStyle: true });
    expect(s3ConfigSchema.safeParse({ bucket: "a", accessKeyId: ACCESS_KEY }).success).toBe(false);
    expect(s3ConfigSchema.safeParse({ bucket: "-bad-", accessKeyId: ACCESS_KEY }).success).toBe(false);
    expect(s3ConfigSchema.safeParse({ bucket: "ok-bucket", accessKeyId: "has space" }).success).toBe(false);
    expect(s3ConfigSchema.safeParse({ bucket: "ok-bucket", accessKeyId: ACCESS_KEY, region: "EU West" }).success).toBe(false);
    expect(s3ConfigSchema.safeParse({ bucket: "ok-bucket", accessKeyId: ACCESS_KEY, endpoint: "http://minio.example.com" }).success).toBe(false);
    expect(s3ConfigSchema.safeParse({ bucket: "ok-bucket", accessKeyId: ACCESS_KEY, endpoint: "http://10.0.0.5:9000" }).success).toBe(true);
  });

  it("builds path-style, virtual-hosted and regional AWS URLs", () => {
    const base = { endpoint: "https://s3.amazonaws.com", region: "us-east-1", bucket: "b1", forcePathStyle: true };
    expect(s3BucketUrl(base).href).toBe("https://s3.amazonaws.com/b1");
    expect(s3BucketUrl({ ...base, region: "eu-west-1" }).href).toBe("https://s3.eu-west-1.amazonaws.com/b1");
    expect(s3BucketUrl({ ...base, forcePathStyle: false }).href).toBe("https://b1.s3.amazonaws.com/");
    expect(s3BucketUrl({ ...base, endpoint: "https://minio.example.com:9000", region: "us-east-1" }).href).toBe("https://minio.example.com:9000/b1");
  });
});

describe("s3 test()", () => {
  it("lists the bucket with a valid SigV4 signature", async () => {
    fake.requests.length = 0;
    const r = await s3.test!(settings(), testContext());
    expect(r).toMatchObject({ ok: true, message: `Listed bucket photos on ${fake.host}.` });
    const req = fake.requests[0]!;
    expect(req.method).toBe("GET");
    expect(req.path).toBe("/photos");
    expect(Object.fromEntries(req.url.searchParams)).toEqual({ "list-type": "2", "max-keys": "1" });
    expect(req.headers.authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/\\d{8}/${BUCKET_REGION}/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$`),
    );
    expect(req.headers["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
    expect(req.headers["x-amz-content-sha256"]).toBe(EMPTY_SHA256);
  });

  it("InvalidAccessKeyId → accessKeyId", async () => {
    const r = await s3.test!(settings({ accessKeyId: "AKIAUNKNOWN000000000" }), testContext());
    expect(r).toMatchObject({ ok: false, field: "accessKeyId" });
    expect(r.message).toContain("The access key ID AKIAUNKNOWN000000000 does not exist");
  });

  it("SignatureDoesNotMatch → secretAccessKey", async () => {
    const r = await s3.test!(settings({}, "wrong-secret"), testContext());
    expect(r).toMatchObject({ ok: false, field: "secretAccessKey" });
  });

  it("NoSuchBucket → bucket", async () => {
    const r = await s3.test!(settings({ bucket: "missing" }), testContext());
    expect(r).toMatchObject({ ok: false, field: "bucket" });
    expect(r.message).toContain("There is no bucket named missing");
  });

  it("AccessDenied explains the missing permission", async () => {
    const r = await s3.test!(settings({ bucket: "private" }), testContext());
    expect(r.ok).toBe(false);
    expect(r.message).toContain("s3:ListBucket on arn:aws:s3:::private");
  });

  it("a wrong region → region, naming the right one", async () => {
    const r = await s3.test!(settings({ region: "us-west-2" }), testContext());
    expect(r).toEqual({ ok: false, field: "region", message: "Bucket photos is in region eu-central-1, not us-west-2." });
  });

  it("an unreachable endpoint → endpoint", async () => {
    const r = await s3.test!(settings({ endpoint: "http://127.0.0.1:1" }), testContext());
    expect(r).toMatchObject({ ok: false, field: "endpoint" });
  });
});
