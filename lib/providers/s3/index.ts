import "server-only";
import aws4 from "aws4";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch, type EgressResponse } from "@/lib/http";
import { egressOptions, excerpt, unreachable } from "@/lib/providers/_shared/egress";
import { serviceUrl } from "@/lib/providers/_shared/url";

const KEY = "s3";
const AWS_GLOBAL_HOST = "s3.amazonaws.com";

export const s3ConfigSchema = z.object({
  endpoint: serviceUrl()
    .default(`https://${AWS_GLOBAL_HOST}`)
    .meta({ label: "Endpoint", help: "Amazon S3, or an S3-compatible service: https://<account>.r2.cloudflarestorage.com, https://minio.example.com:9000…" }),
  region: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "Enter a region like us-east-1 (auto for Cloudflare R2).")
    .default("us-east-1")
    .meta({ label: "Region", help: "The bucket's region; requests are signed for it." }),
  bucket: z
    .string()
    .trim()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{1,61}[a-zA-Z0-9]$/, "Bucket names are 3 to 63 letters, digits, dots and hyphens, starting and ending with a letter or digit.")
    .meta({ label: "Bucket", placeholder: "acme-uploads" }),
  accessKeyId: z
    .string()
    .trim()
    .regex(/^[\x21-\x7e]{3,128}$/, "Enter the access key ID (3 to 128 characters, no spaces).")
    .meta({ label: "Access key ID", placeholder: "AKIAIOSFODNN7EXAMPLE" }),
  forcePathStyle: z
    .boolean()
    .default(true)
    .meta({ label: "Path-style addressing", help: "On: https://endpoint/bucket (MinIO, Ceph, R2 and most S3-compatible services). Off: https://bucket.endpoint (virtual-hosted style)." }),
});

export const s3CredentialsSchema = z.object({
  secretAccessKey: z.string().trim().min(1, "Enter the secret access key.").max(256).meta({ label: "Secret access key", secret: true }),
});

export type S3Settings = z.output<typeof s3ConfigSchema> & z.output<typeof s3CredentialsSchema>;

/**
 * The bucket's base URL. The AWS global endpoint only serves us-east-1 without a redirect, so for
 * another region the regional endpoint is used.
 */
export function s3BucketUrl(s: Pick<S3Settings, "endpoint" | "region" | "bucket" | "forcePathStyle">): URL {
  const url = new URL(s.endpoint);
  if (url.hostname === AWS_GLOBAL_HOST && s.region !== "us-east-1") url.hostname = `s3.${s.region}.amazonaws.com`;
  const basePath = url.pathname.replace(/\/+$/, "");
  if (s.forcePathStyle) url.pathname = `${basePath}/${s.bucket}`;
  else {
    url.hostname = `${s.bucket}.${url.hostname}`;
    url.pathname = `${basePath}/`;
  }
  return url;
}

/** Signs a request with AWS Signature Version 4 (service s3); returns the URL and headers to send. */
export function signS3Request(
  s: S3Settings,
  req: { method: string; key?: string; query?: Record<string, string>; body?: string | Buffer; headers?: Record<string, string> },
): { url: string; headers: Record<string, string> } {
  const url = s3BucketUrl(s);
  if (req.key) url.pathname = `${url.pathname.replace(/\/$/, "")}/${req.key.split("/").map(encodeURIComponent).join("/")}`;
  for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
  const signed = aws4.sign(
    { host: url.host, path: `${url.pathname}${url.search}`, method: req.method, service: "s3", region: s.region, body: req.body, headers: { ...req.headers } },
    { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
  );
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = String(v);
  return { url: url.href, headers };
}

const xmlTag = (xml: string, tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1]?.trim();

/** An S3 error response (XML <Error><Code>…) in plain words, naming the setting to fix. */
export function explainS3Error(res: Pick<EgressResponse, "status" | "headers" | "text">, s: S3Settings): TestResult {
  const xml = res.text();
  const code = xmlTag(xml, "Code");
  const said = xmlTag(xml, "Message");
  const quote = said ? ` (S3 said: "${said}")` : "";
  const bucketRegion = res.headers.get("x-amz-bucket-region") ?? xmlTag(xml, "Region");
  switch (code) {
    case "InvalidAccessKeyId":
      return { ok: false, field: "accessKeyId", message: `The access key ID ${s.accessKeyId} does not exist on this service${quote}.` };
    case "SignatureDoesNotMatch":
      return { ok: false, field: "secretAccessKey", message: `The secret access key does not match the access key ID ${s.accessKeyId}${quote}.` };
    case "InvalidToken":
    case "ExpiredToken":
      return { ok: false, field: "accessKeyId", message: `The access key is not valid any more${quote}.` };
    case "NoSuchBucket":
      return { ok: false, field: "bucket", message: `There is no bucket named ${s.bucket}${quote}.` };
    case "InvalidBucketName":
      return { ok: false, field: "bucket", message: `${s.bucket} is not a valid bucket name for this service${quote}.` };
    case "AllAccessDisabled":
      return { ok: false, field: "bucket", message: `All access to bucket ${s.bucket} is disabled${quote}.` };
    case "AccessDenied":
      return { ok: false, message: `The key is valid, but it may not list bucket ${s.bucket}. Allow s3:ListBucket on arn:aws:s3:::${s.bucket} in its policy${quote}.` };
    case "AuthorizationHeaderMalformed":
    case "PermanentRedirect":
    case "IllegalLocationConstraintException":
      return { ok: false, field: "region", message: bucketRegion ? `Bucket ${s.bucket} is in region ${bucketRegion}, not ${s.region}.` : `Bucket ${s.bucket} is not in region ${s.region}${quote}.` };
    case "RequestTimeTooSkewed":
      return { ok: false, message: "This server's clock differs from the storage service's by more than 15 minutes; fix the server's time (NTP)." };
    case "NotImplemented":
      return { ok: false, field: "endpoint", message: `This service does not implement S3's ListObjectsV2${quote}. Check the endpoint.` };
    case undefined:
      break;
    default:
      return { ok: false, message: `S3 answered ${res.status} ${code}${quote}.` };
  }
  // No XML error body (a HEAD, a proxy, or not an S3 service at all).
  if (res.status === 301 || res.status === 307) return { ok: false, field: "region", message: `Bucket ${s.bucket} is in ${bucketRegion ? `region ${bucketRegion}` : "another region"}, not ${s.region}.` };
  if (res.status === 403) return { ok: false, message: `Access to bucket ${s.bucket} was denied (403).` };
  if (res.status === 404) return { ok: false, field: "endpoint", message: `Nothing at ${s.endpoint} answered like S3 (404${xml ? `: ${excerpt(xml)}` : ""}).` };
  return { ok: false, message: `S3 answered ${res.status}${xml ? `: ${excerpt(xml)}` : ""}.` };
}

async function testS3(s: S3Settings, ctx: TestContext): Promise<TestResult> {
  // ListObjectsV2 with one key: proves the key, the signature, the region and read access to the bucket.
  // (A HEAD Bucket would need less permission but answers errors without a body, i.e. without a reason.)
  const req = signS3Request(s, { method: "GET", query: { "list-type": "2", "max-keys": "1" } });
  let res: EgressResponse;
  try {
    res = await egressFetch(req.url, { ...egressOptions(KEY, ctx), headers: req.headers });
  } catch (error) {
    return unreachable(error, "the storage service", "endpoint");
  }
  if (res.status !== 200) return explainS3Error(res, s);
  const xml = res.text();
  if (!xml.includes("<ListBucketResult")) return { ok: false, field: "endpoint", message: `${s.endpoint} answered, but not like an S3 service (${excerpt(xml, [], 120) || "empty body"}).` };
  const keyCount = Number(xmlTag(xml, "KeyCount") ?? "0");
  return {
    ok: true,
    message: `Listed bucket ${s.bucket} on ${new URL(req.url).host}${keyCount === 0 ? " (it is empty)" : ""}.`,
    details: { bucket: s.bucket, region: s.region, pathStyle: s.forcePathStyle, bucketRegion: res.headers.get("x-amz-bucket-region") ?? undefined, ms: res.ms },
  };
}

export const s3 = defineProvider({
  key: KEY,
  name: "Amazon S3",
  category: "storage",
  description: "Store and read files in an Amazon S3 bucket or any S3-compatible storage (Cloudflare R2, MinIO, Backblaze B2, Wasabi, Ceph).",
  icon: "s3.svg",
  docsUrl: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html",
  popular: false,
  authModes: ["api_key"],
  capabilities: ["storage"],
  configSchema: s3ConfigSchema,
  credentialsSchema: s3CredentialsSchema,
  test: testS3,
});
