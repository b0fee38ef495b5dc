import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { EgressError } from "@/lib/http/errors";
import { assertPublicHost, assertPublicUrl, isPrivateAddress, isValidAllowlistEntry } from "@/lib/http/ssrf";
import { resetEgressForTests, setEgressTestHooks, type LookupAddress } from "@/lib/http/testing";

// No test here opens a socket: IP literals need no DNS, and host names are answered by the lookup hook.
const fakeDns: Record<string, string[]> = {
  "public.example": ["93.184.216.34"],
  "public6.example": ["2606:4700:4700::1111", "1.1.1.1"],
  "internal.example": ["10.0.0.5"],
  "mixed.example": ["93.184.216.34", "10.0.0.5"],
  "jira.internal": ["10.20.30.40"],
  "metadata.example": ["169.254.169.254"],
  "mapped.example": ["::ffff:127.0.0.1"],
};
const lookup = async (host: string): Promise<LookupAddress[]> => {
  const answers = fakeDns[host];
  if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  return answers.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};

const savedFlag = process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;
function setAllowPrivateEgress(value: boolean) {
  process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS = value ? "true" : "false";
  resetEnvForTests();
}

beforeEach(async () => {
  setAllowPrivateEgress(false);
  await setEgressTestHooks({ lookup });
});
afterEach(async () => {
  await resetEgressForTests();
});
afterAll(() => {
  if (savedFlag === undefined) delete process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;
  else process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS = savedFlag;
  resetEnvForTests();
});

async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "allowed";
  } catch (e) {
    if (e instanceof EgressError) return e.kind;
    throw e;
  }
}

describe("isPrivateAddress", () => {
  const blocked = [
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback /8"],
    ["10.0.0.5", "RFC 1918"],
    ["172.16.0.1", "RFC 1918"],
    ["172.31.255.255", "RFC 1918"],
    ["192.168.1.1", "RFC 1918"],
    ["169.254.169.254", "cloud metadata"],
    ["169.254.0.1", "link-local"],
    ["100.64.0.1", "CGNAT"],
    ["100.127.255.254", "CGNAT"],
    ["0.0.0.0", "this network"],
    ["0.1.2.3", "this network /8"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.2.1", "documentation"],
    ["198.18.0.1", "benchmarking"],
    ["203.0.113.5", "documentation"],
    ["::1", "IPv6 loopback"],
    ["::", "IPv6 unspecified"],
    ["fd12::1", "ULA"],
    ["fc00::1", "ULA"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local with zone"],
    ["fec0::1", "site-local"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "IPv4-mapped loopback"],
    ["::ffff:7f00:1", "IPv4-mapped loopback, hex"],
    ["::ffff:10.0.0.1", "IPv4-mapped RFC 1918"],
    ["::ffff:169.254.169.254", "IPv4-mapped metadata"],
    ["::127.0.0.1", "IPv4-compatible"],
    ["64:ff9b::10.0.0.1", "NAT64 of RFC 1918"],
    ["64:ff9b::7f00:1", "NAT64 of loopback"],
    ["64:ff9b:1::1", "local-use NAT64"],
    ["2002:7f00:1::1", "6to4 of loopback"],
    ["2002:a00:1::", "6to4 of 10.0.0.1"],
    ["2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo with client 127.0.0.1"],
    ["2001:0:a00:1::1", "Teredo with server 10.0.0.1"],
    ["2001:db8::1", "IPv6 documentation"],
    ["not-an-ip", "not an address"],
    ["", "empty"],
  ] as const;
  it.each(blocked)("%s (%s) is private", (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });

  const allowed = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "172.32.0.1",
    "100.128.0.1",
    "11.0.0.1",
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
  ];
  it.each(allowed)("%s is public", (ip) => {
    expect(isPrivateAddress(ip)).toBe(false);
  });
});

describe("assertPublicUrl / assertPublicHost", () => {
  const blockedUrls = [
    "http://127.0.0.1/",
    "http://2130706433/",
    "http://017700000001/",
    "http://0x7f000001/",
    "http://0x7f.0.0.1/",
    "http://0x7f.1/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://0/",
    "http://0.0.0.0:8080/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::1]:8080/",
    "http://169.254.169.254/latest/meta-data",
    "http://[::ffff:a9fe:a9fe]/latest/meta-data",
    "http://[fd00:ec2::254]/latest/meta-data",
    "http://localhost/",
    "http://LOCALHOST./",
    "http://anything.localhost:3000/",
    "http://100.64.0.1/",
    "http://10.0.0.5/",
    "https://192.168.0.1/admin",
    "http://[fd12::1]/",
    "http://[fe80::1]/",
    "http://[64:ff9b::a00:1]/",
    "http://internal.example/",
    "http://mixed.example/",
    "http://metadata.example/",
    "http://mapped.example/",
  ];
  it.each(blockedUrls)("blocks %s", async (url) => {
    expect(await kindOf(assertPublicUrl(url))).toBe("blocked");
  });

  const badUrls = ["ftp://example.com/", "file:///etc/passwd", "gopher://127.0.0.1:25/", "http://user:pass@public.example/", "not a url", "javascript:alert(1)"];
  it.each(badUrls)("refuses %s as a bad URL", async (url) => {
    expect(await kindOf(assertPublicUrl(url))).toBe("bad_url");
  });

  it.each(["http://8.8.8.8/", "https://1.1.1.1/dns-query", "http://[2606:4700:4700::1111]/", "https://public.example/x?y=1", "https://public6.example/"])(
    "allows %s",
    async (url) => {
      expect(await kindOf(assertPublicUrl(url))).toBe("allowed");
    },
  );

  it("returns every checked address, for clients that connect themselves", async () => {
    await expect(assertPublicHost("public6.example")).resolves.toEqual(["2606:4700:4700::1111", "1.1.1.1"]);
    await expect(assertPublicHost("8.8.8.8")).resolves.toEqual(["8.8.8.8"]);
  });

  it("normalises every IPv4 spelling of a host before checking it", async () => {
    for (const host of ["0177.0.0.1", "2130706433", "0x7f.1", "127.1", "::ffff:127.0.0.1", "[::1]"]) {
      expect(await kindOf(assertPublicHost(host)), host).toBe("blocked");
    }
  });

  it("refuses host strings that smuggle another host", async () => {
    for (const host of ["public.example@10.0.0.1", "public.example/x", "a b", "", "public.example:25"]) {
      expect(await kindOf(assertPublicHost(host)), host).toBe("bad_url");
    }
  });

  it("explains a block in plain words", async () => {
    await expect(assertPublicUrl("http://10.0.0.5/")).rejects.toThrow("Blocked: 10.0.0.5 is a private address. An owner can allow it in Settings → Network.");
    await expect(assertPublicHost("internal.example")).rejects.toThrow("Blocked: internal.example resolves to 10.0.0.5, a private address.");
    const err = await assertPublicHost("10.0.0.5").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EgressError);
    expect((err as EgressError).code).toBe("upstream_error");
  });

  it("reports a name that does not resolve as a network problem", async () => {
    expect(await kindOf(assertPublicHost("nowhere.example"))).toBe("network");
  });
});

describe("allowlist", () => {
  it("allows private ranges, addresses and host names that are listed, and nothing else", async () => {
    expect(await kindOf(assertPublicUrl("http://10.1.2.3/", { allowPrivate: ["10.0.0.0/8"] }))).toBe("allowed");
    expect(await kindOf(assertPublicUrl("http://192.168.1.1/", { allowPrivate: ["10.0.0.0/8"] }))).toBe("blocked");
    expect(await kindOf(assertPublicUrl("http://[fd12::1]/", { allowPrivate: ["fd00::/8"] }))).toBe("allowed");
    expect(await kindOf(assertPublicUrl("http://[fe80::1]/", { allowPrivate: ["fd00::/8"] }))).toBe("blocked");
    expect(await kindOf(assertPublicUrl("http://10.0.0.5/", { allowPrivate: ["10.0.0.5"] }))).toBe("allowed");
    expect(await kindOf(assertPublicUrl("http://10.0.0.6/", { allowPrivate: ["10.0.0.5"] }))).toBe("blocked");
    expect(await kindOf(assertPublicUrl("http://[::ffff:10.0.0.5]/", { allowPrivate: ["10.0.0.5"] }))).toBe("allowed");
    expect(await kindOf(assertPublicUrl("http://jira.internal/", { allowPrivate: ["JIRA.internal."] }))).toBe("allowed");
    expect(await kindOf(assertPublicUrl("http://jira.internal/", { allowPrivate: ["10.20.30.0/24"] }))).toBe("allowed");
    expect(await kindOf(assertPublicUrl("http://jira.internal/", { allowPrivate: ["other.internal"] }))).toBe("blocked");
    expect(await kindOf(assertPublicUrl("http://internal.example/", { allowPrivate: ["jira.internal"] }))).toBe("blocked");
    expect(await kindOf(assertPublicUrl("http://localhost/", { allowPrivate: ["127.0.0.1"] }))).toBe("allowed");
    expect(await kindOf(assertPublicUrl("http://10.0.0.5/", { allowPrivate: ["not valid/99", "", "http://x"] }))).toBe("blocked");
  });

  it("unlocks cloud metadata addresses only by their exact address", async () => {
    expect(await kindOf(assertPublicUrl("http://169.254.1.1/", { allowPrivate: ["169.254.0.0/16"] }))).toBe("allowed");
    expect(await kindOf(assertPublicUrl("http://169.254.169.254/", { allowPrivate: ["169.254.0.0/16"] }))).toBe("blocked");
    expect(await kindOf(assertPublicUrl("http://metadata.example/", { allowPrivate: ["metadata.example"] }))).toBe("blocked");
    expect(await kindOf(assertPublicUrl("http://169.254.169.254/", { allowPrivate: ["169.254.169.254"] }))).toBe("allowed");
  });

  it("validates entries for the settings form", () => {
    for (const ok of ["jira.internal", "10.0.0.0/8", "fd00::/8", "10.0.0.5", "[fd00::1]", "::1"]) expect(isValidAllowlistEntry(ok), ok).toBe(true);
    for (const bad of ["", "10.0.0.0/33", "http://x", "a b", "x@y"]) expect(isValidAllowlistEntry(bad), bad).toBe(false);
  });
});

describe("PATCHBAY_ALLOW_PRIVATE_EGRESS", () => {
  it("allows private targets when true, except cloud metadata", async () => {
    setAllowPrivateEgress(true);
    expect(await kindOf(assertPublicUrl("http://10.0.0.5/"))).toBe("allowed");
    expect(await kindOf(assertPublicUrl("http://127.0.0.1:3000/"))).toBe("allowed");
    expect(await kindOf(assertPublicUrl("http://[fd12::1]/"))).toBe("allowed");
    expect(await kindOf(assertPublicUrl("http://169.254.169.254/latest/meta-data"))).toBe("blocked");
    expect(await kindOf(assertPublicUrl("ftp://10.0.0.5/"))).toBe("bad_url");
  });

  it("blocks them again when false", async () => {
    setAllowPrivateEgress(true);
    expect(await kindOf(assertPublicUrl("http://10.0.0.5/"))).toBe("allowed");
    setAllowPrivateEgress(false);
    expect(await kindOf(assertPublicUrl("http://10.0.0.5/"))).toBe("blocked");
  });
});
